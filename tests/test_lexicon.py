"""The reason lexicon: phrase syntax, word-level matching, negation, stages, and its validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine.lexicon import Lexicon, Phrase, _matches_at, parse_phrase
from bot.knowledge import KnowledgeError, parse_knowledge


def lexicon(*groups: tuple[str, float, list[str], str | None]) -> Lexicon:
    return Lexicon(
        [
            Phrase(reason, weight, parse_phrase(text), stage, text)
            for reason, weight, phrases, stage in groups
            for text in phrases
        ]
    )


def test_words_gaps_prefixes_and_placeholders() -> None:
    lex = lexicon(
        ("mailboxfull", 1.0, ["mailbox .. full", "quota exceed*", "{email} is over quota"], None)
    )
    assert lex.best("The mailbox is currently full").reason == "mailboxfull"
    assert lex.best("Quota exceeded (mailbox for user is full)").phrase.source == "quota exceed*"
    assert lex.best("bob@example.net is over quota") is not None
    # masked numbers and punctuation do not get in the way
    assert lex.best("552-5.2.2 MAILBOX, 100% FULL!!") is not None
    # a gap is at most three words
    assert lex.best("mailbox one two three four full") is None


def test_a_negated_hit_does_not_count_unless_the_phrase_says_so() -> None:
    lex = lexicon(
        ("spamdetected", 0.6, ["spam"], None), ("userunknown", 1.0, ["no such user"], None)
    )
    assert lex.best("If you think this is not spam, contact us") is None
    assert lex.best("This message isn't spam") is None
    assert lex.best("550 No such user here").reason == "userunknown"


def test_the_decisive_hit_wins_then_the_longest() -> None:
    lex = lexicon(
        ("hostunknown", 0.8, ["domain not found"], None),
        ("rejected", 1.0, ["sender address rejected"], None),
        ("userunknown", 1.0, ["user unknown", "unknown user here"], None),
    )
    assert lex.best("Sender address rejected: Domain not found").reason == "rejected"
    assert lex.best("unknown user here").phrase.source == "unknown user here"


def test_inflected_words_meet_their_phrase() -> None:
    lex = lexicon(
        ("norelaying", 1.0, ["relaying denied"], None),
        ("speeding", 1.0, ["too many messages"], None),
        ("suspend", 1.0, ["account disabled"], None),
    )
    assert lex.best("550 relay denied").reason == "norelaying"
    assert lex.best("550 Relayed mail denied") is None  # an extra word is still not a gap
    assert lex.best("421 too many message from your IP").reason == "speeding"
    assert lex.best("the account disables itself").reason == "suspend"
    # the stem is a word of its own, not a prefix: "relaying" does not find "relays"-less words
    assert lex.best("550 release denied") is None


def test_stage_limited_phrases_need_that_stage() -> None:
    lex = lexicon(("rejected", 0.6, ["not accepted"], "mail"))
    assert lex.best("550 not accepted", "mail").reason == "rejected"
    assert lex.best("550 not accepted", "rcpt") is None
    assert lex.best("550 not accepted") is None


def test_cjk_phrases_match_as_substrings() -> None:
    lex = lexicon(("mailboxfull", 1.0, ["容量超過"], None))
    assert lex.best("550 メールボックス容量超過のため受信できません").reason == "mailboxfull"


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        ("mailbox full!", "not a normalised word"),
        ("user 550 unknown", "not a normalised word"),
        (".. full", "may not start or end"),
        ("ab*", "prefix needs"),
        ("{email} ..", "may not start or end"),
        ("メール ボックス", "without spaces"),
    ],
)
def test_phrases_that_could_never_match_are_refused(phrase: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_phrase(phrase)


BASE = """\
version: 1
entries:
  - id: demo
    title: Demo
    reason: userunknown
    codes: ["5.1.1"]
    explain: x
    who_fixes: sender
    fix: {sender: [x]}
"""


@pytest.mark.parametrize(
    ("lexicon_yaml", "message"),
    [
        (
            "lexicon:\n  - reason: nosuch\n    weight: 1\n    phrases: [a b c]\n",
            "unknown reason 'nosuch'",
        ),
        (
            "lexicon:\n  - reason: vacation\n    weight: 1\n    phrases: [out of office]\n",
            "not a failure",
        ),
        (
            "lexicon:\n  - reason: userunknown\n    weight: 2\n    phrases: [x y]\n",
            "weight must be",
        ),
        ("lexicon:\n  - reason: userunknown\n    weight: 1\n    phrases: []\n", "non-empty list"),
        ("lexicon:\n  - reason: userunknown\n    phrases: [x y]\n", "missing field 'weight'"),
        (
            "lexicon:\n  - reason: userunknown\n    weight: 1\n    phrases: [x]\n    color: red\n",
            "unknown field",
        ),
        (
            "lexicon:\n  - reason: userunknown\n    weight: 1\n    stage: lunch\n    phrases: [x]\n",
            "stage must be",
        ),
        (
            "lexicon:\n  - reason: userunknown\n    weight: 1\n    phrases: [no user, no user]\n",
            "repeats",
        ),
        ("lexicon: {}\n", "list of groups"),
    ],
)
def test_a_broken_lexicon_is_refused_with_file_line_and_group(
    lexicon_yaml: str, message: str
) -> None:
    with pytest.raises(KnowledgeError, match=message) as caught:
        parse_knowledge(BASE + lexicon_yaml, source="kb.yaml")
    assert str(caught.value).startswith("kb.yaml:")


def test_a_knowledge_file_without_a_lexicon_still_loads() -> None:
    kb = parse_knowledge(BASE)
    assert kb.lexicon == ()


def test_the_shipped_lexicon_covers_every_failure_reason(matcher) -> None:  # type: ignore[no-untyped-def]
    from bot.reasons import NOT_FAILURES, REASONS

    covered = {p.reason for p in matcher.kb.lexicon}
    wanted = set(REASONS) - NOT_FAILURES - {"onhold", "undefined"}
    assert wanted <= covered, sorted(wanted - covered)
    # at least the eight languages the knowledge base covers (one telling word each)
    words = " ".join(p.source for p in matcher.kb.lexicon)
    for sample in (
        "unbekannt",
        "inconnu",
        "desconocido",
        "inesistente",
        "inexistente",
        "存在しません",
        "не существует",
        "不存在",
    ):
        assert sample in words, sample


def test_the_longer_cjk_phrase_wins() -> None:
    lex = lexicon(
        ("hostunknown", 1.0, ["ドメインが存在しません"], None),
        ("rejected", 1.0, ["送信元ドメインが存在しません"], None),
    )
    assert lex.best("550 送信元ドメインが存在しません").reason == "rejected"
    assert lex.best("550 宛先ドメインが存在しません").reason == "hostunknown"


def test_words_met_before_find_the_same_phrases_and_survive_a_pickle() -> None:
    import pickle

    lex = lexicon(
        ("mailboxfull", 1.0, ["mailbox .. full", "quota exceed*"], None),
        ("userunknown", 1.0, ["no such user", "mailbox unavailable"], None),
    )
    text = "Mailbox full; quota exceeded; mailbox unavailable for no such user"
    first = lex.hits(text)
    assert [h.phrase.source for h in first] == [
        "mailbox .. full",
        "quota exceed*",
        "mailbox unavailable",
        "no such user",
    ]
    assert lex.hits(text) == first  # the words' phrases remembered: the same hits
    copy = pickle.loads(pickle.dumps(lex))
    assert copy.hits(text) == first
    assert copy.hits("quota exceeding") == lex.hits("quota exceeding")


def test_a_phrase_is_found_with_its_negation_contracted_or_written_out() -> None:
    lexicon = Lexicon(
        [
            Phrase("userunknown", 1.0, ("address", "does", "not", "exist")),
            Phrase("suspend", 1.0, ("account", "isn", "t", "active")),
            Phrase("userunknown", 0.8, ("can", "t", "find", "mailbox")),
        ]
    )
    assert [h.reason for h in lexicon.hits("The address doesn't exist")] == ["userunknown"]
    assert [h.reason for h in lexicon.hits("This account is not active")] == ["suspend"]
    assert [h.reason for h in lexicon.hits("We cannot find mailbox x")] == ["userunknown"]
    spaced = Lexicon([Phrase("networkerror", 1.0, ("can", "not", "connect"))])
    for text in ("Can not connect", "Cannot connect", "Can't connect"):
        assert [h.reason for h in spaced.hits(text)] == ["networkerror"], text
    assert lexicon.hits("The address does exist") == []


_WORDS = ["mailbox", "full", "is", "quota", "over"]
"""Words that are their own stems, none a negation."""


@given(
    st.lists(st.sampled_from(_WORDS), max_size=8),
    st.lists(st.sampled_from([*_WORDS, "..", "quot*"]), min_size=1, max_size=4).filter(
        lambda pattern: pattern[0] != ".." and pattern[-1] != ".."
    ),
)
def test_a_phrase_of_stems_alone_is_found_where_the_walk_finds_it(
    words: list[str], pattern: list[str]
) -> None:
    """Phrases without gaps or prefixes are matched by comparing stems (Lexicon.hits); those with
    either by the walk (_matches_at). Both find the same places."""
    lexicon = Lexicon([Phrase("mailfull", 1.0, tuple(pattern))])
    found = [hit.position for hit in lexicon.hits(" ".join(words), normalized=True)]
    first = pattern[0]
    walked = [
        i
        for i, word in enumerate(words)
        if (word == first or (first.endswith("*") and word.startswith(first[:-1])))
        and _matches_at(tuple(pattern), words, words, i)
    ]
    assert found == walked
