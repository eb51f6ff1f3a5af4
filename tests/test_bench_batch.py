"""The benchmark's fixed batch of real bounces stays what its numbers were measured on."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "bench" / "batch_files.txt"


def _listed() -> list[str]:
    lines = BATCH.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_the_batch_is_600_plus_real_bounces_that_all_exist() -> None:
    listed = _listed()
    assert len(listed) == len(set(listed)) >= 600
    missing = [path for path in listed if not (ROOT / path).is_file()]
    assert missing == []
    assert all(path.startswith("tests/data/") for path in listed)
    assert not any(path.endswith((".yaml", ".md")) for path in listed)  # messages, not labels
