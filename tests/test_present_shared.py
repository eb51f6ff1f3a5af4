"""Replies that name the same entry share its steps and their rendering; an edited entry (a hot
reload) is never answered with the words it had before."""

from __future__ import annotations

from bot.adapters.render_text import render_text
from bot.engine.diagnose import analyze
from bot.engine.matcher import Matcher
from bot.knowledge import parse_knowledge
from bot.present import reply_for_analysis

ENTRY = """\
version: 1
entries:
  - id: demo-entry
    title: Demo
    reason: userunknown
    codes: ["550", "5.1.1"]
    patterns: ["Recipient address rejected: no such user here"]
    explain: {explain}
    who_fixes: sender
    fix:
      sender: [{step}]
"""
BOUNCE = "550 5.1.1 <bob@example.org>: Recipient address rejected: no such user here"


def rendered(explain: str, step: str) -> str:
    kb = parse_knowledge(ENTRY.format(explain=explain, step=step))
    return render_text(reply_for_analysis(analyze(BOUNCE, Matcher(kb), asked=True)))


def test_an_edited_entry_is_rendered_with_its_new_words() -> None:
    before = rendered("The mailbox is gone for good.", "Check the address.")
    after = rendered("The mailbox was closed.", "Ask for the new address.")
    assert "Check the address." in before and "gone for good" in before
    assert "Ask for the new address." in after and "was closed" in after
    assert "Check the address." not in after and "gone for good" not in after


def test_the_same_entry_renders_the_same_every_time() -> None:
    kb = parse_knowledge(ENTRY.format(explain="The mailbox does not exist.", step="Check it."))
    matcher = Matcher(kb)
    first = reply_for_analysis(analyze(BOUNCE, matcher, asked=True))
    second = reply_for_analysis(analyze(BOUNCE, matcher, asked=True))
    assert first.findings[0].steps is second.findings[0].steps  # made once for the entry
    assert render_text(first) == render_text(second)
    assert render_text(first, width=40) != render_text(first)  # each width its own rendering
    assert render_text(first, color=True) != render_text(first)
