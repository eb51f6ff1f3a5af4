"""The Discord bot's life: Discord unreachable at start, and SIGTERM while a command is answered."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import discord
import pytest

from bot.adapters.discord_app import _serve
from bot.adapters.lifecycle import StopSignal
from bot.config import ConfigError, Settings
from bot.intent import Deps
from bot.registry import Registry
from tests.discord.events import interaction
from tests.discord.fakes import FakeChecker
from tests.discord.harness import Harness
from tests.discord.stub import DiscordStub

SETTINGS = Settings(dns_enabled=False, discord_token="NDR.test-bot-token.not-real")


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py's REST base on a loopback port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")


@pytest.mark.usefixtures("unreachable")
def test_discord_unreachable_at_start_is_retried_one_line_each(
    deps: Deps, registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    stop = StopSignal()
    threading.Timer(3.5, stop.event.set).start()  # the operator's SIGTERM, a few tries later
    with caplog.at_level(logging.WARNING):
        assert asyncio.run(_serve(SETTINGS, deps, registry, stop)) == 0
    tries = [r for r in caplog.records if "cannot reach Discord" in r.getMessage()]
    assert len(tries) >= 2
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in tries)
    assert "the connection was refused" in tries[0].getMessage()


@pytest.mark.usefixtures("unreachable")
def test_a_one_shot_check_of_an_unreachable_discord_is_a_config_error(
    deps: Deps, registry: Registry
) -> None:
    with pytest.raises(ConfigError, match="cannot reach Discord: the connection was refused"):
        asyncio.run(_serve(SETTINGS, deps, registry, StopSignal(), check=True))


def test_shutdown_tells_whoever_still_waits_and_takes_nothing_new(
    run: Callable[..., None], stub: DiscordStub, deps: Deps
) -> None:
    slow = Deps(knowledge=deps.knowledge, settings=Settings(), dns=FakeChecker(delay=5))
    told: list[int] = []

    async def scenario(h: Harness) -> None:
        h.gateway("INTERACTION_CREATE", interaction("checkmx"))
        await asyncio.sleep(0.3)  # deferred, and waiting on the slow DNS
        told.append(await h.client.shutdown(0.2))  # type: ignore[attr-defined]

    run(scenario, use_deps=slow)
    assert told == [1]
    defer, notice = stub.api()
    assert defer.json == {"type": 5}
    assert notice.json["embeds"][0]["title"] == "I was restarted before I could answer"


@pytest.mark.parametrize("accepted", [True, False])
def test_config_check_online_asks_discord_about_the_token(
    stub: DiscordStub,
    accepted: bool,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    stub.reject_login = not accepted
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(
        "DISCORD_TOKEN", "MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz012"
    )
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    try:
        assert main(["config", "check", "--online"]) == (0 if accepted else 2)
    finally:
        stub.reject_login = False
    err = capsys.readouterr().err
    assert ("Discord rejected DISCORD_TOKEN" in err) is not accepted
