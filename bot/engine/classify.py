"""The reason of one failure, decided in a fixed order (a generic code never outvotes the words).

1. A provider or MTA entry that matches with high confidence: its marker, or its own sentence
   (with its own code, when the bounce carries a specific one). When a fair phrase of the lexicon
   names another reason and none names the entry's, the answer is unsure and names the other.
2. The reason lexicon on the server's diagnostic text, strong and fair phrases; between equally
   decisive phrases a specific status code picks its own reason (without one, the answer is
   unsure and names the other reason too). Three rules refine it: a refusal that names an IP
   blocklist is a listing; an envelope-sender code (X.1.7, X.1.8) says that address words are
   about the sender; X.1.6 says that a mailbox "no longer" there has moved. A lexicon answer is
   sure only from a strong phrase, or a fair one its code agrees with, and never against a
   specific code (then the code's reason is named beside it).
3. A specific enhanced status code (X.1.1, X.2.2, X.4.7 ...), through its registry entry.
4. Weaker signs: an MTA's heading quoted whole, a looser entry match, the SMTP stage, and last
   one broad word ("blocked", "denied"), whose reason is given as unsure, with the closest
   entries listed.
5. The generic fallback: a generic code's meaning (X.0.0, X.7.1, X.5.x, X.3.0); else a bare refusal
   ("Rejected.") is `onhold` (too little detail); else `undefined`.

(`diagnose.py` adds one more source for vague replies: a decisive phrase in the report's own text.)
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.engine.contains import any_in
from bot.engine.cues import WordCues
from bot.engine.lazyre import lazy
from bot.engine.lexicon import Hit, Lexicon, strongest
from bot.engine.matcher import MAX_QUERY_CHARS, Match, MatchResult, x_form
from bot.engine.textnorm import normalize
from bot.knowledge import KnowledgeBase
from bot.reasons import NOT_FAILURES
from bot.record import Frozen, set_field

ENTRY_STRONG = 0.88
"""An entry's text match this good is the provider's own sentence: it decides the reason."""
ENTRY_CERTAIN = 0.95
"""Closer than this, the entry decides even against a decisive lexicon phrase."""
OWN_WORDS = 5
"""An entry's pattern this long, found whole and almost exactly, decides the reason even when the
bounce's code differs from the entry's (naming the provider takes more: explanation.py)."""
CONTESTED = 0.7
"""An entry's answer when a fair phrase names another reason and none names its own: the
entry's words are close, the server's words point elsewhere, so the answer says it is unsure."""
UNCONTESTED_WORDS = 8
"""An entry's pattern with this many content words, all found, is the provider's own sentence: a
phrase elsewhere in it does not contest it."""
LEXICON_FAIR = 0.6
"""A lexicon hit at least this decisive outranks a specific status code."""
ENTRY_LOOSE = 0.7
"""A looser entry match still beats the SMTP stage and generic codes."""
GENERIC_DETAILS = frozenset({"0"})
GENERIC_CODES = frozenset({"X.7.1", "X.3.0"})
"""Besides X.n.0 and X.5.x: codes servers send for almost anything."""
SENDER_REASONS = frozenset({"rejected"})
ADDRESS_REASONS = frozenset({"userunknown", "hostunknown"})
CODE_OVER_ADDRESS = SENDER_REASONS | {"hasmoved"}
"""Reasons whose specific code says more than address words ("no such user", "no longer here")."""
STAGE_REASONS = {"mail": "rejected", "connect": "blocked", "helo": "blocked"}
"""A vague refusal at these stages is about the sender or its host. After DATA it is about
the content, but vague words there do not say whether spam, policy or a filter: onhold."""


class Verdict(Frozen):
    reason: str
    step: str
    """Which rule decided: entry, lexicon, code, hint, stage, generic, report or none."""
    confidence: float
    match: Match | None
    hit: Hit | None
    rival: str | None
    """Another reason the server's words also point to (the answer is then unsure)."""

    __slots__ = ("confidence", "hit", "match", "reason", "rival", "step")

    def __init__(
        self,
        reason: str,
        step: str,
        confidence: float,
        match: Match | None = None,
        hit: Hit | None = None,
        rival: str | None = None,
    ) -> None:
        set_field(self, "reason", reason)
        set_field(self, "step", step)
        set_field(self, "confidence", confidence)
        set_field(self, "match", match)
        set_field(self, "hit", hit)
        set_field(self, "rival", rival)


def is_generic_status(status: str | None) -> bool:
    parts = (status or "").split(".")
    if len(parts) != 3:
        return True
    _, subject, detail = parts
    return detail in GENERIC_DETAILS or subject == "5" or x_form(status or "") in GENERIC_CODES


# IP blocklists by the names and host names servers quote (URLs are dropped before the lexicon
# sees the text, so these are looked for in the raw words). Domain lists (Spamhaus DBL, SURBL) list
# domains in the content or the sender, not the connecting IP, and are left to the lexicon.
BLOCKLISTS = (
    "spamhaus",
    "spamcop",
    "sorbs.net",
    "barracudacentral",
    "uceprotect",
    "abuseat.org",
    "mailspike",
    "psbl.",
    "spamrats",
    "invaluement",
    "blocklist.de",
    "backscatterer",
    "mail-abuse.org",
    "dnsbl",
)
_RBL_WORD = lazy(r"\brbl\b")
"""The bare word: "listed in an RBL", "refused by RBL" (not uribl or surbl, domain lists)."""
DOMAIN_LISTS = ("dbl.spamhaus", "spamhaus dbl", "spamhaus domain block", "surbl", "uribl")
LISTING_REASONS = frozenset({"blocked", "badreputation", "requireptr"})
SPF_WHY = "openspf."
"""openspf.org / openspf.net: the host of the "Why?" page SPF checkers link their failures to."""


_REFUSAL = lazy(
    r"\b(?:reject(?:ed|s)?|refus(?:ed|es|e)|denied|not\s+accepted|restricted|not\s+allowed"
    r"|forbidden|does\s+not\s+like|failed\s+after)\b",
    re.IGNORECASE,
)
"""Words of a refusal that, alone, say nothing of its cause (too little detail: onhold)."""


def names_blocklist(text: str) -> bool:
    lowered = text.lower()
    named = any_in(lowered, BLOCKLISTS) or (
        "rbl" in lowered and _RBL_WORD.search(lowered) is not None
    )
    if not named or "lookup failure" in lowered:  # the list could not be asked: no listing
        return False
    return not any_in(lowered, DOMAIN_LISTS)


def _codes_agree(match: Match, status: str | None) -> bool:
    """A specific status that the entry does not list means another server used like words."""
    enhanced = [c for c in match.entry.codes if "." in c]
    if is_generic_status(status) or not enhanced or status is None:
        return True
    return status in enhanced or x_form(status) in enhanced


NAMED_CAUSES = {
    "mailererror": frozenset({"mailboxfull", "systemfull"}),
    "contenterror": frozenset({"spamdetected", "virusdetected"}),
}
"""Causes a failure of one reason can name beside its own words; named, they explain it."""


class ReasonClassifier:
    """Decides reasons with one knowledge base's lexicon and code entries."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.lexicon = Lexicon(kb.lexicon)
        self.cues = WordCues((phrase.reason, phrase.words) for phrase in kb.lexicon)
        self._code_reason: dict[str, str] = {}
        specific: dict[str, set[str]] = {}
        for entry in kb.entries:
            if entry.fallback and entry.id.startswith(("code-", "reply-")):
                for code in entry.codes:
                    self._code_reason.setdefault(code, entry.reason)
            elif not entry.fallback:
                for code in entry.codes:
                    if "." in code:
                        specific.setdefault(x_form(code), set()).add(entry.reason)
        # Codes the registry entries do not cover: the reason the knowledge's entries agree on.
        for code, reasons in specific.items():
            if len(reasons) == 1 and code not in self._code_reason:
                self._code_reason[code] = next(iter(reasons))

    def code_reason(self, code: str | None) -> str | None:
        """The reason a code's registry entry gives (enhanced codes in X form, reply codes)."""
        if not code:
            return None
        return self._code_reason.get(x_form(code) if "." in code else code)

    def _hits(self, text: str, stage: str | None) -> list[Hit]:
        return self.lexicon.hits(text[:MAX_QUERY_CHARS], stage) if text else []

    @staticmethod
    def _decider(found: list[Hit], favoured: str | None) -> Hit | None:
        """`favoured`: the reason a specific status code gives, which breaks ties between
        equally decisive phrases ("larger than the limit or the mailbox is full" with 5.2.2).
        An address code beside sender words ("Sender address rejected: User unknown", a sender
        verification quoting the callout's 5.1.1) is about the sender: it favours nothing."""
        if favoured in ADDRESS_REASONS and any(h.reason in SENDER_REASONS for h in found):
            favoured = None
        hit = strongest(found, favoured)
        causes = NAMED_CAUSES.get(hit.reason) if hit is not None else None
        if hit is not None and causes:
            # A failure that names its cause: a delivery program failing for a full mailbox
            # ("procmail: Quota exceeded while writing ..." above Sendmail's "Can't create
            # output"), content refused as spam ("Message content rejected due to suspected spam").
            cause = strongest([h for h in found if h.reason in causes])
            if cause is not None and cause.weight >= hit.weight:
                return cause
        return hit

    @staticmethod
    def _rival(reason: str, found: list[Hit]) -> str | None:
        """A reason a fair phrase names, when no fair phrase names `reason`."""
        if any(h.reason == reason and h.weight >= LEXICON_FAIR for h in found):
            return None
        others = [h for h in found if h.reason != reason and h.weight >= LEXICON_FAIR]
        rival = strongest(others)
        return rival.reason if rival is not None else None

    @staticmethod
    def _entry_decides(match: Match, hit: Callable[[], Hit | None]) -> bool:
        """A marker, or the provider's own sentence, unless a decisive phrase says otherwise
        (the lexicon is consulted only when that can change the answer)."""
        if match.via == "marker" or match.evidence >= ENTRY_CERTAIN:
            return True
        if match.evidence < ENTRY_STRONG:
            return False
        found = hit()
        return not (
            found is not None and found.weight >= 1.0 and found.reason != match.entry.reason
        )

    def classify(
        self,
        text: str,
        status: str | None,
        reply_code: str | None,
        ranked: MatchResult,
        stage: str | None = None,
        *,
        reply: str | None = None,
    ) -> Verdict:
        """`text`: the words to judge; `reply`: the server's own reply among them, when known
        (the word cues read only a reply: a whole report's words lean every way)."""
        known: list[list[Hit]] = []

        def hits() -> list[Hit]:
            """The text's phrases, found once per call (the steps below may each ask)."""
            if not known:
                known.append(self._hits(text, stage))
            return known[0]

        words = [m for m in ranked.ranked if m.via != "code" and not m.entry.fallback]
        best_entry = max(words, key=lambda m: m.evidence, default=None)
        code_reason = None if is_generic_status(status) else self.code_reason(status)
        # 1. the provider's own words or marker (with the provider's own code, if it has one)
        if (
            best_entry is not None
            and self._entry_decides(best_entry, lambda: strongest(hits()))
            and (
                best_entry.via == "marker"
                or (best_entry.evidence >= ENTRY_CERTAIN and best_entry.pattern_words >= OWN_WORDS)
                or _codes_agree(best_entry, status)
            )
        ):
            reason = best_entry.entry.reason
            rival = (
                None
                if best_entry.via == "marker" or best_entry.pattern_words >= UNCONTESTED_WORDS
                else self._rival(reason, hits())
            )
            if rival is not None:
                return Verdict(reason, "entry", CONTESTED, best_entry, rival=rival)
            return Verdict(reason, "entry", min(1.0, best_entry.evidence), best_entry)
        found = hits()
        hit = self._decider(found, code_reason)
        # A refusal that points at an IP blocklist (its name or its lookup URL) is a listing,
        # whatever else it says ("You are sending spam (check spamhaus.org/query...)").
        if names_blocklist(text) and not (
            hit is not None and hit.reason in LISTING_REASONS and hit.weight >= LEXICON_FAIR
        ):
            return Verdict("blocked", "lexicon", 0.85, hit=hit)
        # A refusal that links to the SPF project's "Why?" page reports an SPF failure.
        if SPF_WHY in text.lower() and not (hit is not None and hit.weight >= 1.0):
            return Verdict("authfailure", "lexicon", 0.8, hit=hit)
        # An envelope-sender code (X.1.7, X.1.8) says whose address the words are about, and
        # X.1.6 says the mailbox that is "no longer" there has moved.
        if code_reason in CODE_OVER_ADDRESS and hit is not None and hit.reason in ADDRESS_REASONS:
            return Verdict(code_reason, "code", 0.8, hit=hit)
        # 2. the lexicon
        if hit is not None and hit.weight >= LEXICON_FAIR:
            agree = 0.1 if code_reason == hit.reason else 0.0
            confidence = min(1.0, 0.5 + 0.4 * hit.weight + agree)
            if code_reason is not None and not agree and code_reason not in NOT_FAILURES:
                # The words and a specific code point to different reasons: the words are
                # given, unsure, with the code's reason beside them.
                return Verdict(
                    hit.reason, "lexicon", min(confidence, CONTESTED), hit=hit, rival=code_reason
                )
            if hit.weight < 1.0 and not agree:
                confidence = min(confidence, CONTESTED)  # a fair phrase alone: likely, not sure
            other = strongest(
                [
                    h
                    for h in found
                    if h.reason != hit.reason and h.weight >= LEXICON_FAIR and not hit.overlaps(h)
                ]
            )
            if other is not None and other.weight >= hit.weight and not agree:
                # Phrases of two reasons, equally strong, and no code to choose: one is given,
                # unsure, with the other.
                return Verdict(
                    hit.reason, "lexicon", min(confidence, CONTESTED), hit=hit, rival=other.reason
                )
            return Verdict(hit.reason, "lexicon", confidence, hit=hit)
        # 3. a specific status code
        if code_reason is not None:
            return Verdict(code_reason, "code", 0.75)
        # 4. weaker signs (an MTA's own heading or wrapper, quoted whole, before a hint word)
        wrapper = next((m for m in ranked.ranked if m.via != "code" and m.entry.fallback), None)
        if wrapper is not None and wrapper.evidence >= ENTRY_CERTAIN:
            return Verdict(wrapper.entry.reason, "generic", 0.5, wrapper)
        if best_entry is not None and best_entry.evidence >= ENTRY_LOOSE:
            return Verdict(best_entry.entry.reason, "entry", best_entry.evidence * 0.9, best_entry)
        if stage in STAGE_REASONS and (reply_code or status or "5")[0] in "45":
            return Verdict(STAGE_REASONS[stage], "stage", 0.55)
        if hit is not None:
            # One broad word ("blocked", "denied"): its reason, marked unsure, so the answer says
            # so and lists the closest entries.
            return Verdict(hit.reason, "hint", 0.45, hit=hit)
        # No phrase at all: the reason the words lean to, if they lean clearly, also unsure.
        cue = self.cues.vote(normalize(reply[:MAX_QUERY_CHARS])) if reply else None
        if cue is not None:
            return Verdict(cue.reason, "hint", 0.4)
        # 5. generic meanings: an MTA's wrapper text or heading, a generic code
        if wrapper is not None and wrapper.evidence >= ENTRY_LOOSE:
            return Verdict(wrapper.entry.reason, "generic", 0.5, wrapper)
        generic = self.code_reason(status) or self.code_reason(reply_code)
        if generic is not None:
            return Verdict(generic, "generic", 0.45)
        if reply and _REFUSAL.search(reply[:MAX_QUERY_CHARS]):
            # "Rejected.", "rcpt is rejected", "restricted": a refusal that gives no cause.
            return Verdict("onhold", "generic", 0.3)
        return Verdict("undefined", "none", 0.0)
