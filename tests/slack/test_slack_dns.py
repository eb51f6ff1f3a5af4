"""/checkmx through the Slack app against the test DNS server: DNS evidence, and acks that never wait."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import Harness

from bot.adapters.slack_app import LOOKING
from bot.dnscheck import DnsChecker
from bot.dnscheck.https import FetchResult
from bot.intent import Deps
from bot.knowledge import KnowledgeStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dns"))

from dnsserver import ZoneServer


async def no_https(host: str, addresses: Sequence[str], path: str) -> FetchResult:
    return FetchResult(error="HTTPS is not used in these tests")


@pytest.fixture(scope="module")
def zone_server() -> Iterator[ZoneServer]:
    server = ZoneServer().start()
    yield server
    server.stop()


@pytest.fixture
def dns_slack(
    make_harness: Any, zone_server: ZoneServer, store: KnowledgeStore
) -> Iterator[Harness]:
    zone_server.latency = 0.0
    checker = DnsChecker(
        [zone_server.address],
        dnsbls=["bl.test"],
        query_timeout=2.5,
        deadline=4.0,
        https_fetch=no_https,
    )
    harness = make_harness()
    harness.bot.deps = Deps(
        knowledge=store, settings=harness.bot.settings.with_overrides(dns_enabled=True), dns=checker
    )
    yield harness
    zone_server.latency = 0.0


def test_checkmx_answer_shows_dns_results(dns_slack: Harness) -> None:
    dns_slack.command("/checkmx", "gw.test", response_url=dns_slack.response_url("mx"))
    dns_slack.settle()
    (answer,) = dns_slack.stub.responses()
    payload = answer.json
    text = json.dumps(payload)
    assert "Mail DNS for gw.test" in payload["blocks"][0]["text"]["text"]
    assert "*DNS evidence*" in text
    assert ":white_check_mark: *mx*" in text
    assert len(payload["blocks"]) <= 50


def test_acks_do_not_wait_for_slow_dns(dns_slack: Harness, zone_server: ZoneServer) -> None:
    zone_server.latency = 0.5
    results: list[tuple[int, bytes, float]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        result = dns_slack.command(
            "/checkmx", "gw.test", response_url=dns_slack.response_url(f"c{i}")
        )
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 30
    assert all(status == 200 and json.loads(body)["text"] == LOOKING for status, body, _ in results)
    slowest = max(seconds for _, _, seconds in results)
    assert slowest < 0.5, f"slowest ack took {slowest:.3f}s"
    assert dns_slack.stub.wait_for(lambda: len(dns_slack.stub.responses()) == 30, timeout=20)
    dns_slack.settle()
    assert all("gw.test" in r.json["blocks"][0]["text"]["text"] for r in dns_slack.stub.responses())
