"""Small state the Slack adapter keeps: seen event ids and per-channel auto-reply settings.

Both sit behind tiny protocols so a shared store (Redis: `SET key 1 NX EX ttl`, `HSET`) can
replace the in-memory versions when several bot processes serve one workspace.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.store import Store


class SeenStore(Protocol):
    def first_time(self, key: str) -> bool:
        """True the first time a key is offered within the TTL, False on every repeat."""
        ...


class ChannelPrefs(Protocol):
    def auto_reply(self, channel: str) -> bool: ...

    def set_auto_reply(self, channel: str, enabled: bool) -> None: ...


class MemorySeenStore:
    """Thread-safe TTL set with a size bound (oldest keys go first)."""

    def __init__(
        self,
        ttl: float = 3600.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_keys = max_keys
        self.clock = clock
        self._keys: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            while self._keys:
                oldest, expires = next(iter(self._keys.items()))
                if expires > now and len(self._keys) < self.max_keys:
                    break
                del self._keys[oldest]
            if key in self._keys:
                return False
            self._keys[key] = now + self.ttl
            return True

    def __len__(self) -> int:
        return len(self._keys)


class MemoryChannelPrefs:
    """Per-channel auto-reply switch; channels never set follow the default (NDRBOT_AUTO_REPLY)."""

    def __init__(self, default: bool = True) -> None:
        self.default = default
        self._auto: dict[str, bool] = {}
        self._lock = threading.Lock()

    def auto_reply(self, channel: str) -> bool:
        with self._lock:
            return self._auto.get(channel, self.default)

    def set_auto_reply(self, channel: str, enabled: bool) -> None:
        with self._lock:
            self._auto[channel] = enabled


class SharedSeenStore:
    """Event de-duplication on the shared store (Redis with REDIS_URL): one reply per event
    even when Slack's retry reaches another replica."""

    def __init__(self, store: Store, ttl: float = 3600.0) -> None:
        self.store = store
        self.ttl = ttl

    def first_time(self, key: str) -> bool:
        return self.store.claim(f"slack-event:{key}", self.ttl)


class SharedChannelPrefs:
    """Per-channel auto-reply switches on the shared store, so every replica agrees."""

    KEEP = 10 * 365 * 86400.0  # settings outlive restarts; the store needs some TTL

    def __init__(self, store: Store, default: bool = True) -> None:
        self.store = store
        self.default = default

    def auto_reply(self, channel: str) -> bool:
        value = self.store.get(f"slack-auto:{channel}")
        return self.default if value is None else value == b"1"

    def set_auto_reply(self, channel: str, enabled: bool) -> None:
        self.store.set(f"slack-auto:{channel}", b"1" if enabled else b"0", self.KEEP)
