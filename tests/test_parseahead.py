"""The parse-ahead helper of a batch (bot/parseahead.py): a message it parsed explains exactly as
one parsed by the worker, a batch takes what it parsed, and what it cannot or must not read (a
pipe, stdin) or gets wrong is left to the workers."""

from __future__ import annotations

import binascii
import os
import pickle
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import bot.engine.diagnose
import bot.parseahead
from bot.app import build_deps
from bot.batch import Style, _offline
from bot.cli import _parse, _read_for_batch, read_file, settings_for
from bot.parseahead import ParseAhead, frames, rereadable
from tests.test_batch import folder  # noqa: F401 (a fixture)
from tests.test_cli import run

ROOT = Path(__file__).resolve().parent.parent


def batch_files() -> list[str]:
    """The benchmark's fixed batch: the real-bounce corpora's whole messages (many MTAs)."""
    lines = (ROOT / "bench" / "batch_files.txt").read_text(encoding="utf-8").splitlines()
    return [str(ROOT / line) for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize("as_json", [False, True])
def test_every_message_parsed_ahead_explains_as_one_parsed_by_the_worker(as_json: bool) -> None:
    names = batch_files()
    assert len(names) > 600
    deps = build_deps(settings_for(_parse(["explain", "--no-dns", *names[:2]])))
    style = Style(json=as_json, many=True, render=lambda reply: repr(reply))
    parsed = ParseAhead(names, read_file).take(wait=True)
    assert sorted(parsed) == list(range(len(names)))  # it parsed them all
    for i, name in enumerate(names):
        here = _offline(name, deps, style, _read_for_batch)
        ahead = _offline(name, deps, style, _read_for_batch, parsed[i])
        assert (ahead.out, ahead.error) == (here.out, here.error), name


def frame(index: int, checksum: int, message: bytes) -> bytes:
    """A frame as the helper writes it."""
    return b"".join(n.to_bytes(4, "big") for n in (index, checksum, len(message))) + message


def test_a_frame_cut_short_is_left_out() -> None:
    sent = frame(3, 30, b"abc") + frame(0, 0, b"") + frame(7, 70, b"defgh")
    found = {i: (checksum, bytes(m)) for i, (checksum, m) in frames(sent).items()}
    assert found == {3: (30, b"abc"), 0: (0, b""), 7: (70, b"defgh")}
    for cut in range(1, 18):  # anywhere in the last frame (its 12 head bytes and 5 of message)
        assert sorted(frames(sent[:-cut])) == [0, 3]
    assert frames(b"") == {}


def test_a_file_changed_since_the_helper_read_it_is_parsed_again(
    folder: list[str],  # noqa: F811 (the fixture)
) -> None:
    deps = build_deps(settings_for(_parse(["explain", "--no-dns", *folder[:2]])))
    style = Style(json=True, many=True, render=str)
    first, second = folder[0], folder[1]
    parsed = ParseAhead([first], read_file).take(wait=True)
    Path(first).write_bytes(Path(second).read_bytes())  # (another recipient, another reason)
    fresh = _offline(first, deps, style, _read_for_batch)
    assert _offline(first, deps, style, _read_for_batch, parsed[0]) == fresh
    assert _offline(second, deps, style, _read_for_batch, parsed[0]) != fresh  # (it can differ)


@pytest.fixture
def parsed_in_parent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """What the batch's parent process parses itself (the helper and workers are not counted);
    the parent takes the helper's messages only once it has parsed every file it may."""
    parent = os.getpid()
    parsed: list[bytes] = []
    parse = bot.engine.diagnose.parse

    def counted(data: Any) -> Any:
        if os.getpid() == parent:
            parsed.append(bytes(data))
        return parse(data)

    take = ParseAhead.take
    monkeypatch.setattr(bot.engine.diagnose, "parse", counted)
    monkeypatch.setattr(ParseAhead, "take", lambda self, wait=False: take(self, wait=True))
    yield parsed


@pytest.mark.parametrize("form", [[], ["--json"]])
@pytest.mark.parametrize("through", ["memory file", "pipe"])
def test_a_batch_takes_the_messages_parsed_ahead(
    folder: list[str],  # noqa: F811 (the fixture)
    form: list[str],
    through: str,
    parsed_in_parent: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The helper writes to a file in memory (Linux), or to its pipe where there is none."""
    if through == "pipe":
        monkeypatch.setattr(bot.parseahead, "_memory_file", lambda: None)
    alone = run(capsys, "explain", *form, "--no-dns", "--jobs", "1", *folder)
    parsed_in_parent.clear()
    forked = run(capsys, "explain", *form, "--no-dns", "--jobs", "2", *folder)
    assert forked == alone
    contents = {Path(name).read_bytes() for name in folder if os.path.exists(name)}
    assert not contents & set(parsed_in_parent)  # every file came parsed from the helper


def test_no_helper_for_one_process(
    folder: list[str],  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    started: list[int] = []
    monkeypatch.setattr(ParseAhead, "__init__", lambda self, *args: started.append(1))
    run(capsys, "explain", "--no-dns", "--jobs", "1", *folder)
    run(capsys, "explain", "--no-dns", "--jobs", "2", folder[0], folder[1])
    assert started == []


def test_a_helper_that_sends_garbage_or_fails_costs_nothing(
    folder: list[str],  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alone = run(capsys, "explain", "--json", "--no-dns", "--jobs", "1", *folder)

    def wrong(names: list[str], read: Any, pipe: int, parent: int) -> None:
        for index, name in enumerate(names[:30]):  # (the checksum right: the pickle is read)
            checksum = binascii.crc32(Path(name).read_bytes()) if os.path.exists(name) else 0
            os.write(pipe, frame(index, checksum, b"junk!" if index % 2 else pickle.dumps(index)))
        os.write(pipe, frame(31, 0, pickle.dumps(None))[:-2])  # cut short
        raise RuntimeError("the helper fails")

    monkeypatch.setattr(bot.parseahead, "_parse_ahead", wrong)
    assert run(capsys, "explain", "--json", "--no-dns", "--jobs", "2", *folder) == alone


def test_the_helper_reads_regular_files_and_held_messages_only(tmp_path: Path) -> None:
    """A named pipe's bytes (or stdin's) can be read once: the helper must leave them to the
    worker that explains the item. Asking is a look at the file's kind, not an open."""
    fifo = tmp_path / "pasted"
    os.mkfifo(fifo)
    regular = tmp_path / "saved.eml"
    regular.write_bytes(b"Subject: x\n\nbody\n")
    held = {"box.mbox#2": b"an mbox's message"}
    read = rereadable(lambda name: held.get(name) or read_file(name), held)
    assert read("box.mbox#2") == b"an mbox's message"

    def feed() -> None:  # (so that a helper that did read the pipe would not wait forever)
        open(fifo, "wb").close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    assert read(str(fifo)) is None
    os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # lets the writer go
    writer.join(timeout=10)
    assert read("-") is None
    assert read(str(regular)) == b"Subject: x\n\nbody\n"
    with pytest.raises(FileNotFoundError):
        read(str(tmp_path / "missing.eml"))  # (the helper leaves it to the worker to say)


def test_a_pipe_among_the_files_is_explained_by_a_worker(
    folder: list[str],  # noqa: F811 (the fixture)
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fifo = tmp_path / "pasted"
    os.mkfifo(fifo)
    bounce = Path(folder[0]).read_bytes()
    done = threading.Event()

    def feed() -> None:
        with open(fifo, "wb") as pipe:  # waits for its first reader
            pipe.write(bounce)
        while not done.is_set():  # a second reader (a worker, had the helper read it) gets none
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # no reader
                time.sleep(0.005)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        got = run(capsys, "explain", "--json", "--no-dns", "--jobs", "2", str(fifo), *folder)
    finally:
        done.set()
        writer.join(timeout=10)
    alone = run(capsys, "explain", "--json", "--no-dns", "--jobs", "2", *folder[:1], *folder)
    assert (got[0], got[1].replace(str(fifo), folder[0])) == alone[:2]


def _ended(pid: int) -> bool:
    """The process is gone, or a zombie its new parent has not reaped yet."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads /proc (Linux)")
def test_a_helper_whose_parent_is_killed_ends_too() -> None:
    """Its parent killed (no `finally` runs), the helper does not go on parsing a large batch."""
    names = batch_files() * 200  # (half a minute of parsing)
    readable, writable = os.pipe()
    parent = os.fork()
    if parent == 0:  # the batch's parent: starts a helper, tells its pid, and is gone
        try:
            os.write(writable, str(ParseAhead(names, read_file).pid).encode())
        finally:
            os._exit(0)
    os.close(writable)
    os.waitpid(parent, 0)
    helper = int(os.read(readable, 64))  # (not to its end: the helper holds the pipe too)
    os.close(readable)
    deadline = time.monotonic() + 5
    while not _ended(helper) and time.monotonic() < deadline:
        time.sleep(0.01)
    ended = _ended(helper)
    if not ended:
        os.kill(helper, signal.SIGKILL)
    assert ended


def test_no_process_to_spare_for_a_helper_and_the_batch_goes_on(
    folder: list[str],  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alone = run(capsys, "explain", "--json", "--no-dns", "--jobs", "1", *folder)

    def no_fork(work: object) -> object:
        raise BlockingIOError(11, "Resource temporarily unavailable")  # what fork raises

    monkeypatch.setattr(bot.parseahead, "fork_child", no_fork)
    assert run(capsys, "explain", "--json", "--no-dns", "--jobs", "2", *folder) == alone
