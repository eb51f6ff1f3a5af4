"""Regular expressions compiled when first used, not when their module is imported.

A one-shot `ndrbot explain` of one bounce imports every parsing module, yet most of their patterns
never run on that bounce (a Japanese notice's, a mailing list's, a queue listing's): compiling
them all took about a third of its time. `lazy(...)` stands where `re.compile(...)` stood. Its
first use compiles the pattern and keeps the compiled pattern's methods on itself, so each later
`search` or `sub` is the compiled pattern's own method, found as quickly as on a compiled one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, AnyStr, cast

_KEPT = (
    "search",
    "match",
    "fullmatch",
    "finditer",
    "findall",
    "sub",
    "subn",
    "split",
    "scanner",
    "flags",
    "groups",
    "groupindex",
)
"""The compiled pattern's attributes kept on the lazy one once compiled (`pattern` it has from
the start)."""


class LazyPattern:
    """A pattern's source and flags, compiled on first use (see the module's note)."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self.pattern = pattern
        self.declared_flags = flags
        """The flags as given: `flags`, which also holds the pattern's own inline flags and the
        implied UNICODE, needs the compiled pattern."""
        _MADE.append(self)

    def compiled(self) -> re.Pattern[Any]:
        found = self.__dict__.get("_compiled")
        if found is None:
            found = compile_source(self.pattern, self.declared_flags)
            for name in _KEPT:
                setattr(self, name, getattr(found, name))
            self._compiled = found
        return found

    def __getattr__(self, name: str) -> Any:
        """Only for what the instance does not hold yet: compile, then answer as compiled."""
        if name.startswith("__") or name == "_compiled":
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (LazyPattern, (self.pattern, self.declared_flags))

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, {self.declared_flags})"


_compiler: Callable[[Any, int], re.Pattern[Any]] = re.compile
"""What compiles a source: `re.compile`, or while a one-shot command runs, the compiler that
takes the engine's program from the cache of them (bot/patterncache.py)."""


def set_compiler(compiler: Callable[[Any, int], re.Pattern[Any]]) -> None:
    global _compiler
    _compiler = compiler


def compile_source(source: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """`re.compile(source, flags)`, by the compiler set (see `set_compiler`)."""
    return _compiler(source, flags)


_MADE: list[LazyPattern] = []
"""Every lazy pattern made: the modules' constants (none is made per search)."""


def compile_all() -> None:
    """Compile every lazy pattern made so far: before `explain` forks its workers, which over a
    batch need most of them, so that they share them instead of each compiling its own."""
    for pattern in _MADE:
        pattern.compiled()


def lazy(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """`re.compile(pattern, flags)`, compiled when first used."""
    return cast("re.Pattern[AnyStr]", LazyPattern(pattern, flags))


def source_and_flags(pattern: re.Pattern[Any]) -> tuple[Any, int]:
    """A pattern's source and the flags it was given, without compiling a lazy one."""
    if isinstance(pattern, LazyPattern):
        return pattern.pattern, pattern.declared_flags
    return pattern.pattern, pattern.flags


def compiled(pattern: re.Pattern[AnyStr]) -> re.Pattern[AnyStr]:
    """The compiled pattern behind a lazy one (a compiled one is its own)."""
    if isinstance(pattern, LazyPattern):
        return cast("re.Pattern[AnyStr]", pattern.compiled())
    return pattern
