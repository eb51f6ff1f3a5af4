"""Word cues: which reason single words lean to, learnt from the lexicon's own phrases.

The lexicon decides when one of its phrases is found. A server's wording nobody wrote down ("mail
box is full", "remote ip is forbidden", "Suspected phishing attempt") holds no phrase, yet its words
are the words of a reason: "full", "forbidden", "phishing". The cues count, for every word of every
lexicon phrase, the reasons it appears under; a text's content words then vote, each with the share of its
commonest reason, and a clear winner is a hint (the answer says it is unsure).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from bot.engine.lexicon import GAP
from bot.engine.textnorm import STOPWORDS
from bot.record import Frozen, set_field

STEM = 6
"""Words are compared by their first letters: "blacklisted" and "blacklist" are one cue."""
MIN_SHARE = 0.6
"""A word votes only when this share of its phrases or more carry one reason."""
MIN_SCORE = 0.9
"""Votes a reason needs in all to be named (one word seen in a few phrases is about 1)."""
MARGIN = 1.5
"""The winner's votes over the runner-up's."""
IGNORED = frozenset(
    "mail email message messages recipient recipients address server user delivery delivered "
    "smtp error failed failure reason because following".split()
)
"""Words in every kind of bounce: they say a bounce, not which one."""


def stem(word: str) -> str:
    return word[:STEM]


class Cue(Frozen):
    reason: str
    score: float
    words: tuple[str, ...]
    """The text's words that voted for the reason (for notes and tests)."""

    __slots__ = ("reason", "score", "words")

    def __init__(
        self,
        reason: str,
        score: float,
        words: tuple[str, ...],
    ) -> None:
        set_field(self, "reason", reason)
        set_field(self, "score", score)
        set_field(self, "words", words)


class WordCues:
    """Reason leanings of single words, from (reason, words) pairs: the lexicon's phrases."""

    def __init__(self, texts: Iterable[tuple[str, Iterable[str]]]) -> None:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for reason, words in texts:
            for word in {stem(w) for w in words if _content(w)}:
                counts[word][reason] += 1
        self._lean: dict[str, tuple[str, float]] = {}
        for word, reasons in counts.items():
            reason, top = reasons.most_common(1)[0]
            total = sum(reasons.values())
            share = top / total
            if share >= MIN_SHARE:
                # A word seen in more phrases is surer; log keeps one frequent word from deciding.
                self._lean[word] = (reason, share * min(1.0, 0.5 + math.log(total, 4) / 2))

    def __len__(self) -> int:
        return len(self._lean)

    def vote(self, normalized: str) -> Cue | None:
        """The reason a normalised text's words lean to clearly, if any."""
        scores: defaultdict[str, float] = defaultdict(float)
        voters: dict[str, list[str]] = defaultdict(list)
        for word in dict.fromkeys(w for w in normalized.split() if _content(w)):
            lean = self._lean.get(stem(word))
            if lean is not None:
                scores[lean[0]] += lean[1]
                voters[lean[0]].append(word)
        if not scores:
            return None
        ranked = sorted(scores.items(), key=lambda item: -item[1])[:2]
        reason, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if score < MIN_SCORE or score < MARGIN * runner_up:
            return None
        return Cue(reason, score, tuple(voters[reason]))


def _content(word: str) -> bool:
    return (
        word != GAP
        and not word.startswith("{")
        and not word.endswith("*")
        and len(word) >= 3
        and word not in STOPWORDS
        and word not in IGNORED
    )
