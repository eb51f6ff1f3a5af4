"""`dnsbl`: IPs against DNS blocklists, decoding return codes, telling "unavailable" from "listed"."""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass

from bot.dnscheck.context import Context, addresses_missing, plural
from bot.dnscheck.resolver import Answer
from bot.model import CheckResult

NAME = "dnsbl"
DEFAULT_DNSBLS = ("zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org")

UNAVAILABLE_CODES = {
    "127.255.255.252": "the query was malformed (typo in the zone?)",
    "127.255.255.254": "queries through public or open resolvers are refused",
    "127.255.255.255": "too many queries (rate limited)",
}
RETURN_CODES: dict[str, dict[str, str]] = {
    "zen.spamhaus.org": {
        "127.0.0.2": "SBL: known spam source",
        "127.0.0.3": "SBL CSS: snowshoe spam",
        "127.0.0.4": "XBL: compromised host or proxy",
        "127.0.0.5": "XBL: compromised host",
        "127.0.0.6": "XBL: compromised host",
        "127.0.0.7": "XBL: compromised host",
        "127.0.0.9": "SBL DROP: hijacked network",
        "127.0.0.10": "PBL: end-user range that should not send mail directly (ISP)",
        "127.0.0.11": "PBL: end-user range that should not send mail directly",
    },
    "bl.spamcop.net": {"127.0.0.2": "reported as a spam source by SpamCop users"},
    "b.barracudacentral.org": {"127.0.0.2": "poor reputation at Barracuda"},
}
SELF_TEST_NAME = "2.0.0.127"


@dataclass(frozen=True)
class Listing:
    zone: str
    ip: str
    state: str
    """"listed", "clear" or "unavailable"."""
    text: str


def query_name(ip: str, zone: str) -> str:
    """1.2.3.4 -> 4.3.2.1.<zone>; IPv6 in reversed nibbles."""
    addr = ipaddress.ip_address(ip)
    reverse = addr.reverse_pointer
    suffix = ".in-addr.arpa" if addr.version == 4 else ".ip6.arpa"
    return f"{reverse.removesuffix(suffix)}.{zone}"


def decode(zone: str, answer: Answer) -> tuple[str, str]:
    """(state, meaning) of a blocklist answer."""
    if answer.status == "error":
        return "unavailable", f"lookup failed ({answer.error})"
    if not answer.ok:
        return "clear", "not listed"
    codes = [rd.address for rd in answer.rdatas]  # type: ignore[attr-defined]
    for code in codes:
        if code in UNAVAILABLE_CODES:
            return "unavailable", f"{code}: {UNAVAILABLE_CODES[code]}"
    if not all(ipaddress.ip_address(c) in ipaddress.ip_network("127.0.0.0/8") for c in codes):
        return "unavailable", f"answer {', '.join(codes)} is not a blocklist code (list gone?)"
    table = RETURN_CODES.get(zone, {})
    return "listed", "; ".join(f"{c} {table.get(c, 'listed')}" for c in codes)


async def _self_test(ctx: Context, zone: str) -> str | None:
    """None when the list answers its 127.0.0.2 test entry, else why it is unavailable."""
    answer = await ctx.lookup(f"{SELF_TEST_NAME}.{zone}", "A")
    state, meaning = decode(zone, answer)
    if state == "listed":
        return None
    if state == "clear":
        return "it does not list its 127.0.0.2 test entry (list dead or not answering)"
    return meaning


async def _one(ctx: Context, ip: str, zone: str, test: asyncio.Task[str | None]) -> Listing:
    answer = await ctx.lookup(query_name(ip, zone), "A")
    state, meaning = decode(zone, answer)
    broken = await test
    if broken is not None and state != "unavailable":
        return Listing(zone, ip, "unavailable", f"list unavailable: {broken}")
    if state == "listed":
        txt = await ctx.lookup(query_name(ip, zone), "TXT")
        if txt.ok:
            meaning += f" ({txt.texts[0][:200]})"
    if state == "unavailable":
        meaning = f"list unavailable: {meaning}"
    return Listing(zone, ip, state, meaning)


async def check(ctx: Context) -> CheckResult:
    zones = ctx.dnsbls or DEFAULT_DNSBLS
    tests = {zone: asyncio.ensure_future(_self_test(ctx, zone)) for zone in zones}
    tasks: list[asyncio.Task[Listing]] = []
    async for ip, _source in ctx.ip_sources():
        for zone in zones:
            tasks.append(asyncio.ensure_future(_one(ctx, ip, zone, tests[zone])))
    target = ctx.domain or ", ".join(ctx.ips)
    if not tasks:
        for task in tests.values():
            task.cancel()
        missing = await addresses_missing(ctx)
        if missing:
            return CheckResult(NAME, "error", missing, target=target)
        return CheckResult(NAME, "ok", "No public addresses to check", target=target)
    listings = await asyncio.gather(*tasks)
    listed = [x for x in listings if x.state == "listed"]
    unavailable = sorted({x.zone for x in listings if x.state == "unavailable"})
    ips = sorted({x.ip for x in listings})
    details = tuple(f"{x.ip} @ {x.zone}: {x.text}" for x in listings if x.state != "clear")
    records = tuple(f"{x.ip} listed in {x.zone}" for x in listed)
    checked = len(zones) - len(unavailable)
    if listed:
        where = sorted({x.zone for x in listed})
        summary = f"Listed on {', '.join(where)}: receivers using it will refuse this mail"
        return CheckResult(NAME, "fail", summary, records, details, target)
    if checked == 0:
        summary = f"Could not check: {plural(len(zones), 'blocklist')} unavailable"
        return CheckResult(NAME, "error", summary, (), details, target)
    summary = (
        f"{plural(len(ips), 'address', 'addresses')} not listed on {plural(checked, 'blocklist')}"
    )
    if unavailable:
        summary += f" ({len(unavailable)} unavailable)"
    return CheckResult(NAME, "ok", summary, (), details, target)
