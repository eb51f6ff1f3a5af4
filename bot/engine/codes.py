"""A code typed on its own (`5.7.1`, `550 5.7.26`): explained from the knowledge's code entries.

Kept apart from the pipeline so that `ndrbot bounce 5.7.1` loads no parser, lexicon or classifier.
"""

from __future__ import annotations

from bot.engine.analysis import Analysis, Diagnosis
from bot.engine.lazyre import lazy
from bot.engine.matcher import Matcher
from bot.reasons import NOT_FAILURES

_BARE_CODE = lazy(r"^\s*(?:([2345]\d\d)[ -]?)?\s*#?([245]\.\d{1,3}\.\d{1,3})?\s*$")


def is_bare_code(text: str) -> bool:
    """`5.7.1`, `550`, `550 5.7.1`, `550-5.7.26`: a code typed on its own."""
    match = _BARE_CODE.match(text)
    return bool(match and (match.group(1) or match.group(2)))


def analyze_code(text: str, matcher: Matcher) -> Analysis:
    """Explain a bare code typed by a user."""
    match = _BARE_CODE.match(text)
    reply_code, status = (match.group(1), match.group(2)) if match else (None, None)
    if reply_code and reply_code[0] not in "2345":
        reply_code = None
    result = matcher.match("", status, reply_code)
    best = result.best
    if best is None:
        return Analysis("other", False, (), notes=(f"{text.strip()} is not a code ndrbot knows.",))
    entry = best.entry
    code_class = (reply_code or status or "")[:1]
    reason = "delivered" if entry.fallback and code_class == "2" else entry.reason
    temporary = code_class == "4" if code_class in ("4", "5") else entry.temporary
    alternatives = () if result.certain else tuple(m.entry for m in result.ranked[1:4])
    diagnosis = Diagnosis(
        entry=entry,
        reason=reason,
        confidence=best.score,
        certain=result.certain,
        status=status,
        reply_code=reply_code,
        temporary=temporary,
        alternatives=alternatives,
    )
    return Analysis("bounce", reason not in NOT_FAILURES, (diagnosis,))
