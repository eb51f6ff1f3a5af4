"""The Teams Adaptive Card renderer: schema, size, layout and escaping (issue 15's first part)."""

from __future__ import annotations

import asyncio
import json

from bot.adapters.render_teams import MAX_BYTES, VERSION, card_size, escape, render_teams
from bot.explain import explain
from bot.intent import Deps
from bot.model import CheckResult, Reply
from tests.bounce_factory import Rcpt, make_dsn


def _texts(card: dict) -> str:  # type: ignore[type-arg]
    return json.dumps(card, ensure_ascii=False)


def test_a_bounce_becomes_a_version_1_5_card_with_the_finding_first(deps: Deps) -> None:
    reply = asyncio.run(
        explain("550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown", deps)
    )
    card = render_teams(reply)
    assert card["type"] == "AdaptiveCard" and card["version"] == VERSION == "1.5"
    body = card["body"]
    assert body[0]["text"] == escape(reply.title) and body[0]["weight"] == "Bolder"
    facts = next(b for b in body if b["type"] == "FactSet")
    assert {f["title"] for f in facts["facts"]} >= {"Reason", "Who fixes it"}
    (action,) = card["actions"]
    assert action["type"] == "Action.ShowCard"
    assert "1. " in _texts(action["card"])  # the steps live behind "What to do"


def test_dns_checks_are_a_fact_set() -> None:
    checks = (
        CheckResult("mx", "ok", "2 MX hosts", target="example.net"),
        CheckResult("spf", "fail", "No SPF record", target="example.net"),
    )
    card = render_teams(Reply(title="Mail DNS for example.net", checks=checks))
    facts = [b for b in card["body"] if b["type"] == "FactSet"][-1]["facts"]
    assert facts[1] == {"title": "❌ spf", "value": "No SPF record \\[example.net\\]"}


def test_pasted_text_cannot_mention_or_format(deps: Deps) -> None:
    nasty = "550 5.1.1 <at>Everyone</at> **now** [click](https://evil.example) <bob@example.net>"
    card = render_teams(asyncio.run(explain(nasty, deps, asked=True)))
    text = _texts(card)
    assert "<at>" not in text and "**now**" not in text and "](https://evil" not in text
    assert "msteams" not in card  # no mention entities, ever


def test_a_huge_answer_still_fits_in_a_teams_message(deps: Deps) -> None:
    rcpts = [
        Rcpt(f"user{i}@example.net", "5.1.1", f"550 5.1.1 user{i}: " + "no such user " * 120)
        for i in range(40)
    ]
    reply = asyncio.run(explain(make_dsn(rcpts), deps))
    many = Reply(
        title=reply.title,
        findings=reply.findings,
        checks=tuple(
            CheckResult("dnsbl", "fail", "listed " * 80, target=f"h{i}") for i in range(60)
        ),
        notes=reply.notes,
    )
    card = render_teams(many)
    assert card_size(card) <= MAX_BYTES
