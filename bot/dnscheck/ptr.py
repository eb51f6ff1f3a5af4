"""`ptr`: forward-confirmed reverse DNS of the MX addresses and of sending IPs."""

from __future__ import annotations

import asyncio
import ipaddress

from bot.dnscheck.context import Context, addresses_missing, plural, reverse_name, worst
from bot.model import CheckResult, CheckStatus

NAME = "ptr"
MAX_NAMES = 10


async def fcrdns(ctx: Context, ip: str, source: str) -> tuple[CheckStatus, str, str]:
    """(status, detail line, PTR record text) for one address."""
    strict = source == "sending IP"
    rtype = "A" if ipaddress.ip_address(ip).version == 4 else "AAAA"
    answer = await ctx.lookup(reverse_name(ip), "PTR")
    label = f"{ip} ({source})"
    if answer.status == "error":
        return "error", f"{label}: PTR lookup failed ({answer.error})", ""
    if not answer.ok:
        bad: CheckStatus = "fail" if strict else "warn"
        return bad, f"{label}: no PTR record: many receivers refuse mail from such IPs", ""
    names = [rd.target.to_text().rstrip(".").lower() for rd in answer.rdatas][:MAX_NAMES]  # type: ignore[attr-defined]
    forwards = [ctx.lookup(name, rtype) for name in names]
    confirmed, errors = [], []
    for name, task in zip(names, forwards, strict=True):
        fwd = await task
        if fwd.status == "error":
            errors.append(name)
        elif ip in {str(ipaddress.ip_address(rd.address)) for rd in fwd.rdatas}:  # type: ignore[attr-defined]
            confirmed.append(name)
    record = f"{ip} -> {', '.join(names)}"
    if confirmed:
        return "ok", f"{label}: {confirmed[0]} (forward-confirmed)", record
    if errors:
        return "error", f"{label}: {', '.join(names)} could not be resolved to confirm", record
    bad = "fail" if strict else "warn"
    return bad, f"{label}: PTR {', '.join(names)} does not resolve back to {ip}", record


async def check(ctx: Context) -> CheckResult:
    tasks: list[asyncio.Task[tuple[CheckStatus, str, str]]] = []
    async for ip, source in ctx.ip_sources():
        tasks.append(asyncio.ensure_future(fcrdns(ctx, ip, source)))
    target = ctx.domain or ", ".join(ctx.ips)
    if not tasks:
        missing = await addresses_missing(ctx)
        if missing:
            return CheckResult(NAME, "error", missing, target=target)
        return CheckResult(NAME, "ok", "No public addresses to check", target=target)
    results = await asyncio.gather(*tasks)
    status = worst(*(r[0] for r in results))
    records = tuple(r[2] for r in results if r[2])
    details = tuple(r[1] for r in results)
    good = sum(r[0] == "ok" for r in results)
    if status == "ok":
        summary = f"{plural(len(results), 'address', 'addresses')}, all with forward-confirmed PTR"
    elif status == "error":
        summary = "Reverse DNS could not be checked for every address"
    else:
        summary = f"{good} of {plural(len(results), 'address', 'addresses')} with a confirmed PTR"
    return CheckResult(NAME, status, summary, records, details, target)
