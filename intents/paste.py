"""Auto-reply: a bounce pasted into a channel (or an .eml uploaded) gets explained in a thread."""

from __future__ import annotations

from bot.detect import looks_like_bounce
from bot.explain import explain, matcher_for
from bot.intent import Deps, Intent
from bot.model import Attachment, Incoming, Reply

EML_TYPES = ("message/rfc822", "message/global", "application/octet-stream")


def is_bounce_file(file: Attachment) -> bool:
    name = file.name.lower()
    return name.endswith((".eml", ".msg.txt")) or file.content_type.lower() in EML_TYPES[:2]


def detect(incoming: Incoming, deps: Deps) -> bool:
    if any(is_bounce_file(f) for f in incoming.files):
        return True
    if incoming.explicit:
        return bool(incoming.text.strip())
    return looks_like_bounce(incoming.text, matcher_for(deps.knowledge))


async def handle(incoming: Incoming, deps: Deps) -> Reply | None:
    files = [f for f in incoming.files if is_bounce_file(f)]
    reply = await explain(files[0].data if files else incoming.text, deps)
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
