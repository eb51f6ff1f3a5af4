"""/checkmx DOMAIN: what a domain's DNS says about its mail, checked live."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from bot.dnscheck import DnsChecker, MxReport
from bot.dnscheck.target import validate_target
from bot.intent import Deps, Intent
from bot.metrics import count_dns_checks
from bot.model import CheckResult, Incoming, Reply, Severity

USAGE = (
    "/checkmx example.com",
    "/checkmx user@example.com --selector s1",
    "/checkmx example.com --ip 192.0.2.10",
    "/checkmx 192.0.2.10   (reverse DNS and blocklists only)",
)
_OPTIONS = {"--selector": "selectors", "--ip": "ips", "--dnsbl": "dnsbls"}
_CHECKERS: dict[tuple[Any, ...], DnsChecker] = {}
_SEVERITY: dict[str, Severity] = {"fail": "fail", "error": "warn", "warn": "warn", "ok": "ok"}
_ORDER = ("fail", "error", "warn", "ok")


def parse_args(text: str) -> tuple[str, dict[str, list[str]]]:
    """Split 'DOMAIN [--selector S]... [--ip IP]... [--dnsbl Z]...'; ValueError if malformed."""
    words = text.split()
    target = ""
    options: dict[str, list[str]] = {"selectors": [], "ips": [], "dnsbls": []}
    i = 0
    while i < len(words):
        word = words[i]
        key, _, value = word.partition("=")
        if key in _OPTIONS:
            if not value:
                if i + 1 >= len(words):
                    raise ValueError(f"{key} needs a value")
                value = words[i + 1]
                i += 1
            options[_OPTIONS[key]].append(value)
        elif word.startswith("--"):
            raise ValueError(f"unknown option {word}: use --selector, --ip or --dnsbl")
        elif target:
            raise ValueError("give one domain at a time")
        else:
            target = word
        i += 1
    if not target:
        raise ValueError("give a domain to check, e.g. /checkmx example.com")
    return target, options


async def _checker(deps: Deps) -> DnsChecker:
    if isinstance(deps.dns, DnsChecker):
        return deps.dns
    settings = deps.settings
    nameservers = tuple(getattr(settings, "nameservers", ()) or ())
    dnsbls = tuple(getattr(settings, "dnsbls", ()) or ()) or None
    deadline = float(getattr(settings, "dns_deadline", 5.0) or 5.0)
    key = (nameservers, dnsbls, deadline)
    if key not in _CHECKERS:
        # Reading resolv.conf and the public suffix list is file I/O: keep it off the event loop.
        _CHECKERS[key] = await asyncio.to_thread(
            DnsChecker, nameservers, dnsbls=dnsbls, deadline=deadline
        )
    return _CHECKERS[key]


def summarise(report: MxReport) -> tuple[Severity, str]:
    """(severity, one-line summary) of a report."""
    counts: Counter[str] = Counter(c.status for c in report.checks)
    if not report.checks:
        return "info", "No checks ran"
    worst = next(s for s in _ORDER if counts[s])
    parts = [f"{counts[s]} {s}" for s in _ORDER if counts[s]]
    line = ", ".join(parts)
    first: CheckResult | None = next((c for c in report.checks if c.status == worst), None)
    if worst != "ok" and first is not None:
        line += f". {first.name.upper()}: {first.summary}"
    else:
        line += ". Everything checked looks right"
    return _SEVERITY[worst], line


def reply_for_report(report: MxReport) -> Reply:
    """The chat answer for a finished report (also used by `ndrbot checkmx` without --json)."""
    if report.resolver_unreachable:
        return Reply(
            title=f"Mail DNS for {report.domain}: not checked, the DNS server did not answer",
            text=(
                f"None of the {report.queries} DNS questions got an answer, so nothing is known "
                "about the domain yet. The resolver this bot uses is down or unreachable; try "
                "again later, or ask the bot's operator to check its DNS settings."
            ),
            severity="warn",
            data=report.to_json(),
        )
    severity, line = summarise(report)
    return Reply(
        title=f"Mail DNS for {report.domain}",
        text=line,
        checks=report.checks,
        severity=severity,
        notes=(f"Checked in {report.elapsed_ms} ms with {report.queries} DNS queries.",),
        data=report.to_json(),
    )


def refuse_denied(target: str, denied: tuple[str, ...]) -> None:
    """Names the operator keeps out of reach (internal zones): ValueError when `target` is one."""
    if not denied:
        return
    parsed = validate_target(target)
    if parsed.is_ip:
        return
    name = parsed.value.lower()
    for zone in denied:
        if name == zone or name.endswith("." + zone):
            raise ValueError(f"{parsed.display or name} is in a zone this bot does not check")


async def handle(incoming: Incoming, deps: Deps) -> Reply:
    if not getattr(deps.settings, "dns_enabled", True) and deps.dns is None:
        return Reply(title="DNS checks are turned off", text="Live DNS checks are disabled here.")
    try:
        target, options = parse_args(incoming.text)
        refuse_denied(target, getattr(deps.settings, "deny_domains", ()))
        checker = await _checker(deps)
        started = time.perf_counter()
        report = await checker.checkmx(
            target,
            selectors=options["selectors"],
            ips=options["ips"],
            dnsbls=options["dnsbls"] or None,
        )
        count_dns_checks(report.checks, time.perf_counter() - started)
    except ValueError as exc:
        return Reply(title="Cannot check that", text=f"{exc}. Usage: {USAGE[0]}", severity="warn")
    return reply_for_report(report)


INTENT = Intent(
    name="checkmx",
    commands=("checkmx",),
    handle=handle,
    summary="Check a domain's mail DNS live: MX, SPF, DMARC, DKIM, PTR, blocklists, MTA-STS and more",
    usage=USAGE,
)
