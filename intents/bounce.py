"""/bounce CODE_OR_TEXT: explain a code, a pasted bounce or an attached .eml."""

from __future__ import annotations

from bot.explain import explain
from bot.intent import Deps, Intent
from bot.model import Incoming, Reply, Section

USAGE = (
    "bounce 5.7.1 - explain a status code (or 550, or 550 5.7.26)",
    "bounce <pasted bounce text> - explain a whole bounce or one line of it",
    "bounce + an attached .eml file - explain a bounce message file",
)


def help_reply() -> Reply:
    return Reply(
        title="Explain a bounce",
        text="Give me a code, paste the bounce text, or attach the .eml file.",
        sections=(Section("Usage", USAGE),),
    )


async def handle(incoming: Incoming, deps: Deps) -> Reply:
    text = incoming.text.strip()
    if incoming.files:
        reply = await explain(incoming.files[0].data, deps)
        if len(incoming.files) > 1:
            reply = reply.replace(notes=(*reply.notes, "Only the first attached file was read."))
    elif not text or text.lower() in ("help", "-h", "--help", "?"):
        return help_reply()
    else:
        reply = await explain(text, deps, asked=True)
    return reply.replace(quiet=False)


INTENT = Intent(
    name="bounce",
    commands=("bounce", "explain"),
    handle=handle,
    summary="Explain a bounce: a code, pasted text or an .eml file",
    usage=USAGE,
)
