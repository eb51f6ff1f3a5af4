"""Recorded-shape gateway payloads (tests/discord/payloads/*.json) with per-test changes."""

from __future__ import annotations

from typing import Any

from tests.discord.stub import DiscordStub, load_payload

GUILD = "1100000000000000001"
CHANNEL = "1100000000000000010"
OTHER_CHANNEL = "1100000000000000011"
THREAD = "1100000000000000020"
BOT = "1100000000000000100"
HUMAN = "1100000000000000200"


def message(content: str = "", **changes: Any) -> dict[str, Any]:
    """A MESSAGE_CREATE payload from a human in #mail-help, with changes applied."""
    data = load_payload("message_create.json")
    data["content"] = content
    data.update(changes)
    return data


def interaction(name: str, **changes: Any) -> dict[str, Any]:
    data = load_payload(f"interaction_{name}.json")
    data.update(changes)
    return data


def attachment(
    stub: DiscordStub,
    name: str,
    data: bytes,
    *,
    size: int | None = None,
    content_type: str = "message/rfc822",
    ident: str = "1500000000000000001",
) -> dict[str, Any]:
    url = stub.file_url(name, data)
    return {
        "id": ident,
        "filename": name,
        "size": len(data) if size is None else size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
    }
