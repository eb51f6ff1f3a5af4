"""A DNS checker that answers from memory (no network) and notes when it was asked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence

from bot.dnscheck import DnsChecker, MxReport
from bot.model import CheckResult

CHECKS = (
    CheckResult("mx", "ok", "2 MX hosts: mx1.example.com, mx2.example.com", target="example.com"),
    CheckResult("spf", "fail", "No SPF record", target="example.com"),
    CheckResult(
        "dmarc",
        "warn",
        "DMARC p=none: reports only",
        details=("rua=mailto:@everyone@example.com",),
        target="example.com",
    ),
)


class FakeChecker(DnsChecker):
    """Subclass so the checkmx intent accepts it; never opens a socket."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.started: list[float] = []

    async def checkmx(
        self,
        target: str,
        *,
        selectors: Iterable[str] = (),
        ips: Iterable[str] = (),
        dnsbls: Sequence[str] | None = None,
        only: Iterable[str] | None = None,
    ) -> MxReport:
        self.started.append(time.monotonic())
        await asyncio.sleep(self.delay)
        return MxReport(domain=target, checks=CHECKS, elapsed_ms=12, queries=9)

    async def evidence(
        self,
        *,
        checks: Iterable[str],
        domains: Sequence[str] = (),
        ips: Sequence[str] = (),
        selectors: Sequence[str] = (),
    ) -> tuple[CheckResult, ...]:
        self.started.append(time.monotonic())
        return CHECKS
