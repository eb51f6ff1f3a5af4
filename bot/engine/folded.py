"""Case-insensitive regex searches, quicker on ASCII text.

With IGNORECASE, Python's regex engine compares every letter both ways. In ASCII text the same
pattern written in lower case finds the same matches in the lower-cased text, at the same places
(lower-casing ASCII keeps every character where it is), in about a third of the time. smtp_stage
(extract.py) works that way by hand; `Folded` does it for any such pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.engine.contains import any_in
from bot.engine.lazyre import compile_source, source_and_flags

_NOT_LOWERABLE = re.compile(r"\(\?P[<=]|\(\?[aiLmsux-]|\\[NxuU0-9]")
"""What lower-casing the pattern would get wrong: group names, flags set inside it, characters
written by number or name (an "\\x41" is an upper-case letter). A pattern with any of them is
always searched as it is."""
_PIECES = re.compile(r"\\.|[^\\]+", re.DOTALL)
"""Escapes and what lies between them: the letters of escapes (\\S, \\W, \\B) keep their case,
and mean the same in lower-cased text (lower-casing keeps spaces, digits and word characters)."""


def _lower_pattern(pattern: str) -> str:
    return "".join(p if p[0] == "\\" else p.lower() for p in _PIECES.findall(pattern))


def _lowerable(source: str, flags: int) -> bool:
    """`flags` as given: a pattern that sets flags of its own is never lowered (_NOT_LOWERABLE)."""
    if not flags & re.IGNORECASE or _NOT_LOWERABLE.search(source):
        return False
    # A non-ASCII letter that matches an ASCII one when case is ignored ("ſ" matches "s", "ı"
    # matches "I", the Kelvin sign "k") would find less once lower-cased.
    letters = {c for c in set(source) if not c.isascii()}
    return not any(c.upper().isascii() or c.lower().isascii() for c in letters)


class Folded:
    """A case-insensitive pattern whose `search` answers as its own would: the same match
    positions, and the same groups except that in ASCII text their letters are lower case."""

    def __init__(self, pattern: re.Pattern[str], guards: tuple[str, ...] = ()) -> None:
        self.pattern = pattern
        self.guards = guards
        """Lower-case strings one of which every match in ASCII text holds: without one, the
        search ends there (tests/test_folded.py proves each list from the pattern's source)."""
        self._source, self._flags = source_and_flags(pattern)
        """Read without compiling the pattern (a lazy one is compiled only if ever searched as
        it is: in text that is not ASCII)."""
        self.lowerable = _lowerable(self._source, self._flags)
        self._lower: re.Pattern[str] | None = None
        """Compiled on first use (a module that holds a Folded may never search with it), or by
        `compile_all`."""
        _MADE.append(self)

    def search(self, text: str, lowered: str | None = None) -> re.Match[str] | None:
        """`pattern.search(text)`; `lowered`: `text.lower()`, when the caller has it."""
        if not self.lowerable or not text.isascii():
            return self.pattern.search(text)
        if lowered is None:
            lowered = text.lower()
        if self.guards and not any_in(lowered, self.guards):
            return None
        if self._lower is None:
            self._lower = self._compile_lower()
        return self._lower.search(lowered)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """`pattern.finditer(text)`, each match as `search` gives it."""
        if not self.lowerable or not text.isascii():
            return self.pattern.finditer(text)
        lowered = text.lower()
        if self.guards and not any_in(lowered, self.guards):
            return iter(())
        if self._lower is None:
            self._lower = self._compile_lower()
        return self._lower.finditer(lowered)

    def _compile_lower(self) -> re.Pattern[str]:
        return compile_source(_lower_pattern(self._source), self._flags & ~re.IGNORECASE)


_MADE: list[Folded] = []
"""Every Folded made: the modules' constants (none is made per search)."""


def compile_all() -> None:
    """Compile the lower-case pattern of every Folded made so far: before `explain` forks its
    workers, so that they share them instead of each compiling its own."""
    for folded in _MADE:
        if folded.lowerable and folded._lower is None:
            folded._lower = folded._compile_lower()
