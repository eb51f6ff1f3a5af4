"""`tls-rpt`: the _smtp._tls record that asks senders for TLS failure reports (RFC 8460)."""

from __future__ import annotations

from bot.dnscheck.context import Context
from bot.dnscheck.tags import parse_tags, records_with_version
from bot.model import CheckResult

NAME = "tls-rpt"


async def check(ctx: Context) -> CheckResult:
    domain = ctx.domain
    task = ctx.lookup(f"_smtp._tls.{domain}", "TXT")
    sts_task = ctx.lookup(f"_mta-sts.{domain}", "TXT")
    answer = await task
    if answer.status == "error":
        return CheckResult(
            NAME, "error", f"Could not look up _smtp._tls.{domain}: {answer.error}", target=domain
        )
    records = records_with_version(answer.texts, "TLSRPTv1")
    if not records:
        sts = await sts_task
        if records_with_version(sts.texts, "STSv1"):
            return CheckResult(
                NAME,
                "warn",
                "No TLS-RPT record: MTA-STS failures will go unreported",
                target=domain,
            )
        return CheckResult(NAME, "ok", "No TLS-RPT record (optional)", target=domain)
    if len(records) > 1:
        return CheckResult(
            NAME,
            "fail",
            f"{len(records)} TLS-RPT records: senders ignore them",
            tuple(records),
            target=domain,
        )
    tags, problems = parse_tags(records[0])
    uris = [u.strip() for u in tags.get("rua", "").split(",") if u.strip()]
    bad = [u for u in uris if not u.lower().startswith(("mailto:", "https://"))]
    if not uris or bad:
        why = "no rua= destination" if not uris else f"rua {bad[0]!r} is not mailto: or https:"
        return CheckResult(
            NAME,
            "fail",
            f"TLS-RPT record is invalid: {why}",
            tuple(records),
            tuple(problems),
            domain,
        )
    return CheckResult(
        NAME, "ok", f"TLS reports go to {', '.join(uris)}", tuple(records), tuple(problems), domain
    )
