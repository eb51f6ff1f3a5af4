"""`provider`: recognise Google Workspace / Exchange Online and compare with their documented records."""

from __future__ import annotations

import fnmatch
from typing import Any

from bot.dnscheck.context import Context, MxInfo, join_limited, worst
from bot.dnscheck.dkim import selector_lookups
from bot.dnscheck.provider_rules import PROVIDERS
from bot.dnscheck.resolver import Answer
from bot.dnscheck.spf import SpfInfo, spf_info
from bot.model import CheckResult, CheckStatus

NAME = "provider"


def dashed_forms(domain: str) -> tuple[str, ...]:
    """contoso.com -> contoso-com; my-shop.com -> my-shop-com and myshop-com."""
    plain = domain.replace(".", "-")
    return tuple(dict.fromkeys((plain, domain.replace("-", "").replace(".", "-"))))


def _mx_matches(rule: dict[str, Any], host: str) -> bool:
    return host in rule["mx_hosts"] or host.endswith(tuple(rule["mx_suffixes"]))


def _expected_mx(rule: dict[str, Any], domain: str) -> list[str]:
    return [p.format(dashed=d) for p in rule["mx_expected"] for d in dashed_forms(domain)]


async def check(ctx: Context) -> CheckResult:
    mx_task, spf_task = ctx.mx(), spf_info(ctx)
    lookups = selector_lookups(ctx)
    mx, spf = await mx_task, await spf_task
    target = ctx.domain
    if mx.answer.status == "error" and spf.answer.status == "error":
        return CheckResult(NAME, "error", "Could not look up MX or SPF", target=target)
    includes = spf.root.all_includes() if spf.root else set()
    hosts = [h.host for h in mx.hosts if h.host]
    found = [
        key
        for key, rule in PROVIDERS.items()
        if any(_mx_matches(rule, h) for h in hosts) or rule["spf_include"] in includes
    ]
    if not found:
        return CheckResult(
            NAME,
            "ok",
            "No Google Workspace or Exchange Online set-up detected",
            tuple(hosts),
            target=target,
        )
    statuses: list[CheckStatus] = []
    details: list[str] = []
    mx_owners = {k for k in found if any(_mx_matches(PROVIDERS[k], h) for h in hosts)}
    if len(mx_owners) > 1:
        statuses.append("warn")
        details.append("MX mixes Google and Microsoft hosts: mail is split between two systems")
    for key in found:
        rule = PROVIDERS[key]
        for status, line in _provider_lines(key, rule, target, mx, spf, includes):
            statuses.append(status)
            details.append(f"{rule['label']}: {line}")
        for status, line in await _dkim_lines(key, rule, target, lookups):
            statuses.append(status)
            details.append(f"{rule['label']}: {line}")
    status = worst(*statuses)
    labels = " and ".join(PROVIDERS[k]["label"] for k in found)
    if status == "ok":
        summary = f"{labels}: records match the provider's documentation"
    else:
        summary = f"{labels}: some records differ from the provider's documentation"
    return CheckResult(NAME, status, summary, tuple(hosts), tuple(details), target)


def _provider_lines(
    key: str,
    rule: dict[str, Any],
    domain: str,
    mx: MxInfo,
    spf: SpfInfo,
    includes: set[str],
) -> list[tuple[CheckStatus, str]]:
    out: list[tuple[CheckStatus, str]] = []
    hosts = [h.host for h in mx.hosts if h.host]
    ours = [h for h in hosts if _mx_matches(rule, h)]
    others = [h for h in hosts if not _mx_matches(rule, h)]
    if not ours:
        out.append(
            ("ok", f"used for sending only (MX points to {join_limited(others) or 'nothing'})")
        )
    else:
        if others:
            out.append(
                (
                    "warn",
                    f"leftover MX {join_limited(others)} beside the provider's: "
                    "senders may deliver around it (an old on-premises server?)",
                )
            )
        expected = _expected_mx(rule, domain)
        if key == "microsoft":
            bad = [h for h in ours if not any(fnmatch.fnmatch(h, e) for e in expected)]
            for host in bad:
                out.append(("warn", f"MX {host} is not the expected {expected[0]}"))
            if not bad:
                out.append(("ok", f"MX {join_limited(ours)} as documented"))
        else:
            out.append(("ok", f"MX {join_limited(ours)} as documented"))
    if spf.answer.status == "error":
        out.append(("error", "SPF could not be looked up"))
    elif rule["spf_include"] not in includes:
        out.append(
            ("warn", f"SPF lacks include:{rule['spf_include']}: mail sent through it fails SPF")
        )
    else:
        out.append(("ok", f"SPF includes {rule['spf_include']}"))
    return out


async def _dkim_lines(
    key: str, rule: dict[str, Any], domain: str, lookups: dict[str, Any]
) -> list[tuple[CheckStatus, str]]:
    out: list[tuple[CheckStatus, str]] = []
    for selector in rule["dkim_selectors"]:
        answer: Answer = await lookups[selector]
        name = f"{selector}._domainkey.{domain}"
        if answer.status == "error":
            out.append(("error", f"{name} could not be looked up ({answer.error})"))
        elif rule["dkim_cname_suffixes"]:
            out.append(_cname_line(rule, selector, name, domain, answer))
        elif answer.ok and any("p=" in t for t in answer.texts):
            out.append(("ok", f"DKIM key published at {name}"))
        else:
            out.append(
                ("warn", f"no DKIM key at {name}: turn on DKIM signing in the admin console")
            )
    return out


def _cname_line(
    rule: dict[str, Any], selector: str, name: str, domain: str, answer: Answer
) -> tuple[CheckStatus, str]:
    if not answer.cnames:
        if answer.ok:
            return "warn", f"{name} is a TXT key, not the CNAME Microsoft rotates keys through"
        return "warn", f"{name} has no CNAME: DKIM signing is not enabled for {domain}"
    first = answer.cnames[0].rstrip(".").lower()
    prefixes = [
        rule["dkim_cname_prefix"].format(selector=selector, dashed=d) for d in dashed_forms(domain)
    ]
    if first.endswith(tuple(rule["dkim_cname_suffixes"])) and first.startswith(tuple(prefixes)):
        return "ok", f"{name} is a CNAME to {first}"
    return "warn", f"{name} points to {first}, not {prefixes[0]}<tenant>.onmicrosoft.com"
