"""The DNS cache shared through Redis: a second replica answers from it without asking DNS."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from bot.dnscheck import DnsChecker
from bot.dnscheck.sharedcache import SharedDnsCache, decode, encode
from tests.dns.dnsserver import ZoneServer


def test_answers_survive_the_round_trip(make_checker: Callable[..., DnsChecker]) -> None:
    checker = make_checker()

    async def look() -> None:
        session = checker.resolver.session(2.0)
        answer = await session.lookup("gw.test", "MX")
        assert answer.ok
        again = decode(encode(answer))
        assert again == answer

    asyncio.run(look())


def test_a_second_replica_uses_the_shared_cache(
    redis_url: str, dns_server: ZoneServer, make_checker: Callable[..., DnsChecker]
) -> None:
    prefix = f"test-dns-{uuid.uuid4().hex[:8]}"
    first = make_checker(shared_cache=SharedDnsCache(redis_url, prefix=prefix))
    second = make_checker(shared_cache=SharedDnsCache(redis_url, prefix=prefix))
    before = dns_server.count("gw.test.")
    one = asyncio.run(first.checkmx("gw.test", only=("mx",)))
    asked = dns_server.count("gw.test.") - before
    assert asked >= 1
    two = asyncio.run(second.checkmx("gw.test", only=("mx",)))
    assert dns_server.count("gw.test.") - before == asked  # nothing more reached the DNS server
    assert [c.to_json() for c in one.checks] == [c.to_json() for c in two.checks]


def test_an_unreachable_redis_falls_back_to_dns(make_checker: Callable[..., DnsChecker]) -> None:
    checker = make_checker(shared_cache=SharedDnsCache("redis://127.0.0.1:1/0"))
    report = asyncio.run(checker.checkmx("gw.test", only=("mx",)))
    assert report.checks[0].status == "ok"
