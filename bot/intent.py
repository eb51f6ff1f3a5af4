"""What an intent is, and what it may use (Deps). Intents never import platform SDKs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.model import CheckResult, Incoming, Reply
from bot.record import Frozen, Record, set_field

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.knowledge import KnowledgeStore
    from bot.store import RateLimiter, Store


class DnsChecker(Protocol):
    """Runs DNS checks for domains and IPs; implemented by bot.dnscheck.DnsChecker."""

    async def evidence(
        self,
        *,
        checks: Iterable[str],
        domains: Sequence[str] = (),
        ips: Sequence[str] = (),
        selectors: Sequence[str] = (),
    ) -> tuple[CheckResult, ...]: ...


class Deps(Record):
    """Shared services handed to every intent handler."""

    knowledge: KnowledgeStore
    settings: Settings
    dns: DnsChecker | None
    store: Store | None
    """Shared state (de-duplication, counters): memory, or Redis when REDIS_URL is set."""
    limiter: RateLimiter | None

    __slots__ = ("dns", "knowledge", "limiter", "settings", "store")

    def __init__(
        self,
        knowledge: KnowledgeStore,
        settings: Settings,
        dns: DnsChecker | None = None,
        store: Store | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.settings = settings
        self.dns = dns
        self.store = store
        self.limiter = limiter


Handler = Callable[[Incoming, Deps], Awaitable[Reply | None]]
Detector = Callable[[Incoming, Deps], bool]


class Intent(Frozen):
    """One thing the bot can do. Each module in `intents/` exposes one as `INTENT`."""

    name: str
    handle: Handler
    commands: tuple[str, ...]
    """Command words that route here (`/bounce`, `ndrbot shell`'s `bounce ...`)."""
    detect: Detector | None
    """For plain messages: does this intent want to answer? Must be cheap."""
    priority: int
    """Lower runs first among detectors."""
    summary: str
    usage: tuple[str, ...]

    __slots__ = ("commands", "detect", "handle", "name", "priority", "summary", "usage")

    def __init__(
        self,
        name: str,
        handle: Handler,
        commands: tuple[str, ...] = (),
        detect: Detector | None = None,
        priority: int = 100,
        summary: str = "",
        usage: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "handle", handle)
        set_field(self, "commands", commands)
        set_field(self, "detect", detect)
        set_field(self, "priority", priority)
        set_field(self, "summary", summary)
        set_field(self, "usage", usage)
