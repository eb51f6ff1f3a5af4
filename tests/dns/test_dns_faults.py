"""Faults (timeout, SERVFAIL, truncation, slowness, a dead zone): the rest still answers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import pytest
from dnsserver import Fault, ZoneServer

from bot.dnscheck import DnsChecker
from bot.reasons import CHECK_NAMES


def run(checker: DnsChecker, target: str, **kwargs: object) -> dict[str, str]:
    report = asyncio.run(checker.checkmx(target, **kwargs))  # type: ignore[arg-type]
    return {c.name: c.status for c in report.checks}


def test_servfail_on_dmarc_only_affects_dmarc_and_bimi(
    checker: DnsChecker, dns_server: ZoneServer
) -> None:
    dns_server.set_fault("_dmarc.gw.test", Fault(servfail=True))
    report = asyncio.run(checker.checkmx("gw.test"))
    by_name = {c.name: c for c in report.checks}
    assert by_name["dmarc"].status == "error"
    assert "SERVFAIL" in by_name["dmarc"].summary
    assert by_name["bimi"].status == "error"  # it needs DMARC's answer
    others = {n: c.status for n, c in by_name.items() if n not in ("dmarc", "bimi")}
    assert set(others.values()) == {"ok"}


def test_timeout_on_dkim_is_error_not_missing(checker: DnsChecker, dns_server: ZoneServer) -> None:
    dns_server.set_fault("_domainkey.gw.test", Fault(drop=True))
    started = time.monotonic()
    result = run(checker, "gw.test")
    assert result["dkim"] == "error"
    assert result["provider"] == "error"
    assert {result[n] for n in CHECK_NAMES if n not in ("dkim", "provider")} == {"ok"}
    assert time.monotonic() - started < 1.5


def test_timeout_on_spf_include_is_error(checker: DnsChecker, dns_server: ZoneServer) -> None:
    dns_server.set_fault("_netblocks2.google.com", Fault(drop=True))
    report = asyncio.run(checker.checkmx("gw.test", only=["spf", "mx"]))
    spf = report.checks[1]
    assert (report.checks[0].status, spf.status) == ("ok", "error")
    assert any("could not fetch SPF of _netblocks2.google.com (timeout)" in d for d in spf.details)


def test_forced_truncation_falls_back_to_tcp(checker: DnsChecker, dns_server: ZoneServer) -> None:
    dns_server.set_fault("gw.test", Fault(truncate=True))
    before = dns_server.count(proto="tcp")
    assert set(run(checker, "gw.test").values()) == {"ok"}
    assert dns_server.count(proto="tcp") - before > 15


def test_mx_servfail_leaves_domain_checks_working(
    checker: DnsChecker, dns_server: ZoneServer
) -> None:
    dns_server.set_fault("gw.test", Fault(servfail=True, rdtype="MX"))
    result = run(checker, "gw.test")
    assert result["mx"] == "error"
    assert result["ptr"] == "error" and result["dnsbl"] == "error"
    assert result["spf"] == result["dmarc"] == result["dkim"] == "ok"


def test_slow_domain_finishes_when_within_deadline(checker: DnsChecker) -> None:
    started = time.monotonic()
    result = run(checker, "slow.test", only=["mx", "spf", "dmarc"])
    assert result == {"mx": "ok", "spf": "ok", "dmarc": "ok"}
    assert time.monotonic() - started < 1.5  # three dependent round trips of 0.3 s, not more


def test_slow_domain_cut_by_deadline(make_checker: Callable[..., DnsChecker]) -> None:
    checker = make_checker(deadline=0.5, query_timeout=1.0)
    started = time.monotonic()
    report = asyncio.run(checker.checkmx("slow.test"))
    elapsed = time.monotonic() - started
    assert elapsed < 0.7
    by_name = {c.name: c for c in report.checks}
    assert by_name["ptr"].status == "error"  # needs MX -> A -> PTR: 0.9 s
    assert by_name["dmarc"].status == "ok"  # one round trip


def test_dead_domain_returns_within_default_deadline(
    dns_server: ZoneServer, make_checker: Callable[..., DnsChecker]
) -> None:
    checker = make_checker(deadline=5.0, query_timeout=1.5)
    started = time.monotonic()
    report = asyncio.run(checker.checkmx("dead.test"))
    elapsed = time.monotonic() - started
    assert elapsed < 5.0
    statuses = {c.name: c.status for c in report.checks}
    for name in CHECK_NAMES:
        assert statuses[name] == "error", name
    assert all("no " not in c.summary.lower()[:3] for c in report.checks)


def test_short_deadline_on_dead_domain(make_checker: Callable[..., DnsChecker]) -> None:
    checker = make_checker(deadline=0.6, query_timeout=1.5)
    started = time.monotonic()
    report = asyncio.run(checker.checkmx("dead.test"))
    assert time.monotonic() - started < 0.8
    assert {c.status for c in report.checks} == {"error"}


def test_event_loop_is_never_blocked(
    make_checker: Callable[..., DnsChecker], dns_server: ZoneServer
) -> None:
    # Warm up first (one-time imports and compiles are not blocking I/O), then measure with a
    # fresh checker (no cached answers) and a latency longer than the allowed gap, so a single
    # lookup that blocked the loop would show.
    asyncio.run(make_checker().checkmx("gw.test"))
    dns_server.latency = 0.12
    checker = make_checker()

    async def go() -> float:
        worst_gap = 0.0
        task = asyncio.ensure_future(checker.checkmx("gw.test"))
        last = time.monotonic()
        while not task.done():
            await asyncio.sleep(0.005)
            now = time.monotonic()
            worst_gap = max(worst_gap, now - last)
            last = now
        await task
        return worst_gap

    assert asyncio.run(go()) < 0.09


def test_a_dead_resolver_is_said_once_and_checkmx_exits_3(
    silent_port: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import main

    monkeypatch.setenv("NDRBOT_DNS_DEADLINE", "1")
    server = f"127.0.0.1:{silent_port}"
    assert main(["checkmx", "example.test", "--nameserver", server]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "did not answer" in err and server in err
    assert main(["checkmx", "example.test", "--json", "--nameserver", server]) == 3
    out, err = capsys.readouterr()
    report = json.loads(out)  # the contract's JSON still comes, every check an error
    assert {check["status"] for check in report["checks"]} == {"error"}
    assert "did not answer" in err


def test_a_dead_resolver_gets_one_plain_answer_in_chat(silent_port: int) -> None:
    from intents.checkmx import reply_for_report

    checker = DnsChecker([f"127.0.0.1:{silent_port}"], query_timeout=0.2, deadline=0.8)
    reply = reply_for_report(asyncio.run(checker.checkmx("example.test")))
    assert "did not answer" in reply.title
    assert not reply.checks  # not eleven copies of "timeout"
