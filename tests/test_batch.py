"""`ndrbot explain` over many files: the same bytes whatever the route (workers, cache), in order;
a dead DNS server reported once."""

from __future__ import annotations

import json
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pytest

import bot.batch
import bot.batch_dns
from bot.batch import MAX_CHUNKS, Chunks
from tests.bounce_factory import Rcpt, make_dsn
from tests.test_cli import run

REPLIES = [
    ("5.1.1", "550 5.1.1 <{0}>: Recipient address rejected: User unknown"),
    ("5.2.2", "552 5.2.2 <{0}>: Mailbox full"),
    (
        "5.7.1",
        "554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org",
    ),
    ("4.4.1", "connect to mx.example.net[192.0.2.9]:25: Connection timed out"),
    ("5.7.26", "550 5.7.26 This mail has been blocked because the sender is unauthenticated."),
]


@pytest.fixture
def folder(tmp_path: Path) -> list[str]:
    """Forty bounces of five kinds, an unreadable name and an empty file among them."""
    names = []
    for index in range(40):
        status, reply = REPLIES[index % len(REPLIES)]
        address = f"user{index}@example.net"
        path = tmp_path / f"{index:02}.eml"
        path.write_bytes(make_dsn([Rcpt(address, status, reply.format(address))]))
        names.append(str(path))
    (tmp_path / "empty.eml").write_bytes(b"")
    names.insert(7, str(tmp_path / "missing.eml"))
    names.insert(21, str(tmp_path / "empty.eml"))
    return names


@pytest.mark.parametrize("form", [[], ["--json"]])
def test_workers_give_the_same_bytes_in_the_same_order(
    folder: list[str], form: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    alone = run(capsys, "explain", *form, "--jobs", "1", *folder)
    forked = run(capsys, "explain", *form, "--jobs", "2", *folder)
    assert alone == forked
    code, out, err = forked
    assert code == 2  # two files could not be explained
    if form:
        files = [line.split('"file": ')[1].split(",")[0].strip('"') for line in out.splitlines()]
        assert files == folder
    else:
        assert out.count("=== ") == 40
        assert err.count("ndrbot: ") == 2


def test_the_knowledge_cache_changes_nothing(
    folder: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = run(capsys, "explain", "--json", *folder)
    again = run(capsys, "explain", "--json", *folder)  # now read from the cache
    monkeypatch.setenv("NDRBOT_CACHE_DIR", "off")
    parsed = run(capsys, "explain", "--json", *folder)
    assert cached == again == parsed


def test_each_chunk_goes_to_exactly_one_process() -> None:
    chunks = Chunks(1000)
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child takes chunks as a worker does, and tells which
        status = 1
        try:
            os.close(readable)
            with os.fdopen(writable, "w") as out:
                json.dump([i for chunk in iter(chunks.take, None) for i in chunk], out)
            status = 0
        finally:
            os._exit(status)
    os.close(writable)
    mine = [i for chunk in iter(chunks.take, None) for i in chunk]
    with os.fdopen(readable) as answer:
        theirs = json.load(answer)
    assert os.waitpid(pid, 0)[1] == 0
    chunks.close()
    assert sorted(mine + theirs) == list(range(1000))
    assert not set(mine) & set(theirs)


def test_a_huge_batch_is_cut_into_no_more_chunks_than_the_pipe_holds() -> None:
    chunks = Chunks(100_003)
    taken = list(iter(chunks.take, None))
    assert len(taken) <= MAX_CHUNKS
    assert [i for chunk in taken for i in chunk] == list(range(100_003))


ROUTES = {
    "no-dns": (["--no-dns"], bot.batch, "_offline"),
    "dns": ([], bot.batch_dns, "_analysed"),
}
"""Each batch route: its flags, and the function its processes explain a file with."""


def paced(
    monkeypatch: pytest.MonkeyPatch, route: str, children: Callable[..., object] | None = None
) -> None:
    """The parent explains each file slowly, so that the children take chunks too (a fast parent
    could take them all before a child starts); `children`: what they do instead."""
    _, module, name = ROUTES[route]
    parent = os.getpid()
    explain = getattr(module, name)

    def slowly(*args: Any, **kwargs: Any) -> object:
        if os.getpid() == parent:
            time.sleep(0.005)
        elif children is not None:
            return children(*args, **kwargs)
        return explain(*args, **kwargs)

    monkeypatch.setattr(module, name, slowly)


@pytest.mark.parametrize("route", ROUTES)
def test_the_files_of_a_worker_that_fails_are_explained_by_the_parent(
    route: str,
    folder: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flags = ROUTES[route][0]
    alone = run(capsys, "explain", "--json", "--jobs", "1", *flags, *folder)

    def failing(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a worker fails")

    paced(monkeypatch, route, children=failing)
    assert run(capsys, "explain", "--json", "--jobs", "3", *flags, *folder) == alone


def test_the_files_of_a_worker_that_fails_while_answering_are_explained_by_the_parent(
    folder: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child that fails once its answer is written, or in the middle of writing it, is not
    believed (the route without DNS: a child answers once, with all its outcomes)."""
    alone = run(capsys, "explain", "--json", "--jobs", "1", "--no-dns", *folder)
    paced(monkeypatch, "no-dns")
    dump = pickle.dump

    def wrong_then_failing(sent: dict[int, object], out: BinaryIO, **kwargs: Any) -> None:
        dump({i: ("WRONG\n", "", False) for i in sent}, out, **kwargs)
        out.flush()
        raise RuntimeError("failed once its answer was written")

    monkeypatch.setattr(pickle, "dump", wrong_then_failing)
    assert run(capsys, "explain", "--json", "--jobs", "3", "--no-dns", *folder) == alone
    monkeypatch.setattr(pickle, "dump", dump)

    def breaking_off(done: dict[int, object]) -> dict[int, object]:
        return {**{-i: ("x" * 200_000, "", False) for i in range(1, 4)}, 0: lambda: None}

    monkeypatch.setattr(bot.batch, "_to_wire", breaking_off)
    assert run(capsys, "explain", "--json", "--jobs", "3", "--no-dns", *folder) == alone


def test_a_bad_jobs_count_is_a_usage_error(
    folder: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "explain", "--jobs", "0", *folder)
    assert (code, out) == (2, "")
    assert "--jobs" in err


def test_a_dead_dns_server_is_reported_once(
    folder: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NDRBOT_DNS", "on")
    monkeypatch.setenv("NDRBOT_DNS_DEADLINE", "2")
    # Nothing listens on this loopback port: every question would fail.
    code, out, err = run(capsys, "explain", "--json", "--nameserver", "127.0.0.1:9", *folder)
    assert err.count("did not answer") == 1
    assert "127.0.0.1:9" in err
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 42
    assert all(not line.get("checks") for line in lines)  # the run went on without DNS
    assert code == 2  # the two bad files


@pytest.mark.parametrize("form", [[], ["--json"]])
def test_a_whole_process_prints_what_main_returns(
    folder: list[str],
    form: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Run as a process, a one-shot command ends without the interpreter's teardown: the same
    output, flushed whole, and the same exit code."""
    import subprocess
    import sys

    monkeypatch.setenv("COLUMNS", "100")  # the same width in here and in the process

    expected = run(capsys, "explain", "--no-dns", *form, "--jobs", "2", *folder)
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "explain", "--no-dns", *form, "--jobs", "2", *folder],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout, done.stderr) == expected
