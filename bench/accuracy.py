"""Accuracy on the test corpus of real-format bounces (tests/data/corpus): top reason per provider.

.venv/bin/python bench/accuracy.py [--misses]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.detect import looks_like_bounce  # noqa: E402
from bot.diagnose import analyze  # noqa: E402
from bot.explain import matcher_for  # noqa: E402
from bot.knowledge import KnowledgeStore  # noqa: E402
from bot.matcher import Matcher  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "corpus"


@dataclass(frozen=True)
class Outcome:
    file: str
    provider: str
    expected: str
    got: str
    recipients_ok: bool
    detected: bool

    @property
    def correct(self) -> bool:
        return self.expected == self.got


def evaluate(matcher: Matcher) -> list[Outcome]:
    expected = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
    outcomes = []
    for item in expected:
        path = CORPUS / item["file"]
        data = path.read_bytes()
        analysis = analyze(data, matcher)
        got = analysis.diagnoses[0].reason if analysis.diagnoses else "(none)"
        failed = [
            d.recipient
            for d in analysis.diagnoses
            if d.reason not in ("delivered", "feedback", "vacation")
        ]
        want = item.get("recipients") or []
        recipients_ok = sorted(r for r in failed if r) == sorted(want) if want else True
        text = data.decode("utf-8", "replace")
        provider = path.stem.split("-")[1] if path.stem.count("-") >= 2 else "other"
        outcomes.append(
            Outcome(
                item["file"],
                provider,
                item["reason"],
                got,
                recipients_ok,
                looks_like_bounce(text, matcher),
            )
        )
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list every wrong answer")
    args = parser.parse_args()
    outcomes = evaluate(matcher_for(KnowledgeStore()))
    by_provider: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_provider[outcome.provider].append(outcome)
    print(f"{'provider':<14} {'files':>5} {'reason ok':>10} {'recipients ok':>14} {'detected':>9}")
    for provider, items in sorted(by_provider.items(), key=lambda kv: -len(kv[1])):
        right = sum(o.correct for o in items)
        print(
            f"{provider:<14} {len(items):>5} {right / len(items):>10.0%} "
            f"{sum(o.recipients_ok for o in items) / len(items):>14.0%} "
            f"{sum(o.detected for o in items) / len(items):>9.0%}"
        )
    total = len(outcomes)
    print(
        f"{'all':<14} {total:>5} {sum(o.correct for o in outcomes) / total:>10.1%} "
        f"{sum(o.recipients_ok for o in outcomes) / total:>14.1%} "
        f"{sum(o.detected for o in outcomes) / total:>9.1%}"
    )
    if args.misses:
        for outcome in outcomes:
            if not outcome.correct or not outcome.recipients_ok or not outcome.detected:
                flags = "" if outcome.recipients_ok else " [recipients]"
                flags += "" if outcome.detected else " [not detected]"
                print(f"  {outcome.file}: expected {outcome.expected}, got {outcome.got}{flags}")


if __name__ == "__main__":
    main()
