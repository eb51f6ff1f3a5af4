"""Case-insensitive searches done on lower-cased ASCII text find what the pattern finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine import recipients, textparse
from bot.engine.extract import _FOLDED, _REPLY_START_FOLDED
from bot.engine.folded import Folded
from bot.engine.kind import _BOUNCE
from bot.engine.smtpcodes import _REPLY_FOLDED

PROJECT = [
    _BOUNCE,
    _REPLY_FOLDED,
    _REPLY_START_FOLDED,
    *_FOLDED.values(),
    *(
        v
        for module in (textparse, recipients)
        for v in vars(module).values()
        if isinstance(v, Folded)
    ),
]
SAMPLES = [
    "Undelivered Mail Returned to Sender",
    "Your message to <Bob.Smith@Example.NET> couldn't be delivered",
    "Final-Recipient: RFC822; <Bob@Example.net>\nRemote-MTA: DNS; MX.Example.NET",
    "------ This is a copy of the message, including all the headers. ------\nFrom: A",
    "host mx.example.net[192.0.2.1] said: 550 5.1.1 <bob@example.net>: User unknown",
    "SMTP error from remote mail server after RCPT TO:<a@b>: 550-5.7.1 Blocked (in reply to RCPT)",
    "Remote Server returned '554 5.4.0 < #5.4.0 smtp;554 5.4.0>'",
    "This is a delay notice: Delivery is DELAYED; we WILL RETRY for 4 days",
    "I've given up, Retry timeout exceeded: the message EXPIRED after 5 days",
    "Delivery to the following recipients failed PERMANENTLY",
    "Zustellung verzögert: Ihre Nachricht wurde noch nicht zugestellt",
    "Échec de la remise — non remis",
    "配信できませんでした",
    "",
]


def answer(match: re.Match[str] | None) -> object:
    """What callers may rely on: where it is, and its groups but for the case of letters."""
    if match is None:
        return None
    return match.start(), match.end(), tuple(g.lower() if g else g for g in match.groups())


def variants(text: str) -> list[str]:
    return [text, text.upper(), text.lower(), text.swapcase(), f"x\n{text} y"]


@pytest.mark.parametrize("folded", PROJECT, ids=lambda f: f.pattern.pattern[:30])
@pytest.mark.parametrize("text", SAMPLES)
def test_the_project_patterns_answer_as_before(folded: Folded, text: str) -> None:
    assert folded.lowerable  # else it still answers alike, only slower
    for variant in variants(text):
        assert answer(folded.search(variant)) == answer(folded.pattern.search(variant))
        assert answer(folded.search(variant, variant.lower())) == answer(
            folded.pattern.search(variant)
        )


@given(st.text(alphabet=st.sampled_from("aAbBeEdDlLiIvVrRyYsS5.1 \n:-\\ſıİ\u212a"), max_size=60))
def test_any_text_gets_the_same_answer(text: str) -> None:
    folded = Folded(
        re.compile(
            r"\b(?:deliver(?:y|ed)|rely|d\d{1,3}\.\d)\b|(\S+)\s+SAID\b|\\SLY\B", re.IGNORECASE
        )
    )
    assert folded.lowerable
    assert answer(folded.search(text)) == answer(folded.pattern.search(text))


@pytest.mark.parametrize(
    "pattern",
    [
        re.compile(r"\x46ailed", re.IGNORECASE),  # "\x46" is "F"
        re.compile(r"(?-i:F)ailed", re.IGNORECASE),  # case matters there
        re.compile(r"(?P<Code>\d+) failed", re.IGNORECASE),  # a group name
        re.compile("ſtatus", re.IGNORECASE),  # "ſ" matches "s" only when case is ignored
        re.compile("Failed"),  # case matters
    ],
)
def test_what_lower_casing_would_change_is_searched_as_it_is(pattern: re.Pattern[str]) -> None:
    folded = Folded(pattern)
    assert not folded.lowerable
    for text in ("x FAILED", "1 failed", "status", "Failed", "ſtatus"):
        assert answer(folded.search(text)) == answer(pattern.search(text))


# -- guards: proven from the pattern's source ---------------------------------------------------

Node = tuple[str, object, int]
"""("lit", char, least), ("group", alternatives, least) or ("other", None, least): an atom of a
pattern and the fewest times its quantifier lets it occur."""

_ESCAPED_CLASSES = set("sSdDwWbBAZ")


def _alternatives(source: str, i: int = 0) -> tuple[list[list[Node]], int]:
    """The pattern's source from `i` to the closing parenthesis of its group (or the end), as
    alternatives, each a sequence of atoms. Knows the syntax the project's patterns use."""
    alternatives: list[list[Node]] = [[]]
    while i < len(source):
        char = source[i]
        if char == ")":
            return alternatives, i + 1
        if char == "|":
            alternatives.append([])
            i += 1
            continue
        if char == "(":
            opening = re.match(r"\((?:\?:|\?<?[=!]|\?P<\w+>)?", source[i:])
            assert opening is not None
            look = "=" in opening.group(0) or "!" in opening.group(0)
            inner, i = _alternatives(source, i + opening.end())
            atom: tuple[str, object] = ("other", None) if look else ("group", inner)
        elif char == "[":
            i += 2 if source[i + 1] == "^" else 1
            i += 1  # a "]" first is a member
            while source[i] != "]":
                i += 2 if source[i] == "\\" else 1
            atom, i = ("other", None), i + 1
        elif char == "\\":
            escaped = source[i + 1]
            atom = ("other", None) if escaped in _ESCAPED_CLASSES else ("lit", escaped)
            i += 2
        elif char in ".^$":
            atom, i = ("other", None), i + 1
        else:
            atom, i = ("lit", char), i + 1
        least, i = _quantifier(source, i)
        alternatives[-1].append((*atom, least))
    return alternatives, i


def _quantifier(source: str, i: int) -> tuple[int, int]:
    """The least count the quantifier at `i` allows (1 without one), and where it ends."""
    least = 1
    if i < len(source) and source[i] in "?*+":
        least = 0 if source[i] in "?*" else 1
        i += 1
    elif i < len(source) and source[i] == "{" and re.match(r"\{\d*,?\d*\}", source[i:]):
        quantifier = re.match(r"\{(\d*),?(\d*)\}", source[i:])
        assert quantifier is not None
        least = int(quantifier.group(1) or 0)
        i += quantifier.end()
    else:
        return least, i
    if i < len(source) and source[i] in "?+":  # lazy or possessive
        i += 1
    return least, i


def _covered(alternatives: list[list[Node]], guards: tuple[str, ...]) -> bool:
    """Every alternative holds a guard in a run of letters it always matches, or a letter that
    ASCII text cannot hold (so that it never matches ASCII text, where the guards apply)."""
    return all(_sequence_covered(sequence, guards) for sequence in alternatives)


def _sequence_covered(sequence: list[Node], guards: tuple[str, ...]) -> bool:
    runs = [""]
    for kind, value, least in sequence:
        if kind == "lit" and least >= 1:
            assert isinstance(value, str)
            if not value.isascii():
                return True
            runs[-1] += value.lower()
            if least > 1:
                runs.append("")
            continue
        runs.append("")
        if kind == "group" and least >= 1:
            assert isinstance(value, list)
            if _covered(value, guards):
                return True
    return any(guard in run for run in runs for guard in guards)


def _guarded() -> list[Folded]:
    import bot.engine.diagnose  # noqa: F401 (imports every module that makes one)
    from bot.engine import folded

    return [f for f in folded._MADE if f.guards]


@pytest.mark.parametrize("folded", _guarded(), ids=lambda f: f.pattern.pattern[:30])
def test_every_alternative_holds_a_guard(folded: Folded) -> None:
    assert folded.lowerable
    assert all(guard == guard.lower() for guard in folded.guards)
    alternatives, end = _alternatives(folded.pattern.pattern)
    assert end == len(folded.pattern.pattern)
    unguarded = [
        source
        for source, alternative in zip(
            _top_level(folded.pattern.pattern), alternatives, strict=True
        )
        if not _sequence_covered(alternative, folded.guards)
    ]
    assert not unguarded, f"add a guard for each of {unguarded}"


def _top_level(source: str) -> list[str]:
    """The pattern's source cut at each top-level "|" (for messages)."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 1
        elif char == "[":
            i = source.index("]", i + 2 if source[i + 1] == "^" else i + 1)
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            pieces.append(source[start:i])
            start = i + 1
        i += 1
    return [*pieces, source[start:]]


def test_the_proof_finds_an_alternative_without_a_guard() -> None:
    source = "mail (?:delivery|bounce)|returned mail"
    assert not _covered(_alternatives(source)[0], ("deliver",))
    assert _covered(_alternatives(source)[0], ("deliver", "bounce", "mail"))
    assert not _covered(_alternatives("(?:un)?deliver|bounced?")[0], ("undeliver", "bounced"))
    assert not _covered(_alternatives(r"(?=deliver)x")[0], ("deliver",))
    assert _alternatives(r"a(?=[)])(?<!b)(?P<name>c)d")[0] == [
        [("lit", "a", 1), ("other", None, 1), ("other", None, 1), ("group", [[("lit", "c", 1)]], 1),
         ("lit", "d", 1)]
    ]  # fmt: skip
    assert not _covered(_alternatives(r"de[l]iver|delivers{0,2}")[0], ("deliver", "delivers"))
    assert _covered(_alternatives("échec|deliver")[0], ("deliver",))
    for guarded in _guarded():  # each guard is needed: without it, the proof fails
        for guard in guarded.guards:
            rest = tuple(g for g in guarded.guards if g != guard)
            assert not _covered(_alternatives(guarded.pattern.pattern)[0], rest), guard


@pytest.mark.parametrize("folded", PROJECT, ids=lambda f: f.pattern.pattern[:30])
def test_finditer_answers_as_the_pattern(folded: Folded) -> None:
    for variant in variants("\n".join(SAMPLES)):
        assert [answer(m) for m in folded.finditer(variant)] == [
            answer(m) for m in folded.pattern.finditer(variant)
        ]


def test_guarded_patterns_answer_as_before() -> None:
    for folded in _guarded():
        for text in SAMPLES:
            for variant in variants(text):
                assert answer(folded.search(variant)) == answer(folded.pattern.search(variant))
