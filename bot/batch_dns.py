"""`ndrbot explain` over many files with DNS evidence: one event loop asks every question.

The parent analyses file after file, and each file's lookups run while the next files are
analysed. With more than one worker, forked children analyse chunks of files too and stream each
analysis to the parent as soon as it is made: a file that needs no DNS comes back as its printed
outcome, one that does as its analysis (pickled), whose lookups the parent starts at once. All
lookups stay in the parent, so each distinct question is asked once for the whole batch, and a
DNS server that does not answer is found out (and reported) once.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.batch import (
    Chunks,
    FileError,
    Outcome,
    Reader,
    Style,
    format_error,
    format_reply,
    prepare_to_fork,
    refusal,
    wire_fields,
)
from bot.children import Child, fork_child, write_all
from bot.engine.analysis import Analysis
from bot.evidence import plan_evidence
from bot.explain import diagnosed, with_evidence
from bot.intent import Deps
from bot.parseahead import ParseAhead, Parsed, parsed_message
from bot.present import reply_for_analysis

CONCURRENT_FILES = 32
"""Files whose DNS evidence is gathered at the same time (each asks a handful of questions)."""
ERROR_TTL = 300
"""A batch keeps the DNS errors it meets for its run (five minutes at most): asked once each."""
_FRAME = 4
"""Bytes of the length before each message a child sends."""

_Made = tuple[str, Any]
"""What a file gave: ("outcome", (out, error, to_stderr)) or ("analysis", Analysis)."""


def explain_with_dns(
    names: Sequence[str],
    deps: Deps,
    style: Style,
    read: Reader,
    workers: int = 1,
    ahead: ParseAhead | None = None,
) -> list[Outcome]:
    """Every file's outcome, in the order given; `workers` processes analyse (forked here, before
    the event loop starts, so that no child inherits a running one). `ahead`: the batch's
    parse-ahead helper (bot/parseahead.py), whose messages are taken when the workers start."""
    checker: Any = deps.dns
    checker.resolver.error_ttl = ERROR_TTL
    if workers <= 1 or not hasattr(os, "fork"):
        parsed = ahead.take() if ahead is not None else {}
        batch = _Batch(names, deps, style, read, parsed)
        return asyncio.run(batch.run(range(len(names)), []))
    prepare_to_fork(deps)
    parsed = ahead.take() if ahead is not None else {}  # (the helper has had all this time)
    chunks = Chunks(len(names))
    children = [
        _fork_analyser(names, deps, read, style, chunks, parsed) for _ in range(workers - 1)
    ]
    try:
        batch = _Batch(names, deps, style, read, parsed)
        return asyncio.run(batch.run(chunks.indexes(), children))
    finally:
        chunks.close()
        for child in children:
            child.stop()


class _Batch:
    """The parent's side: outcomes by file index, and the lookups in flight."""

    def __init__(
        self,
        names: Sequence[str],
        deps: Deps,
        style: Style,
        read: Reader,
        parsed: Mapping[int, Parsed],
    ) -> None:
        self.names = names
        self.deps = deps
        self.style = style
        self.read = read
        self.parsed = parsed
        """The messages the parse-ahead helper parsed, by file index."""
        self.pending: dict[int, Outcome | asyncio.Future[Outcome]] = {}
        self.gate: asyncio.Semaphore | None = None
        self.checked: asyncio.Future[Deps] | None = None
        """The DNS server asked once, when the first file needs it: the deps to explain with."""

    async def run(self, indexes: Iterable[int], children: list[Child]) -> list[Outcome]:
        """Analyse the files of `indexes` here while the children send theirs."""
        self.gate = asyncio.Semaphore(CONCURRENT_FILES)
        receivers = [asyncio.ensure_future(self._receive(child)) for child in children]
        for i in indexes:
            self.take(i, self._analysed(i))
            await asyncio.sleep(0)  # the lookups in flight and the children's messages move on
        for receiver in receivers:
            await receiver
        for i in range(len(self.names)):  # the files of a child that failed
            if i not in self.pending:
                self.take(i, self._analysed(i))
        return [
            item if isinstance(item, Outcome) else await item
            for item in (self.pending[i] for i in range(len(self.names)))
        ]

    def _analysed(self, i: int) -> _Made:
        return _analysed(self.names[i], self.deps, self.read, self.style, self.parsed.get(i))

    def take(self, i: int, made: _Made) -> None:
        """A file's outcome, or its analysis, whose DNS evidence is gathered from now on."""
        kind, value = made
        if kind == "outcome":
            self.pending[i] = Outcome(*value)
            return
        if self.checked is None:
            self.checked = asyncio.ensure_future(_checked_deps(self.deps))
        self.pending[i] = asyncio.ensure_future(self._evidenced(self.names[i], value))

    async def _evidenced(self, name: str, analysis: Analysis) -> Outcome:
        assert self.checked is not None and self.gate is not None
        using = await self.checked
        async with self.gate:
            reply = await with_evidence(analysis, using)
        return Outcome(format_reply(name, reply, self.style))

    async def _receive(self, child: Child) -> None:
        """Take a child's messages as they come, until it has sent all (or failed)."""
        assert child.pipe is not None
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        pipe = os.fdopen(child.pipe, "rb", buffering=0)
        child.pipe = None  # the transport closes it
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), pipe
        )
        try:
            while True:
                try:
                    size = int.from_bytes(await reader.readexactly(_FRAME), "big")
                    i, made = pickle.loads(await reader.readexactly(size))
                except asyncio.IncompleteReadError:
                    break  # all sent (or the child failed: its files left are done here)
                self.take(i, made)
        finally:
            transport.close()
        child.reap()


def _analysed(
    name: str, deps: Deps, read: Reader, style: Style, parsed: Parsed | None = None
) -> _Made:
    """What one file gives the parent: its outcome when it needs no DNS, else its analysis.
    `parsed`: its message as the parse-ahead helper parsed it."""
    try:
        data = read(name)
    except FileError as exc:
        return "outcome", wire_fields(format_error(name, str(exc), style))
    analysis = diagnosed(data, deps, parsed=parsed_message(parsed, data))
    refused = refusal(analysis, name)
    if refused:
        return "outcome", wire_fields(format_error(name, refused, style))
    if analysis.is_bounce and not plan_evidence(analysis).empty:
        return "analysis", analysis
    return "outcome", wire_fields(
        Outcome(format_reply(name, reply_for_analysis(analysis, ()), style))
    )


def _fork_analyser(
    names: Sequence[str],
    deps: Deps,
    read: Reader,
    style: Style,
    chunks: Chunks,
    parsed: Mapping[int, Parsed],
) -> Child:
    """Fork a child that analyses chunks of files and sends each file's result at once."""

    def work(writable: int) -> None:
        for i in chunks.indexes():
            made = (i, _analysed(names[i], deps, read, style, parsed.get(i)))
            message = pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL)
            write_all(writable, len(message).to_bytes(_FRAME, "big") + message)

    return fork_child(work)


async def _checked_deps(deps: Deps) -> Deps:
    """The deps, without DNS when the DNS server does not answer (said once, on stderr)."""
    problem = await _resolver_problem(deps)
    if not problem:
        return deps
    print(f"ndrbot: {problem}; explaining without DNS checks", file=sys.stderr)
    return deps.replace(dns=None)


async def _resolver_problem(deps: Deps) -> str | None:
    """Ask the DNS server one question first: a dead one is reported once, not per file."""
    checker: Any = deps.dns
    resolver = checker.resolver
    session = resolver.session(min(deps.settings.dns_deadline, resolver.timeout + 0.5))
    try:
        answer = await session.lookup(".", "NS")
    finally:
        session.close()
    unreachable = answer.error in ("timeout", "deadline exceeded") or answer.error.startswith(
        "network error"
    )
    if answer.status != "error" or not unreachable:
        return None  # an answer, even a refusal, means the server is there
    servers = ", ".join(f"{ip}:{port}" for ip, port in resolver.nameservers) or "none configured"
    return f"the DNS server did not answer ({servers}: {answer.error})"
