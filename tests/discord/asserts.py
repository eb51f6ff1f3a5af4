"""Checks on the message bodies the stub received."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.discord.stub import Request

# A mention that would ping if Discord parsed it: not broken up by a zero-width space.
LIVE_MENTION = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>")


def posted_messages(requests: list[Request]) -> list[dict[str, Any]]:
    """Bodies of requests that post a message (follow-ups and channel messages)."""
    return [
        r.json
        for r in requests
        if r.method == "POST"
        and re.search(r"/(messages|webhooks/)", r.path)
        and not r.path.endswith("/threads")
    ]


def assert_silent(body: dict[str, Any]) -> None:
    """No mention can ping: allowed_mentions parses nothing and no live mention is in the text."""
    assert body["allowed_mentions"]["parse"] == []
    assert not body["allowed_mentions"].get("users")
    assert not body["allowed_mentions"].get("roles")
    assert not body["allowed_mentions"].get("replied_user")
    assert not LIVE_MENTION.search(json.dumps(body, ensure_ascii=False))


def assert_within_limits(body: dict[str, Any]) -> None:
    """Discord's per-message limits."""
    assert len(body.get("content") or "") <= 2000
    embeds = body.get("embeds") or []
    assert len(embeds) <= 10
    total = 0
    for embed in embeds:
        assert len(embed.get("title", "")) <= 256
        assert len(embed.get("description", "")) <= 4096
        fields = embed.get("fields", [])
        assert len(fields) <= 25
        for field in fields:
            assert 0 < len(field["name"]) <= 256
            assert 0 < len(field["value"]) <= 1024
            total += len(field["name"]) + len(field["value"])
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
        total += len(embed.get("footer", {}).get("text", ""))
        total += len(embed.get("author", {}).get("name", ""))
    assert total <= 6000
