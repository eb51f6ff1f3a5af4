"""Reply -> Discord messages with embeds (pure). Same content as the terminal renderer.

Every string that may come from a user, a bounce or a DNS record is escaped so it cannot ping
(`@everyone`, `@here`, `<@id>`, `<@&id>` are shown as text), on top of the client's
`AllowedMentions.none()`. Server quotes go in code blocks. Links live inside embeds, which never
unfurl; the plain-text fallback (for channels without Embed Links) sets `suppress_embeds`.

Discord's limits are held here: 2,000 characters of content per message, up to 10 embeds per
message, embed title 256, description 4,096, 25 fields, field name 256 and value 1,024, and 6,000
characters over all embeds of one message.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import discord

from bot.adapters.render_text import render_text
from bot.model import CheckResult, Finding, Link, Reply

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10

MAX_MESSAGES = 3
"""Never flood a channel: at most this many messages per answer; the rest is summarised."""
MAX_FINDING_EMBEDS = 6
"""Distinct diagnoses shown in full; further ones are listed in one embed."""
MAX_CHECK_DETAILS = 6
MAX_RECIPIENTS_SHOWN = 20

COLOURS: dict[str, int] = {
    "fail": 0xD83C3E,
    "warn": 0xF0B232,
    "ok": 0x23A55A,
    "info": 0x5865F2,
    "error": 0x9B59B6,
}
CHECK_ICONS = {"fail": "❌", "warn": "⚠️", "ok": "✅", "error": "❔"}
_WORST = ("fail", "error", "warn", "ok")
_CHECK_SEVERITY = {"fail": "fail", "error": "warn", "warn": "warn", "ok": "ok"}

SHORTENED = " … (shortened)"
QUOTE_NOTE = "\n*Quote shortened: the full text is in the bounce.*"

_PING = re.compile(r"@(?=(?:everyone|here)\b)|(?<=<)@(?=[!&]?\d+>)", re.IGNORECASE)
_FENCE = "```"
_URL = re.compile(r"https?://", re.IGNORECASE)


@dataclass(frozen=True)
class DiscordMessage:
    """One message to post: content, embeds and whether link previews are suppressed."""

    content: str = ""
    embeds: tuple[discord.Embed, ...] = ()
    suppress_embeds: bool = False


def escape(text: str) -> str:
    """Make mentions inert: `@everyone` -> `@\u200beveryone`, `<@123>` -> `<@\u200b123>`."""
    return _PING.sub("@\u200b", text)


def clip(text: str, limit: int, note: str = SHORTENED) -> str:
    """`text` cut to `limit` characters, ending with `note` when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(note))].rstrip() + note


def code_block(text: str, limit: int, note: str = QUOTE_NOTE) -> str:
    """A code block of at most `limit` characters; the fence always closes."""
    inner = escape(text).replace(_FENCE, "`\u200b``")
    frame = len(_FENCE) * 2 + 2
    if len(inner) + frame <= limit:
        return f"{_FENCE}\n{inner}\n{_FENCE}"
    inner = clip(inner, limit - frame - len(note), "…")
    return f"{_FENCE}\n{inner}\n{_FENCE}{note}"


def embed_size(embed: discord.Embed) -> int:
    """Characters that count towards the 6,000 limit (title, description, fields, footer, author)."""
    size = len(embed.title or "") + len(embed.description or "")
    size += sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    size += len(embed.footer.text or "") + len(embed.author.name or "")
    return size


class _Builder:
    """Collects embeds; a field that would break a limit starts a continuation embed."""

    def __init__(self) -> None:
        self.embeds: list[discord.Embed] = []
        self._title = ""
        self._colour = COLOURS["info"]

    def start(self, title: str, colour: int, description: str = "") -> None:
        self._title = clip(escape(title), TITLE_LIMIT - len(" (continued)"))
        self._colour = colour
        self.embeds.append(
            discord.Embed(
                title=self._title,
                description=clip(escape(description), DESCRIPTION_LIMIT) or None,
                colour=colour,
            )
        )

    def field(self, name: str, value: str, *, inline: bool = False) -> None:
        """Add a field; `value` must already be escaped (it may hold code blocks)."""
        name = clip(escape(name), FIELD_NAME_LIMIT) or "\u200b"
        value = clip(value, FIELD_VALUE_LIMIT) or "\u200b"
        current = self.embeds[-1]
        if (
            len(current.fields) >= FIELDS_LIMIT
            or embed_size(current) + len(name) + len(value) > EMBED_TOTAL_LIMIT
        ):
            current = discord.Embed(title=f"{self._title} (continued)", colour=self._colour)
            self.embeds.append(current)
        current.add_field(name=name, value=value, inline=inline)

    def lines(self, name: str, lines: Sequence[str], *, numbered: bool = False) -> None:
        """A list as one or more fields of at most 1,024 characters each."""
        chunk: list[str] = []
        size = 0
        part = 0
        for number, line in enumerate(lines, 1):
            prefix = f"{number}. " if numbered else "- "
            item = clip(prefix + escape(line), FIELD_VALUE_LIMIT)
            if chunk and size + len(item) + 1 > FIELD_VALUE_LIMIT:
                self.field(name if part == 0 else f"{name} (cont.)", "\n".join(chunk))
                chunk, size, part = [], 0, part + 1
            chunk.append(item)
            size += len(item) + 1
        if chunk:
            self.field(name if part == 0 else f"{name} (cont.)", "\n".join(chunk))


def render_discord(reply: Reply, *, max_messages: int = MAX_MESSAGES) -> list[DiscordMessage]:
    """The messages that answer `reply`: embeds packed within Discord's per-message limits.

    When the answer does not fit in `max_messages`, fewer diagnoses are shown in full (the others
    are listed by title and recipients); as a last resort trailing parts are left out, with a note.
    """
    embeds: list[discord.Embed] = []
    for shown in range(MAX_FINDING_EMBEDS, 0, -1):
        embeds = _embeds(reply, shown)
        messages = _pack(embeds)
        if len(messages) <= max_messages:
            return [DiscordMessage(embeds=tuple(m)) for m in messages]
    messages = _pack(embeds)
    dropped = sum(len(m) for m in messages[max_messages:])
    out = [DiscordMessage(embeds=tuple(m)) for m in messages[:max_messages]]
    note = f"This answer was shortened to fit Discord's limits: {dropped} more parts not shown."
    out[-1] = DiscordMessage(content=note, embeds=out[-1].embeds)
    return out


def _embeds(reply: Reply, shown: int) -> list[discord.Embed]:
    builder = _Builder()
    groups = _group(reply.findings)
    if len(groups) == 1:
        finding, recipients = groups[0]
        description = "\n\n".join(
            p for p in (reply.text, f"**What happened**\n{finding.summary}") if p
        )
        builder.start(reply.title, COLOURS.get(reply.severity, COLOURS["info"]), description)
        _finding_fields(builder, finding, recipients)
    else:
        builder.start(reply.title, COLOURS.get(reply.severity, COLOURS["info"]), reply.text)
        titles = Counter(f.title for f, _ in groups)
        for finding, recipients in groups[:shown]:
            colour = COLOURS.get(finding.severity, COLOURS["info"])
            title = finding.title
            code = " ".join(c for c in (finding.reply_code, finding.status) if c)
            if titles[title] > 1 and code:
                title = f"{title} ({code})"
            builder.start(title, colour, f"**What happened**\n{finding.summary}")
            _finding_fields(builder, finding, recipients)
        rest = groups[shown:]
        if rest:
            count = sum(len(r) or 1 for _, r in rest)
            builder.start(f"{count} more failed recipients", COLOURS["info"])
            builder.lines(
                "Also failed",
                [f"{f.title}: {_recipient_list(r, 5)}" if r else f.title for f, r in rest],
            )
    for section in reply.sections:
        builder.lines(section.title, section.lines)
    if reply.checks:
        _checks(builder, reply.checks)
    if reply.notes:
        builder.lines("Notes", reply.notes)
    return builder.embeds


def render_plain(reply: Reply, *, max_messages: int = MAX_MESSAGES) -> list[DiscordMessage]:
    """Text-only answer (no Embed Links permission): the terminal rendering, split at lines."""
    text = escape(render_text(reply, width=90)).replace(_FENCE, "`\u200b``")
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.rstrip("\n").split("\n"):
        line = clip(line, CONTENT_LIMIT - 10)
        if current and size + len(line) + 1 > CONTENT_LIMIT - 10:
            chunks.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        chunks.append("\n".join(current))
    dropped = len(chunks) - max_messages
    chunks = chunks[:max_messages]
    if dropped > 0:
        note = "\n… (shortened to fit Discord)"
        chunks[-1] = clip(chunks[-1], CONTENT_LIMIT - len(note), "") + note
    return [DiscordMessage(content=c, suppress_embeds=bool(_URL.search(c))) for c in chunks]


def _group(findings: Iterable[Finding]) -> list[tuple[Finding, list[str]]]:
    """Findings that differ only by recipient (and quote) shown once, with all recipients."""
    groups: dict[tuple[object, ...], tuple[Finding, list[str]]] = {}
    for finding in findings:
        key = (
            finding.title,
            finding.reason,
            finding.severity,
            finding.status,
            finding.reply_code,
            finding.temporary,
            finding.who_fixes,
            finding.summary,
            finding.steps,
            finding.links,
            finding.certain,
        )
        if key not in groups:
            groups[key] = (finding, [])
        if finding.recipient:
            groups[key][1].append(finding.recipient)
    return list(groups.values())


def _recipient_list(recipients: Sequence[str], shown: int = MAX_RECIPIENTS_SHOWN) -> str:
    listed = ", ".join(escape(r) for r in recipients[:shown])
    if len(recipients) > shown:
        listed += f" and {len(recipients) - shown} more"
    return listed


def _finding_fields(builder: _Builder, finding: Finding, recipients: list[str]) -> None:
    if recipients:
        label = "Recipient" if len(recipients) == 1 else f"Recipients ({len(recipients)})"
        builder.field(label, _recipient_list(recipients), inline=len(recipients) == 1)
    code = " ".join(c for c in (finding.reply_code, finding.status) if c)
    if code:
        builder.field("Code", escape(code), inline=True)
    reason = finding.reason
    if finding.temporary is not None:
        reason += (
            " (temporary: the sending server retries)" if finding.temporary else " (permanent)"
        )
    builder.field("Reason", escape(reason), inline=True)
    builder.field("Who fixes it", escape(finding.who_fixes), inline=True)
    if finding.refused_at:
        builder.field("Refused at", escape(finding.refused_at), inline=True)
    if not finding.certain:
        builder.field(
            "Confidence",
            f"{finding.confidence:.0%}: not sure, see the closest matches",
            inline=True,
        )
    if finding.quote:
        label = "Server said" if len(recipients) < 2 else f"Server said (for {recipients[0]})"
        builder.field(label, code_block(finding.quote, FIELD_VALUE_LIMIT))
    for section in finding.steps:
        builder.lines(_capitalise(section.title), section.lines, numbered=True)
    if finding.alternatives:
        builder.lines("Closest matches", finding.alternatives)
    if finding.links:
        builder.field("More", "\n".join(_link(link) for link in finding.links))


def _checks(builder: _Builder, checks: Sequence[CheckResult]) -> None:
    worst = next((s for s in _WORST if any(c.status == s for c in checks)), "ok")
    builder.start("DNS evidence", COLOURS[_CHECK_SEVERITY[worst]])
    for check in checks:
        name = f"{CHECK_ICONS.get(check.status, '❔')} {check.name}"
        if check.target:
            name += f" · {check.target}"
        lines = [escape(check.summary)]
        lines.extend(f"· {escape(d)}" for d in check.details[:MAX_CHECK_DETAILS])
        builder.field(name, "\n".join(lines))


def _link(link: Link) -> str:
    title = escape(link.title).replace("[", "(").replace("]", ")")
    if not link.url.lower().startswith(("https://", "http://")):
        return f"{title}: {escape(link.url)}"
    url = link.url.replace(")", "%29").replace(" ", "%20")
    return f"[{title}]({url})"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pack(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages of at most 10 embeds and 6,000 characters."""
    messages: list[list[discord.Embed]] = [[]]
    size = 0
    for embed in embeds:
        this = embed_size(embed)
        if messages[-1] and (
            len(messages[-1]) >= EMBEDS_PER_MESSAGE or size + this > EMBED_TOTAL_LIMIT
        ):
            messages.append([])
            size = 0
        messages[-1].append(embed)
        size += this
    return messages
