"""No catastrophic regexes: every compiled pattern in bot/ and intents/ stays fast on hostile text.

Knowledge patterns are not regexes at all (fuzzy text and plain substrings), so a user's edit of
knowledge.yaml cannot make matching slow. The code's own patterns avoid nested and overlapping
quantifiers and bound their repeats; this sweep backs that up by running each pattern over long
runs of the characters such patterns trip on. A super-linear pattern takes seconds on these
inputs; a linear one takes milliseconds, so the bound below is a wide guard, not a speed test.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import time

import pytest

import bot
import intents
from bot.engine.lazyre import LazyPattern

LENGTH = 10_000
BUDGET_SECONDS = 1.5
UNITS = [
    "a", "A", "1", " ", "\t", "\n", "@", ".", "-", "_", "<", ">", ":", ";", "=", '"', "'", "(", ")",
    "[", "]", "#", "/", "|", "é", "宛", "a@", "a.", "1.", "a ", "<a", "a-", "5.", "550-5.7.1 ",
    "to=<", " ** ", "> ", "a1.", "x@y.", "&lt;", "said: ",
]  # fmt: skip


def _patterns() -> list[tuple[str, re.Pattern[str] | re.Pattern[bytes]]]:
    found = {}
    for package in (bot, intents):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                for index, pattern in enumerate(_compiled(value)):
                    found[f"{info.name}.{name}{f'[{index}]' if index else ''}"] = pattern
    return sorted(found.items())


def _compiled(value: object) -> list[re.Pattern[str] | re.Pattern[bytes]]:
    """A compiled pattern, a lazy one (`lazy(...)`, compiled here), or those a cached function
    without parameters compiles on first use (`@cache def _patterns() -> tuple[re.Pattern[str],
    ...]`)."""
    if isinstance(value, re.Pattern):
        return [value]
    if isinstance(value, LazyPattern):
        return [value.compiled()]
    if not callable(value) or not hasattr(value, "cache_info"):
        return []
    if inspect.signature(value).parameters:
        return []
    made = value()
    items = made if isinstance(made, tuple) else (made,)
    return [item for item in items if isinstance(item, re.Pattern)]


PATTERNS = _patterns()


def test_the_sweep_sees_the_patterns() -> None:
    assert len(PATTERNS) > 40


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_pattern_is_linear_on_hostile_text(name: str, pattern: re.Pattern) -> None:  # type: ignore[type-arg]
    started = time.perf_counter()
    for unit in UNITS:
        text = (unit * (LENGTH // len(unit) + 1))[:LENGTH]
        subject = text.encode() if isinstance(pattern.pattern, bytes) else text
        for _ in pattern.finditer(subject):  # type: ignore[arg-type]
            pass
    assert time.perf_counter() - started < BUDGET_SECONDS, name
