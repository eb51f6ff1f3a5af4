"""Which DNS checks a bounce calls for, on which domains and IPs, and running them together."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.engine.analysis import Analysis
from bot.intent import Deps
from bot.model import CheckResult

log = logging.getLogger(__name__)

SENDER_SIDE = ("spf", "dkim", "dmarc", "bimi")
RECIPIENT_SIDE = ("mx", "mta-sts", "tls-rpt", "dnssec", "provider")
IP_SIDE = ("ptr", "dnsbl")
MAX_DOMAINS = 2
MAX_IPS = 3


@dataclass(frozen=True)
class EvidencePlan:
    sender_checks: tuple[str, ...] = ()
    sender_domains: tuple[str, ...] = ()
    recipient_checks: tuple[str, ...] = ()
    recipient_domains: tuple[str, ...] = ()
    ip_checks: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    selectors: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (
            (self.sender_checks and self.sender_domains)
            or (self.recipient_checks and self.recipient_domains)
            or (self.ip_checks and self.ips)
        )


def plan_evidence(analysis: Analysis) -> EvidencePlan:
    """The checks named by the diagnosed entries, aimed at the bounce's own domains and IPs."""
    wanted: dict[str, None] = {}
    for diagnosis in analysis.diagnoses:
        if diagnosis.entry is not None:
            for check in diagnosis.entry.checks:
                wanted.setdefault(check, None)
    parsed = analysis.parsed
    if not wanted or parsed is None:
        return EvidencePlan()
    recipients = tuple(parsed.recipient_domains[:MAX_DOMAINS])
    senders: list[str] = []
    if parsed.sender_domain:
        senders.append(parsed.sender_domain)
    for domain in parsed.sender_hints:
        if domain not in senders:
            senders.append(domain)
    return EvidencePlan(
        sender_checks=tuple(c for c in wanted if c in SENDER_SIDE),
        sender_domains=tuple(senders[:MAX_DOMAINS]),
        recipient_checks=tuple(c for c in wanted if c in RECIPIENT_SIDE),
        recipient_domains=recipients,
        ip_checks=tuple(c for c in wanted if c in IP_SIDE),
        ips=tuple(parsed.sending_ips[:MAX_IPS]),
        selectors=tuple(parsed.dkim_selectors[:3]),
    )


async def gather_evidence(analysis: Analysis, deps: Deps) -> tuple[CheckResult, ...]:
    """Run the planned checks concurrently; a failure becomes an `error` result, never an exception."""
    if deps.dns is None or not deps.settings.dns_enabled or not analysis.is_bounce:
        return ()
    plan = plan_evidence(analysis)
    if plan.empty:
        return ()
    import asyncio  # here, not at the top: runs without DNS never load the event loop

    dns = deps.dns
    jobs = []
    if plan.sender_checks and plan.sender_domains:
        jobs.append(
            dns.evidence(
                checks=plan.sender_checks, domains=plan.sender_domains, selectors=plan.selectors
            )
        )
    if plan.recipient_checks and plan.recipient_domains:
        jobs.append(dns.evidence(checks=plan.recipient_checks, domains=plan.recipient_domains))
    if plan.ip_checks and plan.ips:
        jobs.append(dns.evidence(checks=plan.ip_checks, ips=plan.ips))
    results: list[CheckResult] = []
    for outcome in await asyncio.gather(*jobs, return_exceptions=True):
        if isinstance(outcome, BaseException):
            log.warning("DNS evidence failed: %s", outcome)
            results.append(
                CheckResult("dns", "error", f"DNS checks could not run ({type(outcome).__name__})")
            )
        else:
            results.extend(outcome)
    return tuple(results)
