"""`dkim`: keys at the user's selectors, the providers' default selectors and a short common list."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.dnscheck.context import Context, join_limited, worst
from bot.dnscheck.dkimkey import key_info
from bot.dnscheck.provider_rules import PROVIDERS
from bot.dnscheck.resolver import Answer
from bot.dnscheck.tags import parse_tags
from bot.model import CheckResult, CheckStatus

NAME = "dkim"
COMMON_SELECTORS = ("default", "dkim", "k1", "s1", "s2", "mail")


def guessed_selectors() -> tuple[str, ...]:
    """Provider defaults first, then the common list."""
    names: list[str] = []
    for rule in PROVIDERS.values():
        names.extend(rule["dkim_selectors"])
    names.extend(COMMON_SELECTORS)
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class KeyResult:
    selector: str
    given: bool
    answer: Answer
    status: CheckStatus
    line: str
    present: bool = True


def selector_lookups(ctx: Context) -> dict[str, asyncio.Task[Answer]]:
    """Start the TXT lookup of every selector at once (shared with the provider check)."""
    names = (*ctx.selectors, *guessed_selectors())
    return {s: ctx.lookup(f"{s}._domainkey.{ctx.domain}", "TXT") for s in dict.fromkeys(names)}


def judge_key(selector: str, answer: Answer) -> tuple[CheckStatus, str] | None:
    """(status, line) for one selector's answer; None when no DKIM key is there."""
    if answer.status == "error":
        return "error", f"{selector}: lookup failed ({answer.error})"
    records = [t for t in answer.texts if "p=" in t.replace(" ", "")]
    if not records:
        return None
    if len(records) > 1:
        return "fail", f"{selector}: {len(records)} key records (verifiers fail)"
    tags, problems = parse_tags(records[0])
    where = f" (CNAME to {answer.cnames[-1].rstrip('.')})" if answer.cnames else ""
    if "v" in tags and tags["v"] != "DKIM1":
        return "fail", f"{selector}: v={tags['v']} is not DKIM1"
    p = tags.get("p", "")
    if not p:
        return "warn", f"{selector}: key revoked (empty p=){where}"
    try:
        kind, bits = key_info(p, tags.get("k", "rsa"))
    except ValueError as exc:
        return "fail", f"{selector}: unreadable key ({exc}){where}"
    status: CheckStatus = "ok"
    notes = [f"{kind} {bits}-bit"]
    if kind == "rsa" and bits < 1024:
        status = "fail"
        notes.append("too short: verifiers ignore keys under 1024 bits")
    elif kind == "rsa" and bits < 2048:
        status = "warn"
        notes.append("weak: use 2048 bits")
    if "y" in tags.get("t", "").lower().split(":"):
        status = worst(status, "warn")
        notes.append("testing mode (t=y): verifiers may ignore failures")
    notes.extend(problems)
    return status, f"{selector}: {', '.join(notes)}{where}"


async def check(ctx: Context) -> CheckResult:
    lookups = selector_lookups(ctx)
    results: list[KeyResult] = []
    for selector, task in lookups.items():
        answer = await task
        judged = judge_key(selector, answer)
        given = selector in ctx.selectors
        if judged is None:
            if given:
                line = f"{selector}: no key ({answer.describe()})"
                results.append(KeyResult(selector, True, answer, "fail", line, present=False))
            continue
        status, line = judged
        results.append(KeyResult(selector, given, answer, status, line, status != "error"))
    found = [r for r in results if r.present]
    errors = [r for r in results if r.status == "error"]
    tried = list(lookups)
    details = [r.line for r in results]
    records = tuple(t for r in found for t in r.answer.texts)
    target = ctx.domain
    if not found and not [r for r in results if r.given]:
        note = (
            f"Tried selectors {join_limited(tried, 6)}. A selector's absence proves nothing: "
            "the real one is in the s= tag of a DKIM-Signature header of a sent message."
        )
        if errors:
            return CheckResult(
                NAME, "error", "Could not look up DKIM selectors", (), (*details, note), target
            )
        return CheckResult(
            NAME,
            "warn",
            "No DKIM key at the guessed selectors (which proves nothing; give --selector)",
            (),
            (note,),
            target,
        )
    counted = [r for r in results if r.present or r.given or not found]
    status = worst(*(r.status for r in counted))
    usable = [r.selector for r in found if r.status in ("ok", "warn") and "revoked" not in r.line]
    if status == "ok":
        summary = f"DKIM key(s) found at {join_limited(usable)}"
    elif usable:
        summary = f"DKIM key(s) at {join_limited(usable)}, with problems: see details"
    else:
        summary = "No usable DKIM key at the selectors checked"
    return CheckResult(NAME, status, summary, records, tuple(details), target)
