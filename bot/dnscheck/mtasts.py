"""`mta-sts`: the _mta-sts record and the policy it announces, fetched over HTTPS (RFC 8461)."""

from __future__ import annotations

import asyncio
import re

from bot.dnscheck.context import Context, worst
from bot.dnscheck.https import FetchResult
from bot.dnscheck.tags import parse_tags, records_with_version
from bot.model import CheckResult, CheckStatus

NAME = "mta-sts"
POLICY_PATH = "/.well-known/mta-sts.txt"
MIN_MAX_AGE = 86400


def parse_policy(text: str) -> tuple[dict[str, str], list[str], list[str]]:
    """(fields, mx patterns, problems) of an STSv1 policy body."""
    fields: dict[str, str] = {}
    mx: list[str] = []
    problems: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            problems.append(f"policy line {line.strip()[:40]!r} is not 'key: value'")
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "mx":
            mx.append(value.lower().rstrip("."))
        else:
            fields[key] = value
    if fields.get("version") != "STSv1":
        problems.append("policy 'version' must be STSv1")
    if fields.get("mode") not in ("enforce", "testing", "none"):
        problems.append("policy 'mode' must be enforce, testing or none")
    if not fields.get("max_age", "").isdigit():
        problems.append("policy 'max_age' must be a number of seconds")
    if fields.get("mode") in ("enforce", "testing") and not mx:
        problems.append("policy lists no 'mx' patterns")
    return fields, mx, problems


def mx_matches(host: str, pattern: str) -> bool:
    """RFC 8461 4.1: '*.example.com' matches exactly one extra left-most label."""
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return host == pattern


async def check(ctx: Context) -> CheckResult:
    domain = ctx.domain
    record_task = ctx.lookup(f"_mta-sts.{domain}", "TXT")
    policy_host = f"mta-sts.{domain}"
    address_task = ctx.addresses(policy_host)  # speculative: in flight with the record lookup
    mx_task = ctx.mx()
    answer = await record_task
    if answer.status == "error":
        return CheckResult(
            NAME, "error", f"Could not look up _mta-sts.{domain}: {answer.error}", target=domain
        )
    records = records_with_version(answer.texts, "STSv1")
    if not records:
        return CheckResult(
            NAME,
            "ok",
            "No MTA-STS policy (optional): senders may deliver without TLS",
            target=domain,
        )
    if len(records) > 1:
        return CheckResult(
            NAME,
            "fail",
            f"{len(records)} MTA-STS records: senders ignore the policy",
            tuple(records),
            target=domain,
        )
    tags, problems = parse_tags(records[0])
    statuses: list[CheckStatus] = []
    details: list[str] = list(problems)
    if not re.fullmatch(r"[A-Za-z0-9]{1,32}", tags.get("id", "")):
        statuses.append("fail")
        details.append("id= is missing or not 1-32 letters and digits")
    if ctx.fetch is None:
        details.append("Policy not fetched (HTTPS fetching is disabled)")
        return CheckResult(
            NAME,
            worst("ok", *statuses),
            "MTA-STS record published",
            tuple(records),
            tuple(details),
            domain,
        )
    addresses = await address_task
    if not addresses.ips:
        why = "lookup failed" if addresses.error else "it does not resolve"
        status: CheckStatus = "error" if addresses.error else "fail"
        summary = f"MTA-STS record published, but the policy host {policy_host}: {why}"
        return CheckResult(NAME, status, summary, tuple(records), tuple(details), domain)
    result = await _fetch(ctx, policy_host, addresses.ips)
    mx_hosts = [h.host for h in (await mx_task).hosts]
    policy_status, summary, lines = _judge_policy(result, mx_hosts, policy_host)
    statuses.append(policy_status)
    details.extend(lines)
    records_out = (records[0], *(result.body.strip().splitlines() if result.status == 200 else ()))
    return CheckResult(NAME, worst(*statuses), summary, records_out, tuple(details), domain)


async def _fetch(ctx: Context, host: str, ips: tuple[str, ...]) -> FetchResult:
    assert ctx.fetch is not None
    remaining = max(0.05, ctx.session.remaining())
    try:
        return await asyncio.wait_for(ctx.fetch(host, ips, POLICY_PATH), remaining)
    except TimeoutError:
        return FetchResult(error="timed out (request deadline)")


def _judge_policy(
    result: FetchResult, mx_hosts: list[str], host: str
) -> tuple[CheckStatus, str, list[str]]:
    url = f"https://{host}{POLICY_PATH}"
    if result.error:
        status: CheckStatus = "error" if "timed out" in result.error else "fail"
        return status, f"MTA-STS policy could not be fetched: {result.error}", [url]
    if result.status != 200:
        return (
            "fail",
            f"MTA-STS policy fetch returned HTTP {result.status} (no redirects allowed)",
            [],
        )
    lines: list[str] = []
    statuses: list[CheckStatus] = []
    if not result.content_type.lower().startswith("text/plain"):
        statuses.append("warn")
        lines.append(f"Content-Type is {result.content_type or 'missing'}, should be text/plain")
    fields, patterns, problems = parse_policy(result.body)
    if problems:
        return "fail", "MTA-STS policy is invalid: " + problems[0], [*lines, *problems[1:]]
    mode = fields["mode"]
    uncovered = [h for h in mx_hosts if h and not any(mx_matches(h, p) for p in patterns)]
    if uncovered:
        statuses.append("fail" if mode == "enforce" else "warn")
        lines.append(f"MX not covered by the policy: {', '.join(uncovered)}")
    if mode != "enforce":
        statuses.append("warn")
        lines.append(f"mode {mode}: senders report but do not require TLS")
    if int(fields["max_age"]) < MIN_MAX_AGE:
        statuses.append("warn")
        lines.append(f"max_age {fields['max_age']} is under one day")
    status = worst("ok", *statuses)
    if uncovered and mode == "enforce":
        summary = "MTA-STS policy (enforce) does not list every MX: mail to them will fail"
    else:
        summary = f"MTA-STS policy in {mode} mode, covering {len(patterns)} MX pattern(s)"
    return status, summary, lines
