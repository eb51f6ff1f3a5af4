"""Live DNS checks for mail: `DnsChecker.checkmx` for /checkmx, `DnsChecker.evidence` for bounces."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dnscheck import bimi, dkim, dmarc, dnsbl, dnssec, mtasts, mx, provider, ptr, spf, tlsrpt
from bot.dnscheck.context import Context
from bot.dnscheck.dnsbl import DEFAULT_DNSBLS
from bot.dnscheck.https import Fetcher, FetchResult, HttpsFetcher, default_context
from bot.dnscheck.orgdomain import warm_up
from bot.dnscheck.resolver import Resolver, Session, SharedCache, parse_nameserver
from bot.dnscheck.target import Target, validate_domain, validate_ip, validate_target
from bot.engine.lazyre import lazy
from bot.model import CheckResult
from bot.reasons import CHECK_NAMES

__all__ = [
    "CHECKS",
    "DEFAULT_DNSBLS",
    "IP_CHECKS",
    "DnsChecker",
    "FetchResult",
    "HttpsFetcher",
    "MxReport",
    "Target",
    "parse_nameserver",
    "validate_target",
]

log = logging.getLogger(__name__)

CheckFn = Callable[[Context], Awaitable[CheckResult]]
CHECKS: dict[str, CheckFn] = {
    "mx": mx.check,
    "spf": spf.check,
    "dmarc": dmarc.check,
    "dkim": dkim.check,
    "ptr": ptr.check,
    "dnsbl": dnsbl.check,
    "mta-sts": mtasts.check,
    "tls-rpt": tlsrpt.check,
    "bimi": bimi.check,
    "dnssec": dnssec.check,
    "provider": provider.check,
}
IP_CHECKS = ("ptr", "dnsbl")
DEADLINE_MARGIN = 0.1
"""Lookups stop this long before the deadline, leaving time to write the report."""
_SELECTOR = lazy(r"^[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*$")


def load_everything() -> None:
    """What checks load when they first need it (so that one answer starts sooner), loaded now:
    for a service, at start, so that no check stalls the event loop loading it."""
    import dns.dnssec  # noqa: F401 (the dnssec check's key tags; it loads `cryptography`)

    warm_up()
    default_context()


@dataclass(frozen=True)
class MxReport:
    """The answer to /checkmx: one result per check, in the contract's order."""

    domain: str
    checks: tuple[CheckResult, ...]
    elapsed_ms: int
    queries: int = 0
    max_in_flight: int = 0
    answered: int | None = None
    """Responses that came back (None: not counted)."""

    @property
    def resolver_unreachable(self) -> bool:
        """Questions went out, not one answer came back, and every check failed for it: the DNS
        server itself is down (answers shared from other requests' lookups count as answers)."""
        return (
            self.queries > 0
            and self.answered == 0
            and bool(self.checks)
            and all(check.status == "error" for check in self.checks)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "checks": [c.to_json() for c in self.checks],
            "elapsed_ms": self.elapsed_ms,
            "queries": self.queries,
            "max_in_flight": self.max_in_flight,
        }


class DnsChecker:
    """Runs the mail DNS checks concurrently, within a deadline, through one cached resolver."""

    def __init__(
        self,
        nameservers: Sequence[str] = (),
        *,
        dnsbls: Sequence[str] | None = None,
        query_timeout: float = 1.5,
        deadline: float = 5.0,
        https_fetch: Fetcher | None = None,
        cache_size: int = 4096,
        shared_cache: SharedCache | None = None,
    ) -> None:
        servers = tuple(parse_nameserver(ns) for ns in nameservers)
        self.resolver = Resolver(servers, timeout=query_timeout, shared=shared_cache)
        self.resolver.cache.max_entries = cache_size
        self.dnsbls = tuple(validate_domain(z) for z in dnsbls) if dnsbls else DEFAULT_DNSBLS
        self.deadline = deadline
        self.fetch: Fetcher = https_fetch or HttpsFetcher(timeout=min(3.0, deadline))

    async def checkmx(
        self,
        target: str,
        *,
        selectors: Iterable[str] = (),
        ips: Iterable[str] = (),
        dnsbls: Sequence[str] | None = None,
        only: Iterable[str] | None = None,
    ) -> MxReport:
        """Check a domain (or an IP: PTR and blocklists only); ValueError on bad input."""
        started = time.monotonic()
        parsed = validate_target(target)
        extra_ips = tuple(dict.fromkeys(validate_ip(ip) for ip in ips))
        names = _check_names(only)
        session = self.resolver.session(self.deadline - DEADLINE_MARGIN)
        ctx = Context(
            session,
            domain="" if parsed.is_ip else parsed.value,
            selectors=_selectors(selectors),
            ips=(parsed.value, *extra_ips) if parsed.is_ip else extra_ips,
            dnsbls=tuple(validate_domain(z) for z in dnsbls) if dnsbls else self.dnsbls,
            fetch=self.fetch,
        )
        if parsed.is_ip:
            names = [n for n in names if n in IP_CHECKS]
        jobs = [(name, ctx) for name in names]
        results = await self._run(jobs, session, started)
        return MxReport(
            domain=parsed.value,
            checks=results,
            elapsed_ms=round((time.monotonic() - started) * 1000),
            queries=session.stats.queries,
            max_in_flight=session.stats.max_in_flight,
            answered=session.stats.answered,
        )

    async def evidence(
        self,
        *,
        checks: Iterable[str],
        domains: Sequence[str] = (),
        ips: Sequence[str] = (),
        selectors: Sequence[str] = (),
    ) -> tuple[CheckResult, ...]:
        """Run the named checks on the domains and IPs a bounce mentions; bad names are skipped."""
        started = time.monotonic()
        wanted = [c for c in dict.fromkeys(checks) if c in CHECKS]
        good_domains = _valid(domains, validate_domain)
        good_ips = _valid(ips, validate_ip)
        good_selectors = tuple(_valid(selectors, validate_selector))
        session = self.resolver.session(self.deadline - DEADLINE_MARGIN)
        jobs: list[tuple[str, Context]] = []
        domain_checks = [c for c in wanted if c not in IP_CHECKS]
        for domain in good_domains if domain_checks else ():
            ctx = Context(session, domain, good_selectors, (), self.dnsbls, self.fetch)
            jobs.extend((name, ctx) for name in domain_checks)
        for ip in good_ips:
            ctx = Context(session, "", (), (ip,), self.dnsbls, self.fetch)
            jobs.extend((name, ctx) for name in wanted if name in IP_CHECKS)
        return await self._run(jobs, session, started)

    async def _run(
        self, jobs: list[tuple[str, Context]], session: Session, started: float
    ) -> tuple[CheckResult, ...]:
        """Run every job at once; whatever is not done by the deadline becomes `error`."""
        tasks = [asyncio.ensure_future(CHECKS[name](ctx)) for name, ctx in jobs]
        try:
            if tasks:
                timeout = max(0.0, self.deadline - (time.monotonic() - started))
                await asyncio.wait(tasks, timeout=timeout)
            results = [
                _result(name, ctx, task, self.deadline)
                for (name, ctx), task in zip(jobs, tasks, strict=True)
            ]
        finally:
            for task in tasks:
                task.cancel()
            for ctx in {id(c): c for _, c in jobs}.values():
                ctx.cancel()
            session.close()
        return tuple(results)


def _result(
    name: str, ctx: Context, task: asyncio.Task[CheckResult], deadline: float
) -> CheckResult:
    target = ctx.domain or ", ".join(ctx.ips)
    if not task.done():
        summary = f"Not finished within the {deadline:g}s deadline (DNS too slow?)"
        return CheckResult(name, "error", summary, target=target)
    if task.cancelled():
        return CheckResult(name, "error", "Check was cancelled", target=target)
    exc = task.exception()
    if exc is not None:
        log.error("check %s failed for %s", name, target, exc_info=exc)
        summary = f"Internal error while checking: {exc.__class__.__name__}"
        return CheckResult(name, "error", summary, target=target)
    result = task.result()
    return result if result.target else CheckResult(**{**result.__dict__, "target": target})


def _check_names(only: Iterable[str] | None) -> list[str]:
    if only is None:
        return list(CHECK_NAMES)
    wanted = set(only)
    unknown = wanted - set(CHECK_NAMES)
    if unknown:
        raise ValueError(
            f"unknown check {sorted(unknown)[0]!r}: use one of {', '.join(CHECK_NAMES)}"
        )
    return [n for n in CHECK_NAMES if n in wanted]


def validate_selector(selector: str) -> str:
    """A DKIM selector in lower case, or ValueError."""
    text = selector.strip().rstrip(".")
    if not _SELECTOR.match(text):
        raise ValueError(f"{selector!r} is not a valid DKIM selector")
    return text.lower()


def _selectors(selectors: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(validate_selector(s) for s in selectors))


def _valid(items: Sequence[str], check: Callable[[str], str]) -> list[str]:
    out = []
    for item in items:
        try:
            out.append(check(item))
        except ValueError:
            log.debug("skipping %r for DNS evidence", item)
    return list(dict.fromkeys(out))
