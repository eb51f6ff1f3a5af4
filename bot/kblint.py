"""`ndrbot kb lint`: keep the knowledge base healthy (examples reach their entry, no fights, links)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.engine.diagnose import Diagnosis, analyze
from bot.engine.lexicon import GAP, Lexicon
from bot.engine.matcher import Matcher
from bot.knowledge import Entry, KnowledgeBase
from bot.reasons import NOT_FAILURES, REASONS


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    entry: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.entry}: {self.message}"


def lint(kb: KnowledgeBase, matcher: Matcher | None = None) -> list[Finding]:
    matcher = matcher or Matcher(kb)
    findings: list[Finding] = []
    findings += _examples(kb, matcher)
    findings += _collisions(kb, matcher)
    findings += _markers(kb)
    findings += _links(kb)
    findings += _generic_entries(kb)
    findings += _shadowed_phrases(kb)
    return findings


def _shadowed_phrases(kb: KnowledgeBase) -> list[Finding]:
    """A lexicon phrase that, read alone, gives another reason can never decide: a stronger or
    longer phrase inside it wins. Gaps and prefixes are read as their plainest text."""
    lexicon = Lexicon(kb.lexicon)
    out = []
    for phrase in kb.lexicon:
        text = " ".join(w.rstrip("*") for w in phrase.words if w != GAP)
        best = lexicon.best(text, phrase.stage)
        if best is not None and best.reason != phrase.reason:
            message = (
                f"lexicon phrase {phrase.source!r} ({phrase.reason}) is outweighed by "
                f"{best.phrase.source!r} ({best.reason})"
            )
            out.append(Finding("warning", f"lexicon:{phrase.reason}", message))
    return out


def _generic_entries(kb: KnowledgeBase) -> list[Finding]:
    """Every failure reason needs its generic entry: the explanation when no specific one fits."""
    missing = [
        reason
        for reason in REASONS
        if reason not in NOT_FAILURES and kb.get(f"reason-{reason}") is None
    ]
    if not missing:
        return []
    message = f"no generic entry (reason-<reason>) for {', '.join(missing)}"
    return [Finding("warning", "reason-*", message)]


def _examples(kb: KnowledgeBase, matcher: Matcher) -> list[Finding]:
    out = []
    for entry in kb.entries:
        if not entry.examples:
            if entry.id == f"reason-{entry.reason}":
                continue  # a reason's generic entry: picked by reason, not by text or code
            if entry.fallback:
                out += _fallback_reached(entry, matcher)
            elif entry.patterns or entry.markers:
                out.append(Finding("warning", entry.id, "has no example bounce text"))
            continue
        for number, example in enumerate(entry.examples, 1):
            analysis = analyze(example, matcher)
            top = analysis.diagnoses[0] if analysis.diagnoses else None
            if top is None or not reaches(entry, top):
                got = f"{top.id} ({top.reason})" if top else "nothing"
                out.append(Finding("error", entry.id, f"example {number} is diagnosed as {got}"))
    return out


def reaches(entry: Entry, top: Diagnosis) -> bool:
    """Is an example of this entry answered as it should be? By the entry itself, or, when
    nothing in the example names the entry's provider, by the reason's generic entry (a provider
    is named only on evidence)."""
    if top.id == entry.id:
        return True
    return bool(entry.providers) and top.reason == entry.reason and top.id == f"reason-{top.reason}"


def _fallback_reached(entry: Entry, matcher: Matcher) -> list[Finding]:
    for code in entry.codes:
        concrete = code.replace("X", "5", 1)
        analysis = analyze(concrete, matcher)
        if analysis.diagnoses and analysis.diagnoses[0].id == entry.id:
            return []
        concrete = code.replace("X", "4", 1)
        analysis = analyze(concrete, matcher)
        if analysis.diagnoses and analysis.diagnoses[0].id == entry.id:
            return []
    return [
        Finding("warning", entry.id, "fallback entry is not the answer to any of its own codes")
    ]


def _collisions(kb: KnowledgeBase, matcher: Matcher) -> list[Finding]:
    """An entry must win its own patterns: another entry that does takes its text away."""
    out = []
    for entry in kb.entries:
        if entry.fallback:
            continue
        for pattern in entry.patterns:
            best = matcher.match(pattern).best
            if best is not None and best.entry is not entry:
                message = f"pattern {pattern[:60]!r} is won by entry {best.entry.id!r}"
                out.append(Finding("error", entry.id, message))
    return out


def _markers(kb: KnowledgeBase) -> list[Finding]:
    owners: dict[str, list[str]] = defaultdict(list)
    for entry in kb.entries:
        for marker in entry.markers:
            owners[marker.lower()].append(entry.id)
    return [
        Finding("error", ids[0], f"marker {marker!r} is also claimed by {', '.join(ids[1:])}")
        for marker, ids in owners.items()
        if len(ids) > 1
    ]


def _links(kb: KnowledgeBase) -> list[Finding]:
    out = []
    for entry in kb.entries:
        for link in entry.links:
            parts = urlsplit(link.url)
            if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in link.url:
                out.append(
                    Finding("error", entry.id, f"link {link.url!r} is not a valid web address")
                )
            elif not link.title.strip():
                out.append(Finding("error", entry.id, f"link {link.url!r} has no title"))
        if not entry.links and not entry.fallback:
            out.append(Finding("warning", entry.id, "has no link to the provider's page"))
    return out
