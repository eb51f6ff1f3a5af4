"""A pattern led by a look at the characters its alternatives start with ("(?=[...])(?:...)")
finds what it finds without that look: the lead only spares the tries at places where no
alternative can start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine import extract, kind, recipients, replylines, smtpcodes, textparse
from bot.engine.lazyre import LazyPattern, compiled

_LEAD = re.compile(r"\(\?=\[[^\]]+\]\)\(\?:")
LED = [
    compiled(value)
    for module in (extract, kind, recipients, replylines)
    for value in vars(module).values()
    if isinstance(value, (re.Pattern, LazyPattern)) and _LEAD.match(value.pattern)
]
CORPUS = Path(__file__).parent / "data"


def unled(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern without its lead."""
    lead = _LEAD.match(pattern.pattern)
    assert lead is not None and pattern.pattern.endswith(")")
    return re.compile(pattern.pattern[lead.end() : -1], pattern.flags)


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


@pytest.mark.parametrize("pattern", LED, ids=lambda p: p.pattern[:30])
def test_the_corpus_is_read_alike(pattern: re.Pattern[str]) -> None:
    assert len(LED) >= 13
    plain = unled(pattern)
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.suffix not in (".yaml", ".md", ".py"):
            text = path.read_bytes()[:50_000].decode("utf-8", "replace")
            assert spans(pattern, text) == spans(plain, text), path


_PIECES = [
    " ", "\n", "\t", "'", '"', ",", ">", "}", "#", "(", ".", "-", ":", ";", "{", "5", "4", "2",
    "550", "5.1.1", "421 ", "said", "SAID", "ſaid", "returned", "reply", "error", "response",
    "Reporting-MTA", "#SMTP#", "##", "Port", "ſhow more", "Show more", "Status: 5.1.1", "X",
    "undeliverable", "Delivered:", "will retry", "gave up", "could not be delivered to",
    "Your message to", "Recipient", "rcpt to", "=", "<", "bob@example.net", "contact", "I am",
    "out of the office", "reported error", "配信", "не доставлено", "é", "k", "K",
    "this is the mail system at host", "Mime-Version:", "--", "=_abcdefghij", "ı", "İ", "ſorry",
]  # fmt: skip


@pytest.mark.parametrize("pattern", LED, ids=lambda p: p.pattern[:30])
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_any_text_is_read_alike(pattern: re.Pattern[str], pieces: list[str]) -> None:
    text = "".join(pieces)
    assert spans(pattern, text) == spans(unled(pattern), text)


REWRITTEN = [
    (replylines.CODE_LINE, r"(?<![\w.])(?:[245]\.\d{1,3}\.\d{1,3}|[45]\d\d[ -])"),
    (textparse._PAIR_ANYWHERE, r"\b([245]\d\d)[ -]([245]\.\d{1,3}\.\d{1,3})\b"),
]
"""Patterns written to start with the character they take (their look back after it), and the
source they had: they find the same."""


def found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[str, ...]]]:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


@pytest.mark.parametrize(("pattern", "source"), REWRITTEN, ids=lambda p: str(p)[:30])
def test_rewritten_patterns_read_the_corpus_alike(pattern: re.Pattern[str], source: str) -> None:
    former = re.compile(source, pattern.flags)
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.suffix not in (".yaml", ".md", ".py"):
            text = path.read_bytes()[:50_000].decode("utf-8", "replace")
            assert found(pattern, text) == found(former, text), path


@pytest.mark.parametrize(("pattern", "source"), REWRITTEN, ids=lambda p: str(p)[:30])
@given(st.text(alphabet=st.sampled_from("2455.1 -_aé#\n"), max_size=20), st.integers(0, 3))
def test_rewritten_patterns_read_any_text_alike(
    pattern: re.Pattern[str], source: str, text: str, start: int
) -> None:
    former = re.compile(source, pattern.flags)
    assert found(pattern, text) == found(former, text)
    first, before = pattern.search(text, start), former.search(text, start)
    assert (first and first.span()) == (before and before.span())


FORMER_PAIR = r"(?<![\w.#-])#?([245]\d\d)[ -]+#?([245]\.\d{1,3}\.\d{1,3})(?![\w.]*\d)"
"""smtpcodes._PAIR as it was written before it was led by its first digit. Its matches start at
the "#" of "#550 5.1.1", the new one's at the digit, so the two find the same codes (the groups,
all that find_codes reads) at places that may differ by that "#"."""


def codes(pattern: re.Pattern[str], text: str) -> list[tuple[str, ...]]:
    return [m.groups() for m in pattern.finditer(text)]


def test_the_pair_pattern_reads_the_corpus_alike() -> None:
    pair, former = compiled(smtpcodes._PAIR), re.compile(FORMER_PAIR)
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.suffix not in (".yaml", ".md", ".py"):
            text = path.read_bytes()[:50_000].decode("utf-8", "replace")
            assert codes(pair, text) == codes(former, text), path


@given(st.text(alphabet=st.sampled_from("2455.1 -_aé#\n"), max_size=24))
def test_the_pair_pattern_reads_any_text_alike(text: str) -> None:
    assert codes(compiled(smtpcodes._PAIR), text) == codes(re.compile(FORMER_PAIR), text)


def _marker_places(text: str) -> list[tuple[int, int]]:
    """Where split_original finds the original's markers: searched for after a line break in
    the text with one put before it, their places given back in the text itself."""
    padded = compiled(textparse._ORIGINAL_MARKERS)
    return [(m.start(), m.end() - 1) for m in padded.finditer(f"\n{text}")]


def _marker_places_at_line_starts(text: str) -> list[tuple[int, int]]:
    """The same markers found at line starts (`^` in MULTILINE), as they were searched for."""
    source = textparse._ORIGINAL_MARKERS.pattern
    assert source.startswith(r"\n")
    return [m.span() for m in re.finditer("^" + source[2:], text, re.IGNORECASE | re.MULTILINE)]


def test_the_original_s_markers_are_found_where_they_were() -> None:
    found = 0
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.suffix not in (".yaml", ".md", ".py"):
            text = path.read_bytes()[:50_000].decode("utf-8", "replace")
            places = _marker_places(text)
            assert places == _marker_places_at_line_starts(text), path
            found += bool(places)
    assert found > 100


@given(
    st.lists(
        st.sampled_from(
            ["\n", " ", "\t", "x", "-----", "Original Message", " -----", "original message",
             "Message text follows:", "|", "Message headers follow.", "é", "Original-Envelope-Id:"]
        ),
        max_size=10,
    )
)  # fmt: skip
def test_the_original_s_markers_are_found_alike_in_any_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert _marker_places(text) == _marker_places_at_line_starts(text)


def test_the_report_and_the_original_are_cut_at_the_marker() -> None:
    report = "Delivery to bob@example.net failed.\n550 5.1.1 <bob@example.net>: User unknown\n"
    marker = "------ This is a copy of the message"
    rest = ", including all the headers. ------\nReceived: from a.example.org\nSubject: hi\n"
    assert textparse.split_original(report + marker + rest) == (report, rest)
    assert textparse.split_original(report.replace("failed", "échoué") + marker + rest) == (
        report.replace("failed", "échoué"),
        rest,
    )  # not ASCII: the pattern as written, not its lower-case twin
