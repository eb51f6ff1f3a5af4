"""Discord fixtures: a loopback REST stub, discord.py pointed at it, and a scenario runner."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import discord
import pytest

from bot.adapters.discord_app import build_discord_client
from bot.app import build_registry
from bot.config import Settings
from bot.intent import Deps
from bot.registry import Registry
from tests.discord.harness import Harness
from tests.discord.stub import DiscordStub, load_payload

Scenario = Callable[[Harness], Awaitable[None]]


@pytest.fixture(scope="session")
def stub_server() -> Iterator[DiscordStub]:
    server = DiscordStub().start()
    yield server
    server.stop()


@pytest.fixture
def stub(stub_server: DiscordStub, monkeypatch: pytest.MonkeyPatch) -> DiscordStub:
    """The stub, emptied, with discord.py's REST base pointed at it."""
    stub_server.reset()
    monkeypatch.setattr(discord.http.Route, "BASE", f"{stub_server.url}/api/v10")
    return stub_server


@pytest.fixture(scope="session")
def registry() -> Registry:
    return build_registry()


@pytest.fixture
def run(stub: DiscordStub, deps: Deps, registry: Registry) -> Callable[..., None]:
    """Run a scenario against a logged-in client that has seen the test guild."""

    def runner(
        scenario: Scenario,
        *,
        settings: Settings | None = None,
        use_deps: Deps | None = None,
        guild: dict[str, Any] | None = None,
        **client_options: Any,
    ) -> None:
        assert discord.http.Route.BASE.startswith("http://127.0.0.1:")

        async def main() -> None:
            client = build_discord_client(
                settings or deps.settings, use_deps or deps, registry, **client_options
            )
            harness = Harness(client)
            try:
                await harness.login()
                harness.gateway("GUILD_CREATE", guild or load_payload("guild_create.json"))
                await scenario(harness)
                await harness.settle()
            finally:
                await harness.close()

        asyncio.run(main())

    return runner
