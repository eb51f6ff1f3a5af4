"""Slack message text <-> plain text: undo Slack's formatting of pastes, escape what we echo.

Slack delivers a pasted bounce with `&`, `<` and `>` as entities and with addresses, links, users and
channels wrapped in angle brackets (`<mailto:bob@example.net|bob@example.net>`). The bounce engine
wants the text as the user saw it, so `from_slack` turns it back; `escape` does the opposite for
everything we echo into mrkdwn, so `<!channel>` in a bounce never pings anyone.
"""

from __future__ import annotations

import re

# <target> or <target|label>; target never contains "<", ">" or "|" (Slack escapes those).
_TOKEN = re.compile(r"<([^<>|\n]*)(?:\|([^<>\n]*))?>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_SPECIAL = {
    "channel": "@channel",
    "here": "@here",
    "everyone": "@everyone",
}


def _token(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2) or ""
    if target.startswith("!"):
        # <!channel>, <!here>, <!subteam^S1|@team>, <!date^1392734382^{date}|Feb 18>
        if label:
            return label
        return _SPECIAL.get(target[1:].split("^", 1)[0], "@" + target[1:].split("^", 1)[0])
    if target.startswith(("@", "#")):
        # <@U1>, <@U1|bob>, <#C1|general>
        if not label:
            return target
        return label if label.startswith(target[0]) else target[0] + label
    if label:
        # <mailto:a@b|a@b>, <http://x|x>: the label is what the user typed
        return label
    if target.startswith("mailto:"):
        return target[len("mailto:") :]
    return target


def from_slack(text: str) -> str:
    """The raw text behind a Slack message: links and mentions unwrapped, entities decoded."""
    if not text:
        return ""
    text = _TOKEN.sub(_token, text)
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def escape(text: str) -> str:
    """Escape `&`, `<` and `>` so Slack shows the text as written (no mentions, no links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str) -> str:
    """Text for a `plain_text` object: never parsed for mentions, but keep angle brackets out.

    Slack does not interpret `plain_text`, yet whether it decodes entities there is not
    something to rely on, so brackets become look-alikes instead of entities.
    """
    return text.replace("<", "‹").replace(">", "›")


def code_span(text: str) -> str:
    """Inline code for an address or host name (keeps `_` and `*` in addresses literal)."""
    cleaned = escape(text.replace("`", "'").replace("\n", " "))
    return f"`{cleaned}`" if cleaned else ""


def code_block(text: str) -> str:
    """A preformatted block whose content cannot close it early."""
    return "```" + escape(text.replace("```", "`\u200b``")) + "```"
