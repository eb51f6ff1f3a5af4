"""The one pipeline every entry point uses: text or file -> analysis -> DNS evidence -> Reply."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bot.engine.analysis import Analysis
from bot.engine.codes import analyze_code, is_bare_code
from bot.engine.matcher import STORE_KEY, Matcher
from bot.intent import Deps
from bot.knowledge import KnowledgeStore
from bot.metrics import METRICS, count_dns_checks
from bot.model import Reply
from bot.present import reply_for_analysis

if TYPE_CHECKING:
    from bot.engine.parsed import ParsedMessage


def matcher_for(store: KnowledgeStore) -> Matcher:
    """The matcher of the knowledge base in use; picks up edits of the file (hot reload)."""
    store.refresh()
    return store.derived(STORE_KEY, Matcher)  # the compiled knowledge cache may have brought it


def analyze_with(
    data: str | bytes,
    deps: Deps,
    *,
    asked: bool = False,
    parsed: ParsedMessage | None = None,
) -> Analysis:
    """`parsed`: the data's message, parsed already (by the parse-ahead helper)."""
    matcher = matcher_for(deps.knowledge)
    if isinstance(data, str) and is_bare_code(data):
        return analyze_code(data, matcher)  # without loading the parsing pipeline
    from bot.engine.diagnose import analyze

    return analyze(data, matcher, asked=asked, parsed=parsed)


def diagnosed(
    data: str | bytes,
    deps: Deps,
    *,
    asked: bool = False,
    parsed: ParsedMessage | None = None,
) -> Analysis:
    """The analysis, its diagnoses counted in the metrics."""
    analysis = analyze_with(data, deps, asked=asked, parsed=parsed)
    for diagnosis in analysis.diagnoses:
        METRICS.inc("ndrbot_diagnoses_total", reason=diagnosis.reason)
    return analysis


def explain_offline(
    data: str | bytes,
    deps: Deps,
    *,
    asked: bool = False,
    parsed: ParsedMessage | None = None,
) -> tuple[Analysis, Reply]:
    """`explain_full` without DNS evidence: no event loop, for `--no-dns` and batch workers."""
    analysis = diagnosed(data, deps, asked=asked, parsed=parsed)
    return analysis, reply_for_analysis(analysis, ())


async def explain_full(
    data: str | bytes, deps: Deps, *, asked: bool = False
) -> tuple[Analysis, Reply]:
    """The analysis (for callers that need its kind) and the Reply with DNS evidence.

    `asked`: a person asked for this text to be explained (`/bounce TEXT`), so failure wording
    is diagnosed even when the text is not a whole bounce.
    """
    analysis = diagnosed(data, deps, asked=asked)
    return analysis, await with_evidence(analysis, deps)


async def with_evidence(analysis: Analysis, deps: Deps) -> Reply:
    """The Reply for an analysis, with the DNS checks it calls for (none when DNS is off)."""
    from bot.evidence import gather_evidence  # only when DNS evidence is gathered at all

    started = time.perf_counter()
    checks = await gather_evidence(analysis, deps)
    count_dns_checks(checks, time.perf_counter() - started)
    return reply_for_analysis(analysis, checks)


async def explain(data: str | bytes, deps: Deps, *, asked: bool = False) -> Reply:
    return (await explain_full(data, deps, asked=asked))[1]
