"""Reply -> Block Kit blocks and a plain-text fallback (pure; same content as render_text).

Slack's limits are enforced here, not hoped for: at most 50 blocks, 3000 characters per section
text, 2000 per field, 150 per header. When a bounce names many recipients, findings with the same
diagnosis share one group (their recipients listed together); groups that still do not fit are
shown as one line each, and a note says what was left out. Everything that can come from a user
or a bounce is escaped (`&`, `<`, `>`), so a paste containing `<!channel>` never pings anyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.adapters.render_text import render_text
from bot.adapters.slack_text import code_block, code_span, escape, plain
from bot.model import CheckResult, Finding, Link, Reply, Section

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_HEADER = 150
MAX_CONTEXT = 2000
MAX_FALLBACK = 3000
MAX_QUOTE = 1200
MAX_RECIPIENTS_SHOWN = 15
MAX_DETAILS = 4

POST_OPTIONS: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
"""Pass with every post: never unfurl URLs that came from a bounce."""

STATUS_MARK = {
    "ok": ":white_check_mark:",
    "warn": ":warning:",
    "fail": ":x:",
    "error": ":grey_question:",
}
SEVERITY_MARK = {"fail": "❌", "warn": "⚠️", "ok": "✅", "info": "ℹ️"}


@dataclass(frozen=True)
class Rendered:
    blocks: list[Block]
    text: str


def render_slack(reply: Reply) -> tuple[list[Block], str]:
    """(blocks, fallback text) for chat.postMessage or a response_url answer."""
    rendered = render(reply)
    return rendered.blocks, rendered.text


def render(reply: Reply) -> Rendered:
    head = [_header(f"{SEVERITY_MARK.get(reply.severity, '')} {reply.title}".strip())]
    if reply.text:
        head.extend(_sections(escape(reply.text)))
    tail: list[Block] = []
    for section in reply.sections:
        tail.extend(_list_section(section))
    if reply.checks:
        tail.extend(check_table(reply.checks))
    if reply.notes:
        tail.append(_context([escape(f"Note: {n}") for n in reply.notes]))
    groups = _group(reply.findings)
    many = len(reply.findings) > 1
    budget = MAX_BLOCKS - len(head) - len(tail) - 1  # one spare for a "not shown" note
    if budget < 2:
        tail = tail[: max(0, MAX_BLOCKS - len(head) - 3)]
        budget = MAX_BLOCKS - len(head) - len(tail) - 1
    body = _findings(groups, budget, many=many)
    blocks = (head + body + tail)[:MAX_BLOCKS]
    return Rendered(blocks, fallback_text(reply))


def fallback_text(reply: Reply) -> str:
    """The notification / no-blocks text: the terminal rendering, escaped, within limits."""
    return _clip(escape(render_text(reply, width=100).strip()), MAX_FALLBACK)


# -- findings ---------------------------------------------------------------------------------


@dataclass
class _Group:
    """Findings that share one diagnosis (same entry, same advice), e.g. 40 unknown users."""

    findings: list[Finding]

    @property
    def first(self) -> Finding:
        return self.findings[0]


def _key(finding: Finding) -> tuple[object, ...]:
    return (
        finding.title,
        finding.reason,
        finding.summary,
        finding.who_fixes,
        finding.temporary,
        finding.steps,
        finding.links,
        finding.certain,
        finding.alternatives,
    )


def _group(findings: Iterable[Finding]) -> list[_Group]:
    groups: dict[tuple[object, ...], _Group] = {}
    for finding in findings:
        groups.setdefault(_key(finding), _Group([])).findings.append(finding)
    return list(groups.values())


def _findings(groups: list[_Group], budget: int, *, many: bool) -> list[Block]:
    """Full detail while it fits, leaving room for the rest as one line each; then a note."""
    out: list[Block] = []
    shown = 0
    for index, group in enumerate(groups):
        blocks = _full_group(group, many=many)
        rest = len(groups) - index - 1
        room = budget - len(out) - len(blocks)
        if room < 0 or (index > 0 and room < rest):
            break
        out.extend(blocks)
        shown += 1
    for group in groups[shown:]:
        if len(out) >= budget:
            break
        out.append(_compact_group(group))
        shown += 1
    hidden = groups[shown:]
    if hidden:
        count = sum(len(g.findings) for g in hidden)
        out.append(
            _context(
                [
                    f"…and {count} more recipient(s) with {len(hidden)} other diagnoses not shown "
                    "here (Slack allows 50 blocks). Run `ndrbot explain` on the bounce for all."
                ]
            )
        )
    return out


def _full_group(group: _Group, *, many: bool) -> list[Block]:
    finding = group.first
    out: list[Block] = []
    if many:
        out.append({"type": "divider"})
        out.extend(_sections(f"{STATUS_MARK.get(finding.severity, '•')} *{escape(finding.title)}*"))
    out.append(_fields(_facts(group)))
    quotes = _quotes(group)
    if quotes:
        out.extend(_sections(quotes))
    out.extend(_sections(f"*What happened*\n{escape(finding.summary)}"))
    for section in finding.steps:
        heading = section.title[:1].upper() + section.title[1:]
        lines = [f"{n}. {escape(line)}" for n, line in enumerate(section.lines, 1)]
        out.extend(_sections(f"*{escape(heading)}*\n" + "\n".join(lines)))
    if finding.alternatives:
        closest = "\n".join(f"• {escape(t)}" for t in finding.alternatives)
        out.extend(_sections(f"*Closest matches*\n{closest}"))
    if finding.links:
        out.append(_context([_links(finding.links)]))
    return out


def _compact_group(group: _Group) -> Block:
    finding = group.first
    codes = _codes(group.findings)
    line = f"{STATUS_MARK.get(finding.severity, '•')} *{escape(finding.title)}*"
    if codes:
        line += f" ({escape(codes)})"
    line += f"\nWho fixes it: {escape(finding.who_fixes)}"
    recipients = _recipients(group.findings)
    if recipients:
        line += f"\nRecipients: {recipients}"
    return _section(line)


def _facts(group: _Group) -> list[str]:
    finding = group.first
    facts: list[str] = []
    recipients = _recipients(group.findings)
    if recipients:
        label = "Recipients" if len(group.findings) > 1 else "Recipient"
        facts.append(f"*{label}*\n{recipients}")
    codes = _codes(group.findings)
    if codes:
        facts.append(f"*Code*\n{escape(codes)}")
    reason = finding.reason
    if finding.temporary is not None:
        reason += (
            " (temporary: the sending server retries)" if finding.temporary else " (permanent)"
        )
    facts.append(f"*Reason*\n{escape(reason)}")
    facts.append(f"*Who fixes it*\n{escape(finding.who_fixes)}")
    if finding.refused_at:
        facts.append(f"*Refused at*\n{escape(finding.refused_at)}")
    if not finding.certain:
        facts.append(f"*Confidence*\n{finding.confidence:.0%}: not sure, see the closest matches")
    return facts


def _codes(findings: list[Finding]) -> str:
    codes = dict.fromkeys(" ".join(c for c in (f.reply_code, f.status) if c) for f in findings)
    return ", ".join(c for c in codes if c)


def _recipients(findings: list[Finding]) -> str:
    addresses = list(dict.fromkeys(f.recipient for f in findings if f.recipient))
    shown = ", ".join(code_span(a) for a in addresses[:MAX_RECIPIENTS_SHOWN])
    if len(addresses) > MAX_RECIPIENTS_SHOWN:
        shown += f" and {len(addresses) - MAX_RECIPIENTS_SHOWN} more"
    return _clip(shown, MAX_FIELD - 20)


def _quotes(group: _Group) -> str:
    """The server's words: one quote, or one per distinct wording across the group."""
    quotes = list(dict.fromkeys(f.quote for f in group.findings if f.quote))
    if not quotes:
        return ""
    label = "Server said" if len(quotes) == 1 else f"Server said ({len(quotes)} variants)"
    text = "\n".join(quotes[:3])
    note = ""
    if len(quotes) > 3:
        note = f"\n_{len(quotes) - 3} more variants not shown._"
    if len(text) > MAX_QUOTE:
        note = f"\n_Quote truncated: {len(text) - MAX_QUOTE:,} more characters not shown._" + note
        text = text[:MAX_QUOTE].rstrip() + " …"
    return f"*{label}:*\n{code_block(text)}{note}"


def _links(links: tuple[Link, ...]) -> str:
    parts = []
    for link in links:
        url = link.url.replace("|", "%7C").replace(" ", "%20")
        if url.lower().startswith(("https://", "http://")):
            parts.append(f"<{escape(url)}|{escape(link.title.replace('|', '/'))}>")
        else:
            parts.append(escape(f"{link.title}: {link.url}"))
    return _clip("More: " + " · ".join(parts), MAX_CONTEXT)


# -- DNS evidence -----------------------------------------------------------------------------


def check_table(checks: tuple[CheckResult, ...]) -> list[Block]:
    """DNS results as compact lines (mark, name, summary, target, a few details)."""
    lines: list[str] = []
    for check in checks:
        line = (
            f"{STATUS_MARK.get(check.status, '•')} *{escape(check.name)}*  {escape(check.summary)}"
        )
        if check.target:
            line += f"  {code_span(check.target)}"
        lines.append(line)
        for detail in check.details[:MAX_DETAILS]:
            lines.append(f"        ◦ {escape(detail)}")
        if len(check.details) > MAX_DETAILS:
            lines.append(f"        ◦ _{len(check.details) - MAX_DETAILS} more details_")
    legend = "ok :white_check_mark:  warn :warning:  fail :x:  could not check :grey_question:"
    return [*_packed("*DNS evidence*", lines), _context([legend])]


# -- block helpers ----------------------------------------------------------------------------


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    note = " … (truncated)"
    cut = text[: limit - len(note)]
    # Never leave half an entity (&amp;) or an open code span at the cut.
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    if cut.count("```") % 2:
        cut = cut[: cut.rfind("```")]
    return cut + note


def _header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": _clip(plain(text), MAX_HEADER), "emoji": True},
    }


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION)}}


def _sections(text: str) -> list[Block]:
    """One section, or several when the text is longer than a section may be (split on lines)."""
    if len(text) <= MAX_SECTION:
        return [_section(text)]
    return _packed("", text.split("\n"))


def _packed(title: str, lines: list[str]) -> list[Block]:
    """Lines packed into as few sections as fit 3000 characters each (max 5 sections)."""
    out: list[str] = []
    current = title
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION and current:
            out.append(current)
            current = line
        else:
            current = candidate
    if current:
        out.append(current)
    if len(out) > 5:
        out = [*out[:4], out[4] + f"\n_… {len(out) - 5} more part(s) not shown._"]
    return [_section(t) for t in out]


def _fields(texts: list[str]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": _clip(t, MAX_FIELD)} for t in texts[:10]],
    }


def _list_section(section: Section) -> list[Block]:
    lines = [f"• {escape(line)}" for line in section.lines]
    return _packed(f"*{escape(section.title)}*", lines)


def _context(texts: list[str]) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": _clip(t, MAX_CONTEXT)} for t in texts[:10]],
    }
