"""/help: what ndrbot can do."""

from __future__ import annotations

from bot.intent import Deps, Intent
from bot.model import Incoming, Reply, Section
from bot.registry import discover


async def handle(incoming: Incoming, deps: Deps) -> Reply:
    lines: list[str] = []
    for intent in discover():
        if intent.commands:
            lines.extend(intent.usage or (f"{intent.commands[0]} - {intent.summary}",))
        elif intent.summary:
            lines.append(intent.summary)
    kb = deps.knowledge.current
    notes: tuple[str, ...] = ()
    if deps.knowledge.last_error:
        notes = (
            f"The last edit of the knowledge base was not loaded: {deps.knowledge.last_error}",
        )
    return Reply(
        notes=notes,
        title="ndrbot explains bounced email",
        text=(
            "Paste a bounce (NDR / DSN) and I explain what happened, who has to fix it and how, "
            f"with live DNS evidence. I know {len(kb)} bounce messages and codes."
        ),
        sections=(Section("What you can ask", tuple(lines)),),
    )


INTENT = Intent(
    name="help",
    commands=("help",),
    handle=handle,
    summary="Show what ndrbot can do",
    usage=("help - this overview",),
)
