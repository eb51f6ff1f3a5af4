"""Reply -> a Microsoft Teams Adaptive Card (pure, plain JSON: no SDK needed to build it).

Schema 1.5 at most (what Teams renders on desktop, web and mobile), under Teams' 28 KB message
limit: the card is shrunk (fewer findings in full, shorter quotes) until it fits. The first
finding comes first; its steps and the other findings sit behind an `Action.ShowCard`, the DNS
checks in a `FactSet`. Every text from a bounce, a user or a DNS record is escaped: Teams renders
a subset of Markdown in TextBlocks, and a mention exists only when the card declares it in
`msteams.entities`, which this renderer never does.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.model import CheckResult, Finding, Reply
from bot.reasons import AUDIENCES

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
MAX_BYTES = 28_000
"""Teams refuses a message over 28 KB; the card stays under it, attachment envelope included."""
QUOTE_CHARS = (1500, 600, 200)
FINDINGS_SHOWN = (6, 3, 1)
MAX_CHECK_FACTS = 20

COLORS = {
    "fail": "Attention",
    "warn": "Warning",
    "ok": "Good",
    "info": "Accent",
    "error": "Warning",
}
CHECK_ICONS = {"fail": "❌", "warn": "⚠️", "ok": "✅", "error": "❔"}
_MARKDOWN = re.compile(r"([\\`*_\[\]()#>~|<{}])")


def escape(text: str) -> str:
    """Text shown as typed: Markdown and angle brackets are escaped, so `<at>`, `**`, links and
    lists in a pasted bounce stay words."""
    return _MARKDOWN.sub(r"\\\1", text)


def render_teams(reply: Reply) -> dict[str, Any]:
    """The Adaptive Card for `reply`, the largest that fits under MAX_BYTES."""
    card: dict[str, Any] = {}
    for quote_chars, shown in zip(QUOTE_CHARS, FINDINGS_SHOWN, strict=True):
        card = _card(reply, quote_chars=quote_chars, findings_shown=shown)
        if card_size(card) <= MAX_BYTES:
            return card
    card["body"] = [*card["body"][:3], _text("The full answer was too long for Teams.")]
    card.pop("actions", None)
    return card


def card_size(card: dict[str, Any]) -> int:
    """Bytes the card takes inside a message activity's attachment."""
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    return len(json.dumps(attachment, ensure_ascii=False).encode("utf-8"))


def attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}


def _card(reply: Reply, *, quote_chars: int, findings_shown: int) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        _text(reply.title, size="Large", weight="Bolder", color=COLORS.get(reply.severity)),
    ]
    if reply.text:
        body.append(_text(reply.text))
    actions: list[dict[str, Any]] = []
    findings = list(reply.findings)
    if findings:
        body.extend(_finding_summary(findings[0], quote_chars))
        details = _finding_details(findings[0])
        for other in findings[1:findings_shown]:
            details.extend(_finding_summary(other, quote_chars))
            details.extend(_finding_details(other))
        if len(findings) > findings_shown:
            details.append(_text(f"{len(findings) - findings_shown} more recipients not shown."))
        if details:
            actions.append(_show_card("What to do", details))
    for section in reply.sections:
        body.append(_text(section.title, weight="Bolder", spacing="Medium"))
        body.extend(_text(f"- {line}") for line in section.lines[:20])
    if reply.checks:
        body.append(_text("DNS evidence", weight="Bolder", spacing="Medium"))
        body.append(_facts(reply.checks))
    for note in reply.notes[:3]:
        body.append(_text(note, isSubtle=True, size="Small"))
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def _finding_summary(finding: Finding, quote_chars: int) -> list[dict[str, Any]]:
    out = [_text(finding.title, weight="Bolder", color=COLORS.get(finding.severity))]
    facts = [("Reason", finding.reason + (" (temporary)" if finding.temporary else ""))]
    if finding.recipient:
        facts.append(("Recipient", finding.recipient))
    codes = " ".join(c for c in (finding.reply_code, finding.status) if c)
    if codes:
        facts.append(("Code", codes))
    facts.append(("Who fixes it", AUDIENCES.get(finding.who_fixes, finding.who_fixes)))
    out.append({"type": "FactSet", "facts": [{"title": t, "value": escape(v)} for t, v in facts]})
    if finding.quote:
        quote = finding.quote
        if len(quote) > quote_chars:
            quote = quote[:quote_chars] + " … (shortened)"
        out.append(_text(f"Server said: {quote}", fontType="Monospace", isSubtle=True))
    return out


def _finding_details(finding: Finding) -> list[dict[str, Any]]:
    out = []
    if finding.summary:
        out.append(_text(finding.summary))
    for section in finding.steps:
        out.append(_text(section.title[:1].upper() + section.title[1:], weight="Bolder"))
        out.extend(_text(f"{n}. {line}") for n, line in enumerate(section.lines, 1))
    for link in finding.links[:4]:
        if link.url.startswith("https://"):
            out.append(
                {
                    "type": "TextBlock",
                    "text": f"[{escape(link.title)}]({link.url})",
                    "wrap": True,
                }
            )
    return out


def _facts(checks: tuple[CheckResult, ...]) -> dict[str, Any]:
    facts = [
        {
            "title": f"{CHECK_ICONS.get(c.status, '')} {c.name}",
            "value": escape(f"{c.summary} [{c.target}]" if c.target else c.summary),
        }
        for c in checks[:MAX_CHECK_FACTS]
    ]
    return {"type": "FactSet", "facts": facts}


def _show_card(title: str, body: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "Action.ShowCard",
        "title": title,
        "card": {"type": "AdaptiveCard", "version": VERSION, "body": body},
    }


def _text(text: str, **style: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "TextBlock", "text": escape(text), "wrap": True}
    block.update({k: v for k, v in style.items() if v is not None})
    return block
