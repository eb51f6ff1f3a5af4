"""The regex engine's programs for ndrbot's patterns, kept between runs in the user's cache
directory, so a one-shot command skips compiling them.

Python compiles a regular expression in two steps. Pure-Python code parses the source and writes
the regex engine's program, a list of numbers; the engine (`_sre.compile`) then checks that
program and wraps it. The first step is the slow one: about 0.2 ms a pattern, some 40 ms for the
~200 patterns a batch of bounces uses, a tenth of a batch's time before its workers start. This
cache keeps each pattern's program and hands it straight to the engine on the next run.

Both steps are Python's own, not public API (`re._parser`, `re._compiler`, `_sre`), so nothing
here may fail a run:
- the file is keyed by the exact interpreter build and the engine's magic number, so another
  Python ignores it and writes its own;
- the engine checks every program it is given and refuses a malformed one, which is then
  compiled afresh;
- should Python's internals change shape, every pattern is compiled by `re.compile`, as without
  a cache, and nothing is written.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # (no stubs: the regex engine itself)
import contextlib
import marshal
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

from bot.cachefile import write_atomically
from bot.engine import lazyre

FORMAT = 1
"""Bumped when what an entry holds changes."""
MAX_ENTRIES = 2_000
"""Past this many (patterns edited over many versions), only the ones this run used are kept."""
_KEY = (FORMAT, sys.version, _sre.MAGIC, _sre.CODESIZE)

Source = str | bytes
Program = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]
"""What `_sre.compile` takes after the source: final flags, the code, the number of groups
(less one), the group names by name and by index."""


def cache_path(cache_dir: str | os.PathLike[str]) -> str:
    return os.path.join(cache_dir, f"patterns-{sys.implementation.cache_tag}.marshal")


class PatternCodes:
    """Patterns compiled from the programs stored in one file, and the new ones to add to it."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.stored: dict[tuple[Source, int], Program] = _read(path) if path else {}
        self.added: dict[tuple[Source, int], Program] = {}
        self.used: set[tuple[Source, int]] = set()

    def compile(self, source: Source, flags: int = 0) -> re.Pattern[Any]:
        """`re.compile(source, flags)`: from the stored program when there is one."""
        key = (source, int(flags))
        program = self.stored.get(key)
        if program is not None:
            try:
                pattern = _sre.compile(source, *program)
            except Exception:  # refused by the engine, or not the shape it takes: compile afresh
                del self.stored[key]
            else:
                self.used.add(key)
                return pattern
        try:
            program = _program(source, key[1])
            pattern = _sre.compile(source, *program)
        except Exception:  # an invalid pattern raises from here; changed internals compile as ever
            return re.compile(source, flags)
        self.added[key] = program
        return pattern

    def save(self) -> None:
        """Write the stored programs and the new ones, if there are new ones (atomically: a
        reader sees the old file or the new one)."""
        if not self.added or self.path is None:
            return
        entries = {**self.stored, **self.added}
        if len(entries) > MAX_ENTRIES:
            entries = {k: v for k, v in entries.items() if k in self.used or k in self.added}
        data = marshal.dumps((_KEY, entries))
        write_atomically(self.path, lambda out: out.write(data))


def _program(source: Source, flags: int) -> Program:
    """The engine's program for a pattern, as `re.compile` makes it (Python's own two steps)."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(source, flags)
    state = parsed.state
    code = [int(number) for number in _compiler._code(parsed, flags)]
    names: list[str | None] = [None] * state.groups
    for name, index in state.groupdict.items():
        names[index] = name
    return flags | state.flags, code, state.groups - 1, dict(state.groupdict), tuple(names)


def _read(path: str) -> dict[tuple[Source, int], Program]:
    try:
        with open(path, "rb") as stored:
            key, entries = marshal.loads(stored.read())
    except Exception:  # missing, truncated, not ours: start empty
        return {}
    return entries if key == _KEY and isinstance(entries, dict) else {}


@contextlib.contextmanager
def kept_in(cache_dir: str | None) -> Iterator[None]:
    """While in it, ndrbot's patterns compile from `cache_dir`'s stored programs (none without
    a cache directory); on leaving, the new ones are added to the file."""
    if cache_dir is None:
        yield
        return
    codes = PatternCodes(cache_path(cache_dir))
    lazyre.set_compiler(codes.compile)
    try:
        yield
    finally:
        lazyre.set_compiler(re.compile)
        codes.save()
