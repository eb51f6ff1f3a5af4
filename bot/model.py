"""Platform-neutral messages: what comes in from a chat, what goes back out."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Incoming:
    """One thing a user said or did, whatever the platform."""

    text: str
    files: tuple[Attachment, ...] = ()
    user: str = ""
    channel: str = ""
    thread: str | None = None
    command: str | None = None
    """The slash or console command ("bounce", "checkmx", "help"); None for a plain message."""
    explicit: bool = False
    """True when the user asked for an answer (a shortcut or context menu), so never stay quiet."""
    platform: str = "console"


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


@dataclass(frozen=True)
class Finding:
    """One diagnosis as a person reads it: what happened, who fixes it, how."""

    title: str
    reason: str
    severity: Severity
    summary: str
    who_fixes: str
    temporary: bool | None = None
    recipient: str | None = None
    status: str | None = None
    reply_code: str | None = None
    confidence: float = 0.0
    quote: str = ""
    """The server's own words, as found in the bounce."""
    steps: tuple[Section, ...] = ()
    links: tuple[Link, ...] = ()
    alternatives: tuple[str, ...] = ()
    """Titles of other entries that came close (shown when the match is unsure)."""
    certain: bool = True
    refused_at: str = ""
    """The SMTP step the server refused, in words ("RCPT TO (the recipient)"), when known."""


@dataclass(frozen=True)
class Reply:
    """Everything an adapter needs to answer; renderers turn it into text, blocks or embeds."""

    title: str
    text: str = ""
    findings: tuple[Finding, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    sections: tuple[Section, ...] = ()
    notes: tuple[str, ...] = ()
    severity: Severity = "info"
    data: dict[str, Any] | None = field(default=None, compare=False)
    """The machine-readable answer (the `--json` contract), when there is one."""
    quiet: bool = False
    """Nothing worth saying unasked: an auto-reply should not be posted."""
