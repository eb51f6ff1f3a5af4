"""The bounce engine: parsed message + knowledge -> Analysis (one Diagnosis per failed recipient)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from bot.engine.kind import classify
from bot.knowledge import Entry
from bot.engine.matcher import Matcher, MatchResult, detect_providers
from bot.engine.parse import parse
from bot.engine.parsed import Failure, ParsedMessage
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
    failure = Failure(recipient=None, diagnostic="", status=status, reply_code=reply_code)
    diagnosis = _diagnosis(failure, result)
    if diagnosis is None:
        return Analysis("other", False, (), notes=(f"{text.strip()} is not a code ndrbot knows.",))
    return Analysis("bounce", diagnosis.reason not in NOT_FAILURES, (diagnosis,))


def analyze(data: str | bytes, matcher: Matcher) -> Analysis:
    """Explain a pasted or uploaded message. Never raises for any input."""
    if isinstance(data, str) and is_bare_code(data):
        return analyze_code(data, matcher)
    if not data.strip():
        return Analysis(
            "empty", False, (), notes=("There is nothing to explain: the input is empty.",)
        )
    parsed = parse(data)
    notes = tuple(parsed.notes)
    if parsed.binary:
        return Analysis("binary", False, (), parsed, notes)
    kind = classify(parsed)
    if kind in ("feedback", "vacation", "delivered"):
        return Analysis(kind, False, (_not_a_failure(kind, parsed),), parsed, notes)
    providers = detect_providers(parsed.text[:5000] + " " + parsed.sender)
    failures = [f for f in parsed.failures if f.action not in ("delivered", "relayed", "expanded")]
    diagnoses: list[Diagnosis] = []
    for failure in failures:
        if failure.action == "failed" and (failure.status or "").startswith("4."):
            # A temporary error the sending server stopped retrying: the message expired.
            failure = replace(failure, status="4.4.7")
        result = matcher.match(
            failure.diagnostic or parsed.text[:2000], failure.status, failure.reply_code, providers
        )
        diagnosis = _diagnosis(failure, result)
        if diagnosis is not None and _plausible(failure, diagnosis, kind):
            diagnoses.append(diagnosis)
    if kind == "bounce" and not diagnoses:
        recipient = failures[0].recipient if failures else None
        diagnoses.append(Diagnosis(None, "undefined", 0.0, False, recipient=recipient))
    diagnoses.sort(key=lambda d: (d.reason == "undefined", -d.confidence))
    is_bounce = bool(diagnoses) and any(d.reason not in NOT_FAILURES for d in diagnoses)
    return Analysis("bounce" if is_bounce else "other", is_bounce, tuple(diagnoses), parsed, notes)


def _plausible(failure: Failure, diagnosis: Diagnosis, kind: str) -> bool:
    """Plain text counts as a bounce only with a server's code or a strong text match."""
    if kind == "bounce" or failure.action:
        return True
    has_code = bool(failure.status or failure.reply_code) and not diagnosis.code_inferred
    if max(diagnosis.confidence, diagnosis.evidence) >= STRONG_TEXT:
        return True
    return has_code and (failure.reply_code is not None or len(failure.diagnostic) > 12)


def _diagnosis(failure: Failure, result: MatchResult) -> Diagnosis | None:
    best = result.best
    if best is None:
        return None
    entry = best.entry
    status, reply_code, inferred = failure.status, failure.reply_code, False
    if status is None and reply_code is None:
        status, reply_code = _entry_codes(entry)
        inferred = bool(status or reply_code)
    reason = entry.reason
    code_class = (reply_code or status or "")[:1]
    if entry.fallback and code_class == "2":
        reason = "delivered"
    temporary: bool | None
    if failure.action in ("failed", "delayed"):
        # A delivery report says outright whether the sending server keeps trying.
        temporary = failure.action == "delayed"
    elif code_class in ("4", "5") and not inferred:
        # What the server sent decides whether the sending server retries (a 4xx reply is
        # retried even when its enhanced code says 5.x.x).
        temporary = code_class == "4"
    elif entry.temporary is not None:
        temporary = entry.temporary
    else:
        temporary = code_class == "4" if code_class in ("4", "5") else None
    alternatives = () if result.certain else tuple(m.entry for m in result.ranked[1:4])
    return Diagnosis(
        entry=entry,
        reason=reason,
        confidence=best.score,
        certain=result.certain,
        status=status,
        reply_code=reply_code,
        recipient=failure.recipient,
        temporary=temporary,
        diagnostic=failure.diagnostic,
        code_inferred=inferred,
        evidence=best.evidence,
        alternatives=alternatives,
    )


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
