"""`bimi`: the default._bimi record (logo and certificate) and the DMARC enforcement it needs."""

from __future__ import annotations

from bot.dnscheck.context import Context, worst
from bot.dnscheck.dmarc import dmarc_info
from bot.dnscheck.tags import parse_tags, records_with_version
from bot.model import CheckResult, CheckStatus

NAME = "bimi"


async def check(ctx: Context) -> CheckResult:
    domain = ctx.domain
    task = ctx.lookup(f"default._bimi.{domain}", "TXT")
    dmarc_task = dmarc_info(ctx)
    answer = await task
    if answer.status == "error":
        return CheckResult(
            NAME,
            "error",
            f"Could not look up default._bimi.{domain}: {answer.error}",
            target=domain,
        )
    records = records_with_version(answer.texts, "BIMI1")
    if not records:
        return CheckResult(
            NAME, "ok", "No BIMI record (optional: shows a logo in some inboxes)", target=domain
        )
    if len(records) > 1:
        return CheckResult(
            NAME,
            "fail",
            f"{len(records)} BIMI records: mailbox providers ignore them",
            tuple(records),
            target=domain,
        )
    tags, problems = parse_tags(records[0])
    statuses: list[CheckStatus] = ["warn"] * len(problems)
    details = list(problems)
    logo, cert = tags.get("l", ""), tags.get("a", "")
    if logo and not (logo.lower().startswith("https://") and logo.lower().endswith(".svg")):
        statuses.append("fail")
        details.append(f"l={logo} must be an https:// URL of an SVG file")
    if not logo and not cert:
        statuses.append("warn")
        details.append("neither l= (logo) nor a= (certificate): this declines BIMI")
    if not cert:
        statuses.append("warn")
        details.append("no a= certificate (VMC/CMC): Gmail and Apple show no logo without one")
    dmarc = await dmarc_task
    if dmarc.answer.status == "error":
        statuses.append("error")
        details.append("DMARC could not be checked")
    elif not dmarc.enforcing:
        statuses.append("fail")
        details.append("BIMI needs DMARC p=quarantine or p=reject at pct=100")
    status = worst("ok", *statuses)
    summary = "BIMI record published" + ("" if status == "ok" else ", with problems: see details")
    return CheckResult(NAME, status, summary, tuple(records), tuple(details), domain)
