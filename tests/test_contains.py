"""The substring test behind the guards: the same answer as `any(... in ...)`."""

from __future__ import annotations

import pytest

from bot.engine.contains import any_in


@pytest.mark.parametrize(
    ("text", "words", "expected"),
    [
        ("550 5.1.1 user unknown", ("unknown", "quota"), True),
        ("550 5.1.1 user unknown", ("quota", "unknown"), True),
        ("550 5.1.1 user unknown", ("quota", "spam"), False),
        ("550 5.1.1 user unknown", (), False),
        ("", ("",), True),
        ("配信できませんでした", ("配信",), True),
    ],
)
def test_any_in_answers_as_any(text: str, words: tuple[str, ...], expected: bool) -> None:
    assert any_in(text, words) is expected
    assert any_in(text, iter(words)) is expected  # any iterable, once
    assert any(word in text for word in words) is expected
