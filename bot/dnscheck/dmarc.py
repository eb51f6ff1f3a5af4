"""`dmarc`: the record at the domain or its organizational domain, its tags and report targets."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.dnscheck.context import Context, worst
from bot.dnscheck.orgdomain import org_domain
from bot.dnscheck.resolver import Answer
from bot.dnscheck.tags import parse_tags, records_with_version
from bot.model import CheckResult, CheckStatus

NAME = "dmarc"
POLICIES = ("none", "quarantine", "reject")


@dataclass(frozen=True)
class DmarcInfo:
    """Where the record was found (the domain or its org domain) and its tags."""

    answer: Answer
    where: str
    records: tuple[str, ...]
    tags: dict[str, str]

    @property
    def policy(self) -> str:
        return self.tags.get("p", "").lower()

    @property
    def enforcing(self) -> bool:
        """p=quarantine or reject at pct=100 (what BIMI requires)."""
        return self.policy in ("quarantine", "reject") and self.tags.get("pct", "100") == "100"


def dmarc_info(ctx: Context) -> asyncio.Task[DmarcInfo]:
    return ctx.memo(("dmarc", ctx.domain), lambda: _info(ctx))


async def _info(ctx: Context) -> DmarcInfo:
    own = ctx.lookup(f"_dmarc.{ctx.domain}", "TXT")
    org = org_domain(ctx.domain)
    parent = ctx.lookup(f"_dmarc.{org}", "TXT") if org != ctx.domain else None
    answer = await own
    records = tuple(records_with_version(answer.texts, "DMARC1"))
    where = ctx.domain
    if not records and answer.status != "error" and parent is not None:
        answer = await parent
        records = tuple(records_with_version(answer.texts, "DMARC1"))
        where = org
    tags = parse_tags(records[0])[0] if len(records) == 1 else {}
    return DmarcInfo(answer, where, records, tags)


async def check(ctx: Context) -> CheckResult:
    info = await dmarc_info(ctx)
    target = ctx.domain
    if info.answer.status == "error":
        return CheckResult(
            NAME,
            "error",
            f"Could not look up _dmarc.{info.where}: {info.answer.error}",
            target=target,
        )
    if not info.records:
        return CheckResult(
            NAME,
            "fail",
            "No DMARC record: Gmail, Yahoo and Microsoft require one from bulk senders",
            details=(f"Publish TXT at _dmarc.{target}, e.g. 'v=DMARC1; p=none; rua=mailto:…'.",),
            target=target,
        )
    if len(info.records) > 1:
        return CheckResult(
            NAME,
            "fail",
            f"{len(info.records)} DMARC records at _dmarc.{info.where}: receivers ignore them all",
            info.records,
            target=target,
        )
    record = info.records[0]
    tags, problems = parse_tags(record)
    statuses: list[CheckStatus] = []
    details: list[str] = []
    if info.where != target:
        details.append(f"Inherited from the organizational domain {info.where}")
    for problem in problems:
        statuses.append("warn")
        details.append(problem)
    policy = tags.get("p", "").lower()
    if policy not in POLICIES:
        statuses.append("fail")
        details.append(
            f"p= is {'missing' if not policy else repr(policy)}: must be none, quarantine or reject"
        )
    elif policy == "none":
        statuses.append("warn")
        details.append("p=none only monitors: forged mail is still delivered")
    if info.where != target and "sp" in tags:
        policy = tags["sp"].lower()
        details.append(f"Subdomain policy sp={policy} applies to {target}")
    pct = tags.get("pct", "100")
    if not pct.isdigit() or not 0 <= int(pct) <= 100:
        statuses.append("warn")
        details.append(f"pct={pct} is not a number from 0 to 100")
    elif int(pct) < 100:
        statuses.append("warn")
        details.append(f"pct={pct}: the policy applies to only {pct}% of failing mail")
    for key in ("adkim", "aspf"):
        if tags.get(key, "r").lower() not in ("r", "s"):
            statuses.append("warn")
            details.append(f"{key}={tags[key]} must be r or s")
    rua = _uris(tags.get("rua", ""))
    if not rua:
        statuses.append("warn")
        details.append("No rua= address: you get no aggregate reports")
    external = await _external(ctx, info.where, rua + _uris(tags.get("ruf", "")))
    for status, line in external:
        statuses.append(status)
        details.append(line)
    status = worst(*statuses)
    strength = {"none": "monitoring only", "quarantine": "quarantine", "reject": "reject"}
    summary = f"DMARC policy p={policy or '?'} ({strength.get(policy, 'invalid')})"
    summary += ", reports to " + ", ".join(rua) if rua else ", no reports requested"
    return CheckResult(NAME, status, summary, (record,), tuple(details), target)


def _uris(value: str) -> list[str]:
    return [u.strip() for u in value.split(",") if u.strip()]


async def _external(ctx: Context, where: str, uris: list[str]) -> list[tuple[CheckStatus, str]]:
    """RFC 7489 7.1: a report address in another org domain must authorise us."""
    own_org = org_domain(where)
    tasks: dict[str, asyncio.Task[Answer]] = {}
    out: list[tuple[CheckStatus, str]] = []
    for uri in uris:
        if not uri.lower().startswith("mailto:") or "@" not in uri:
            out.append(("warn", f"Report address {uri!r} is not a mailto: URI"))
            continue
        dest = uri.split("@", 1)[1].split("!", 1)[0].lower().rstrip(".")
        if org_domain(dest) != own_org and dest not in tasks:
            tasks[dest] = ctx.lookup(f"{where}._report._dmarc.{dest}", "TXT")
    for dest, task in tasks.items():
        answer = await task
        if answer.status == "error":
            out.append(("error", f"Could not check that {dest} accepts reports ({answer.error})"))
        elif records_with_version(answer.texts, "DMARC1"):
            out.append(("ok", f"External report destination {dest} is authorised"))
        else:
            out.append(
                (
                    "warn",
                    f"{dest} has not authorised reports for {where} (no {where}._report._dmarc.{dest})",
                )
            )
    return out
