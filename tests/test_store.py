"""Shared state: the same behaviour in memory and on a real Redis server."""

from __future__ import annotations

import threading
import uuid

import pytest

from bot.store import MemoryStore, RateLimiter, RedisStore, Store


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryStore()
    url = request.getfixturevalue("redis_url")
    return RedisStore(url, prefix=f"test-{uuid.uuid4().hex[:8]}")


def test_claim_is_granted_once(store: Store) -> None:
    assert store.claim("event:Ev1", ttl=60) is True
    assert store.claim("event:Ev1", ttl=60) is False
    assert store.claim("event:Ev2", ttl=60) is True


def test_claim_under_contention_has_one_winner(store: Store) -> None:
    wins: list[bool] = []
    barrier = threading.Barrier(16)

    def race() -> None:
        barrier.wait()
        wins.append(store.claim("event:contended", ttl=60))

    threads = [threading.Thread(target=race) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wins.count(True) == 1


def test_hits_count_within_a_window(store: Store) -> None:
    assert [store.hit("user:U1", window=3600) for _ in range(3)] == [1, 2, 3]
    assert store.hit("user:U2", window=3600) == 1


def test_values_round_trip(store: Store) -> None:
    assert store.get("dns:example.com/MX") is None
    store.set("dns:example.com/MX", b"10 mx.example.com.", ttl=60)
    assert store.get("dns:example.com/MX") == b"10 mx.example.com."


def test_rate_limiter_per_user_and_channel(store: Store) -> None:
    limiter = RateLimiter(store, per_user=(2, 3600), per_channel=(3, 3600))
    assert limiter.allow("U1", "C1") and limiter.allow("U1", "C1")
    assert not limiter.allow("U1", "C1")  # the user's third request
    assert limiter.allow("U2", "C1")  # the channel's third request
    assert not limiter.allow("U3", "C1")  # the channel's fourth request
    assert limiter.allow("U3", "C2")


def test_memory_store_stays_bounded() -> None:
    small = MemoryStore(max_keys=10)
    for number in range(100):
        small.claim(f"k{number}", ttl=60)
    assert len(small._data) == 10


def test_two_processes_share_claims_through_redis(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    first, second = RedisStore(redis_url, prefix=prefix), RedisStore(redis_url, prefix=prefix)
    assert first.claim("event:EvShared", ttl=60)
    assert not second.claim("event:EvShared", ttl=60)


def test_deps_share_state_and_dns_answers_through_redis(redis_url: str) -> None:
    from bot.app import build_deps
    from bot.config import Settings
    from bot.dnscheck.sharedcache import SharedDnsCache

    deps = build_deps(Settings(redis_url=redis_url))
    assert isinstance(deps.store, RedisStore)
    assert isinstance(deps.dns.resolver.shared, SharedDnsCache)  # type: ignore[union-attr]
    plain = build_deps(Settings())
    assert isinstance(plain.store, MemoryStore)
    assert plain.dns.resolver.shared is None  # type: ignore[union-attr]
