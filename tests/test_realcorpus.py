"""The real-bounce corpus (tests/data/realcorpus): well-formed labels, no leak between splits, and
a floor under the engine's accuracy on the development split (the locked test split is scored
only by `bench/accuracy.py --split test`, never here)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from bench.accuracy import evaluate, load_real
from bot.engine.matcher import Matcher
from bot.reasons import REASONS

CORPUS = Path(__file__).parent / "data" / "realcorpus"
LABELS = sorted(CORPUS.glob("*/labels.yaml"))


def test_the_corpus_is_big_and_split_by_source() -> None:
    metas = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in LABELS]
    samples = sum(len(m["samples"]) for m in metas)
    test_sources = [m for m in metas if m["split"] != "dev"]
    assert samples >= 1000
    assert len(test_sources) >= 0.3 * len(metas)


@pytest.mark.parametrize("labels", LABELS, ids=[p.parent.name for p in LABELS])
def test_labels_are_well_formed(labels: Path) -> None:
    meta = yaml.safe_load(labels.read_text(encoding="utf-8"))
    assert {"source", "license", "split", "samples"} <= set(meta)
    assert meta["split"] in ("dev", "test", *(f"test{n}" for n in range(2, 20)))
    assert meta["license"]
    for item in meta["samples"]:
        assert item["reason"] in REASONS, item
        assert item.get("temporary") in (True, False, None), item
        assert ("file" in item) != ("text" in item), item
        if "file" in item:
            assert (labels.parent / item["file"]).is_file(), item["file"]


def _fingerprints(split: str) -> set[str]:
    out = set()
    for sample in load_real(split):
        data = sample.data if isinstance(sample.data, bytes) else sample.data.encode()
        out.add(hashlib.sha1(b" ".join(data.lower().split())).hexdigest())
    return out


def test_no_sample_is_in_two_splits() -> None:
    splits = {
        name: _fingerprints(name) for name in ("dev", "test", *(f"test{n}" for n in range(2, 20)))
    }
    for first, one in splits.items():
        for second, other in splits.items():
            assert first >= second or not one & other, (first, second)


def test_accuracy_floor_on_the_development_split(matcher: Matcher) -> None:
    outcomes = evaluate(load_real("dev"), matcher)
    reason_ok = sum(o.correct for o in outcomes) / len(outcomes)
    with_temporary = [o for o in outcomes if o.sample.temporary is not None]
    temporary_ok = sum(o.temporary_correct for o in with_temporary) / len(with_temporary)
    assert reason_ok >= 0.75
    assert temporary_ok >= 0.95
    assert [o.sample.name for o in outcomes if o.unevidenced_provider] == []
