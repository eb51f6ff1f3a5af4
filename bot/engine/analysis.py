"""What the engine answers: an Analysis of one message, with one Diagnosis per failed recipient."""

from __future__ import annotations

from typing import Any

from bot.engine.parsed import ParsedMessage
from bot.knowledge import Entry
from bot.reasons import NOT_FAILURES
from bot.record import Frozen, set_field

_NOT_FAILURE_TITLES = {
    "vacation": "An automatic reply (out of office), not a bounce",
    "feedback": "A complaint or abuse report, not a bounce",
    "delivered": "A delivery notice: the message was delivered",
}


class Diagnosis(Frozen):
    entry: Entry | None
    reason: str
    confidence: float
    certain: bool
    status: str | None
    reply_code: str | None
    recipient: str | None
    temporary: bool | None
    diagnostic: str
    code_inferred: bool
    """True when status/reply_code come from the knowledge entry, not from the bounce."""
    evidence: float
    """How strongly the bounce's own words matched the entry (0 for a code-only answer)."""
    alternatives: tuple[Entry, ...]
    step: str
    """Which rule decided the reason (see bot/engine/classify.py)."""
    stage: str | None
    """The SMTP command the server refused: connect, helo, mail, rcpt or data."""

    __slots__ = (
        "alternatives",
        "certain",
        "code_inferred",
        "confidence",
        "diagnostic",
        "entry",
        "evidence",
        "reason",
        "recipient",
        "reply_code",
        "stage",
        "status",
        "step",
        "temporary",
    )

    def __init__(
        self,
        entry: Entry | None,
        reason: str,
        confidence: float,
        certain: bool,
        status: str | None = None,
        reply_code: str | None = None,
        recipient: str | None = None,
        temporary: bool | None = None,
        diagnostic: str = "",
        code_inferred: bool = False,
        evidence: float = 0.0,
        alternatives: tuple[Entry, ...] = (),
        step: str = "code",
        stage: str | None = None,
    ) -> None:
        set_field(self, "entry", entry)
        set_field(self, "reason", reason)
        set_field(self, "confidence", confidence)
        set_field(self, "certain", certain)
        set_field(self, "status", status)
        set_field(self, "reply_code", reply_code)
        set_field(self, "recipient", recipient)
        set_field(self, "temporary", temporary)
        set_field(self, "diagnostic", diagnostic)
        set_field(self, "code_inferred", code_inferred)
        set_field(self, "evidence", evidence)
        set_field(self, "alternatives", alternatives)
        set_field(self, "step", step)
        set_field(self, "stage", stage)

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


class Analysis(Frozen):
    kind: str
    """bounce, vacation, feedback, delivered, other, empty or binary."""
    is_bounce: bool
    diagnoses: tuple[Diagnosis, ...]
    parsed: ParsedMessage | None
    notes: tuple[str, ...]

    __slots__ = ("diagnoses", "is_bounce", "kind", "notes", "parsed")

    def __init__(
        self,
        kind: str,
        is_bounce: bool,
        diagnoses: tuple[Diagnosis, ...],
        parsed: ParsedMessage | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "kind", kind)
        set_field(self, "is_bounce", is_bounce)
        set_field(self, "diagnoses", diagnoses)
        set_field(self, "parsed", parsed)
        set_field(self, "notes", notes)

    def to_json(self, checks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {
            "is_bounce": self.is_bounce,
            "diagnoses": [d.to_json() for d in self.diagnoses],
            "checks": checks or [],
        }
