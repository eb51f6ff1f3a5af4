"""`ndrbot explain` over many files: forked workers (one per core), and with DNS one event loop
in the parent that asks every question (`bot/batch_dns.py`).

Whatever the route, the output is the same bytes in the order the files were given: each file
becomes one `Outcome` (what to print on stdout, or an error for stderr), printed by the parent.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

from bot.engine.analysis import Analysis
from bot.engine.folded import compile_all
from bot.engine.lazyre import compile_all as compile_lazy
from bot.explain import explain_offline
from bot.intent import Deps
from bot.model import Reply
from bot.record import Frozen, set_field

if TYPE_CHECKING:  # (batches only: `bounce` imports this module for its formatting)
    from bot.children import Child
    from bot.parseahead import ParseAhead, Parsed


class Style(Frozen):
    """How replies are printed: decided once by the parent, so workers print alike."""

    json: bool
    many: bool
    render: Callable[[Reply], str]

    __slots__ = ("json", "many", "render")

    def __init__(
        self,
        json: bool,
        many: bool,
        render: Callable[[Reply], str],
    ) -> None:
        set_field(self, "json", json)
        set_field(self, "many", many)
        set_field(self, "render", render)


class Outcome(Frozen):
    out: str
    """What to print on stdout (a JSON error line too, under --json)."""
    error: str
    """A usage error for this file (unreadable, empty, binary): the exit code is 2."""
    to_stderr: bool

    __slots__ = ("error", "out", "to_stderr")

    def __init__(
        self,
        out: str = "",
        error: str = "",
        to_stderr: bool = False,
    ) -> None:
        set_field(self, "out", out)
        set_field(self, "error", error)
        set_field(self, "to_stderr", to_stderr)


class FileError(Exception):
    """One file cannot be explained; the message names it."""


Reader = Callable[[str], bytes]


def refusal(analysis: Analysis, name: str) -> str | None:
    """Why input that cannot be a bounce (empty, binary) is refused, or None."""
    if analysis.kind not in ("empty", "binary"):
        return None
    message = analysis.notes[-1] if analysis.notes else "not a bounce"
    return f"{name}: {message[:1].lower()}{message[1:]}"


def format_reply(name: str, reply: Reply, style: Style) -> str:
    if style.json:
        import json  # only for --json: `bounce` and `explain` print text by default

        out = dict(reply.data or {"is_bounce": False, "diagnoses": [], "checks": []})
        return json.dumps({"file": name, **out} if style.many else out, ensure_ascii=False) + "\n"
    header = f"=== {name}\n" if style.many else ""
    return header + style.render(reply)


def format_error(name: str, message: str, style: Style) -> Outcome:
    if style.json:
        import json

        line = json.dumps({"file": name, "error": message}, ensure_ascii=False) + "\n"
        return Outcome(line, message)
    return Outcome(f"ndrbot: {message}\n", message, to_stderr=True)


def explain_files(
    names: Sequence[str],
    deps: Deps,
    style: Style,
    read: Reader,
    jobs: int = 1,
    ahead: ParseAhead | None = None,
) -> list[Outcome]:
    """Every file's outcome, in the order given. `ahead`: the parse-ahead helper started for this
    batch (bot/parseahead.py), whose parsed messages are taken when the workers start."""
    from bot.children import worker_count

    workers = worker_count(len(names), jobs)
    if deps.dns is not None:
        from bot.batch_dns import explain_with_dns

        return explain_with_dns(names, deps, style, read, workers, ahead)
    if workers > 1:
        return _forked(names, deps, style, read, workers, ahead)
    parsed = ahead.take() if ahead is not None else {}
    return [_offline(name, deps, style, read, parsed.get(i)) for i, name in enumerate(names)]


def _offline(
    name: str, deps: Deps, style: Style, read: Reader, parsed: Parsed | None = None
) -> Outcome:
    """One file's outcome; `parsed`: its message as the parse-ahead helper parsed it."""
    try:
        data = read(name)
    except FileError as exc:
        return format_error(name, str(exc), style)
    message = None
    if parsed is not None:
        from bot.parseahead import parsed_message  # (a batch's file parsed ahead)

        message = parsed_message(parsed, data)
    analysis, reply = explain_offline(data, deps, parsed=message)
    refused = refusal(analysis, name)
    if refused:
        return format_error(name, refused, style)
    return Outcome(format_reply(name, reply, style))


WARM_UP = (
    b"From: MAILER-DAEMON@mx.example.net\n"
    b"Subject: Undelivered Mail Returned to Sender\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
    b"--b\nContent-Type: text/plain\n\nI'm sorry to have to inform you that your message could"
    b" not be delivered.\n\n--b\nContent-Type: message/delivery-status\n\n"
    b"Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; bob@example.org\n"
    b"Action: failed\nStatus: 5.1.1\n"
    b"Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected\n\n"
    b"--b\nContent-Type: text/rfc822-headers\n\n"
    b"Received: from a.example.net (a.example.net [192.0.2.1]) by mx.example.net;"
    b" Mon, 1 Jan 2024 10:00:00 +0000\n"
    b"Received: from b.example.net by a.example.net; Mon, 1 Jan 2024 09:59:00 +0000\n"
    b"Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=example.net\n"
    b"Subject: hello\n\n--b--\n"
)
"""A small bounce that goes through every stage, explained before the workers are forked."""
CHUNK = 4
"""Files handed out together. Each process takes the next chunk when it is done with its last, so
they finish together even when another program keeps one core busy."""
MAX_CHUNKS = 2048
"""Chunk numbers (two bytes each) fill one pipe page at most: written before any reader runs."""


def prepare_to_fork(deps: Deps) -> None:
    """Load once, before forking, what explaining loads on first use (the classifier, the MIME
    and header parsers, the fuzzy matcher, the patterns): the children inherit it instead of each
    loading its own."""
    explain_offline(WARM_UP, deps)
    compile_all()  # the case-folded patterns the warm-up did not need
    compile_lazy()  # and the others: a batch of any size needs most of them


def _forked(
    names: Sequence[str],
    deps: Deps,
    style: Style,
    read: Reader,
    workers: int,
    ahead: ParseAhead | None = None,
) -> list[Outcome]:
    """The parent and `workers - 1` children forked after the knowledge is loaded (so they share
    it) explain the files chunk by chunk; each child sends its outcomes back when done."""
    prepare_to_fork(deps)
    parsed = ahead.take() if ahead is not None else {}  # (the helper has had all this time)
    chunks = Chunks(len(names))
    explain = partial(_explain_chunks, names, deps, style, read, chunks, parsed)
    children = [_fork_worker(explain) for _ in range(workers - 1)]
    try:
        outcomes = explain()
        for child in children:
            outcomes.update(_outcomes_of(child) or {})
        for i in range(len(names)):  # the files of a child that failed (raising what it raised)
            if i not in outcomes:
                outcomes[i] = _offline(names[i], deps, style, read, parsed.get(i))
    finally:
        chunks.close()
        for child in children:
            child.stop()
    return [outcomes[i] for i in range(len(names))]


class Chunks:
    """The chunks of files still to explain, shared by forked processes: a pipe that holds the
    chunk numbers, written whole before the fork. Reads of two bytes never split a number, so
    each chunk goes to exactly one process."""

    def __init__(self, count: int) -> None:
        self.size = max(CHUNK, -(-count // MAX_CHUNKS))
        self.count = count
        self.pipe: int | None
        self.pipe, writable = os.pipe()
        try:
            numbers = range(-(-count // self.size))
            os.write(writable, b"".join(n.to_bytes(2, "big") for n in numbers))
        finally:
            os.close(writable)  # the pipe ends when every number is taken

    def take(self) -> range | None:
        """The indexes of the next chunk's files, or None when all are taken."""
        if self.pipe is None:
            return None
        number = os.read(self.pipe, 2)
        if not number:
            return None
        start = int.from_bytes(number, "big") * self.size
        return range(start, min(start + self.size, self.count))

    def indexes(self) -> Iterator[int]:
        """The indexes of the files of every chunk this process takes, one chunk after another."""
        while (chunk := self.take()) is not None:
            yield from chunk

    def close(self) -> None:
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None


def _explain_chunks(
    names: Sequence[str],
    deps: Deps,
    style: Style,
    read: Reader,
    chunks: Chunks,
    parsed: Mapping[int, Parsed],
) -> dict[int, Outcome]:
    """Explain chunk after chunk until none is left: the outcomes by file index."""
    return {i: _offline(names[i], deps, style, read, parsed.get(i)) for i in chunks.indexes()}


def _fork_worker(explain: Callable[[], dict[int, Outcome]]) -> Child:
    """Fork a child that explains chunks of files (`explain`) and writes their outcomes to a
    pipe."""
    from bot.children import fork_child

    def work(writable: int) -> None:
        done = explain()
        with os.fdopen(writable, "wb") as pipe:
            pickle.dump(_to_wire(done), pipe, protocol=pickle.HIGHEST_PROTOCOL)

    return fork_child(work)


_Wire = dict[int, tuple[str, str, bool]]
"""Outcomes as a child sends them: plain tuples pickle and load in a fraction of the time of
`Outcome` objects (each pickled through `__reduce__` and loaded through `__init__`)."""


def wire_fields(outcome: Outcome) -> tuple[str, str, bool]:
    """An outcome as a plain tuple, to send between processes (`Outcome(*fields)` again)."""
    return outcome.out, outcome.error, outcome.to_stderr


def _to_wire(done: dict[int, Outcome]) -> _Wire:
    return {i: wire_fields(o) for i, o in done.items()}


def _from_wire(sent: _Wire) -> dict[int, Outcome]:
    return {i: Outcome(*fields) for i, fields in sent.items()}


def _outcomes_of(child: Child) -> dict[int, Outcome] | None:
    """A worker's outcomes by file index; None when it failed (it ended with an error, or its
    answer was cut short)."""
    data = child.read_all()
    try:  # while the child ends (~2 ms of freeing its memory)
        sent = pickle.loads(data) if data else None
    except Exception:  # cut short: the child failed while writing
        sent = None
    if child.wait() != 0 or sent is None:
        return None
    return _from_wire(sent)
