"""The resolver wrapper: answers, errors, TCP fallback, retry, deadline, cache and stats."""

from __future__ import annotations

import asyncio
import time

import pytest
from dnsserver import Fault, ZoneServer

from bot.dnscheck.resolver import Answer, AnswerCache, Resolver, parse_nameserver


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.1", ("192.0.2.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        (" 8.8.8.8 ", ("8.8.8.8", 53)),
        ("[::1]:5353", ("::1", 5353)),
        ("[2001:db8::1]", ("2001:db8::1", 53)),
        ("2001:db8::53", ("2001:db8::53", 53)),
    ],
)
def test_parse_nameserver(text: str, expected: tuple[str, int]) -> None:
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "dns.google", "1.2.3.4:", "1.2.3.4:99999", "1.2.3.4:x", "[::1", "[::1]x", "999.1.1.1"],
)
def test_parse_nameserver_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="nameserver"):
        parse_nameserver(text)


def resolver_for(server: ZoneServer, **kwargs: object) -> Resolver:
    return Resolver([("127.0.0.1", server.port)], **kwargs)  # type: ignore[arg-type]


def lookup(resolver: Resolver, name: str, rdtype: str, deadline: float = 3.0) -> Answer:
    async def go() -> Answer:
        session = resolver.session(deadline)
        try:
            return await session.lookup(name, rdtype)
        finally:
            session.close()

    return asyncio.run(go())


def test_statuses(dns_server: ZoneServer) -> None:
    resolver = resolver_for(dns_server)
    assert lookup(resolver, "gw.test", "MX").status == "ok"
    assert lookup(resolver, "gw.test", "AAAA").status == "nodata"
    assert lookup(resolver, "missing.gw.test", "A").status == "nxdomain"


def test_errors_are_never_no_record(dns_server: ZoneServer) -> None:
    resolver = resolver_for(dns_server, timeout=0.2)
    dns_server.set_fault("gw.test", Fault(servfail=True))
    servfail = lookup(resolver, "gw.test", "MX")
    assert (servfail.status, servfail.error) == ("error", "SERVFAIL")
    assert not servfail.empty
    dns_server.set_fault("gw.test", Fault(refused=True))
    assert lookup(resolver, "gw.test", "MX").error == "REFUSED"
    dns_server.set_fault("gw.test", Fault(drop=True))
    timeout = lookup(resolver, "gw.test", "MX")
    assert (timeout.status, timeout.error) == ("error", "timeout")


def test_tcp_fallback_on_truncation(dns_server: ZoneServer) -> None:
    before = dns_server.count("gw.test", "tcp")
    answer = lookup(resolver_for(dns_server), "gw.test", "TXT")
    assert answer.ok and len(answer.texts) == 15
    assert dns_server.count("gw.test", "tcp") == before + 1


def test_edns_payload_carries_large_dkim_key_over_udp(dns_server: ZoneServer) -> None:
    before = dns_server.count("big._domainkey.gw.test", "tcp")
    answer = lookup(resolver_for(dns_server), "big._domainkey.gw.test", "TXT")
    assert answer.ok and len(answer.texts[0]) > 700
    assert dns_server.count("big._domainkey.gw.test", "tcp") == before


def test_one_retry_after_timeout_on_next_server(dns_server: ZoneServer, silent_port: int) -> None:
    resolver = Resolver([("127.0.0.1", silent_port), ("127.0.0.1", dns_server.port)], timeout=0.2)
    started = time.monotonic()
    assert lookup(resolver, "gw.test", "MX").ok
    assert 0.2 <= time.monotonic() - started < 1.0
    assert resolver.stats.queries == 2


def test_timeout_retries_once_then_errors(dns_server: ZoneServer) -> None:
    dns_server.set_fault("ex.test", Fault(drop=True))
    resolver = resolver_for(dns_server, timeout=0.2)
    before = dns_server.count("ex.test")
    started = time.monotonic()
    assert lookup(resolver, "ex.test", "MX").error == "timeout"
    assert 0.4 <= time.monotonic() - started < 1.0
    assert dns_server.count("ex.test") == before + 2


def test_deadline_cuts_retries(dns_server: ZoneServer) -> None:
    dns_server.set_fault("ex.test", Fault(drop=True))
    resolver = resolver_for(dns_server, timeout=1.0)
    started = time.monotonic()
    answer = lookup(resolver, "ex.test", "MX", deadline=0.3)
    assert answer.error == "deadline exceeded"
    assert time.monotonic() - started < 0.6


def test_cname_chain_is_reported(dns_server: ZoneServer) -> None:
    answer = lookup(resolver_for(dns_server), "alias.brokenmx.test", "A")
    assert answer.ok and answer.cnames == ("real.brokenmx.test.",)


def test_cache_honours_ttl_and_skips_errors(dns_server: ZoneServer) -> None:
    resolver = resolver_for(dns_server, timeout=0.2)
    lookup(resolver, "gw.test", "MX")
    lookup(resolver, "missing.gw.test", "A")
    sent = resolver.stats.queries
    assert lookup(resolver, "gw.test", "MX").ok
    assert lookup(resolver, "missing.gw.test", "A").status == "nxdomain"
    assert resolver.stats.queries == sent
    dns_server.set_fault("ex.test", Fault(servfail=True))
    lookup(resolver, "ex.test", "MX")
    dns_server.set_fault("ex.test", None)
    assert lookup(resolver, "ex.test", "MX").ok


def test_a_batch_keeps_errors_for_its_run(dns_server: ZoneServer) -> None:
    resolver = resolver_for(dns_server, timeout=0.2)
    resolver.error_ttl = 300
    dns_server.set_fault("ex.test", Fault(servfail=True))
    assert lookup(resolver, "ex.test", "MX").error == "SERVFAIL"
    sent = resolver.stats.queries
    dns_server.set_fault("ex.test", None)
    assert lookup(resolver, "ex.test", "MX").error == "SERVFAIL"  # asked once
    assert resolver.stats.queries == sent
    assert lookup(resolver, "gw.test", "MX").ok


def test_cache_expiry_and_bound() -> None:
    cache = AnswerCache(max_entries=2)
    answer = Answer("a.", "A", "nodata")
    cache.put(("a.", "A", False), answer, 60)
    cache.put(("b.", "A", False), answer, 60)
    cache.put(("c.", "A", False), answer, 60)
    assert len(cache) == 2 and cache.get(("a.", "A", False)) is None
    cache.put(("z.", "A", False), answer, 0)
    assert cache.get(("z.", "A", False)) is None


def test_identical_questions_are_coalesced_and_concurrent(dns_server: ZoneServer) -> None:
    dns_server.latency = 0.05
    resolver = resolver_for(dns_server)

    async def go() -> None:
        session = resolver.session(3)
        names = [f"{s}._domainkey.gw.test" for s in ("a", "b", "c", "d", "google")]
        started = time.monotonic()
        await asyncio.gather(*(session.lookup(n, "TXT") for n in names * 3))
        assert time.monotonic() - started < 0.15
        assert session.stats.queries == 5
        assert session.stats.max_in_flight == 5

    asyncio.run(go())
