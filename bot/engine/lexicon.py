"""The reason lexicon: the words servers use, per bounce reason, matched word by word.

A phrase is a sequence of lower-case words as `normalize` leaves them (addresses, IPs and domains
masked as `{email}`, `{ip}`, `{domain}`; digits and punctuation gone), with two wildcards: `..` is a
gap of up to three words and `word*` matches any word starting with `word`. Chinese, Japanese and
Korean phrases are matched as substrings. A hit directly after a negation ("not spam") is ignored
unless the phrase itself starts with the negation ("no such user"). Words are compared by their
stem (`stem`), so a phrase written "recipient rejected" also finds "recipients rejected" and
"relaying denied" finds "relay denied".
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache
from typing import Any, NamedTuple

from bot.engine.textnorm import CJK_RUN, normalize
from bot.record import Frozen, set_field

GAP = ".."
PREFIX_KEY = 3
"""A `word*` prefix has at least this many letters."""
MAX_GAP = 3
STAGES = ("connect", "helo", "mail", "rcpt", "data")
NEGATIONS = frozenset(
    "not no never without nicht kein keine keinen pas non nao não ni nie не нет".split()
)
_PLACEHOLDER_WORDS = frozenset({"{email}", "{domain}", "{ip}"})
_CJK = CJK_RUN  # one compiled pattern for both modules (a Unicode class is slow to compile)


@cache
def _word() -> re.Pattern[str]:
    """A normalised lexicon word: letters, maybe a trailing `*` (compiled when a file is read)."""
    return re.compile(r"^[^\W\d_]+\*?$")


class Phrase(NamedTuple):
    """One lexicon phrase. A named tuple, not a dataclass: a knowledge base holds thousands, and
    tuples load from the compiled cache at a third of the cost."""

    reason: str
    weight: float
    words: tuple[str, ...]
    stage: str | None = None
    source: str = ""
    """The phrase as written in knowledge.yaml (for messages and `kb` tools)."""
    languages: tuple[str, ...] = ("en",)

    def __reduce__(self) -> tuple[Any, ...]:
        """Made again by `tuple.__new__` when the cache is read: the named tuple's own `__new__`
        is a Python function, called thousands of times (a quarter of reading the classifier)."""
        return (tuple.__new__, (Phrase, tuple(self)))

    @property
    def literals(self) -> frozenset[str]:
        """Stems the text must contain for the phrase to match (a cheap test before the walk)."""
        return frozenset(stem(w) for w in self.words if w != GAP and not w.endswith("*"))

    @property
    def pattern(self) -> tuple[str, ...]:
        """The words as matched: literal words as their stems, gaps and prefixes as written."""
        return tuple(w if w == GAP or w.endswith("*") else stem(w) for w in self.words)

    @property
    def length(self) -> int:
        """How specific the phrase is: its words, or for a CJK phrase its characters halved."""
        if len(self.words) == 1 and _CJK.search(self.words[0]):
            return max(1, len(self.words[0]) // 2)
        return sum(1 for w in self.words if w != GAP)


_STEMS: dict[str, str] = {}


def stem(word: str) -> str:
    """A word without its English inflection ("relaying", "relayed" and "relays" give "relay";
    "policies" gives "policy"; a final silent "e" goes: "refused" and "refuse" give "refus").
    Short words, non-ASCII words and placeholders stay as they are."""
    found = _STEMS.get(word)
    if found is not None:
        return found
    base = word
    if len(word) > 4 and word.isascii() and word.isalpha():
        if word.endswith(("ies", "ied")):
            base = word[:-3] + "y"
        elif word.endswith(("sses", "xes", "ches", "shes", "zes")):
            base = word[:-2]
        elif word.endswith("ing") and len(word) > 6:
            base = _undouble(word[:-3])
        elif word.endswith("ed") and len(word) > 5:
            base = _undouble(word[:-2])
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            base = word[:-1]
        if base.endswith("e") and len(base) > 4:
            base = base[:-1]
    if len(_STEMS) < 100_000:
        _STEMS[word] = base
    return base


def _undouble(base: str) -> str:
    """ "spamm" (of "spamming") is "spam"; "fill" and "pass" keep their double letter."""
    if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
        return base[:-1]
    return base


class Hit(Frozen):
    phrase: Phrase
    position: int

    __slots__ = ("phrase", "position")

    def __init__(
        self,
        phrase: Phrase,
        position: int,
    ) -> None:
        set_field(self, "phrase", phrase)
        set_field(self, "position", position)

    @property
    def reason(self) -> str:
        return self.phrase.reason

    @property
    def weight(self) -> float:
        return self.phrase.weight

    def overlaps(self, other: Hit) -> bool:
        """The two hits share words ("content rejected" and "rejected as spam" in "content
        rejected as spam"), as far as word counts tell (a gap stretches a hit by MAX_GAP)."""
        return self.position < other.end and other.position < self.end

    @property
    def end(self) -> int:
        return self.position + self.phrase.length + (MAX_GAP if GAP in self.phrase.words else 0)


def parse_phrase(text: str) -> tuple[str, ...]:
    """Split a lexicon phrase into its words; raises ValueError for what would never match."""
    words = tuple(text.lower().split())
    if not words:
        raise ValueError("a phrase is empty")
    if _CJK.search(text):
        if len(words) != 1:
            raise ValueError(f"phrase {text!r}: write CJK phrases without spaces")
        return words
    if words[0] == GAP or words[-1] == GAP:
        raise ValueError(f"phrase {text!r} may not start or end with '..'")
    for word in words:
        if word == GAP or word in _PLACEHOLDER_WORDS:
            continue
        if word.endswith("*") and len(word) <= PREFIX_KEY:
            raise ValueError(f"phrase {text!r}: a prefix needs {PREFIX_KEY} letters or more")
        if not _word().match(word):  # letters only, lower-cased above: as `normalize` leaves it
            raise ValueError(
                f"phrase {text!r}: {word!r} is not a normalised word (lower case, no digits "
                "or punctuation; '..' for a gap, 'word*' for a prefix)"
            )
    if all(w in (GAP, *_PLACEHOLDER_WORDS) for w in words):
        raise ValueError(f"phrase {text!r} has no words")
    return words


CONTRACTIONS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("does", "not"): ("doesn", "t"),
    ("do", "not"): ("don", "t"),
    ("is", "not"): ("isn", "t"),
    ("are", "not"): ("aren", "t"),
    ("was", "not"): ("wasn", "t"),
    ("were", "not"): ("weren", "t"),
    ("has", "not"): ("hasn", "t"),
    ("have", "not"): ("haven", "t"),
    ("could", "not"): ("couldn", "t"),
    ("cannot",): ("can", "t"),
    ("can", "not"): ("can", "t"),
    ("will", "not"): ("won", "t"),
    ("did", "not"): ("didn", "t"),
    ("would", "not"): ("wouldn", "t"),
}
"""English negations written out and contracted, as `normalize` leaves them ("doesn't" is
"doesn t"): servers write both, the lexicon either."""
_EXPANDED: dict[tuple[str, ...], tuple[str, ...]] = {
    short: full for full, short in reversed(CONTRACTIONS.items())
}
"""Each contraction's written-out form (the first listed above: "can t" is "cannot")."""


def _respelled(
    words: tuple[str, ...], table: dict[tuple[str, ...], tuple[str, ...]]
) -> tuple[str, ...]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in (2, 1):
            if tuple(words[i : i + size]) in table:
                out += table[tuple(words[i : i + size])]
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


def spelled_both_ways(phrase: Phrase) -> list[Phrase]:
    """The phrase, and the same words with its negations contracted and written out ("can not"
    also as "can t" and "cannot")."""
    contracted = _respelled(phrase.words, CONTRACTIONS)
    variants = [phrase]
    for words in (contracted, _respelled(contracted, _EXPANDED)):
        if all(words != v.words for v in variants):
            variants.append(phrase._replace(words=words))
    return variants


_Entry = tuple[Phrase, frozenset[str], tuple[str, ...], int, bool]
"""A phrase with its literal stems, its pattern, its rank (hits found at the same word are
reported in rank order), and whether the pattern is stems alone (no gap, no prefix): such a
phrase matches where the text's stems from its start equal it, one comparison of tuples."""


def _stems_alone(pattern: tuple[str, ...]) -> bool:
    return not any(token == GAP or token.endswith("*") for token in pattern)


class Lexicon:
    """An index of phrases by their rarest literal stem: a text asks only about the phrases whose
    every literal stem it holds, then looks for those where their first word is."""

    def __init__(self, phrases: tuple[Phrase, ...] | list[Phrase]) -> None:
        self.phrases = tuple(phrases)
        self._substrings = [p for p in self.phrases if _CJK.search(p.words[0])]
        written = {(p.words, p.reason, p.stage) for p in self.phrases}
        worded = _report_order(
            [
                variant
                for p in self.phrases
                if not _CJK.search(p.words[0])
                for variant in spelled_both_ways(p)
                if variant is p or (variant.words, p.reason, p.stage) not in written
            ]
        )
        phrases_with = Counter(s for phrase in worded for s in phrase.literals)
        keyed: dict[str, list[_Entry]] = defaultdict(list)
        self._unkeyed: tuple[_Entry, ...] = ()
        """Phrases of prefixes and gaps only: no literal stem to look them up by."""
        for rank, phrase in enumerate(worded):
            pattern = phrase.pattern
            if pattern == phrase.words:  # (one tuple for both: the cache holds it once)
                pattern = phrase.words
            entry = (phrase, phrase.literals, pattern, rank, _stems_alone(pattern))
            if entry[1]:
                keyed[min(entry[1], key=lambda s: (phrases_with[s], s))].append(entry)
            else:
                self._unkeyed += (entry,)
        self._keyed = {key: tuple(entries) for key, entries in keyed.items()}

    def __len__(self) -> int:
        return len(self.phrases)

    def hits(self, text: str, stage: str | None = None, *, normalized: bool = False) -> list[Hit]:
        """Every phrase found in the text (normalised here unless already), in text order."""
        norm = text if normalized else normalize(text)
        words = norm.split()
        known = _STEMS.get
        stems = [known(w) or stem(w) for w in words]  # (the cache inline: one call per new word)
        present = set(stems)
        keyed = self._keyed.get
        viable = [e for s in present for e in keyed(s, ()) if e[1] <= present]
        found = [
            Hit(phrase, i)
            for i, (phrase, _, pattern, _, alone) in _starts(
                [*viable, *self._unkeyed], norm, words, stems, stage
            )
            if (
                tuple(stems[i : i + len(pattern)]) == pattern
                if alone
                else _matches_at(pattern, words, stems, i)
            )
            and not _negated(phrase, words, i)
        ]
        if self._substrings and not norm.isascii():  # (their first words have CJK characters)
            compact = norm.replace(" ", "")
            for phrase in self._substrings:
                if phrase.words[0] in compact and phrase.stage in (None, stage):
                    found.append(Hit(phrase, len(words)))
        return found

    def best(self, text: str, stage: str | None = None, *, normalized: bool = False) -> Hit | None:
        """The deciding hit of a text (see `strongest`)."""
        return strongest(self.hits(text, stage, normalized=normalized))


def strongest(found: list[Hit], favoured: str | None = None) -> Hit | None:
    """The deciding hit: highest weight, then the `favoured` reason (the one a specific status
    code names), then the longest phrase, then the earliest."""
    if not found:
        return None
    return max(found, key=lambda h: (h.weight, h.reason == favoured, h.phrase.length, -h.position))


def _report_order(phrases: list[Phrase]) -> list[Phrase]:
    """The order in which hits at one word are reported: phrases that start with a word, then
    those that start with a prefix, grouped by prefix in the order the prefixes first appear."""
    by_prefix: dict[str, list[Phrase]] = {}
    worded = []
    for phrase in phrases:
        if phrase.words[0].endswith("*"):
            by_prefix.setdefault(phrase.words[0], []).append(phrase)
        else:
            worded.append(phrase)
    return worded + [phrase for group in by_prefix.values() for phrase in group]


def _starts(
    entries: list[_Entry], norm: str, words: list[str], stems: list[str], stage: str | None
) -> list[tuple[int, _Entry]]:
    """Where each phrase of this stage may start in the normalised text `norm` (where its first
    word or prefix is), in text order, then in rank order."""
    starts: list[tuple[int, int, _Entry]] = []
    at: dict[str, list[int]] | None = None
    for entry in entries:
        phrase, first = entry[0], entry[2][0]
        if phrase.stage and phrase.stage != stage:
            continue
        if first.endswith("*"):
            prefix = first[:-1]
            if prefix not in norm:  # (a quick look before the words)
                continue
            starts += [(i, entry[3], entry) for i, w in enumerate(words) if w.startswith(prefix)]
            continue
        if at is None:
            at = {}
            for i, s in enumerate(stems):
                at.setdefault(s, []).append(i)
        starts += [(i, entry[3], entry) for i in at[first]]
    starts.sort()  # by position, then rank: no two starts share both (the entry is never compared)
    return [(i, entry) for i, _, entry in starts]


def _matches_at(pattern: tuple[str, ...], words: list[str], stems: list[str], start: int) -> bool:
    """Does the phrase match the words from `start` on (gaps tried shortest first)? Literal
    pattern words are stems and meet the words' stems; prefixes meet the words as written."""
    stack = [(0, start)]
    while stack:
        p, w = stack.pop()
        if p == len(pattern):
            return True
        token = pattern[p]
        if token == GAP:
            for skip in range(MAX_GAP, -1, -1):
                if w + skip <= len(words):
                    stack.append((p + 1, w + skip))
            continue
        if w >= len(words):
            continue
        if token == stems[w] or (token.endswith("*") and words[w].startswith(token[:-1])):
            stack.append((p + 1, w + 1))
    return False


def _negated(phrase: Phrase, words: list[str], start: int) -> bool:
    if start == 0 or phrase.words[0] in NEGATIONS:
        return False
    before = words[start - 1]
    if before in NEGATIONS:
        return True
    # "isn't spam" / "doesn't" normalise to "isn t spam"
    return before == "t" and start >= 2 and words[start - 2].endswith("n")
