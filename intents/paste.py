"""Auto-reply: a bounce pasted into a channel (or an .eml uploaded) gets explained in a thread."""

from __future__ import annotations

from bot.engine.detect import looks_like_bounce
from bot.explain import explain, matcher_for
from bot.headers.analyze import analyze_headers
from bot.intent import Deps, Intent
from bot.model import Attachment, Incoming, Reply
from intents.headers import dns_checks, reply_for_report

EML_TYPES = ("message/rfc822", "message/global")
TEXT_SUFFIXES = (".txt", ".log", ".text")
SNIFF_BYTES = 20_000


def is_bounce_file(file: Attachment) -> bool:
    """A mail message file (.eml): always worth explaining."""
    name = file.name.lower()
    return name.endswith((".eml", ".msg.txt")) or file.content_type.lower() in EML_TYPES


def is_text_file(file: Attachment) -> bool:
    """A text file (long pastes become one: Slack snippets, Discord's message.txt)."""
    return file.name.lower().endswith(TEXT_SUFFIXES) or file.content_type.lower().startswith(
        "text/plain"
    )


def _pasted_bounce(file: Attachment, deps: Deps) -> bool:
    text = file.data[:SNIFF_BYTES].decode("utf-8", "replace")
    return looks_like_bounce(text, matcher_for(deps.knowledge))


def detect(incoming: Incoming, deps: Deps) -> bool:
    if any(is_bounce_file(f) for f in incoming.files):
        return True
    if incoming.explicit:
        return bool(incoming.text.strip() or incoming.files)
    if any(is_text_file(f) and _pasted_bounce(f, deps) for f in incoming.files):
        return True
    return looks_like_bounce(incoming.text, matcher_for(deps.knowledge))


async def handle(incoming: Incoming, deps: Deps) -> Reply | None:
    files = [f for f in incoming.files if is_bounce_file(f)]
    files = files or [f for f in incoming.files if is_text_file(f) and _pasted_bounce(f, deps)]
    if not files and incoming.explicit and not incoming.text.strip():
        files = list(incoming.files)  # asked about a file of another kind: try it
    data = files[0].data if files else incoming.text
    reply = await explain(data, deps)
    if reply.quiet and incoming.explicit:
        # Asked about a message that is no bounce ("Explain bounce" on an ordinary mail or an
        # .eml of one): its headers still tell how it travelled and whether it authenticated.
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        report = analyze_headers(text)
        if report is not None and report.hops:
            return reply_for_report(report, await dns_checks(report, deps))
    if reply.quiet and not incoming.explicit:
        return None
    return reply


INTENT = Intent(
    name="paste",
    handle=handle,
    detect=detect,
    priority=50,
    summary="Paste a bounce (or upload an .eml) and get it explained in a thread",
)
