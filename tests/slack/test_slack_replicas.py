"""Scale-out: two `ndrbot serve slack` processes sharing one Redis answer a retried event once."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from slackstub import SlackStub, event_body, post, start_ndrbot_slack

ROOT = Path(__file__).resolve().parents[2]
PASTE = (
    "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown in virtual mailbox table"
)


@pytest.fixture
def replicas(stub: SlackStub, redis_url: str) -> Iterator[list[str]]:
    stub.reset()
    started = [start_ndrbot_slack(stub, REDIS_URL=redis_url) for _ in range(2)]
    yield [url for _, url, _ in started]
    for process, _, _ in started:
        process.terminate()
        process.wait(10)
    stub.reset()


def test_a_retried_event_reaching_another_replica_gets_one_reply(
    replicas: list[str], stub: SlackStub
) -> None:
    event = {
        "type": "message",
        "channel": "C0777",
        "channel_type": "channel",
        "user": "U0001",
        "text": PASTE,
        "ts": "1700000777.000100",
        "event_ts": "1700000777.000100",
    }
    body = event_body(event, "EvReplicated01")
    first, retry = replicas
    assert post(f"{first}/slack/events", body, "application/json")[0] == 200
    status, _, _ = post(
        f"{retry}/slack/events",
        body,
        "application/json",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert status == 200
    assert stub.wait_for(lambda: len(stub.posts()) >= 1, timeout=20)
    time.sleep(1.0)  # give the other replica every chance to post a duplicate
    posts = [p for p in stub.posts() if p.get("thread_ts") == "1700000777.000100"]
    assert len(posts) == 1


def test_http_mode_serves_health_and_metrics(replicas: list[str]) -> None:
    with urllib.request.urlopen(f"{replicas[0]}/healthz", timeout=5) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{replicas[0]}/metrics", timeout=5) as response:
        page = response.read().decode()
    assert "# TYPE ndrbot_requests_total counter" in page
