"""/headers: a message's path, delays and authentication verdicts, with live DNS on its sender.

Also answers, unasked, a pasted block that is mostly `Received:` and `Authentication-Results:`
lines (before the bounce detector: such a block is no bounce).
"""

from __future__ import annotations

from bot.headers.analyze import HeaderReport, analyze_headers, duration
from bot.headers.fields import looks_like_headers
from bot.headers.hops import Hop
from bot.headers.microsoft import SFV
from bot.intent import Deps, Intent
from bot.model import CheckResult, Incoming, Reply, Section, Severity
from bot.reasons import AUDIENCES

USAGE = ("headers <pasted headers> - the path, delays and SPF/DKIM/DMARC verdicts of a message",)
MAX_HOP_LINES = 12
SNIFF_CHARS = 20_000


async def dns_checks(report: HeaderReport, deps: Deps) -> tuple[CheckResult, ...]:
    """PTR and blocklists for the sending IP, SPF and DMARC for the From domain."""
    if deps.dns is None or not getattr(deps.settings, "dns_enabled", True):
        return ()
    if not report.sending_ip and not report.from_domain:
        return ()
    return await deps.dns.evidence(  # one session: IP checks on the IP, domain checks on the domain
        checks=("ptr", "dnsbl", "spf", "dmarc"),
        domains=(report.from_domain,) if report.from_domain else (),
        ips=(report.sending_ip,) if report.sending_ip else (),
    )


def _hop_line(hop: Hop) -> str:
    source = hop.from_host or "?"
    if hop.from_ip:
        source += f" [{hop.from_ip}]"
    when = hop.time.strftime("%H:%M:%S") if hop.time else "no time"
    delay = ""
    if hop.delay_s is not None:
        delay = f" +{duration(hop.delay_s)}" + (" (clock skew)" if hop.skew else "")
    tls = "TLS" if hop.tls else "no TLS"
    return f"{hop.index}: {source} → {hop.by_host or '?'} · {hop.protocol or '?'} · {tls} · {when}{delay}"


def reply_for_report(report: HeaderReport, checks: tuple[CheckResult, ...] = ()) -> Reply:
    """Findings first, then a compact hop table, the verdicts, and the DNS checks."""
    worst: Severity = "info"
    for finding in report.findings:
        if finding.severity == "fail":
            worst = "fail"
            break
        if finding.severity == "warn":
            worst = "warn"
    lines = [
        f"{f.text} ({AUDIENCES.get(f.who_fixes, f.who_fixes)})"
        if f.severity in ("fail", "warn")
        else f.text
        for f in report.findings
    ]
    sections = [Section("Findings", tuple(lines))] if lines else []
    hops = [_hop_line(h) for h in report.hops]
    if len(hops) > MAX_HOP_LINES:
        hidden = len(hops) - MAX_HOP_LINES
        hops = [
            *hops[: MAX_HOP_LINES // 2],
            f"… {hidden} hops more …",
            *hops[-MAX_HOP_LINES // 2 :],
        ]
    if hops:
        sections.append(Section("Path, oldest first (UTC)", tuple(hops)))
    verdicts = _verdict_lines(report)
    if verdicts:
        sections.append(Section("Verdicts", tuple(verdicts)))
    total = report.total_delay_s
    summary = f"{len(report.hops)} hops"
    if total is not None:
        summary += f", {duration(total)} from first to last"
    if report.sending_ip:
        summary += f"; sent from {report.sending_ip}"
    return Reply(
        title="Message headers" + (f" from {report.from_domain}" if report.from_domain else ""),
        text=summary,
        sections=tuple(sections),
        checks=checks,
        severity=worst,
        data=report.to_json([c.to_json() for c in checks]),
    )


def _verdict_lines(report: HeaderReport) -> list[str]:
    out = []
    auth = report.authentication
    if auth is not None:
        r = auth.results
        trust = "trusted" if auth.trusted else "NOT from the receiving organisation"
        out.append(f"Authentication-Results by {auth.authserv_id or '?'} ({trust})")
        dkim = ", ".join(f"{d.result} (d={d.domain or '?'})" for d in r.dkim) or "none"
        out.append(
            f"SPF {r.spf or 'none'} ({r.spf_domain or '?'}) · DKIM {dkim} · DMARC "
            f"{r.dmarc or 'none'} · ARC {auth.arc or 'none'}"
        )
        out.append(
            f"Aligned with From {auth.from_domain or '?'}: SPF "
            f"{'yes' if auth.aligned_spf else 'no'}, DKIM {'yes' if auth.aligned_dkim else 'no'}"
            + (f" · compauth {r.compauth} {r.compauth_reason or ''}".rstrip() if r.compauth else "")
        )
    ms = report.microsoft
    if ms is not None:
        parts = [
            f"SCL {ms.scl}" if ms.scl is not None else "",
            f"BCL {ms.bcl}" if ms.bcl is not None else "",
        ]
        if ms.sfv:
            parts.append(f"SFV {ms.sfv} ({SFV.get(ms.sfv.upper(), '?')})")
        if ms.cat:
            parts.append(f"CAT {ms.cat}")
        if ms.ctry:
            parts.append(f"country {ms.ctry}")
        out.append("Microsoft 365: " + " · ".join(p for p in parts if p))
    return out


def _text_of(incoming: Incoming) -> str:
    if incoming.files:
        return incoming.files[0].data[:2_000_000].decode("utf-8", "replace")
    return incoming.text


async def handle(incoming: Incoming, deps: Deps) -> Reply | None:
    text = _text_of(incoming)
    if incoming.command and not text.strip():
        return Reply(title="Analyse message headers", text="Paste the headers after /headers.",
                     sections=(Section("Usage", USAGE),))  # fmt: skip
    report = analyze_headers(text)
    if report is None:
        if incoming.command is None:
            return None
        return Reply(
            title="No headers found",
            text="Paste the message's headers (the Received:, Authentication-Results: and From: "
            "lines; in Outlook: File > Properties, in Gmail: Show original).",
            severity="warn",
        )
    return reply_for_report(report, await dns_checks(report, deps))


def detect(incoming: Incoming, deps: Deps) -> bool:
    """A pasted header block that is not a bounce, complaint or automatic reply (those the
    bounce engine answers better)."""
    if not incoming.text or not looks_like_headers(incoming.text):
        return False
    from bot.engine.kind import list_notice, message_kind
    from bot.engine.parse import parse

    parsed = parse(incoming.text[:SNIFF_CHARS])
    if message_kind(parsed, list_notice(parsed)) != "other":
        return False
    return not any(f.status or f.reply_code for f in parsed.failures)


INTENT = Intent(
    name="headers",
    commands=("headers",),
    handle=handle,
    detect=detect,
    priority=40,
    summary="Analyse a message's headers: its path, delays and authentication",
    usage=USAGE,
)
