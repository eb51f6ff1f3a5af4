"""Platform-neutral messages: what comes in from a chat, what goes back out."""

from __future__ import annotations

from typing import Any, Literal

from bot.record import Frozen, set_field

CheckStatus = Literal["ok", "warn", "fail", "error"]
Severity = Literal["fail", "warn", "ok", "info"]


class Attachment(Frozen):
    """A file shared with a message (an uploaded .eml, say), already downloaded."""

    name: str
    data: bytes
    content_type: str

    __slots__ = ("content_type", "data", "name")

    def __init__(
        self,
        name: str,
        data: bytes,
        content_type: str = "",
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "data", data)
        set_field(self, "content_type", content_type)


class Incoming(Frozen):
    """One thing a user said or did, whatever the platform."""

    text: str
    files: tuple[Attachment, ...]
    user: str
    channel: str
    thread: str | None
    command: str | None
    """The slash or console command ("bounce", "checkmx", "help"); None for a plain message."""
    explicit: bool
    """True when the user asked for an answer (a shortcut or context menu), so never stay quiet."""
    platform: str

    __slots__ = ("channel", "command", "explicit", "files", "platform", "text", "thread", "user")

    def __init__(
        self,
        text: str,
        files: tuple[Attachment, ...] = (),
        user: str = "",
        channel: str = "",
        thread: str | None = None,
        command: str | None = None,
        explicit: bool = False,
        platform: str = "console",
    ) -> None:
        set_field(self, "text", text)
        set_field(self, "files", files)
        set_field(self, "user", user)
        set_field(self, "channel", channel)
        set_field(self, "thread", thread)
        set_field(self, "command", command)
        set_field(self, "explicit", explicit)
        set_field(self, "platform", platform)


class CheckResult(Frozen):
    """The outcome of one DNS check (the `checks` items of the JSON contract)."""

    name: str
    status: CheckStatus
    summary: str
    records: tuple[str, ...]
    details: tuple[str, ...]
    target: str
    """The domain or IP the check looked at."""

    __slots__ = ("details", "name", "records", "status", "summary", "target")

    def __init__(
        self,
        name: str,
        status: CheckStatus,
        summary: str,
        records: tuple[str, ...] = (),
        details: tuple[str, ...] = (),
        target: str = "",
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "status", status)
        set_field(self, "summary", summary)
        set_field(self, "records", records)
        set_field(self, "details", details)
        set_field(self, "target", target)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "records": list(self.records),
            "details": list(self.details),
        }
        if self.target:
            data["target"] = self.target
        return data


class Link(Frozen):
    title: str
    url: str

    __slots__ = ("title", "url")

    def __init__(
        self,
        title: str,
        url: str,
    ) -> None:
        set_field(self, "title", title)
        set_field(self, "url", url)


class Section(Frozen):
    """A titled list of lines (steps, facts, help)."""

    title: str
    lines: tuple[str, ...]

    __slots__ = ("lines", "title")

    def __init__(
        self,
        title: str,
        lines: tuple[str, ...],
    ) -> None:
        set_field(self, "title", title)
        set_field(self, "lines", lines)


class Finding(Frozen):
    """One diagnosis as a person reads it: what happened, who fixes it, how."""

    title: str
    reason: str
    severity: Severity
    summary: str
    who_fixes: str
    temporary: bool | None
    recipient: str | None
    status: str | None
    reply_code: str | None
    confidence: float
    quote: str
    """The server's own words, as found in the bounce."""
    steps: tuple[Section, ...]
    links: tuple[Link, ...]
    alternatives: tuple[str, ...]
    """Titles of other entries that came close (shown when the match is unsure)."""
    certain: bool
    refused_at: str
    """The SMTP step the server refused, in words ("RCPT TO (the recipient)"), when known."""

    __slots__ = (
        "alternatives",
        "certain",
        "confidence",
        "links",
        "quote",
        "reason",
        "recipient",
        "refused_at",
        "reply_code",
        "severity",
        "status",
        "steps",
        "summary",
        "temporary",
        "title",
        "who_fixes",
    )

    def __init__(
        self,
        title: str,
        reason: str,
        severity: Severity,
        summary: str,
        who_fixes: str,
        temporary: bool | None = None,
        recipient: str | None = None,
        status: str | None = None,
        reply_code: str | None = None,
        confidence: float = 0.0,
        quote: str = "",
        steps: tuple[Section, ...] = (),
        links: tuple[Link, ...] = (),
        alternatives: tuple[str, ...] = (),
        certain: bool = True,
        refused_at: str = "",
    ) -> None:
        set_field(self, "title", title)
        set_field(self, "reason", reason)
        set_field(self, "severity", severity)
        set_field(self, "summary", summary)
        set_field(self, "who_fixes", who_fixes)
        set_field(self, "temporary", temporary)
        set_field(self, "recipient", recipient)
        set_field(self, "status", status)
        set_field(self, "reply_code", reply_code)
        set_field(self, "confidence", confidence)
        set_field(self, "quote", quote)
        set_field(self, "steps", steps)
        set_field(self, "links", links)
        set_field(self, "alternatives", alternatives)
        set_field(self, "certain", certain)
        set_field(self, "refused_at", refused_at)


class Reply(Frozen):
    """Everything an adapter needs to answer; renderers turn it into text, blocks or embeds."""

    title: str
    text: str
    findings: tuple[Finding, ...]
    checks: tuple[CheckResult, ...]
    sections: tuple[Section, ...]
    notes: tuple[str, ...]
    severity: Severity
    data: dict[str, Any] | None
    """The machine-readable answer (the `--json` contract), when there is one."""
    quiet: bool
    """Nothing worth saying unasked: an auto-reply should not be posted."""

    _uncompared = ("data",)
    __slots__ = (
        "checks",
        "data",
        "findings",
        "notes",
        "quiet",
        "sections",
        "severity",
        "text",
        "title",
    )

    def __init__(
        self,
        title: str,
        text: str = "",
        findings: tuple[Finding, ...] = (),
        checks: tuple[CheckResult, ...] = (),
        sections: tuple[Section, ...] = (),
        notes: tuple[str, ...] = (),
        severity: Severity = "info",
        data: dict[str, Any] | None = None,
        quiet: bool = False,
    ) -> None:
        set_field(self, "title", title)
        set_field(self, "text", text)
        set_field(self, "findings", findings)
        set_field(self, "checks", checks)
        set_field(self, "sections", sections)
        set_field(self, "notes", notes)
        set_field(self, "severity", severity)
        set_field(self, "data", data)
        set_field(self, "quiet", quiet)
