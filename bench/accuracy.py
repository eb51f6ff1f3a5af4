"""Reason accuracy on real bounces: the real-bounce corpus (by split and source) and the team corpus.

.venv/bin/python bench/accuracy.py                 # development split + team corpus
.venv/bin/python bench/accuracy.py --misses        # ... and every wrong answer of the dev split
.venv/bin/python bench/accuracy.py --split test    # the locked test split of round 1 (scored)
.venv/bin/python bench/accuracy.py --split test2   # round 2's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test3   # round 3's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test4   # round 4's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test5   # round 5's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test6   # round 6's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test7   # round 7's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test8   # round 8's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test9   # round 9's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test10  # round 10's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test11  # round 11's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test12  # round 12's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test13  # round 13's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test14  # round 14's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test15  # round 15's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split test16  # round 16's locked split (scored, now seen)
.venv/bin/python bench/accuracy.py --split all     # every split already scored (never a locked one)

The real-bounce corpus is tests/data/realcorpus/ (see LABELLING.md and SPLITS.md there): one folder
per public source, split by source. Whole messages are explained as `ndrbot explain` would; single
reply lines as `ndrbot bounce TEXT` would (someone asked).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine.detect import looks_like_bounce  # noqa: E402
from bot.engine.diagnose import Diagnosis, analyze  # noqa: E402
from bot.engine.explanation import own_code, provider_evidenced  # noqa: E402
from bot.engine.matcher import PROVIDER_MARKERS, Matcher, detect_providers  # noqa: E402
from bot.explain import matcher_for  # noqa: E402
from bot.knowledge import Entry, KnowledgeStore  # noqa: E402

REAL = ROOT / "tests" / "data" / "realcorpus"
TEAM = ROOT / "tests" / "data" / "corpus"
NOT_FAILURES = ("delivered", "feedback", "vacation")


@dataclass(frozen=True)
class Sample:
    source: str
    split: str
    name: str
    data: bytes | str
    reason: str
    temporary: bool | None

    @property
    def asked(self) -> bool:
        """A single reply line is what someone pastes after `/bounce`."""
        return isinstance(self.data, str)


@dataclass(frozen=True)
class Outcome:
    sample: Sample
    reason: str
    temporary: bool | None
    unevidenced_provider: str | None
    """A provider the answer's title names although nothing in the bounce points to it."""

    @property
    def correct(self) -> bool:
        return self.reason == self.sample.reason

    @property
    def temporary_correct(self) -> bool:
        return self.sample.temporary is None or self.temporary == self.sample.temporary


LOCKED: frozenset[str] = frozenset()
"""Splits not scored yet: only ever read by naming them, never by `all`."""


def load_real(split: str = "dev") -> list[Sample]:
    """Samples of one split of tests/data/realcorpus/; `all` is every split already scored."""
    samples = []
    for labels in sorted(REAL.glob("*/labels.yaml")):
        meta = yaml.safe_load(labels.read_text(encoding="utf-8"))
        if meta["split"] != split and (split != "all" or meta["split"] in LOCKED):
            continue
        for item in meta.get("samples") or []:
            if "file" in item:
                data: bytes | str = (labels.parent / item["file"]).read_bytes()
                name = item["file"]
            else:
                data = str(item["text"])
                name = " ".join(data.split())[:60]
            samples.append(
                Sample(
                    labels.parent.name,
                    meta["split"],
                    name,
                    data,
                    item["reason"],
                    item.get("temporary"),
                )
            )
    return samples


def _named_without_evidence(providers: tuple[str, ...], data: bytes | str) -> str | None:
    if not providers:
        return None
    text = data if isinstance(data, str) else data[:200_000].decode("utf-8", "replace")
    lowered = text.lower()
    found = detect_providers(text[:200_000])
    for name in providers:
        if name in found or name in lowered:
            return None
        if any(mark in lowered for mark in PROVIDER_MARKERS.get(name, ())):
            return None
    return providers[0]


def _own_sentence(entry: Entry, top: Diagnosis, matcher: Matcher) -> bool:
    """The bounce carries the entry's marker, quotes a sentence only this provider writes, or a
    code only it uses: the engine's own evidence rule (bot/engine/explanation.py)."""
    for match in matcher.match(top.diagnostic or "", top.status, top.reply_code).ranked:
        if match.entry is entry:
            return provider_evidenced(match, frozenset(), own_code(entry, top.status, matcher.kb))
    return False


def evaluate(samples: list[Sample], matcher: Matcher) -> list[Outcome]:
    outcomes = []
    for sample in samples:
        analysis = analyze(sample.data, matcher, asked=sample.asked)
        top = analysis.diagnoses[0] if analysis.diagnoses else None
        if top is None:
            outcomes.append(Outcome(sample, "(not a bounce)", None, None))
            continue
        providers = top.entry.providers if top.entry else ()
        unevidenced = _named_without_evidence(providers, sample.data)
        if unevidenced and top.entry is not None and _own_sentence(top.entry, top, matcher):
            unevidenced = None  # its own sentence, code or marker
        outcomes.append(Outcome(sample, top.reason, top.temporary, unevidenced))
    return outcomes


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def report(outcomes: list[Outcome], title: str, misses: bool) -> None:
    total = len(outcomes)
    right = sum(o.correct for o in outcomes)
    failures = [o for o in outcomes if o.sample.reason not in NOT_FAILURES]
    with_temp = [o for o in failures if o.sample.temporary is not None]
    temp_right = sum(o.temporary_correct for o in with_temp)
    unevidenced = [o for o in outcomes if o.unevidenced_provider]
    print(f"\n== {title}: {total} samples from {len({o.sample.source for o in outcomes})} sources")
    print(f"top reason right        {right:>5} / {total:<5} {_pct(right, total):>7}")
    print(
        f"temporary right         {temp_right:>5} / {len(with_temp):<5} {_pct(temp_right, len(with_temp)):>7}"
    )
    print(f"provider without evidence {len(unevidenced):>3}")
    by_source: dict[str, list[Outcome]] = defaultdict(list)
    by_reason: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_source[outcome.sample.source].append(outcome)
        by_reason[outcome.sample.reason].append(outcome)
    print(f"\n{'source':<34} {'n':>4} {'reason':>7} {'temp':>7}")
    for source, items in sorted(by_source.items(), key=lambda kv: -len(kv[1])):
        temps = [o for o in items if o.sample.temporary is not None]
        print(
            f"{source:<34} {len(items):>4} {_pct(sum(o.correct for o in items), len(items)):>7} "
            f"{_pct(sum(o.temporary_correct for o in temps), len(temps)):>7}"
        )
    print(f"\n{'reason':<18} {'n':>4} {'recall':>7} {'precision':>9}")
    answered = Counter(o.reason for o in outcomes)
    for reason, items in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        hits = sum(o.correct for o in items)
        print(
            f"{reason:<18} {len(items):>4} {_pct(hits, len(items)):>7} {_pct(hits, answered[reason]):>9}"
        )
    confusion = Counter((o.sample.reason, o.reason) for o in outcomes if not o.correct)
    if confusion:
        print("\nconfusions (expected -> answered)")
        for (want, got), count in confusion.most_common(25):
            print(f"  {count:>3}  {want} -> {got}")
    if unevidenced:
        print("\nprovider named without evidence")
        for o in unevidenced:
            print(f"  {o.sample.source}/{o.sample.name}: {o.unevidenced_provider}")
    if misses:
        print("\nmisses")
        for o in outcomes:
            if not o.correct or not o.temporary_correct:
                temp = "" if o.temporary_correct else f" [temporary {o.temporary}]"
                print(
                    f"  {o.sample.source}/{o.sample.name}: expected {o.sample.reason}, got {o.reason}{temp}"
                )


def team_corpus(matcher: Matcher, misses: bool) -> None:
    """The team's own hand-made corpus (tests/data/corpus): reason and detection."""
    expected = yaml.safe_load((TEAM / "expected.yaml").read_text(encoding="utf-8"))
    right = detected = 0
    wrong = []
    for item in expected:
        data = (TEAM / item["file"]).read_bytes()
        analysis = analyze(data, matcher)
        got = analysis.diagnoses[0].reason if analysis.diagnoses else "(none)"
        right += got == item["reason"]
        detected += looks_like_bounce(data.decode("utf-8", "replace"), matcher)
        if got != item["reason"]:
            wrong.append(f"  {item['file']}: expected {item['reason']}, got {got}")
    print(f"\n== team corpus (tests/data/corpus): {len(expected)} files")
    print(
        f"top reason right {_pct(right, len(expected))}, detected {_pct(detected, len(expected))}"
    )
    if misses:
        print("\n".join(wrong))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--split",
        choices=("dev", "test", *(f"test{n}" for n in range(2, 20)), "all"),
        default="dev",
    )
    parser.add_argument("--misses", action="store_true", help="list every wrong answer")
    parser.add_argument("--source", help="only sources whose folder name contains this")
    args = parser.parse_args()
    matcher = matcher_for(KnowledgeStore())
    samples = load_real(args.split)
    if args.source:
        samples = [s for s in samples if args.source in s.source]
    report(evaluate(samples, matcher), f"real bounces, {args.split} split", args.misses)
    if args.split == "dev" and not args.source:
        team_corpus(matcher, args.misses)


if __name__ == "__main__":
    main()
