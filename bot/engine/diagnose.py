"""The bounce engine: parsed message + knowledge -> Analysis (one Diagnosis per failed recipient)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from bot.engine.classify import Verdict
from bot.engine.detect import (
    REFUSAL_PHRASES,
    TALK_MAX_CHARS,
    has_bounce_structure,
    is_talk,
    looks_like_bounce,
)
from bot.engine.explanation import OWN_SENTENCE, explanation_entry
from bot.engine.extract import (
    is_final_report,
    says_gave_up,
    says_gave_up_retrying,
    says_retrying,
    server_reply,
    smtp_stage,
)
from bot.engine.kind import message_kind
from bot.engine.matcher import CERTAIN, MAX_QUERY_CHARS, Matcher, detect_providers
from bot.engine.parse import parse
from bot.engine.parsed import Failure, ParsedMessage
from bot.engine.textnorm import normalize
from bot.engine.textparse import diagnostic_lines
from bot.knowledge import Entry
from bot.reasons import NOT_FAILURES

STRONG_TEXT = 0.75
"""A text match this good makes plain text a bounce even without codes."""

_BARE_CODE = re.compile(r"^\s*(?:([2345]\d\d)[ -]?)?\s*#?([245]\.\d{1,3}\.\d{1,3})?\s*$")


@dataclass(frozen=True)
class Diagnosis:
    entry: Entry | None
    reason: str
    confidence: float
    certain: bool
    status: str | None = None
    reply_code: str | None = None
    recipient: str | None = None
    temporary: bool | None = None
    diagnostic: str = ""
    code_inferred: bool = False
    """True when status/reply_code come from the knowledge entry, not from the bounce."""
    evidence: float = 0.0
    """How strongly the bounce's own words matched the entry (0 for a code-only answer)."""
    alternatives: tuple[Entry, ...] = ()
    step: str = "code"
    """Which rule decided the reason (see bot/engine/classify.py)."""
    stage: str | None = None
    """The SMTP command the server refused: connect, helo, mail, rcpt or data."""

    @property
    def id(self) -> str:
        if self.entry:
            return self.entry.id
        return self.reason if self.reason in NOT_FAILURES else "unknown"

    @property
    def title(self) -> str:
        if self.entry:
            return self.entry.title
        return _NOT_FAILURE_TITLES.get(self.reason, "A bounce ndrbot could not explain")

    @property
    def who_fixes(self) -> str:
        if self.entry:
            return self.entry.who_fixes
        return "nobody" if self.reason in NOT_FAILURES else "senders_admin"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reason": self.reason,
            "status": self.status,
            "reply_code": self.reply_code,
            "confidence": round(self.confidence, 3),
            "title": self.title,
            "who_fixes": self.who_fixes,
            "temporary": self.temporary,
            "recipient": self.recipient,
        }


@dataclass(frozen=True)
class Analysis:
    kind: str
    """bounce, vacation, feedback, delivered, other, empty or binary."""
    is_bounce: bool
    diagnoses: tuple[Diagnosis, ...]
    parsed: ParsedMessage | None = None
    notes: tuple[str, ...] = field(default=())

    def to_json(self, checks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {
            "is_bounce": self.is_bounce,
            "diagnoses": [d.to_json() for d in self.diagnoses],
            "checks": checks or [],
        }


def is_bare_code(text: str) -> bool:
    """`5.7.1`, `550`, `550 5.7.1`, `550-5.7.26`: a code typed on its own."""
    match = _BARE_CODE.match(text)
    return bool(match and (match.group(1) or match.group(2)))


def analyze_code(text: str, matcher: Matcher) -> Analysis:
    """Explain a bare code typed by a user."""
    match = _BARE_CODE.match(text)
    reply_code, status = (match.group(1), match.group(2)) if match else (None, None)
    if reply_code and reply_code[0] not in "2345":
        reply_code = None
    result = matcher.match("", status, reply_code)
    best = result.best
    if best is None:
        return Analysis("other", False, (), notes=(f"{text.strip()} is not a code ndrbot knows.",))
    entry = best.entry
    code_class = (reply_code or status or "")[:1]
    reason = "delivered" if entry.fallback and code_class == "2" else entry.reason
    temporary = code_class == "4" if code_class in ("4", "5") else entry.temporary
    alternatives = () if result.certain else tuple(m.entry for m in result.ranked[1:4])
    diagnosis = Diagnosis(
        entry=entry,
        reason=reason,
        confidence=best.score,
        certain=result.certain,
        status=status,
        reply_code=reply_code,
        temporary=temporary,
        alternatives=alternatives,
    )
    return Analysis("bounce", reason not in NOT_FAILURES, (diagnosis,))


class Context:
    """What the whole message says around its failures (each part worked out when first asked)."""

    def __init__(self, parsed: ParsedMessage) -> None:
        self.text = parsed.text
        self._parsed = parsed

    @cached_property
    def providers(self) -> frozenset[str]:
        parsed = self._parsed
        remotes = " ".join(f.remote_mta or "" for f in parsed.failures[:5])
        return detect_providers(f"{parsed.text[:5000]} {parsed.sender} {remotes}")

    @cached_property
    def stage(self) -> str | None:
        return smtp_stage(self.text[:5000], only=True)

    @cached_property
    def _notice(self) -> str:
        return self._parsed.subject + "\n" + self.text[:5000]

    @cached_property
    def retrying(self) -> bool:
        return says_retrying(self._notice)

    @cached_property
    def gave_up(self) -> bool:
        return says_gave_up(self._notice)

    @cached_property
    def final(self) -> bool:
        """A final report (not a delay warning): the sending server stopped trying."""
        return is_final_report(self._notice)


def is_chat_talk(text: str, matcher: Matcher) -> bool:
    """A short chat line the detector would not answer: talk about mail, not a pasted bounce."""
    stripped = text.strip()
    if "\n" in stripped or len(stripped) > TALK_MAX_CHARS or stripped[:1] in ("{", "["):
        return False
    if is_own_sentence(stripped, matcher):
        return False  # a provider's sentence pasted alone (Gmail's may start "We weren't ...")
    return is_talk(stripped) or not looks_like_bounce(stripped, matcher)


OWN_SHARE = 0.5
"""How much of a talk-like line a provider's sentence must make up to count as pasted."""


def is_own_sentence(text: str, matcher: Matcher) -> bool:
    """The text is (mostly) a sentence a knowledge entry holds: a server's own words."""
    if text.rstrip().endswith("?"):
        return False
    candidates = matcher.text_candidates(text)
    if not candidates or candidates[0][1] < OWN_SENTENCE:
        return False
    if not is_talk(text):
        return True
    # Talk-like openings ("We weren't able to find ...") count when the sentence is most of it.
    size = len(normalize(text))
    return any(len(p) >= OWN_SHARE * size for p in candidates[0][0].normalized_patterns)


def has_failure_wording(text: str, matcher: Matcher) -> bool:
    """Words a server uses when it refuses or fails to deliver mail."""
    lowered = text[:20_000].lower()
    if any(phrase in lowered for phrase in REFUSAL_PHRASES):
        return True
    return bool(matcher.classifier.lexicon.hits(text[:3000]))


def analyze(data: str | bytes, matcher: Matcher, *, asked: bool = False) -> Analysis:
    """Explain a pasted or uploaded message. Never raises for any input.

    `asked`: someone asked for this text to be explained (`/bounce TEXT`), so text with failure
    wording is diagnosed even when it does not look like a whole bounce.
    """
    if isinstance(data, str) and is_bare_code(data):
        return analyze_code(data, matcher)
    if not data.strip():
        return Analysis(
            "empty", False, (), notes=("There is nothing to explain: the input is empty.",)
        )
    if not asked and isinstance(data, str) and is_chat_talk(data, matcher):
        return Analysis("other", False, ())
    parsed = parse(data)
    notes = tuple(parsed.notes)
    if parsed.binary:
        return Analysis("binary", False, (), parsed, notes)
    kind = message_kind(parsed)
    if kind in ("feedback", "vacation", "delivered"):
        return Analysis(kind, False, (_not_a_failure(kind, parsed),), parsed, notes)
    if (
        kind != "bounce"
        and not parsed.failures
        and asked
        and has_failure_wording(parsed.text, matcher)
    ):
        parsed.failures.append(Failure(recipient=None, diagnostic=diagnostic_lines(parsed.text)))
    context = Context(parsed)
    failures = [f for f in parsed.failures if f.action not in ("delivered", "relayed", "expanded")]
    diagnoses: list[Diagnosis] = []
    for failure in failures:
        diagnosis = diagnose_failure(failure, context, matcher)
        if (
            kind == "bounce"
            or _plausible(failure, diagnosis)
            or (asked and _failure_code(failure))
            or (asked and has_failure_wording(failure.diagnostic or parsed.text, matcher))
        ):
            diagnoses.append(diagnosis)
    if kind == "bounce" and not diagnoses:
        recipient = failures[0].recipient if failures else None
        diagnoses.append(Diagnosis(None, "undefined", 0.0, False, recipient=recipient))
    diagnoses.sort(key=lambda d: (d.reason == "undefined", -d.confidence))
    is_bounce = bool(diagnoses) and any(d.reason not in NOT_FAILURES for d in diagnoses)
    return Analysis("bounce" if is_bounce else "other", is_bounce, tuple(diagnoses), parsed, notes)


def diagnose_failure(failure: Failure, context: Context, matcher: Matcher) -> Diagnosis:
    """One recipient's failure: reason (classify), then the entry that explains it."""
    text = failure.diagnostic or failure.context or context.text[:2000]
    stage = smtp_stage(failure.diagnostic) or smtp_stage(failure.context) or context.stage
    ranked = matcher.match(text, failure.status, failure.reply_code, context.providers)
    verdict = matcher.classifier.classify(text, failure.status, failure.reply_code, ranked, stage)
    if verdict.step in VAGUE_STEPS and context.text.strip() and context.text[:2000] != text:
        # The server's words say nothing; the report's own text may (a human-readable part that
        # explains what the fields leave out).
        hit = matcher.classifier.lexicon.best(context.text[:MAX_QUERY_CHARS])
        if hit is not None and hit.weight >= REPORT_WEIGHT:
            verdict = Verdict(hit.reason, "report", 0.6, hit=hit)
    temporary = is_temporary(failure, context, text)
    is_delay_notice = failure.action == "delayed" or (
        temporary is True and (context.retrying or says_retrying(text))
    )
    reason, confidence = verdict.reason, verdict.confidence
    gave_up_on_retries = failure.action == "failed" and (failure.status or "")[:1] == "4"
    if temporary is False and (gave_up_on_retries or says_gave_up_retrying(text)):
        # The sending server retried a temporary error until it gave up: the message expired.
        reason, confidence = "expired", max(confidence, 0.8)
    elif is_delay_notice and verdict.step in VAGUE_STEPS:
        # A delay notice that names no cause: the message is waiting in the sender's queue.
        reason, confidence = "expired", max(confidence, 0.6)
    if (failure.reply_code or failure.status or "")[:1] == "2" and verdict.step in (
        "code",
        "generic",
    ):
        reason = "delivered"
    entry = explanation_entry(reason, ranked, matcher.kb, context.providers, failure.status)
    status, reply_code, inferred = failure.status, failure.reply_code, False
    if status is None and reply_code is None and entry is not None and verdict.step == "entry":
        status, reply_code = _entry_codes(entry)
        inferred = bool(status or reply_code)
    if temporary is None and verdict.step == "entry" and verdict.match is not None:
        temporary = verdict.match.entry.temporary  # what the matched entry knows of its text
    if temporary is None and reason not in NOT_FAILURES:
        # No code and no wording: what this kind of failure usually is.
        temporary = reason in USUALLY_TEMPORARY
    certain = confidence >= CERTAIN
    alternatives = (
        ()
        if certain
        else tuple(m.entry for m in ranked.ranked if m.entry is not entry and not m.entry.fallback)[
            :3
        ]
    )
    best = verdict.match
    return Diagnosis(
        entry=entry,
        reason=reason,
        confidence=confidence,
        certain=certain,
        status=status,
        reply_code=reply_code,
        recipient=failure.recipient,
        temporary=temporary,
        diagnostic=server_reply(failure.diagnostic),
        code_inferred=inferred,
        evidence=best.evidence if best else (verdict.hit.weight if verdict.hit else 0.0),
        alternatives=alternatives,
        step=verdict.step,
        stage=stage,
    )


VAGUE_STEPS = frozenset({"generic", "none", "stage"})
REPORT_WEIGHT = 0.8
"""A phrase this decisive in the report's own text explains a vague server reply."""
USUALLY_TEMPORARY = frozenset({"speeding", "toomanyconn", "systemfull"})


def is_temporary(failure: Failure, context: Context, text: str) -> bool | None:
    """Is the sending server still retrying? The report's Action, then wording, then codes."""
    if failure.action in ("failed", "delayed"):
        return failure.action == "delayed"
    if says_gave_up(text):
        return False
    if says_retrying(text) or context.retrying:
        return True
    if context.gave_up or context.final:
        return False
    code_class = (failure.reply_code or failure.status or "")[:1]
    if code_class in ("4", "5"):
        return code_class == "4"
    return None


def _failure_code(failure: Failure) -> bool:
    """A server's failure reply: a 4xx/5xx reply code or a 4.x.x/5.x.x status."""
    return (failure.reply_code or "x")[0] in "45" or (failure.status or "x")[0] in "45"


def _plausible(failure: Failure, diagnosis: Diagnosis) -> bool:
    """Plain text unasked counts as a bounce only with failure wording, not a code-like number."""
    if failure.action:
        return True
    if diagnosis.step in ("entry", "lexicon", "generic") and diagnosis.evidence >= STRONG_TEXT:
        return True
    if diagnosis.step == "lexicon" and failure.reply_code is not None:
        return True
    return has_bounce_structure(failure.diagnostic) and diagnosis.step != "none"


def _entry_codes(entry: Entry) -> tuple[str | None, str | None]:
    """The one specific enhanced and reply code an entry names, when it names exactly one."""
    enhanced = [c for c in entry.codes if "." in c and not c.startswith("X")]
    replies = [c for c in entry.codes if "." not in c]
    return (enhanced[0] if len(enhanced) == 1 else None, replies[0] if len(replies) == 1 else None)


_NOT_FAILURE_TITLES = {
    "vacation": "An automatic reply (out of office), not a bounce",
    "feedback": "A complaint or abuse report, not a bounce",
    "delivered": "A delivery notice: the message was delivered",
}


def _not_a_failure(kind: str, parsed: ParsedMessage) -> Diagnosis:
    recipient = parsed.failures[0].recipient if parsed.failures else None
    return Diagnosis(None, kind, 0.9, True, recipient=recipient)
