"""Slack test fixtures: the real Bolt app served over HTTP on 127.0.0.1, and a loopback Slack."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

sys.path.insert(0, str(Path(__file__).parent))

from slackstub import (
    SECRET,
    TOKEN,
    SlackStub,
    command_body,
    event_body,
    post,
    shortcut_body,
)

from bot.adapters.slack_app import SlackBot
from bot.app import build_registry
from bot.config import Settings
from bot.intent import Deps
from bot.knowledge import KnowledgeStore
from bot.registry import Registry


@pytest.fixture(scope="session")
def stub() -> Iterator[SlackStub]:
    server = SlackStub().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def registry() -> Registry:
    return build_registry()


def slack_settings(stub: SlackStub, **changes: Any) -> Settings:
    base = Settings(
        dns_enabled=False,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=stub.api_url,
    )
    return base.with_overrides(**changes) if changes else base


@dataclass
class Harness:
    """The bot under test, its HTTP address, and helpers that send what Slack would send."""

    bot: SlackBot
    url: str
    stub: SlackStub
    counter: list[int] = field(default_factory=lambda: [0])

    def response_url(self, name: str = "") -> str:
        self.counter[0] += 1
        return f"{self.stub.url}/response/{name or self.counter[0]}"

    def command(self, command: str, text: str, **kwargs: Any) -> tuple[int, bytes, float]:
        url = kwargs.pop("response_url", None) or self.response_url()
        body = command_body(command, text, url, **kwargs)
        return post(self.url, body, "application/x-www-form-urlencoded")

    def event(
        self, event: dict[str, Any], event_id: str | None = None, *, retry: int | None = None
    ) -> tuple[int, bytes, float]:
        self.counter[0] += 1
        headers = {}
        if retry:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        body = event_body(event, event_id or f"Ev{self.counter[0]:06d}")
        return post(self.url, body, "application/json", headers=headers)

    def shortcut(self, message: dict[str, Any], **kwargs: Any) -> tuple[int, bytes, float]:
        url = kwargs.pop("response_url", None) or self.response_url()
        return post(
            self.url, shortcut_body(message, url, **kwargs), "application/x-www-form-urlencoded"
        )

    def settle(self) -> None:
        assert self.bot.drain(15), "background work did not finish"


@pytest.fixture
def make_harness(
    stub: SlackStub, store: KnowledgeStore, registry: Registry
) -> Iterator[Callable[..., Harness]]:
    made: list[tuple[SlackBot, Any, threading.Thread]] = []

    def make(deps: Deps | None = None, **kwargs: Any) -> Harness:
        settings = slack_settings(stub, **kwargs.pop("settings", {}))
        deps = deps or Deps(knowledge=store, settings=settings)
        client = WebClient(token=TOKEN, base_url=stub.api_url)
        kwargs.setdefault("file_shared_grace", 0.0)
        bot = SlackBot(settings, deps, registry, client=client, **kwargs).start()
        server = bot.http_server("127.0.0.1", 0)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        made.append((bot, server, thread))
        return Harness(bot, f"http://127.0.0.1:{server.server_port}/slack/events", stub)

    stub.reset()
    yield make
    for bot, server, thread in made:
        server.shutdown()
        server.server_close()
        thread.join(5)
        bot.stop()
    stub.reset()


@pytest.fixture
def slack(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness()
