"""`ndrbot explain --summary`: a mailbox of bounces in a few lines. It says how many recipients
failed for each reason (permanently or for now), at which recipient domains, and which addresses
no longer take mail (the ones to take off a mailing list). It is built from each item's `--json`
answer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from bot.reasons import NOT_FAILURES, REASONS

GONE = frozenset({"userunknown", "hostunknown", "notaccept", "suspend", "hasmoved", "suppressed"})
"""Reasons whose permanent failure means the address no longer takes mail: mailing it again
only bounces again (and costs the sender's reputation)."""
SHOWN_ADDRESSES = 50
"""Addresses listed in the text (all of them in --json)."""
SHOWN_DOMAINS = 10
"""Recipient domains listed in the text (all of them in --json)."""


def summarise(answers: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The summary of items' JSON answers (each with "file", and "error" or the diagnoses)."""
    files = errors = bounces = 0
    not_bounces: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {}
    domains: dict[str, Counter[str]] = {}
    gone: dict[str, None] = {}
    for answer in answers:
        files += 1
        if "error" in answer:
            errors += 1
            continue
        diagnoses = answer.get("diagnoses") or []
        if not answer.get("is_bounce"):
            not_bounces[diagnoses[0]["reason"] if diagnoses else "other"] += 1
            continue
        bounces += 1
        for diagnosis in diagnoses:
            reason = diagnosis["reason"]
            if reason in NOT_FAILURES:
                continue
            tally = counts.setdefault(reason, Counter())
            tally["count"] += 1
            temporary = diagnosis.get("temporary")
            if temporary is not None:
                tally["temporary" if temporary else "permanent"] += 1
            recipient = (diagnosis.get("recipient") or "").lower()
            if reason in GONE and temporary is False and recipient:
                gone.setdefault(recipient, None)
            if "@" in recipient:
                domains.setdefault(recipient.rpartition("@")[2], Counter())[reason] += 1
    reasons = [
        {
            "reason": reason,
            "count": tally["count"],
            "permanent": tally["permanent"],
            "temporary": tally["temporary"],
        }
        for reason, tally in sorted(counts.items(), key=lambda item: (-item[1]["count"], item[0]))
    ]
    ranked = sorted(domains.items(), key=lambda item: (-item[1].total(), item[0]))
    by_domain = [
        {"domain": domain, "count": tally.total(), "reasons": dict(tally.most_common())}
        for domain, tally in ranked
    ]
    return {
        "files": files,
        "bounces": bounces,
        "not_bounces": dict(sorted(not_bounces.items())),
        "errors": errors,
        "reasons": reasons,
        "domains": by_domain,
        "addresses_gone": sorted(gone),
    }


def render_summary(summary: dict[str, Any]) -> str:
    """The summary as text for a terminal."""
    others = sum(summary["not_bounces"].values())
    head = f"{_count(summary['files'], 'message')}: {_count(summary['bounces'], 'bounce')}"
    if others:
        kinds = ", ".join(f"{n} {kind}" for kind, n in summary["not_bounces"].items())
        head += f", {others} {'not a bounce' if others == 1 else 'not bounces'} ({kinds})"
    if summary["errors"]:
        head += f", {summary['errors']} could not be explained (run without --summary to see why)"
    out = [head]
    if summary["reasons"]:
        out += ["", f"  {'Failed recipients':<22} {'all':>6} {'permanent':>10} {'temporary':>10}"]
        for row in summary["reasons"]:
            out.append(
                f"  {row['reason']:<22} {row['count']:>6} {row['permanent']:>10}"
                f" {row['temporary']:>10}   {REASONS.get(row['reason'], '')}"
            )
    if summary["domains"]:
        out += ["", "Recipient domains with the most failures (a refusal there hits them all)"]
        for row in summary["domains"][:SHOWN_DOMAINS]:
            reasons = ", ".join(f"{reason} {n}" for reason, n in list(row["reasons"].items())[:3])
            out.append(f"  {row['domain']:<28} {row['count']:>6}   {reasons}")
    gone = summary["addresses_gone"]
    if gone:
        out += ["", f"Addresses that no longer take mail (take them off your lists): {len(gone)}"]
        out += [f"  {address}" for address in gone[:SHOWN_ADDRESSES]]
        if len(gone) > SHOWN_ADDRESSES:
            out.append(f"  ... and {len(gone) - SHOWN_ADDRESSES} more (--json lists them all)")
    return "\n".join(out) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
