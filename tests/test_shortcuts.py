"""Shortcuts around searches (guards, the search near each "@", a table) change no result."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import matcher, smtpcodes, textnorm, textparse
from bot.engine.lazyre import compiled
from bot.engine.textnorm import (
    _ADDRESS_DOTS,
    _ASCII_NOT_WORDS,
    _EMAIL,
    _IPV4,
    _IPV6,
    _IPV6_COLONS,
    _MASKED_IPV4,
    _NOT_WORDS,
)
from bot.engine.textparse import _ANY_CONTINUATION, _LATER_CONTINUATION

GUARDED = [(_IPV4, _ADDRESS_DOTS), (_MASKED_IPV4, _ADDRESS_DOTS), (_IPV6, _IPV6_COLONS)]
"""Each pattern with the search that must find something wherever the pattern does."""

ADDRESS_ALPHABET = st.sampled_from(list("0123456789abcdefxnz*.:@-_+=' \n[]()<>"))
TEXTS = st.text(alphabet=ADDRESS_ALPHABET, max_size=80)
GROUP = st.sampled_from(["1", "12", "192", "0", "x", "xxx", "n", "nn", "2***", "*", "a", "db8", ""])
GROUPS = st.lists(GROUP, min_size=1, max_size=9)
"""Address-like runs: groups of digits, hex letters and masks between dots or colons."""
ADDRESS_LIKE = st.one_of(
    st.tuples(GROUPS, st.sampled_from([".", ":", "::"])).map(lambda g: g[1].join(g[0])),
    st.lists(st.sampled_from(["1", "12", "192", "x", "*", "a"]), min_size=4, max_size=5).map(
        ".".join
    ),
)


@settings(max_examples=500)
@given(st.lists(st.one_of(TEXTS, ADDRESS_LIKE), max_size=5).map(" ".join))
def test_every_match_holds_its_guard(text: str) -> None:
    for pattern, guard in GUARDED:
        for found in pattern.finditer(text):
            assert guard.search(found.group(0)), (pattern.pattern, found.group(0))
        if guard.search(text) is None:
            assert pattern.search(text) is None


def test_the_guards_are_found_in_addresses() -> None:
    for address in ("192.0.2.1", "x.x.x.x", "2***.***.***.***", "a.b.c.d", "1.2.3.x"):
        assert _ADDRESS_DOTS.search(address)
    for address in ("2001:db8::1", "fe80::", "::1", "2001:db8:0:0:1:0:0:1"):
        assert _IPV6_COLONS.search(address)
    assert _IPV6_COLONS.search("said: 550 5.1.1 user: unknown: here") is None


ADDRESSES = st.from_regex(compiled(_EMAIL), fullmatch=True)
LONG_LOCAL = st.integers(60, 70).map(lambda n: "a" * n + "@example.com")


@settings(max_examples=300)
@given(st.lists(st.one_of(TEXTS, ADDRESSES, LONG_LOCAL), max_size=6).map("".join))
def test_emails_are_masked_as_the_pattern_would(text: str) -> None:
    masked = textnorm.sub_near(_EMAIL, "@", textnorm._LOCAL_PART_MAX, " {email} ", text)
    assert masked == _EMAIL.sub(" {email} ", text)


NEAR: list[tuple[re.Pattern[str], str | re.Pattern[str], int]] = [
    (_IPV4, _ADDRESS_DOTS, textnorm._IPV4_REACH),
    (_MASKED_IPV4, _ADDRESS_DOTS, textnorm._MASKED_REACH),
    (_IPV6, _IPV6_COLONS, textnorm._IPV6_REACH),
    (textnorm.URL, "://", textnorm._URL_REACH),
    (textnorm._DOMAIN, ".", textnorm._DOMAIN_REACH),
]
URLS = st.tuples(st.sampled_from(["http", "https", "ftp", "xhttp", ""]), TEXTS).map("://".join)
LABEL = st.one_of(
    st.sampled_from(["mx", "example", "com", "net", "de", "x-1", "-", "1", ""]),
    st.integers(60, 66).map(lambda n: "a" * n),
)
HOSTS = st.lists(LABEL, min_size=1, max_size=4).map(".".join)
"""Host-like runs: labels between dots, some as long as a label may be, or longer."""


@settings(max_examples=500)
@given(st.lists(st.one_of(TEXTS, ADDRESS_LIKE, URLS, HOSTS), max_size=5).map(" ".join))
def test_passes_near_their_anchors_replace_as_the_patterns(text: str) -> None:
    for pattern, anchor, reach in NEAR:
        assert textnorm.sub_near(pattern, anchor, reach, "X", text) == pattern.sub("X", text)


def test_the_local_part_limit_is_the_patterns() -> None:
    assert f"{{1,{textnorm._LOCAL_PART_MAX}}}@" in _EMAIL.pattern


def test_the_table_replaces_what_the_pattern_does() -> None:
    for code in range(128):
        text = f"ab{chr(code)}cd"
        assert " ".join(text.translate(_ASCII_NOT_WORDS).split()) == " ".join(
            _NOT_WORDS.sub(" ", text).split()
        ), repr(chr(code))


@given(st.text(alphabet=st.sampled_from(list("25-0 \t\nx")), max_size=30))
def test_a_continuation_is_found_at_the_start_or_after_a_line_break(text: str) -> None:
    found = _ANY_CONTINUATION.match(text) or _LATER_CONTINUATION.search(text)
    assert bool(found) == bool(_ANY_CONTINUATION.search(text))


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_marker_words_by_table_are_the_patterns(text: str) -> None:
    lowered = text.lower()
    assert matcher._words(lowered) == set(matcher._WORD.findall(lowered))


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from(list("2450.9 #-x\n")), max_size=30))
def test_a_text_without_code_dots_has_no_enhanced_code(text: str) -> None:
    if smtpcodes.CODE_DOTS.search(text) is None:
        assert smtpcodes._PAIR.search(text) is None
        assert smtpcodes._STATUS.search(text) is None
    for pattern in (smtpcodes._PAIR, smtpcodes._STATUS):
        for found in pattern.finditer(text):
            assert smtpcodes.CODE_DOTS.search(found.group(0))


@given(st.lists(st.sampled_from(["the", "to", "ab", "abc", "{ip}", "{", "mailbox", "full"])))
def test_tokens_of_ascii_text_are_its_content_words(words: list[str]) -> None:
    text = " ".join(words)
    assert textnorm.tokens(text) == {
        w for w in words if len(w) >= 3 and w not in textnorm.STOPWORDS and not w.startswith("{")
    }


@given(st.text(alphabet=st.sampled_from(list("> \t\n\x0b\x85\u2028a")), max_size=40))
def test_quoted_lines_are_counted_as_line_by_line(text: str) -> None:
    lines = text.split("\n")
    by_line = sum(
        1 for line in lines if line.lstrip().startswith(">") and not line.lstrip().startswith(">>>")
    )
    assert textparse.quoted_lines(text) == by_line


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from(list("2450.9 #-x\n")), max_size=30))
def test_a_folded_pair_holds_code_dots(text: str) -> None:
    for found in textparse._PAIR_ANYWHERE.finditer(text):
        assert smtpcodes.CODE_DOTS.search(found.group(0))


_DOMAIN_AS_WRITTEN = re.compile(
    rf"(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{textnorm._COMMON_TLDS})(?![\w-])"
)
LABEL = st.one_of(st.text(alphabet="ab0-", min_size=1, max_size=5), st.just("a" * 62 + "b"))
HOSTLIKE = st.lists(LABEL, min_size=1, max_size=4).map(".".join).map(lambda h: h + ".com")


@settings(max_examples=500)
@given(
    st.lists(
        st.one_of(HOSTLIKE, TEXTS, st.sampled_from(["a" * 64 + ".com", ". ", "-."])), max_size=5
    ).map("".join)
)
def test_the_domain_lookahead_changes_no_match(text: str) -> None:
    assert textnorm._DOMAIN.sub("X", text) == _DOMAIN_AS_WRITTEN.sub("X", text)


@settings(max_examples=300)
@given(st.lists(st.one_of(TEXTS, ADDRESSES, LONG_LOCAL), max_size=6).map("".join))
def test_addresses_near_each_at_are_the_patterns(text: str) -> None:
    near = textnorm.matches_near(smtpcodes.EMAIL, "@", smtpcodes.EMAIL_LOCAL_MAX, text)
    assert [m.span() for m in near] == [m.span() for m in smtpcodes.EMAIL.finditer(text)]
    # one first character, then up to EMAIL_LOCAL_MAX - 1 more before the "@"
    assert f"]{{0,{smtpcodes.EMAIL_LOCAL_MAX - 1}}}@" in smtpcodes.EMAIL.pattern


CODES = st.sampled_from(["550 5.7.1", "#5.1.1", "550-5.7.26", "x5.1.1", "1.5.1.1", "250 2.0.0."])
CODE_TEXTS = st.lists(
    st.one_of(CODES, st.text(alphabet=st.sampled_from(list("2450.9 #-x\n")), max_size=8)),
    max_size=6,
).map("".join)


@settings(max_examples=500)
@given(CODE_TEXTS)
def test_codes_near_their_dots_are_the_patterns(text: str) -> None:
    for pattern, reach in (
        (textparse._PAIR_ANYWHERE, textparse._PAIR_DOTS_AT),
        (smtpcodes._STATUS, smtpcodes._STATUS_DOTS_AT),
    ):
        near = textnorm.matches_near(pattern, smtpcodes.CODE_DOTS, reach, text)
        assert [m.span() for m in near] == [m.span() for m in pattern.finditer(text)]
