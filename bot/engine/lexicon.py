"""The reason lexicon: the words servers use, per bounce reason, matched word by word.

A phrase is a sequence of lower-case words as `normalize` leaves them (addresses, IPs and domains
masked as `{email}`, `{ip}`, `{domain}`; digits and punctuation gone), with two wildcards: `..` is a
gap of up to three words and `word*` matches any word starting with `word`. Chinese, Japanese and
Korean phrases are matched as substrings. A hit directly after a negation ("not spam") is ignored
unless the phrase itself starts with the negation ("no such user").
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from bot.engine.textnorm import normalize

GAP = ".."
MAX_GAP = 3
STAGES = ("connect", "helo", "mail", "rcpt", "data")
NEGATIONS = frozenset(
    "not no never without nicht kein keine keinen pas non nao não ni nie не нет".split()
)
_PLACEHOLDER_WORDS = frozenset({"{email}", "{domain}", "{ip}"})
_WORD = re.compile(r"^[^\W\d_]+\*?$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Phrase:
    reason: str
    weight: float
    words: tuple[str, ...]
    stage: str | None = None
    source: str = ""
    """The phrase as written in knowledge.yaml (for messages and `kb` tools)."""

    @property
    def length(self) -> int:
        return sum(1 for w in self.words if w != GAP)


@dataclass(frozen=True)
class Hit:
    phrase: Phrase
    position: int

    @property
    def reason(self) -> str:
        return self.phrase.reason

    @property
    def weight(self) -> float:
        return self.phrase.weight


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
        if not _WORD.match(word) or normalize(word.rstrip("*")) != word.rstrip("*"):
            raise ValueError(
                f"phrase {text!r}: {word!r} is not a normalised word (lower case, no digits "
                "or punctuation; '..' for a gap, 'word*' for a prefix)"
            )
    if all(w in (GAP, *_PLACEHOLDER_WORDS) for w in words):
        raise ValueError(f"phrase {text!r} has no words")
    return words


class Lexicon:
    """An index of phrases by their first word, for one pass over a text's words."""

    def __init__(self, phrases: tuple[Phrase, ...] | list[Phrase]) -> None:
        self.phrases = tuple(phrases)
        self._exact: dict[str, list[Phrase]] = defaultdict(list)
        self._prefix: dict[str, list[Phrase]] = defaultdict(list)
        self._substrings: list[Phrase] = []
        for phrase in self.phrases:
            first = phrase.words[0]
            if _CJK.search(first):
                self._substrings.append(phrase)
            elif first.endswith("*"):
                self._prefix[first[:-1]].append(phrase)
            else:
                self._exact[first].append(phrase)
        self._prefix_lengths = sorted({len(p) for p in self._prefix})

    def __len__(self) -> int:
        return len(self.phrases)

    def hits(self, text: str, stage: str | None = None, *, normalized: bool = False) -> list[Hit]:
        """Every phrase found in the text (normalised here unless already), in text order."""
        norm = text if normalized else normalize(text)
        words = norm.split()
        found: list[Hit] = []
        for i, word in enumerate(words):
            candidates = self._exact.get(word, ())
            if self._prefix_lengths:
                extra = [
                    p
                    for n in self._prefix_lengths
                    if n <= len(word)
                    for p in self._prefix.get(word[:n], ())
                ]
                if extra:
                    candidates = [*candidates, *extra]
            for phrase in candidates:
                if phrase.stage and phrase.stage != stage:
                    continue
                if _matches_at(phrase.words, words, i) and not _negated(phrase, words, i):
                    found.append(Hit(phrase, i))
        if self._substrings:
            compact = norm.replace(" ", "")
            for phrase in self._substrings:
                if phrase.words[0] in compact and phrase.stage in (None, stage):
                    found.append(Hit(phrase, len(words)))
        return found

    def best(self, text: str, stage: str | None = None, *, normalized: bool = False) -> Hit | None:
        """The deciding hit: highest weight, then the longest phrase, then the earliest."""
        found = self.hits(text, stage, normalized=normalized)
        if not found:
            return None
        return max(found, key=lambda h: (h.weight, h.phrase.length, -h.position))


def _matches_at(pattern: tuple[str, ...], words: list[str], start: int) -> bool:
    """Does the phrase match the words from `start` on (gaps tried shortest first)?"""
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
        word = words[w]
        if token == word or (token.endswith("*") and word.startswith(token[:-1])):
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
