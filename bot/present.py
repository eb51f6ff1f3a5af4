"""Turn an Analysis (and DNS evidence) into a platform-neutral Reply."""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.analysis import Analysis, Diagnosis
from bot.knowledge import Entry
from bot.model import CheckResult, Finding, Reply, Section, Severity
from bot.reasons import AUDIENCES, NOT_FAILURES, reason_summary

STAGE_WORDS = {
    "connect": "the connection (before any command)",
    "helo": "HELO/EHLO (the sending server's name)",
    "mail": "MAIL FROM (the sender's address)",
    "rcpt": "RCPT TO (the recipient's address)",
    "data": "end of DATA (the message itself)",
}
_NOT_FAILURE_TEXT = {
    "vacation": "This is an automatic reply (out of office or similar). The message was delivered; "
    "nothing bounced.",
    "feedback": "This is a complaint or abuse report (feedback loop or DMARC report), not a bounce. "
    "A recipient or their provider flagged a message; review what was sent and to whom.",
    "delivered": "This is a delivery notice: the message reached the recipient's server. Nothing "
    "needs fixing.",
}
_NOT_A_BOUNCE = {
    "empty": "There is nothing to explain: the input is empty.",
    "binary": "This looks like binary data (an image or archive), not a bounce message.",
    "other": "This does not look like a bounce. Paste the whole non-delivery report, or give a code "
    "like 5.7.1.",
}


def finding_for(diagnosis: Diagnosis) -> Finding:
    entry = diagnosis.entry
    reason = diagnosis.reason
    if reason in NOT_FAILURES:
        severity: Severity = "ok" if reason == "delivered" else "info"
    else:
        severity = "warn" if diagnosis.temporary else "fail"
    steps: tuple[Section, ...] = ()
    if entry is not None:
        steps = _steps(entry)
        summary = entry.explain
    elif reason in NOT_FAILURES:
        summary = _NOT_FAILURE_TEXT[reason]
    else:
        summary = (
            "This is a bounce, but its wording matches nothing ndrbot knows. The server's own "
            "words are quoted below; the status code, if any, tells the general area."
        )
    quote = diagnosis.diagnostic  # the server's own reply, whole (see engine.extract)
    return Finding(
        title=diagnosis.title,
        reason=reason,
        severity=severity,
        summary=summary,
        who_fixes=AUDIENCES.get(diagnosis.who_fixes, diagnosis.who_fixes),
        temporary=diagnosis.temporary,
        recipient=diagnosis.recipient,
        status=diagnosis.status,
        reply_code=diagnosis.reply_code,
        confidence=diagnosis.confidence,
        quote=quote,
        steps=steps,
        links=entry.links if entry else (),
        alternatives=tuple(alt.title for alt in diagnosis.alternatives),
        certain=diagnosis.certain,
        refused_at=STAGE_WORDS.get(diagnosis.stage or "", ""),
    )


_STEPS: dict[int, tuple[Entry, tuple[Section, ...]]] = {}
"""Each entry's steps, made once (by the entry's identity, the entry kept beside them): replies
that name the entry share them, and a renderer can render them once (render_text)."""


def _steps(entry: Entry) -> tuple[Section, ...]:
    made = _STEPS.get(id(entry))
    if made is not None and made[0] is entry:
        return made[1]
    steps = tuple(Section(f"For {AUDIENCES[audience]}", lines) for audience, lines in entry.fix)
    if len(_STEPS) >= 4096:  # a knowledge base reloaded many times: start again
        _STEPS.clear()
    _STEPS[id(entry)] = (entry, steps)
    return steps


def reply_for_analysis(analysis: Analysis, checks: Sequence[CheckResult] = ()) -> Reply:
    data = analysis.to_json([c.to_json() for c in checks])
    notes = analysis.notes
    if not analysis.diagnoses:
        text = _NOT_A_BOUNCE.get(analysis.kind, _NOT_A_BOUNCE["other"])
        if analysis.kind == "other" and notes:
            text = notes[0]
            notes = notes[1:]
        return Reply(title="Not a bounce", text=text, notes=notes, data=data, quiet=True)
    findings = tuple(finding_for(d) for d in analysis.diagnoses)
    if not analysis.is_bounce:
        first = findings[0]
        return Reply(
            title=first.title,
            findings=findings,
            notes=notes,
            data=data,
            quiet=True,
            severity=first.severity,
        )
    failures = [f for f in findings if f.reason not in NOT_FAILURES]
    reasons = dict.fromkeys(reason_summary(f.reason, f.temporary) for f in failures)
    if len(failures) == 1:
        title = failures[0].title
        lead = _lead(failures[0])
    else:
        title = f"{len(failures)} recipients failed"
        lead = "; ".join(reasons)  # in the order the recipients come
    severity: Severity = "fail" if any(f.severity == "fail" for f in failures) else "warn"
    original = _original_path(analysis)
    return Reply(
        title=title,
        text=lead,
        findings=findings,
        checks=tuple(checks),
        sections=(original,) if original else (),
        notes=notes,
        severity=severity,
        data=data,
    )


def _original_path(analysis: Analysis) -> Section | None:
    """A line or two on the returned message's own headers: where it went, and a long wait."""
    parsed = analysis.parsed
    if parsed is None or "received:" not in parsed.original_headers[:20_000].lower():
        return None
    from bot.headers.path import duration, path_summary  # only for such bounces

    hops, wait = path_summary(parsed.original_headers)
    if len(hops) < 2:
        return None
    first, last = hops[0], hops[-1]
    total = sum(h.delay_s or 0.0 for h in hops)
    lines = [
        f"{len(hops)} hops, from {first.from_host or first.by_host or '?'} to "
        f"{last.by_host or '?'}" + (f" in {duration(total)}" if last.time and first.time else "")
    ]
    if wait:
        lines.append(wait)
    return Section("The returned message's path", tuple(lines))


def _lead(finding: Finding) -> str:
    code = " ".join(c for c in (finding.reply_code, finding.status) if c)
    when = "temporary: the sending server will retry" if finding.temporary else "permanent"
    if finding.temporary is None:
        when = "temporary or permanent depending on the code"
    parts = [reason_summary(finding.reason, finding.temporary), when]
    if code:
        parts.insert(0, code)
    return " · ".join(parts)
