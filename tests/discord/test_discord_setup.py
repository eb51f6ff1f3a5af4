"""Client shape, start-up (intent check, token errors) and `sync-commands` against the stub."""

from __future__ import annotations

import asyncio
import logging

import discord
import pytest

from bot.adapters.discord_app import (
    build_discord_client,
    login_client,
    serve_discord,
    sync_commands,
)
from bot.config import ConfigError, Settings
from bot.intent import Deps
from bot.registry import Registry
from tests.discord.events import BOT, GUILD
from tests.discord.stub import DiscordStub

SETTINGS = Settings(dns_enabled=False, discord_token="NDR.test-bot-token.not-real")


def test_client_is_sharded_never_pings_and_has_the_commands(deps: Deps, registry: Registry) -> None:
    client = build_discord_client(deps.settings, deps, registry)
    assert isinstance(client, discord.AutoShardedClient)
    assert client.allowed_mentions is not None
    assert client.allowed_mentions.to_dict() == {"parse": []}
    assert client.intents.message_content
    slash = {c.name for c in client.tree.get_commands(type=discord.AppCommandType.chat_input)}
    menus = {c.name for c in client.tree.get_commands(type=discord.AppCommandType.message)}
    assert slash == {"bounce", "checkmx", "headers"}
    assert menus == {"Explain bounce"}
    bounce = client.tree.get_command("bounce")
    assert isinstance(bounce, discord.app_commands.Command)
    options = {p.name: (p.type, p.required) for p in bounce.parameters}
    assert options == {
        "text": (discord.AppCommandOptionType.string, False),
        "file": (discord.AppCommandOptionType.attachment, False),
    }


def test_sync_commands_to_one_guild(stub: DiscordStub, capsys: pytest.CaptureFixture[str]) -> None:
    assert sync_commands(SETTINGS, int(GUILD)) == 0
    (put,) = stub.api()
    assert put.route == f"PUT /api/v10/applications/{BOT}/guilds/{GUILD}/commands"
    sent = {c["name"]: c for c in put.json}
    assert set(sent) == {"bounce", "checkmx", "headers", "Explain bounce"}
    assert sent["Explain bounce"]["type"] == 3
    assert [o["type"] for o in sent["bounce"]["options"]] == [3, 11]
    assert put.headers["authorization"] == f"Bot {SETTINGS.discord_token}"
    assert f"Published 4 commands to guild {GUILD}" in capsys.readouterr().out


def test_sync_commands_globally(stub: DiscordStub) -> None:
    assert sync_commands(SETTINGS, None) == 0
    (put,) = stub.api()
    assert put.route == f"PUT /api/v10/applications/{BOT}/commands"
    assert len(put.json) == 4


def test_rejected_token_is_a_config_error(stub: DiscordStub) -> None:
    stub.reject_login = True
    with pytest.raises(ConfigError, match="rejected"):
        sync_commands(SETTINGS, None)
    assert stub.api() == []


@pytest.mark.parametrize("entry", [serve_discord, lambda s: sync_commands(s, None)])
def test_missing_token_is_a_config_error(stub: DiscordStub, entry) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        entry(Settings(dns_enabled=False))
    assert stub.requests == []


def test_bad_channel_id_is_a_config_error(deps: Deps, registry: Registry) -> None:
    settings = Settings(dns_enabled=False, discord_channels=("#mail-help",))
    with pytest.raises(ConfigError, match="NDRBOT_DISCORD_CHANNELS"):
        build_discord_client(settings, deps, registry)


def _login(deps: Deps, registry: Registry, settings: Settings) -> bool:
    async def main() -> bool:
        client = await login_client(settings, deps, registry)
        try:
            return client.intents.message_content
        finally:
            await client.close()

    return asyncio.run(main())


def test_start_without_the_intent_says_so_and_keeps_commands(
    stub: DiscordStub, deps: Deps, registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    stub.app_flags = 0  # the Developer Portal has the message content intent off
    caplog.set_level(logging.INFO, logger="bot")
    assert _login(deps, registry, SETTINGS) is False
    warning = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning and "Message Content intent is not enabled" in warning[0].getMessage()
    assert "/bounce" in warning[0].getMessage()


def test_start_with_the_intent_asks_for_it(
    stub: DiscordStub, deps: Deps, registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    assert _login(deps, registry, SETTINGS) is True
    assert "Auto-replies are on in every channel" in caplog.text
    assert SETTINGS.discord_token not in caplog.text
