"""Which providers' marks a text carries outside e-mail addresses (matcher.detect_providers)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.engine.matcher import _outside_addresses, detect_providers


def former_outside_addresses(lowered: str, mark: str) -> bool:
    """The test as first written: the token's start is the last separator before the mark."""
    at = lowered.find(mark)
    while at != -1:
        start = max(lowered.rfind(c, 0, at) for c in " \t\n<>\"'(,;:[")
        if "@" not in lowered[start + 1 : at]:
            return True
        at = lowered.find(mark, at + len(mark))
    return False


@given(
    st.text(alphabet=st.sampled_from("gmail.co@bx <>,;:[\t\n\"'("), max_size=40),
    st.sampled_from(["gmail", "gmail.com", "mail", "a.c", "@"]),
)
def test_the_mark_is_told_from_an_address_as_before(text: str, mark: str) -> None:
    assert _outside_addresses(text, mark) == former_outside_addresses(text, mark)


def test_an_address_at_a_provider_is_not_its_mark() -> None:
    assert "google" not in detect_providers("550 5.1.1 <bob@gmail.com>: user unknown")
    assert "google" in detect_providers("550-5.7.26 unauthenticated - gsmtp")
    assert "google" in detect_providers("bob@example.org (via gmail.com): refused")
    assert detect_providers("mailto:bob@gmail.com, ann@outlook.com") == frozenset()
