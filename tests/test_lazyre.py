"""Patterns compiled on first use answer as compiled ones, and a one-file explain compiles few."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.engine.folded import Folded
from bot.engine.lazyre import LazyPattern, compiled, lazy, source_and_flags

ROOT = Path(__file__).resolve().parent.parent
SOURCE = r"(?P<code>[245]\d\d)[ -](?P<status>[245]\.\d{1,3}\.\d{1,3})?\s*(\w+)"
TEXTS = ["550 5.1.1 User unknown; 452-4.2.2 Full", "nothing here", "550-5.7.1 Denied\n421 Later"]


def _is_compiled(pattern: object) -> bool:
    return "_compiled" in vars(pattern)


def test_a_lazy_pattern_is_compiled_on_first_use_only() -> None:
    pattern = lazy(SOURCE, re.IGNORECASE)
    assert isinstance(pattern, LazyPattern)
    assert pattern.pattern == SOURCE and not _is_compiled(pattern)
    assert source_and_flags(pattern) == (SOURCE, re.IGNORECASE)  # read without compiling
    assert not _is_compiled(pattern)
    assert pattern.search("x") is None
    assert _is_compiled(pattern)
    assert compiled(pattern) is re.compile(SOURCE, re.IGNORECASE)


@pytest.mark.parametrize("flags", [0, re.IGNORECASE | re.MULTILINE])
def test_a_lazy_pattern_answers_as_the_compiled_one(flags: int) -> None:
    eager = re.compile(SOURCE, flags)
    for method in ("search", "match", "fullmatch", "findall", "split"):
        pattern = lazy(SOURCE, flags)  # each method the first thing asked of a fresh pattern
        for text in TEXTS:
            got, want = getattr(pattern, method)(text), getattr(eager, method)(text)
            if isinstance(want, re.Match):
                assert got is not None and got.span() == want.span()
                assert got.groupdict() == want.groupdict()
            else:
                assert got == want
    pattern = lazy(SOURCE, flags)
    assert [m.span() for m in pattern.finditer(TEXTS[0])] == [
        m.span() for m in eager.finditer(TEXTS[0])
    ]
    assert pattern.sub("<\\g<code>>", TEXTS[2]) == eager.sub("<\\g<code>>", TEXTS[2])
    assert (pattern.flags, pattern.groups, pattern.groupindex) == (
        eager.flags,
        eager.groups,
        eager.groupindex,
    )


def test_a_bytes_pattern_and_a_pickled_one() -> None:
    pattern = lazy(rb"\n[ \t]*\n")
    assert pattern.search(b"a\n \nb") is not None
    again = pickle.loads(pickle.dumps(lazy(SOURCE, re.IGNORECASE)))
    assert isinstance(again, LazyPattern) and not _is_compiled(again)
    assert again.search("550 5.1.1 x") is not None


def test_folded_searches_ascii_text_without_compiling_the_pattern_itself() -> None:
    original = lazy(r"\buser (?:unknown|not found)\b", re.IGNORECASE)
    folded = Folded(original)
    assert folded.search("550 USER Unknown here") is not None
    assert not _is_compiled(original)  # the lower-case twin did it
    found = folded.search("Benutzer unbekannt: user UNKNOWN, für immer")
    assert found is not None and found.group(0) == "user UNKNOWN"
    assert _is_compiled(original)  # not ASCII: searched as it is


def test_explaining_one_bounce_compiles_a_few_of_the_patterns() -> None:
    """Start-up compiled every pattern of every parsing module (a third of a one-file run's
    time); now a bounce compiles the ones its text needs."""
    probe = (
        "import gc, sys\n"
        "from bot.cli import main\n"
        "from bot.engine.lazyre import LazyPattern\n"
        "main(['explain', '--no-dns', sys.argv[1]])\n"
        "made = [o for o in gc.get_objects() if isinstance(o, LazyPattern)]\n"
        "used = [o for o in made if '_compiled' in vars(o)]\n"
        "print(len(used), len(made), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "examples/postfix-mailbox-full.eml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    used, made = map(int, done.stderr.split()[-2:])
    assert made > 100
    assert used < made / 2
