"""The /checkmx intent: replies, never raises."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from bot.dnscheck import DnsChecker
from bot.intent import Deps
from bot.model import Incoming
from intents import checkmx
from intents.checkmx import INTENT, parse_args


def deps_with(dns: Any, settings: Any = None) -> Deps:
    return Deps(knowledge=None, settings=settings or SimpleNamespace(), dns=dns)  # type: ignore[arg-type]


def test_intent_shape() -> None:
    assert INTENT.name == "checkmx" and INTENT.commands == ("checkmx",)
    assert INTENT.summary and INTENT.usage


def test_reply_for_healthy_domain(checker: DnsChecker) -> None:
    reply = asyncio.run(
        INTENT.handle(Incoming(text="gw.test", command="checkmx"), deps_with(checker))
    )
    assert reply is not None
    assert reply.severity == "ok" and reply.title == "Mail DNS for gw.test"
    assert reply.text.startswith("11 ok")
    assert reply.data is not None and reply.data["domain"] == "gw.test"
    assert len(reply.checks) == 11


def test_reply_names_the_worst_problem(checker: DnsChecker) -> None:
    reply = asyncio.run(
        INTENT.handle(Incoming(text="listed.test --ip 81.2.69.11"), deps_with(checker))
    )
    assert reply is not None and reply.severity == "fail"
    assert "DMARC" in reply.text or "DNSBL" in reply.text or "PTR" in reply.text


@pytest.mark.parametrize(
    "text", ["", "localhost", "a.com b.com", "gw.test --ip", "gw.test --what x"]
)
def test_bad_input_gives_a_message(checker: DnsChecker, text: str) -> None:
    reply = asyncio.run(INTENT.handle(Incoming(text=text), deps_with(checker)))
    assert reply is not None and reply.title == "Cannot check that"
    assert reply.severity == "warn" and "Usage" in reply.text


def test_builds_checker_from_settings(dns_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkmx, "_CHECKERS", {})
    settings = SimpleNamespace(nameservers=(dns_server.address,), dnsbls=("bl.test",))
    reply = asyncio.run(INTENT.handle(Incoming(text="nullmx.test"), deps_with(None, settings)))
    assert reply is not None and reply.data is not None
    assert reply.data["checks"][0]["status"] == "warn"


def test_parse_args() -> None:
    target, options = parse_args("example.com --selector s1 --ip=192.0.2.1 --dnsbl bl.test")
    assert target == "example.com"
    assert options == {"selectors": ["s1"], "ips": ["192.0.2.1"], "dnsbls": ["bl.test"]}


def test_operator_deny_list_keeps_internal_zones_out_of_reach(checker: DnsChecker) -> None:
    settings = SimpleNamespace(deny_domains=("gw.test",))
    for text in ("gw.test", "mail.gw.test", "bob@gw.test"):
        reply = asyncio.run(INTENT.handle(Incoming(text=text), deps_with(checker, settings)))
        assert reply is not None and reply.title == "Cannot check that", text
        assert "zone this bot does not check" in reply.text
    allowed = asyncio.run(INTENT.handle(Incoming(text="ex.test"), deps_with(checker, settings)))
    assert allowed is not None and allowed.checks


@pytest.mark.parametrize(
    "text",
    ["localhost", "printer.local", "db.internal", "router.home.arpa", "10.1.2.3", "intranet"],
)
def test_internal_names_are_refused(checker: DnsChecker, text: str) -> None:
    reply = asyncio.run(INTENT.handle(Incoming(text=text), deps_with(checker)))
    assert reply is not None and reply.title == "Cannot check that"
    assert not reply.checks


def test_checkmx_is_counted_in_the_metrics(checker: DnsChecker) -> None:
    from bot.config import Settings
    from bot.knowledge import KnowledgeStore
    from bot.metrics import METRICS
    from bot.registry import Registry

    deps = Deps(knowledge=KnowledgeStore(), settings=Settings(), dns=checker)
    before_mx = METRICS.value("ndrbot_dns_lookups_total", check="mx", status="ok")
    before_page = METRICS.render()
    asyncio.run(Registry.default().handle(Incoming(text="gw.test", command="checkmx"), deps))
    assert METRICS.value("ndrbot_dns_lookups_total", check="mx", status="ok") == before_mx + 1
    page = METRICS.render()
    assert "ndrbot_dns_seconds_count" in page
    assert 'ndrbot_answer_seconds_count{intent="checkmx"}' in page
    assert page != before_page
