"""Starting the bot: Socket Mode requests, token checks against Slack, and `ndrbot serve slack --http`."""

from __future__ import annotations

import json
import logging
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from conftest import Harness, slack_settings
from slack_sdk.socket_mode.request import SocketModeRequest
from slackstub import SlackStub, command_body, post, start_ndrbot_slack

from bot.adapters.slack_app import LOOKING, serve_slack
from bot.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]


class FakeSocketClient:
    logger = logging.getLogger("tests.slack.socket")

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def send_socket_mode_response(self, response: Any) -> None:
        self.sent.append((response.envelope_id, response.payload))


def test_socket_mode_request_is_acked_and_answered(slack: Harness) -> None:
    handler = slack.bot.socket_mode_handler("xapp-1-test")
    try:
        url = slack.response_url("socket")
        form = urllib.parse.parse_qs(command_body("/bounce", "5.1.1", url).decode())
        payload = {key: values[0] for key, values in form.items()}
        client = FakeSocketClient()
        handler.handle(
            client, SocketModeRequest(type="slash_commands", envelope_id="env-1", payload=payload)
        )
        assert client.sent and client.sent[0][0] == "env-1"
        assert client.sent[0][1]["text"] == LOOKING
        slack.settle()
        (answer,) = [r for r in slack.stub.responses() if r.path == "/response/socket"]
        assert "5.1.1" in json.dumps(answer.json)
    finally:
        handler.client.close()


def test_rejected_bot_token_is_a_config_error(stub: SlackStub) -> None:
    stub.reset()
    stub.fail_next("auth.test", 200, {"ok": False, "error": "invalid_auth"})
    with pytest.raises(ConfigError, match="Slack rejected SLACK_BOT_TOKEN"):
        serve_slack(slack_settings(stub), http=True, host="127.0.0.1", port=0)
    stub.reset()


def test_ndrbot_serve_slack_http_end_to_end(stub: SlackStub) -> None:
    stub.reset()
    process, base, lines = start_ndrbot_slack(stub)
    try:
        assert not any("WARNING" in x for x in lines), lines
        status, body, _ = post(
            f"{base}/slack/events",
            command_body("/bounce", "5.7.26", f"{stub.url}/response/e2e"),
            "application/x-www-form-urlencoded",
        )
        assert status == 200 and json.loads(body)["text"] == LOOKING
        assert stub.wait_for(lambda: bool(stub.responses("/response/e2e")), timeout=20)
        assert "5.7.26" in json.dumps(stub.responses("/response/e2e")[0].json)
    finally:
        process.terminate()
        process.wait(10)
        stub.reset()
