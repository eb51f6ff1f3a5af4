"""The shipped knowledge base: every example reaches its entry, lint is clean, every code covered."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.diagnose import analyze
from bot.engine.matcher import Matcher
from bot.kblint import lint, reaches
from bot.knowledge import KnowledgeStore, parse_knowledge

ROOT = Path(__file__).parent.parent
EXAMPLES = [
    (entry.id, number, text)
    for entry in KnowledgeStore(ROOT / "knowledge.yaml").current.entries
    for number, text in enumerate(entry.examples, 1)
]
IANA = [
    line.split("\t")[0]
    for line in (Path(__file__).parent / "data" / "iana_codes.tsv").read_text().splitlines()
    if line and not line.startswith("#")
]


@pytest.mark.parametrize(
    ("entry_id", "number", "text"), EXAMPLES, ids=[f"{e}#{n}" for e, n, _ in EXAMPLES]
)
def test_every_example_is_diagnosed_as_its_entry(
    entry_id: str, number: int, text: str, matcher: Matcher
) -> None:
    analysis = analyze(text, matcher)
    assert analysis.diagnoses, "no diagnosis"
    top = analysis.diagnoses[0]
    assert reaches(matcher.kb.get(entry_id), top), f"diagnosed as {top.id} ({top.reason})"


def test_lint_is_clean(store: KnowledgeStore, matcher: Matcher) -> None:
    errors = [str(f) for f in lint(store.current, matcher) if f.level == "error"]
    assert errors == []


@pytest.mark.parametrize("code", IANA)
def test_every_registered_code_has_a_fallback(code: str, matcher: Matcher) -> None:
    assert len(IANA) >= 80
    entries = matcher.entries_for_code(code)
    assert any(e.fallback for e in entries), f"no fallback entry for {code}"
    top = analyze(code.replace("X", "5", 1), matcher).diagnoses[0]
    assert top.entry is not None and top.entry.fallback and code in top.entry.codes


def test_lint_finds_what_it_should() -> None:
    kb = parse_knowledge(
        """\
version: 1
entries:
  - id: one
    title: One
    reason: userunknown
    codes: ["550", "5.1.1"]
    markers: [SHARED.MARKER]
    patterns: ["the mailbox you wrote to is not here at all"]
    examples: ["550 5.2.2 mailbox full, over quota, try later"]
    explain: x
    who_fixes: sender
    fix: {sender: [x]}
    links: [{title: Docs, url: "https://nodot"}]
  - id: two
    title: Two
    reason: mailboxfull
    codes: ["552", "5.2.2"]
    markers: [shared.marker]
    patterns: ["the mailbox you wrote to is full right now"]
    explain: x
    who_fixes: sender
    fix: {sender: [x]}
"""
    )
    messages = [str(f) for f in lint(kb)]
    assert any("one: example 1 is diagnosed as two" in m for m in messages)
    assert any("marker 'shared.marker' is also claimed by two" in m for m in messages)
    assert any("not a valid web address" in m for m in messages)
    assert any(m.startswith("warning: two: has no example") for m in messages)
