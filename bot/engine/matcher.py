"""Rank knowledge entries for one failure: exact markers, then fuzzy text (rapidfuzz), then codes."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from bot.engine.contains import any_in
from bot.engine.lazyre import lazy
from bot.engine.textnorm import normalize, tokens
from bot.knowledge import Entry, KnowledgeBase
from bot.record import Frozen, set_field

if TYPE_CHECKING:
    from bot.engine.classify import ReasonClassifier

MARKER = 1.02
"""A marker is an exact identifier: it beats a pattern match with the same code agreement."""
FALLBACK_TEXT_CAP = 0.6
"""Generic entries (fallback: true) only win when nothing specific matches, not even the code."""
TEXT_MIN = 0.62
"""A fuzzy text score below this is not evidence at all."""
CERTAIN = 0.6
"""Below this the answer is 'closest matches', not a diagnosis."""
MARGIN = 0.03
"""The best must beat the best entry of another reason by this much to be certain."""
MAX_QUERY_CHARS = 3000
MAX_FUZZY_CANDIDATES = 8
MIN_COVERAGE = 0.3
"""A pattern whose distinctive words the text covers less than this is not scored."""
MAX_CODE_ONLY = 4
"""Provider entries a bare code can point to: enough for the 'closest matches' list."""

# Markers that tell which provider or MTA wrote the text; entries naming it get a small bonus.
PROVIDER_MARKERS: dict[str, tuple[str, ...]] = {
    "google": ("gsmtp", "google.com", "googlemail.com", "gmail"),
    "microsoft": (
        "protection.outlook.com",
        "prod.outlook",
        "exchangelabs",
        "resolver.",
        "storedrv.",
        "office 365",
        "microsoft 365",
    ),
    "outlook": ("hotmail.com", "outlook.com", "live.com", "msn.com"),
    "exchange": ("resolver.", "storedrv.", "smtpsend.", "generating server"),
    "yahoo": ("yahoo", "yahoodns"),
    "aol": ("aol.com",),
    "apple": ("icloud.com", "me.com", "mac.com", "apple.com"),
    "gmx": ("gmx.net", "gmx.de", "gmx.com", "mxgmx"),
    "webde": ("web.de",),
    "ionos": ("ionos", "1and1", "1und1", "kundenserver.de"),
    "orange": ("orange.fr", "wanadoo", "ofr00"),
    "comcast": ("comcast",),
    "zoho": ("zoho",),
    "yandex": ("yandex",),
    "mailru": ("mail.ru",),
    "qq": ("qq.com",),
    "netease": ("163.com", "126.com", "netease"),
    "amazonses": ("amazonses", "amazon ses"),
    "proofpoint": ("pphosted", "proofpoint"),
    "mimecast": ("mimecast",),
    "barracuda": ("barracuda",),
    "cisco": ("iphmx.com", "ironport"),
    "trendmicro": ("trendmicro",),
    "spamhaus": ("spamhaus",),
    "postfix": (
        "(in reply to rcpt to command)",
        "(in reply to end of data command)",
        "(in reply to mail from command)",
        "this is the mail system at host",
        "delivery temporarily suspended:",
        "in local recipient table",
        "in virtual mailbox table",
        "in virtual alias table",
    ),
    "exim": (
        "smtp error from remote mail server",
        "mail delivery software",
        "sender verify failed",
    ),
    "qmail": ("qmail-send", "does not like recipient"),
    "sendmail": ("----- transcript of session follows -----", "... user unknown"),
}

_WORD = lazy(r"[a-z0-9_]+")
STORE_KEY = "matcher"
"""The name of a knowledge base's matcher among the values derived from it (KnowledgeStore)."""


_ASCII_NOT_WORD = str.maketrans({c: " " for c in map(chr, range(128)) if not _WORD.fullmatch(c)})
"""The ASCII characters _WORD leaves out, each made a space."""


def _words(lowered: str) -> set[str]:
    """`set(_WORD.findall(lowered))`; for ASCII text, by a table (quicker than the regex)."""
    if lowered.isascii():
        return set(lowered.translate(_ASCII_NOT_WORD).split())
    return set(_WORD.findall(lowered))


class Match(Frozen):
    entry: Entry
    rank: float
    """Text score plus code and provider bonuses; may exceed 1."""
    via: str
    """How it was found: "marker", "text" or "code"."""
    evidence: float
    """How strongly the text itself matched (before generic entries are held back)."""
    pattern_words: int
    """Content words of the matched pattern when the text has them all, else 0 (a long pattern
    found whole identifies its author)."""

    __slots__ = ("entry", "evidence", "pattern_words", "rank", "via")

    def __init__(
        self,
        entry: Entry,
        rank: float,
        via: str,
        evidence: float = 0.0,
        pattern_words: int = 0,
    ) -> None:
        set_field(self, "entry", entry)
        set_field(self, "rank", rank)
        set_field(self, "via", via)
        set_field(self, "evidence", evidence)
        set_field(self, "pattern_words", pattern_words)

    @property
    def score(self) -> float:
        """Confidence in 0..1."""
        return round(min(1.0, max(0.0, self.rank)), 3)


class MatchResult(Frozen):
    ranked: tuple[Match, ...]
    certain: bool

    __slots__ = ("certain", "ranked")

    def __init__(
        self,
        ranked: tuple[Match, ...],
        certain: bool,
    ) -> None:
        set_field(self, "ranked", ranked)
        set_field(self, "certain", certain)

    @property
    def best(self) -> Match | None:
        return self.ranked[0] if self.ranked else None


def detect_providers(text: str) -> frozenset[str]:
    """The providers and MTAs whose markers the text carries outside e-mail addresses (a
    recipient at gmail.com does not make Google the writer of a refusal)."""
    lowered = text.lower()
    found = []
    for name, marks in PROVIDER_MARKERS.items():
        for mark in marks:
            if mark in lowered and _outside_addresses(lowered, mark):
                found.append(name)
                break
    return frozenset(found)


_TOKEN_ENDS = tuple(" \t\n<>\"'(,;:[")
"""What ends the token an address is written in."""


def _outside_addresses(lowered: str, mark: str) -> bool:
    """Whether the mark occurs once at least where it is not an address's domain ("bob@gmail.com"):
    no "@" before it in its token (after the last "@" before it, something ends the token)."""
    at = lowered.find(mark)
    while at != -1:
        address_at = lowered.rfind("@", 0, at)
        if address_at == -1 or any_in(lowered[address_at + 1 : at], _TOKEN_ENDS):
            return True
        at = lowered.find(mark, at + len(mark))
    return False


@cache
def _partial_ratio() -> Callable[..., float]:
    """rapidfuzz's partial_ratio, imported on first use: a bare code never needs it (~10 ms of
    start-up). Kept here: an import statement in the loop costs a call into importlib each time."""
    from rapidfuzz import fuzz

    return fuzz.partial_ratio


def x_form(status: str) -> str:
    return "X" + status[1:]


class Matcher:
    """Indexes of one knowledge base; `match` is pure and cached."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._pattern_text: list[str] = []
        self._pattern_entry: list[Entry] = []
        pattern_tokens: list[set[str]] = []
        for entry in kb.entries:
            for norm in entry.normalized_patterns:
                self._pattern_text.append(norm)
                self._pattern_entry.append(entry)
                pattern_tokens.append(tokens(norm))
        self._pattern_tokens = pattern_tokens
        count = max(1, len(self._pattern_text))
        df: dict[str, int] = defaultdict(int)
        for toks in pattern_tokens:
            for tok in toks:
                df[tok] += 1
        too_common = max(25, count // 8)
        self._idf = {tok: math.log(1 + count / n) for tok, n in df.items() if n <= too_common}
        postings: dict[str, list[int]] = defaultdict(list)
        self._weight: list[float] = []
        for index, toks in enumerate(pattern_tokens):
            useful = [t for t in toks if t in self._idf]
            for tok in useful:
                postings[tok].append(index)
            self._weight.append(sum(self._idf[t] for t in useful) or 1.0)
        self._postings = dict(postings)
        self._codes: dict[str, list[Entry]] = defaultdict(list)
        for entry in kb.entries:
            for code in entry.codes:
                self._codes[code].append(entry)
        self._markers: dict[str, list[tuple[str, Entry]]] = defaultdict(list)
        self._script_markers: list[tuple[str, Entry]] = []
        """Markers with no Latin word to index (CJK, Cyrillic): checked as plain substrings."""
        for entry in kb.entries:
            for marker in entry.markers:
                lowered = marker.lower()
                words = _WORD.findall(lowered)
                if words:
                    self._markers[max(words, key=len)].append((lowered, entry))
                else:
                    self._script_markers.append((lowered, entry))
        self._start()

    def _start(self) -> None:
        """What is not kept in the compiled knowledge cache: the classifier, the answer caches."""
        self._classifier: ReasonClassifier | None = None
        self._classifier_source: Callable[[], ReasonClassifier] | None = None
        self._cached_match = lru_cache(maxsize=4096)(self._match)
        self._cached_codes = lru_cache(maxsize=1024)(self._code_scores)

    def __getstate__(self) -> dict[str, Any]:
        """The indexes, for the compiled knowledge cache (bot/kbcache.py)."""
        state = dict(self.__dict__)
        for name in ("_classifier", "_classifier_source", "_cached_match", "_cached_codes"):
            del state[name]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._start()

    def classifier_from(self, source: Callable[[], ReasonClassifier]) -> None:
        """Where the classifier comes from on first use, instead of being built (the cache)."""
        self._classifier_source = source

    # -- public -----------------------------------------------------------------------------
    @property
    def classifier(self) -> ReasonClassifier:
        """The reason classifier of the same knowledge base (built on first use)."""
        if self._classifier is None:
            if self._classifier_source is not None:
                self._classifier = self._classifier_source()
                self._classifier_source = None  # (lets go of the cache's bytes)
            else:
                from bot.engine.classify import ReasonClassifier

                self._classifier = ReasonClassifier(self.kb)
        return self._classifier

    def match(
        self,
        text: str,
        status: str | None = None,
        reply_code: str | None = None,
        providers: frozenset[str] = frozenset(),
    ) -> MatchResult:
        """Ranked entries for one failure's diagnostic text and codes (cached)."""
        return self._cached_match(text[:MAX_QUERY_CHARS], status, reply_code, providers)

    def entries_for_code(self, code: str) -> list[Entry]:
        return list(self._codes.get(code, ()))

    def text_candidates(self, text: str) -> list[tuple[Entry, float]]:
        """Entries whose patterns resemble the text, best first (score 0..1)."""
        return [(entry, score) for entry, score, _ in self._text_candidates(text)]

    def _text_candidates(self, text: str, floor: float = 0.0) -> list[tuple[Entry, float, int]]:
        """`text_candidates` with the words each matched; `floor`: leave out those scoring less."""
        best: dict[str, tuple[Entry, float, int]] = {}
        norm = normalize(text[:MAX_QUERY_CHARS])
        if not norm:
            return []
        present = tokens(norm)
        for index, score in self._fuzzy(norm, present, floor):
            entry = self._pattern_entry[index]
            if entry.id not in best or score > best[entry.id][1]:
                wanted = self._pattern_tokens[index]
                # Every content word of the pattern in the text: its length tells how telling.
                words = len(wanted) if wanted <= present else 0
                best[entry.id] = (entry, score, words)
        return sorted(best.values(), key=lambda item: -item[1])

    # -- internals --------------------------------------------------------------------------
    def _fuzzy(self, norm: str, present: set[str], floor: float) -> list[tuple[int, float]]:
        partial_ratio = _partial_ratio()
        acc: dict[int, float] = {}
        get = acc.get
        for tok in present:
            weight = self._idf.get(tok)
            if weight is None:
                continue
            for index in self._postings[tok]:
                acc[index] = get(index, 0.0) + weight
        weights = self._weight
        # The best by coverage, best first (no two are equal: the index breaks ties), among
        # those that cover enough of their pattern to be scored at all. (Sorting a few dozen
        # pairs is quicker than heapq.nlargest, which gives the same.)
        shortlist = sorted(
            [
                (coverage, i)
                for i, total in acc.items()
                if (coverage := total / weights[i]) >= MIN_COVERAGE
            ],
            reverse=True,
        )[:MAX_FUZZY_CANDIDATES]
        scored = []
        for coverage, index in shortlist:
            pattern = self._pattern_text[index]
            # Alignment of the text, tempered by how many of the pattern's distinctive words
            # appear: a shared preamble ("Recipient address rejected:") is not a match.
            shared = 0.7 + 0.3 * min(1.0, coverage)
            # A fragment of the pattern is weaker evidence.
            fragment = 0.6 + 0.4 * len(norm) / len(pattern) if len(norm) < len(pattern) else 1.0
            # Between equal matches the longer pattern is the more specific one.
            longer = min(len(pattern), 400) * 1e-5
            # The alignment below which the score misses `floor` (less a margin for rounding):
            # rapidfuzz skips what cannot reach it, and gives 0 for such a pattern.
            cutoff = max(0.0, (floor - longer) / (shared * fragment) * 100.0 - 0.01) if floor else 0
            if cutoff > 100:
                continue  # not even a perfect alignment would reach `floor`
            ratio = partial_ratio(pattern, norm, score_cutoff=cutoff)
            score = ratio / 100.0 * shared * fragment + longer
            if score >= floor:
                scored.append((index, score))
        return scored

    def _marker_hits(self, text: str) -> list[Entry]:
        if not self._markers and not self._script_markers:
            return []
        lowered = text.lower()
        hits = [entry for marker, entry in self._script_markers if marker in lowered]
        for word in _words(lowered) & self._markers.keys():
            for marker, entry in self._markers[word]:
                if marker in lowered:
                    hits.append(entry)
        return hits

    def _match(
        self,
        text: str,
        status: str | None = None,
        reply_code: str | None = None,
        providers: frozenset[str] = frozenset(),
    ) -> MatchResult:
        scores: dict[str, Match] = {}

        def offer(
            entry: Entry, score: float, via: str, words: int = 0, evidence: float = 0
        ) -> None:
            if entry.fallback and via != "code":
                score = min(score, FALLBACK_TEXT_CAP)
            current = scores.get(entry.id)
            if current is None or score > current.rank:
                scores[entry.id] = Match(entry, score, via, evidence, words)

        if text:
            for entry in self._marker_hits(text):
                bonus = self._code_bonus(entry, status, reply_code, 1.0)
                offer(entry, MARKER + bonus, "marker", evidence=MARKER + bonus)
            for entry, text_score, words in self._text_candidates(text, TEXT_MIN):
                if text_score < TEXT_MIN:
                    continue
                bonus = self._code_bonus(entry, status, reply_code, text_score)
                bonus += self._provider_bonus(entry, providers)
                offer(entry, text_score + bonus, "text", words, text_score + bonus)
        for entry, score in self._code_candidates(status, reply_code):
            offer(entry, score + self._provider_bonus(entry, providers) / 2, "code")
        ranked = tuple(
            sorted(scores.values(), key=lambda m: (-m.rank, m.entry.fallback, m.entry.id))
        )
        return MatchResult(ranked=ranked, certain=self._is_certain(ranked))

    @staticmethod
    def _is_certain(ranked: tuple[Match, ...]) -> bool:
        if not ranked or ranked[0].rank < CERTAIN:
            return False
        best = ranked[0]
        for other in ranked[1:]:
            if other.entry.reason != best.entry.reason:
                return best.rank - other.rank >= MARGIN
        return True

    @staticmethod
    def _code_bonus(
        entry: Entry, status: str | None, reply_code: str | None, text_score: float
    ) -> float:
        if not entry.codes:
            return 0.0
        bonus = 0.0
        if status:
            enhanced = [c for c in entry.codes if "." in c]
            if status in entry.codes:
                bonus += 0.1
            elif x_form(status) in entry.codes:
                bonus += 0.08
            elif enhanced:
                # Providers reuse codes loosely; strong text outweighs a code that disagrees.
                bonus -= 0.03 if text_score >= 0.9 else 0.15
        if reply_code and reply_code in entry.codes:
            bonus += 0.03
        return bonus

    @staticmethod
    def _provider_bonus(entry: Entry, providers: frozenset[str]) -> float:
        if not entry.providers or not providers:
            return 0.0
        return 0.05 if providers.intersection(entry.providers) else -0.03

    def _code_candidates(
        self, status: str | None, reply_code: str | None
    ) -> tuple[tuple[Entry, float], ...]:
        """Entries a code alone points to, with their base scores (cached: codes repeat)."""
        return self._cached_codes(status, reply_code)

    def _code_scores(
        self, status: str | None, reply_code: str | None
    ) -> tuple[tuple[Entry, float], ...]:
        out: list[tuple[Entry, float]] = []
        if status:
            exact = self._codes.get(status, [])
            general = self._codes.get(x_form(status), [])
            specific = [e for e in exact if not e.fallback]
            has_generic = any(e.fallback for e in exact) or any(e.fallback for e in general)
            out.extend((entry, 0.62) for entry in exact if entry.fallback)
            if len(specific) == 1 and not has_generic:
                out.append((specific[0], 0.6))
            else:
                out.extend((entry, 0.5) for entry in specific[:MAX_CODE_ONLY])
            out.extend((entry, 0.62) for entry in general if entry.fallback)
            out.extend((e, 0.45) for e in [e for e in general if not e.fallback][:MAX_CODE_ONLY])
            if not has_generic:
                subject = status.split(".")[1]
                for entry in self._codes.get(f"X.{subject}.0", []):
                    out.append((entry, 0.52 if not specific else 0.4))
        if reply_code:
            replies = self._codes.get(reply_code, [])
            out.extend((entry, 0.3 if status else 0.55) for entry in replies if entry.fallback)
            if not status:
                out.extend((e, 0.4) for e in [e for e in replies if not e.fallback][:MAX_CODE_ONLY])
        return tuple(out)
