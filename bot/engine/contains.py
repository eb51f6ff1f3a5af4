"""Substring tests that run for nearly every text: the cheap guards before costly searches."""

from __future__ import annotations

from collections.abc import Iterable


def any_in(text: str, words: Iterable[str]) -> bool:
    """Whether the text holds one of the words: `any(word in text for word in words)` without
    the generator, whose every step costs more than the test itself on a short text."""
    for word in words:  # noqa: SIM110 (the loop is the point: see above)
        if word in text:
            return True
    return False
