"""`mx`: the MX set, null MX (RFC 7505), and whether every mail host resolves to a public address."""

from __future__ import annotations

import asyncio
import ipaddress

from bot.dnscheck.context import Context, HostAddresses, is_ip, plural, worst
from bot.model import CheckResult, CheckStatus

NAME = "mx"


async def check(ctx: Context) -> CheckResult:
    info = await ctx.mx()
    answer = info.answer
    target = ctx.domain
    if answer.status == "error":
        return CheckResult(NAME, "error", f"Could not look up MX: {answer.error}", target=target)
    if answer.status == "nxdomain":
        return CheckResult(
            NAME,
            "fail",
            f"{target} does not exist (NXDOMAIN): it cannot receive mail",
            target=target,
        )
    if answer.status == "nodata":
        return await _implicit(ctx)
    records = tuple(f"{h.preference} {h.host or '.'}" for h in info.hosts)
    if info.is_null:
        if len(info.hosts) > 1:
            return CheckResult(
                NAME,
                "fail",
                "Null MX published beside other MX records: senders will refuse or misroute mail",
                records,
                ("RFC 7505: a null MX ('0 .') must be the only MX record.",),
                target,
            )
        details = () if info.hosts[0].preference == 0 else ("A null MX should have preference 0.",)
        return CheckResult(
            NAME,
            "warn",
            "Null MX: this domain says it accepts no mail (RFC 7505)",
            records,
            details,
            target,
        )
    return await _hosts(ctx, records, [h.host for h in info.hosts])


async def _hosts(ctx: Context, records: tuple[str, ...], hosts: list[str]) -> CheckResult:
    details: list[str] = []
    statuses: list[CheckStatus] = []
    usable = 0
    real = [h for h in dict.fromkeys(hosts) if not is_ip(h)]
    for host in dict.fromkeys(hosts):
        if is_ip(host):
            statuses.append("fail")
            details.append(
                f"{host}: an IP address is not allowed as an MX target (use a host name)"
            )
    tasks = [ctx.addresses(h) for h in real]
    for found in await asyncio.gather(*tasks):
        status, line, good = _judge_host(found)
        statuses.append(status)
        details.append(line)
        usable += good
    if usable:  # mail still flows through the good hosts: per-host faults are warnings
        statuses = ["warn" if s == "fail" else s for s in statuses]
    status = worst(*statuses)
    if usable == 0 and status != "error":
        status = "fail"
    if status == "ok":
        summary = f"{plural(len(hosts), 'mail host')}, all resolving to public addresses"
    elif usable == 0 and status == "fail":
        summary = "No MX host resolves to a usable address: mail cannot be delivered"
    elif status == "error":
        summary = "Some MX hosts could not be resolved (lookup errors)"
    else:
        summary = f"{plural(len(hosts), 'mail host')}, with problems: see details"
    return CheckResult(NAME, status, summary, records, tuple(details), ctx.domain)


def _judge_host(found: HostAddresses) -> tuple[CheckStatus, str, int]:
    """(status, detail line, 1 if the host is usable)."""
    host = found.host
    ips = found.ips
    via = f" (via CNAME {found.a.cnames[-1].rstrip('.')})" if found.a.cnames else ""
    if not ips:
        if found.error:
            err = found.a.error or found.aaaa.error
            return "error", f"{host}: address lookup failed ({err})", 0
        if found.a.status == "nxdomain":
            return "fail", f"{host}: does not exist (NXDOMAIN)", 0
        return "fail", f"{host}: has no A or AAAA record", 0
    bad = [ip for ip in ips if not ipaddress.ip_address(ip).is_global]
    status: CheckStatus = "ok"
    notes = []
    if via:
        status = "warn"
        notes.append("is a CNAME, which RFC 5321/2181 forbid for MX targets" + via)
    if bad:
        status = "fail" if len(bad) == len(ips) else "warn"
        notes.append(f"private or reserved address {', '.join(bad)}")
    line = f"{host}: {', '.join(ips)}" + (f" — {'; '.join(notes)}" if notes else "")
    return status, line, int(len(bad) < len(ips))


async def _implicit(ctx: Context) -> CheckResult:
    found = await ctx.addresses(ctx.domain)
    if found.ips:
        return CheckResult(
            NAME,
            "warn",
            "No MX record: senders fall back to the domain's own address (implicit MX)",
            (),
            (f"{ctx.domain}: {', '.join(found.ips)}", "Publish an MX record to be explicit."),
            ctx.domain,
        )
    if found.error:
        return CheckResult(
            NAME, "error", "No MX record, and the address lookup failed", target=ctx.domain
        )
    return CheckResult(
        NAME,
        "fail",
        "No MX record and no address: this domain cannot receive mail",
        target=ctx.domain,
    )
