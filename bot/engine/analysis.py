"""What the engine answers: an Analysis of one message, with one Diagnosis per failed recipient."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.engine.parsed import ParsedMessage
from bot.knowledge import Entry
from bot.reasons import NOT_FAILURES

_NOT_FAILURE_TITLES = {
    "vacation": "An automatic reply (out of office), not a bounce",
    "feedback": "A complaint or abuse report, not a bounce",
    "delivered": "A delivery notice: the message was delivered",
}


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
