"""Case-insensitive searches done on lower-cased ASCII text find what the pattern finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine import textparse
from bot.engine.extract import _FOLDED, _REPLY_START_FOLDED
from bot.engine.folded import Folded
from bot.engine.kind import _BOUNCE
from bot.engine.smtpcodes import _REPLY_FOLDED

PROJECT = [
    _BOUNCE,
    _REPLY_FOLDED,
    _REPLY_START_FOLDED,
    *_FOLDED.values(),
    *(v for v in vars(textparse).values() if isinstance(v, Folded)),
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
