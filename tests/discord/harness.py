"""The one place that touches discord.py internals: feeding gateway events to a client.

Private API used (pinned by `discord.py>=2.7,<2.8` in pyproject.toml):
- `Client._connection`: the client's ConnectionState.
- `ConnectionState.parsers[EVENT]`: the gateway event parsers (`parse_guild_create`,
  `parse_message_create`, `parse_interaction_create`). The gateway calls them with each event's
  `d` payload; they build the real `Guild`, `Message` and `Interaction` objects and dispatch
  `on_message` or the command tree exactly as in production.

Everything else (login, sending, threads, downloads) runs through discord.py's public API against
the loopback stub.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord

TOKEN = "NDR.test-bot-token.not-real"
_OUR_TASKS = ("discord.py:", "CommandTree-invoker")


class Harness:
    """A logged-in client, fed recorded-shape gateway events."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def login(self) -> None:
        await self.client.login(TOKEN)

    def gateway(self, event: str, data: dict[str, Any]) -> None:
        """Deliver one gateway dispatch (`t` = event, `d` = data), as the websocket would."""
        state = self.client._connection  # private: see the module docstring
        state.parsers[event](data)

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every event handler and command the events started has finished."""
        current = asyncio.current_task()
        async with asyncio.timeout(timeout):
            while True:
                pending = [
                    task
                    for task in asyncio.all_tasks()
                    if task is not current
                    and not task.done()
                    and task.get_name().startswith(_OUR_TASKS)
                ]
                if not pending:
                    return
                await asyncio.wait(pending)

    async def close(self) -> None:
        await self.client.close()
