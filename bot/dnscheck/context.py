"""Per-request state shared by the checks: lookups started once, derived data memoised."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.dnscheck.https import Fetcher
from bot.dnscheck.resolver import Answer, Session
from bot.model import CheckStatus

T = TypeVar("T")

_RANK: dict[CheckStatus, int] = {"ok": 0, "warn": 1, "error": 2, "fail": 3}


def worst(*statuses: CheckStatus) -> CheckStatus:
    """The most serious status: fail > error > warn > ok."""
    return max(statuses, key=lambda s: _RANK[s], default="ok")


@dataclass(frozen=True)
class MxHost:
    preference: int
    host: str
    """Exchange name without the trailing dot, lower case ("" for a null MX)."""


@dataclass(frozen=True)
class MxInfo:
    answer: Answer
    hosts: tuple[MxHost, ...]

    @property
    def is_null(self) -> bool:
        return any(h.host == "" for h in self.hosts)


@dataclass(frozen=True)
class HostAddresses:
    host: str
    a: Answer
    aaaa: Answer

    @property
    def ips(self) -> tuple[str, ...]:
        return tuple(rd.address for rd in (*self.a.rdatas, *self.aaaa.rdatas))  # type: ignore[attr-defined]

    @property
    def error(self) -> bool:
        return self.a.status == "error" or self.aaaa.status == "error"


@dataclass
class Context:
    """What the checks of one request share."""

    session: Session
    domain: str = ""
    selectors: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    dnsbls: tuple[str, ...] = ()
    fetch: Fetcher | None = None
    unresolved: set[str] = field(default_factory=set)
    """MX hosts whose addresses could not be looked up (errors, not absence)."""
    _memo: dict[Any, asyncio.Task[Any]] = field(default_factory=dict)

    def lookup(self, name: str, rdtype: str, *, dnssec: bool = False) -> asyncio.Task[Answer]:
        """Start (or join) one lookup now; await the task when the answer is needed."""
        return self.session.query(name, rdtype, dnssec=dnssec)

    def cancel(self) -> None:
        """Stop derived work still running (the request is over)."""
        for task in self._memo.values():
            task.cancel()

    def memo(self, key: Any, factory: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        """Run `factory` once per request for `key`, as a task started now."""
        task = self._memo.get(key)
        if task is None:
            task = asyncio.ensure_future(factory())
            self._memo[key] = task
        return task

    def mx(self) -> asyncio.Task[MxInfo]:
        return self.memo(("mx", self.domain), self._mx)

    async def _mx(self) -> MxInfo:
        answer = await self.lookup(self.domain, "MX")
        hosts = sorted(
            (
                MxHost(rd.preference, rd.exchange.to_text().rstrip(".").lower())  # type: ignore[attr-defined]
                for rd in answer.rdatas
            ),
            key=lambda h: (h.preference, h.host),
        )
        return MxInfo(answer, tuple(hosts))

    def addresses(self, host: str) -> asyncio.Task[HostAddresses]:
        """A and AAAA of a host, both in flight at once."""
        host = host.lower().rstrip(".")
        return self.memo(("addr", host), lambda: self._addresses(host))

    async def _addresses(self, host: str) -> HostAddresses:
        a, aaaa = self.lookup(host, "A"), self.lookup(host, "AAAA")
        return HostAddresses(host, await a, await aaaa)

    async def ip_sources(self, *, include_mx: bool = True) -> AsyncIterator[tuple[str, str]]:
        """Yield (ip, where it came from): given IPs first, then MX addresses as each resolves."""
        seen: set[str] = set()
        for ip in self.ips:
            if ip not in seen:
                seen.add(ip)
                yield ip, "sending IP"
        if not include_mx or not self.domain:
            return
        info = await self.mx()
        tasks = [self.addresses(h.host) for h in info.hosts if h.host and not is_ip(h.host)]
        for done in asyncio.as_completed(tasks):
            found = await done
            if found.error and not found.ips:
                self.unresolved.add(found.host)
            for ip in found.ips:
                if ip not in seen and ipaddress.ip_address(ip).is_global:
                    seen.add(ip)
                    yield ip, f"MX {found.host}"


async def addresses_missing(ctx: Context) -> str | None:
    """Why the IP checks had nothing to look at because of lookup errors, or None."""
    if ctx.domain and (await ctx.mx()).answer.status == "error":
        return "Could not get the MX hosts to check"
    if ctx.unresolved:
        return f"Could not resolve MX host {sorted(ctx.unresolved)[0]} to check it"
    return None


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def reverse_name(ip: str) -> str:
    """The in-addr.arpa / ip6.arpa name of an address."""
    return ipaddress.ip_address(ip).reverse_pointer


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def join_limited(items: Sequence[str], limit: int = 4) -> str:
    """'a, b, c and 2 more'."""
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
