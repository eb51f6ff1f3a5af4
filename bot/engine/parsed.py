"""What a parsed bounce holds: per-recipient failures and the context around them."""

from __future__ import annotations

from bot.record import Record


class Failure(Record):
    """One recipient's outcome as the report states it."""

    recipient: str | None
    diagnostic: str
    status: str | None
    reply_code: str | None
    action: str | None
    remote_mta: str | None
    context: str
    """The report's own words about this recipient, besides the server's diagnostic."""

    __slots__ = (
        "action",
        "context",
        "diagnostic",
        "recipient",
        "remote_mta",
        "reply_code",
        "status",
    )

    def __init__(
        self,
        recipient: str | None,
        diagnostic: str,
        status: str | None = None,
        reply_code: str | None = None,
        action: str | None = None,
        remote_mta: str | None = None,
        context: str = "",
    ) -> None:
        self.recipient = recipient
        self.diagnostic = diagnostic
        self.status = status
        self.reply_code = reply_code
        self.action = action
        self.remote_mta = remote_mta
        self.context = context


class ParsedMessage(Record):
    text: str
    """The human-readable part: unquoted, unfolded, original message cut off."""
    failures: list[Failure]
    subject: str
    sender: str
    """Who the report is from (MAILER-DAEMON, postmaster ...), when known."""
    original_from: str
    report_type: str
    """multipart/report's report-type (delivery-status, feedback-report, disposition-notification)."""
    auto_submitted: str
    autoreply_header: bool
    failed_header: bool
    """The message names failed recipients in a header (X-Failed-Recipients), as bounces do."""
    dkim_domains: list[str]
    dkim_selectors: list[str]
    original_headers: str
    """The returned message's header block, as text (for a short summary of its path)."""
    attached: list[bytes]
    """Whole messages inside this one (a returned original, a bounce forwarded as an attachment)."""
    notes: list[str]
    is_mime: bool
    binary: bool

    __slots__ = (
        "_address_text",
        "_addresses",
        "attached",
        "auto_submitted",
        "autoreply_header",
        "binary",
        "dkim_domains",
        "dkim_selectors",
        "failed_header",
        "failures",
        "is_mime",
        "notes",
        "original_from",
        "original_headers",
        "report_type",
        "sender",
        "subject",
        "text",
    )

    def __init__(
        self,
        text: str,
        failures: list[Failure] | None = None,
        subject: str = "",
        sender: str = "",
        original_from: str = "",
        report_type: str = "",
        auto_submitted: str = "",
        autoreply_header: bool = False,
        failed_header: bool = False,
        dkim_domains: list[str] | None = None,
        dkim_selectors: list[str] | None = None,
        original_headers: str = "",
        notes: list[str] | None = None,
        is_mime: bool = False,
        binary: bool = False,
        attached: list[bytes] | None = None,
    ) -> None:
        self.text = text
        self.failures = [] if failures is None else failures
        self.subject = subject
        self.sender = sender
        self.original_from = original_from
        self.report_type = report_type
        self.auto_submitted = auto_submitted
        self.autoreply_header = autoreply_header
        self.failed_header = failed_header
        self.dkim_domains = [] if dkim_domains is None else dkim_domains
        self.dkim_selectors = [] if dkim_selectors is None else dkim_selectors
        self.original_headers = original_headers
        self.notes = [] if notes is None else notes
        self.is_mime = is_mime
        self.binary = binary
        self.attached = [] if attached is None else attached
        self._address_text = ""
        self._addresses: tuple[list[str], list[str]] | None = None

    def read_addresses_from(self, text: str) -> None:
        """Where `sending_ips` and `sender_hints` are read from, when first asked for: only DNS
        evidence asks, so explaining without DNS never searches for them."""
        self._address_text = text
        self._addresses = None

    @property
    def sending_ips(self) -> list[str]:
        """Public-looking IPs the failures name, the receiving server's left out."""
        return self._read_addresses()[0]

    @property
    def sender_hints(self) -> list[str]:
        """Domains the server names as the sender's (SPF [x], "email from x" ...)."""
        return self._read_addresses()[1]

    def _read_addresses(self) -> tuple[list[str], list[str]]:
        if self._addresses is None:
            from bot.engine.parse import addresses_in  # (it makes these objects)

            self._addresses = addresses_in(self._address_text)
        return self._addresses

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
