"""Reply -> embeds: same content as the terminal renderer, inside Discord's limits, never pinging."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.adapters.render_discord import (
    COLOURS,
    DiscordMessage,
    code_block,
    escape,
    render_discord,
    render_plain,
)
from bot.explain import explain
from bot.intent import Deps
from bot.model import CheckResult, Finding, Link, Reply, Section
from tests.discord.asserts import assert_silent, assert_within_limits


def bodies(messages: list[DiscordMessage]) -> list[dict[str, Any]]:
    """What discord.py would send for each message (plus the client's allowed_mentions)."""
    return [
        {
            "content": m.content,
            "embeds": [e.to_dict() for e in m.embeds],
            "allowed_mentions": {"parse": []},
        }
        for m in messages
    ]


def finding(index: int = 0, **changes: Any) -> Finding:
    base: dict[str, Any] = {
        "title": f"Diagnosis number {index}",
        "reason": "userunknown",
        "severity": "fail",
        "summary": "The mailbox does not exist.",
        "who_fixes": "the sender",
        "temporary": False,
        "recipient": f"user{index}@example.net",
        "status": "5.1.1",
        "reply_code": "550",
        "quote": "550 5.1.1 user unknown",
        "steps": (Section("for the sender", ("Check the spelling.", "Ask for a new address.")),),
        "links": (Link("RFC 3463", "https://www.rfc-editor.org/rfc/rfc3463"),),
    }
    base.update(changes)
    return Finding(**base)


def test_single_finding_embed_has_reason_colour_fixer_steps_and_links() -> None:
    reply = Reply(
        title="The address does not exist",
        text="550 5.1.1 · The recipient's mailbox does not exist · permanent",
        findings=(finding(),),
        severity="fail",
        notes=("Checked in 12 ms.",),
    )
    (message,) = render_discord(reply)
    (embed,) = message.embeds
    assert embed.title == "The address does not exist"
    assert embed.colour is not None and embed.colour.value == COLOURS["fail"]
    assert "**What happened**\nThe mailbox does not exist." in (embed.description or "")
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Recipient"] == "user0@example.net"
    assert fields["Code"] == "550 5.1.1"
    assert fields["Reason"] == "userunknown (permanent)"
    assert fields["Who fixes it"] == "the sender"
    assert fields["For the sender"] == "1. Check the spelling.\n2. Ask for a new address."
    assert fields["More"] == "[RFC 3463](https://www.rfc-editor.org/rfc/rfc3463)"
    assert fields["Server said"] == "```\n550 5.1.1 user unknown\n```"
    assert fields["Notes"] == "- Checked in 12 ms."


def test_colour_follows_severity() -> None:
    for severity in ("fail", "warn", "ok", "info"):
        (message,) = render_discord(Reply(title="x", severity=severity))
        assert message.embeds[0].colour is not None
        assert message.embeds[0].colour.value == COLOURS[severity]


def test_same_content_as_the_terminal_renderer(deps: Deps) -> None:
    eml = (
        "Remote server returned '550 5.7.26 This mail has been blocked because the sender is "
        "unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. - gsmtp'"
    )
    reply = asyncio.run(explain(eml, deps))
    assert reply.findings
    sent = json.dumps(bodies(render_discord(reply)), ensure_ascii=False)
    the = reply.findings[0]
    for expected in (reply.title, the.who_fixes, the.quote, the.reason):
        assert expected in sent
    for section in the.steps:
        for line in section.lines:
            assert json.dumps(line, ensure_ascii=False)[1:-1] in sent
    for link in the.links:
        assert link.url in sent


def test_dns_results_are_fields_with_status_icons() -> None:
    checks = (
        CheckResult("spf", "fail", "No SPF record", target="example.com"),
        CheckResult("mx", "ok", "2 MX hosts", details=("mx1.example.com", "mx2.example.com")),
        CheckResult("dnsbl", "error", "Could not check"),
    )
    (message,) = render_discord(Reply(title="Mail DNS for example.com", checks=checks))
    dns = message.embeds[-1]
    assert dns.title == "DNS evidence"
    assert dns.colour is not None and dns.colour.value == COLOURS["fail"]
    fields = {f.name: f.value for f in dns.fields}
    assert fields == {
        "❌ spf · example.com": "No SPF record",
        "✅ mx": "2 MX hosts\n· mx1.example.com\n· mx2.example.com",
        "❔ dnsbl": "Could not check",
    }


def test_long_quote_is_truncated_with_a_note_and_the_fence_closes() -> None:
    quote = "550 5.7.1 " + "blocked by policy " * 300 + "``` end"
    (message,) = render_discord(Reply(title="x", findings=(finding(quote=quote),)))
    value = next(f.value for f in message.embeds[0].fields if f.name == "Server said")
    assert value is not None and len(value) <= 1024
    assert value.endswith("*Quote shortened: the full text is in the bounce.*")
    assert value.count("```") == 2


def test_code_block_cannot_be_broken_out_of() -> None:
    block = code_block("a ``` @everyone", 1024)
    assert block.count("```") == 2
    assert "@\u200beveryone" in block


def test_mentions_are_escaped_but_ordinary_addresses_stay_intact() -> None:
    text = "@everyone @here <@123456789012345678> <@!1> <@&42> mail a@example.com"
    escaped = escape(text)
    assert "@\u200beveryone" in escaped and "@\u200bhere " in escaped
    assert "<@\u200b123456789012345678>" in escaped
    assert "<@\u200b!1>" in escaped and "<@\u200b&42>" in escaped
    assert "a@example.com" in escaped


def test_user_text_everywhere_is_escaped() -> None:
    evil = "@everyone <@1100000000000000200>"
    reply = Reply(
        title=f"Mail DNS for {evil}",
        text=evil,
        findings=(finding(recipient=evil, quote=evil, title=evil),),
        checks=(CheckResult("spf", "warn", evil, details=(evil,), target=evil),),
        sections=(Section(evil, (evil,)),),
        notes=(evil,),
    )
    for body in bodies(render_discord(reply)) + bodies(render_plain(reply)):
        assert_silent(body)


def test_huge_reply_fits_discord_limits() -> None:
    steps = tuple(Section(f"for audience {i}", ("step " * 80,) * 6) for i in range(4))
    findings = tuple(
        finding(
            i,
            title=f"Diagnosis {i} " + "t" * 400,
            summary="s" * 5000,
            quote="q" * 2000,
            steps=steps,
            links=tuple(Link(f"link {n}", f"https://example.com/{n}") for n in range(30)),
        )
        for i in range(60)
    )
    checks = tuple(CheckResult(f"check{i}", "warn", "w" * 900) for i in range(40))
    reply = Reply(
        title="T" * 1000,
        text="x" * 10000,
        findings=findings,
        checks=checks,
        sections=(Section("Usage", ("line " * 100,) * 40),),
        notes=("n" * 3000,),
    )
    messages = render_discord(reply)
    assert 1 <= len(messages) <= 3
    for body in bodies(messages):
        assert_within_limits(body)
    assert messages[0].embeds[0].title is not None and len(messages[0].embeds[0].title) <= 256


def test_many_recipients_with_one_diagnosis_are_one_embed() -> None:
    findings = tuple(finding(i, title="Unknown user") for i in range(150))
    reply = Reply(title="150 recipients failed", findings=findings, severity="fail")
    (message,) = render_discord(reply)
    (embed,) = message.embeds
    recipients = next(f for f in embed.fields if f.name == "Recipients (150)")
    assert recipients.value is not None
    assert recipients.value.endswith("and 130 more")


def test_plain_text_fallback_splits_and_suppresses_previews() -> None:
    reply = Reply(
        title="Long",
        findings=tuple(finding(i, title=f"Diagnosis {i}") for i in range(6)),
        notes=("@here see https://example.com/x",),
    )
    messages = render_plain(reply)
    assert len(messages) == 2
    for message in messages:
        assert len(message.content) <= 2000
        assert not message.embeds
        assert message.suppress_embeds == ("http" in message.content)
    assert any(m.suppress_embeds for m in messages)
    assert "@\u200bhere see https://example.com/x" in messages[-1].content


def test_the_refused_smtp_step_is_a_field() -> None:
    reply = Reply(title="t", findings=(finding(refused_at="RCPT TO (the recipient's address)"),))
    (message,) = render_discord(reply)
    fields = {f.name: f.value for f in message.embeds[0].fields}
    assert fields["Refused at"] == "RCPT TO (the recipient's address)"
    (plain,) = render_discord(Reply(title="t", findings=(finding(),)))
    assert "Refused at" not in {f.name for f in plain.embeds[0].fields}
