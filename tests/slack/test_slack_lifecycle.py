"""A serving bot's life as an operator sees it: Slack unreachable at start, SIGTERM mid-answer,
and /readyz telling the truth. Each runs the real `ndrbot serve slack` as a process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from slackstub import SECRET, TOKEN, SlackStub, command_body, post, start_ndrbot_slack

from bot.adapters.slack_app import serve_slack
from bot.config import ConfigError, Settings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "dns"))

from dnsserver import Fault, ZoneServer  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def readyz(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_slack_unreachable_at_start_is_one_line_per_attempt_and_not_ready() -> None:
    health = free_port()
    closed = free_port()  # nothing listens here: every connection is refused
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_APP_TOKEN": "xapp-1-test",
        "SLACK_API_URL": f"http://127.0.0.1:{closed}/api/",
        "NDRBOT_HEALTH_PORT": str(health),
        "NDRBOT_DNS": "off",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "slack"],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    attempts = []
    status: tuple[int, dict[str, object]] | None = None
    try:
        while len(attempts) < 2:
            line = process.stderr.readline()
            assert line, "the bot exited instead of retrying"
            if "cannot reach Slack" in line:
                attempts.append(line)
                status = status or readyz(health)
        process.send_signal(signal.SIGTERM)
        rest = process.stderr.read()
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert all("WARNING" in a and "connection was refused" in a for a in attempts)
    assert "Traceback" not in rest
    assert status is not None and status[0] == 503
    assert "cannot reach Slack" in str(status[1]["reason"])


def test_a_one_shot_check_of_an_unreachable_slack_is_a_config_error() -> None:
    settings = Settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=f"http://127.0.0.1:{free_port()}/api/",
        dns_enabled=False,
    )
    with pytest.raises(ConfigError, match="cannot reach Slack: the connection was refused"):
        serve_slack(settings, http=True, host="127.0.0.1", port=0, check=True)


@pytest.fixture
def slow_dns() -> ZoneServer:
    server = ZoneServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("delay", "drain", "expected"),
    [(1.5, "8", "Mail DNS for"), (6.0, "1", "I was restarted")],
    ids=["finishes within the drain", "told to ask again"],
)
def test_sigterm_mid_checkmx_still_answers_and_exits_0(
    stub: SlackStub, slow_dns: ZoneServer, delay: float, drain: str, expected: str
) -> None:
    stub.reset()
    slow_dns.set_fault("gw.test", Fault(delay=delay))
    process, base, _ = start_ndrbot_slack(
        stub,
        NDRBOT_DNS="on",
        NDRBOT_NAMESERVERS=slow_dns.address,
        NDRBOT_DNS_DEADLINE="10",
        NDRBOT_DRAIN_SECONDS=drain,
    )
    try:
        url = f"{stub.url}/response/sigterm"
        status, _, _ = post(
            f"{base}/slack/events",
            command_body("/checkmx", "gw.test", url),
            "application/x-www-form-urlencoded",
        )
        assert status == 200
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert process.wait(float(drain) + 5) == 0
        assert time.monotonic() - started < float(drain) + 5
    finally:
        if process.poll() is None:
            process.kill()
    answers = stub.responses("/response/sigterm")
    assert len(answers) == 1, answers
    assert expected in json.dumps(answers[0].json)
    stub.reset()


@pytest.mark.parametrize("accepted", [True, False])
def test_config_check_online_asks_slack_about_the_token(
    stub: SlackStub,
    accepted: bool,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    stub.reset()
    if not accepted:
        stub.fail_next("auth.test", 200, {"ok": False, "error": "invalid_auth"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_API_URL", stub.api_url)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["config", "check", "--online"]) == (0 if accepted else 2)
    err = capsys.readouterr().err
    assert ("Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in err) is not accepted
    assert [c.path for c in stub.calls("/api/auth.test")] == ["/api/auth.test"]
    stub.reset()
