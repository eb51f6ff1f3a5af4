"""Shared state for replicas: event de-duplication, rate-limit counters and a small cache.

In memory by default; in Redis when REDIS_URL is set, so several bot processes agree (a retried
Slack event that reaches another replica is still answered once).
"""

from __future__ import annotations

import _thread
import time
from collections import OrderedDict
from typing import Protocol


class Store(Protocol):
    def claim(self, key: str, ttl: float) -> bool:
        """True only for the first caller to claim `key` within `ttl` seconds."""
        ...

    def hit(self, key: str, window: float) -> int:
        """Count one hit in the current fixed window of `window` seconds; return the count."""
        ...

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, ttl: float) -> None: ...


class MemoryStore:
    """A bounded, thread-safe in-process store with expiry."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._data: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = _thread.allocate_lock()  # threading.Lock (whose module is ~1 ms to import)
        self.max_keys = max_keys

    def _live(self, key: str, now: float) -> object | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[0] <= now:
            del self._data[key]
            return None
        return item[1]

    def _put(self, key: str, value: object, expires: float) -> None:
        self._data[key] = (expires, value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_keys:
            self._data.popitem(last=False)

    def claim(self, key: str, ttl: float) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._live(key, now) is not None:
                return False
            self._put(key, True, now + ttl)
            return True

    def hit(self, key: str, window: float) -> int:
        now = time.monotonic()
        bucket = f"{key}:{int(time.time() // window)}"
        with self._lock:
            count = int(self._live(bucket, now) or 0) + 1  # type: ignore[call-overload]
            self._put(bucket, count, now + window)
            return count

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._live(key, time.monotonic())
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl: float) -> None:
        with self._lock:
            self._put(key, value, time.monotonic() + ttl)


class RedisStore:
    """The same operations on a Redis server (SET NX PX for claims, INCR for windows)."""

    def __init__(self, url: str, prefix: str = "ndrbot") -> None:
        import redis  # imported here: only deployments with REDIS_URL need it

        self._redis = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.prefix = prefix

    def _key(self, kind: str, key: str) -> str:
        return f"{self.prefix}:{kind}:{key}"

    def ping(self) -> bool:
        return bool(self._redis.ping())

    def claim(self, key: str, ttl: float) -> bool:
        return bool(
            self._redis.set(self._key("claim", key), b"1", nx=True, px=max(1, int(ttl * 1000)))
        )

    def hit(self, key: str, window: float) -> int:
        bucket = self._key("hit", f"{key}:{int(time.time() // window)}")
        pipe = self._redis.pipeline()
        pipe.incr(bucket)
        pipe.pexpire(bucket, max(1, int(window * 1000)))
        count, _ = pipe.execute()
        return int(count)

    def get(self, key: str) -> bytes | None:
        value = self._redis.get(self._key("kv", key))
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl: float) -> None:
        self._redis.set(self._key("kv", key), value, px=max(1, int(ttl * 1000)))


def make_store(redis_url: str | None) -> Store:
    return RedisStore(redis_url) if redis_url else MemoryStore()


class RateLimiter:
    """Per-user and per-channel limits over fixed windows, on any Store."""

    def __init__(
        self, store: Store, *, per_user: tuple[int, float], per_channel: tuple[int, float]
    ) -> None:
        self.store = store
        self.per_user = per_user
        self.per_channel = per_channel

    def allow(self, user: str, channel: str) -> bool:
        """Count this request; False when the user or the channel is over its limit."""
        user_limit, user_window = self.per_user
        channel_limit, channel_window = self.per_channel
        if user and self.store.hit(f"user:{user}", user_window) > user_limit:
            return False
        return not (
            channel and self.store.hit(f"channel:{channel}", channel_window) > channel_limit
        )
