"""Acceptance: every bounce message of the user's source document, pasted alone, gets its reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.engine.diagnose import analyze
from bot.engine.matcher import Matcher

SEED = yaml.safe_load(
    (Path(__file__).parent / "data" / "seed_messages.yaml").read_text(encoding="utf-8")
)
TEXTS = [item for item in SEED if "text" in item]
CODES = [item for item in SEED if "code" in item]


def test_seed_list_is_complete() -> None:
    assert len(TEXTS) >= 25
    assert {item["code"] for item in CODES} >= {"5.7.1", "5.7.129"}


@pytest.mark.parametrize("item", TEXTS, ids=[item["entry"] for item in TEXTS])
def test_seed_message_pasted_alone(item: dict, matcher: Matcher) -> None:
    analysis = analyze(item["text"], matcher)
    assert analysis.is_bounce
    top = analysis.diagnoses[0]
    assert (top.reason, top.id) == (item["reason"], item["entry"])
    assert top.certain


@pytest.mark.parametrize("item", TEXTS, ids=[item["entry"] for item in TEXTS])
def test_seed_message_with_its_code(item: dict, matcher: Matcher) -> None:
    entry = matcher.kb.get(item["entry"])
    assert entry is not None
    reply = next((c for c in entry.codes if "." not in c), "550")
    status = next((c for c in entry.codes if "." in c and not c.startswith("X")), None)
    prefix = f"{reply} {status} " if status else f"{reply} "
    top = analyze(prefix + " ".join(item["text"].split()), matcher).diagnoses[0]
    assert (top.reason, top.id) == (item["reason"], item["entry"])


@pytest.mark.parametrize("item", CODES, ids=[item["code"] for item in CODES])
def test_seed_codes_give_the_seed_guidance(item: dict, matcher: Matcher) -> None:
    top = analyze(item["code"], matcher).diagnoses[0]
    assert top.id == item["entry"]
