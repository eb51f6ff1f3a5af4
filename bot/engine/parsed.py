"""What a parsed bounce holds: per-recipient failures and the context around them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Failure:
    """One recipient's outcome as the report states it."""

    recipient: str | None
    diagnostic: str
    status: str | None = None
    reply_code: str | None = None
    action: str | None = None
    remote_mta: str | None = None
    context: str = ""
    """The report's own words about this recipient, besides the server's diagnostic."""


@dataclass
class ParsedMessage:
    text: str
    """The human-readable part: unquoted, unfolded, original message cut off."""
    failures: list[Failure] = field(default_factory=list)
    subject: str = ""
    sender: str = ""
    """Who the report is from (MAILER-DAEMON, postmaster ...), when known."""
    original_from: str = ""
    report_type: str = ""
    """multipart/report's report-type (delivery-status, feedback-report, disposition-notification)."""
    auto_submitted: str = ""
    autoreply_header: bool = False
    failed_header: bool = False
    """The message names failed recipients in a header (X-Failed-Recipients), as bounces do."""
    dkim_domains: list[str] = field(default_factory=list)
    dkim_selectors: list[str] = field(default_factory=list)
    sending_ips: list[str] = field(default_factory=list)
    sender_hints: list[str] = field(default_factory=list)
    """Domains the server names as the sender's (SPF [x], "email from x" ...)."""
    original_headers: str = ""
    """The returned message's header block, as text (for a short summary of its path)."""
    notes: list[str] = field(default_factory=list)
    is_mime: bool = False
    binary: bool = False

    @property
    def sender_domain(self) -> str | None:
        if self.original_from and "@" in self.original_from:
            return self.original_from.rpartition("@")[2].lower()
        return self.dkim_domains[0] if self.dkim_domains else None

    @property
    def recipient_domains(self) -> list[str]:
        seen: dict[str, None] = {}
        for failure in self.failures:
            if failure.recipient and "@" in failure.recipient:
                seen.setdefault(failure.recipient.rpartition("@")[2].lower(), None)
        return list(seen)
