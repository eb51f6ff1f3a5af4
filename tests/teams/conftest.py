"""Teams fixtures: a loopback connector, and `ndrbot serve teams` as a real process against it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.teams.connector import Connector

ROOT = Path(__file__).resolve().parents[2]
BOT_ID = "28:ndrbot-app-id"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def connector() -> Iterator[Connector]:
    server = Connector().start()
    yield server
    server.stop()


class TeamsBot:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url

    def post(self, activity: dict[str, Any], token: str | None = None) -> int:
        headers = {"content-type": "application/json"}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            f"{self.url}/api/messages", data=json.dumps(activity).encode(), headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code


def start_bot(**env_extra: str) -> TeamsBot:
    port = free_port()
    env = {
        **os.environ,
        "NDRBOT_DNS": "off",
        "PYTHONPATH": str(ROOT),
        **env_extra,
    }
    for name in ("TEAMS_CLIENT_ID", "TEAMS_CLIENT_SECRET", "TEAMS_TENANT_ID", "CLIENT_ID",
                 "CLIENT_SECRET", "TENANT_ID"):  # fmt: skip
        if name not in env_extra:
            env.pop(name, None)
    command = ["serve", "teams", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *command],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    url = f"http://127.0.0.1:{port}"
    lines = []
    while line := process.stderr.readline():
        lines.append(line)
        if re.search(r"serving Teams on", line):
            break
    else:
        process.kill()
        raise AssertionError("ndrbot serve teams did not start:\n" + "".join(lines))
    _wait_until_listening(port, process)
    return TeamsBot(process, url)


def _wait_until_listening(port: int, process: subprocess.Popen[str]) -> None:
    import time

    for _ in range(200):
        if process.poll() is not None:
            raise AssertionError("ndrbot serve teams exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the Teams endpoint never answered")


def stop_bot(bot: TeamsBot) -> None:
    bot.process.terminate()
    try:
        bot.process.wait(10)
    except subprocess.TimeoutExpired:
        bot.process.kill()


@pytest.fixture(scope="module")
def teams() -> Iterator[TeamsBot]:
    bot = start_bot(NDRBOT_TEAMS_NO_AUTH="1")
    yield bot
    stop_bot(bot)
