"""The terminal renderer's word wrapper gives exactly textwrap's lines, for any text and width."""

from __future__ import annotations

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.render_text import wrap_words

# Words, single and repeated spaces, tabs, line ends, and white space str.strip removes but
# textwrap keeps inside words (no-break space, em space, information separators).
PIECES = ["a", "bc", "word", "longer-word", "supercalifragilistic", "é", "日本", " ", " ", "  "]
PIECES += ["\t", "\n", "\r\n", "\x0b", "\xa0", "\u2003", "\x1c", "\u200b", "-"]


def _textwrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.integers(min_value=1, max_value=30))
def test_wrap_words_is_textwrap(pieces: list[str], width: int) -> None:
    text = "".join(pieces)
    assert wrap_words(text, width) == _textwrap(text, width)


def test_the_cases_that_differ_from_a_naive_wrap() -> None:
    for text, width in [
        ("c abcdxbb ", 2),  # a long word at a full line keeps the space before it
        (" leading space", 5),
        ("x \xa0 y", 1),  # white space inside a "word" is dropped at line ends
        ("tab\there", 4),
        ("", 10),
        ("   ", 2),
    ]:
        assert wrap_words(text, width) == _textwrap(text, width), (text, width)


def test_a_paragraph_rendered_again_at_another_width_wraps_to_that_width() -> None:
    """Wrapped paragraphs are remembered between replies: by text and width, never text alone."""
    from bot.adapters.render_text import render_text
    from bot.model import Reply

    text = " ".join(f"word{i}" for i in range(60))
    for width in (100, 50, 100, 70):
        lines = render_text(Reply(title="t", text=text), width=width).splitlines()[1:]
        assert [line.strip() for line in lines] == _textwrap(text, width - 2)
        assert max(len(line) for line in lines) <= width
