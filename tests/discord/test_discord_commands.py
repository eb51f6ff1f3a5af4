"""/bounce, /checkmx and the "Explain bounce" context menu: defer at once, answer in follow-ups."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.config import Settings
from bot.intent import Deps
from tests.bounce_factory import Rcpt, make_dsn
from tests.discord.asserts import assert_silent, assert_within_limits, posted_messages
from tests.discord.events import BOT, attachment, interaction
from tests.discord.fakes import FakeChecker
from tests.discord.harness import Harness
from tests.discord.stub import DiscordStub, load_payload

TOKEN = load_payload("interaction_bounce.json")["token"]
CALLBACK = rf"^/interactions/\d+/{TOKEN}/callback$"
FOLLOWUP = rf"^/webhooks/{BOT}/{TOKEN}$"

Run = Callable[..., None]


def deliver(*events: tuple[str, dict]) -> Callable[[Harness], object]:
    async def scenario(h: Harness) -> None:
        for name, data in events:
            h.gateway(name, data)

    return scenario


def user_unknown_eml() -> bytes:
    return make_dsn(
        [
            Rcpt(
                "k.nakamura@example.net",
                "5.1.1",
                "550 5.1.1 <k.nakamura@example.net>: Recipient address rejected: "
                "User unknown in virtual mailbox table",
            )
        ]
    )


def test_bounce_defers_first_then_posts_a_follow_up(run: Run, stub: DiscordStub) -> None:
    run(deliver(("INTERACTION_CREATE", interaction("bounce"))))
    calls = stub.api()
    assert [c.method for c in calls] == ["POST", "POST"]
    defer, follow_up = calls
    assert defer.path.endswith(f"/{TOKEN}/callback")
    assert defer.json == {"type": 5}  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    assert follow_up.path == f"/api/v10/webhooks/{BOT}/{TOKEN}"
    assert defer.at <= follow_up.at
    body = follow_up.json
    assert_silent(body)
    assert_within_limits(body)
    embed = body["embeds"][0]
    assert "does not exist" in embed["title"]
    names = [f["name"] for f in embed["fields"]]
    assert {"Code", "Reason", "Who fixes it", "Server said"} <= set(names)
    assert embed["color"] == 0xD83C3E  # permanent failure: red


def test_bounce_with_eml_attachment_downloads_and_explains(run: Run, stub: DiscordStub) -> None:
    data = interaction("bounce_file")
    file = attachment(stub, "bounce.eml", user_unknown_eml())
    data["data"]["resolved"]["attachments"] = {file["id"]: file}
    run(deliver(("INTERACTION_CREATE", data)))
    assert [d.path for d in stub.downloads()] == ["/files/bounce.eml"]
    defer, follow_up = stub.api()
    assert defer.json == {"type": 5}
    assert defer.at <= stub.downloads()[0].at <= follow_up.at
    embed = follow_up.json["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Recipient"] == "k.nakamura@example.net"
    assert "5.1.1" in fields["Code"]
    assert_silent(follow_up.json)


def test_bounce_attachment_over_the_cap_is_never_downloaded(run: Run, stub: DiscordStub) -> None:
    data = interaction("bounce_file")
    file = attachment(stub, "bounce.eml", user_unknown_eml(), size=50 * 1024 * 1024)
    data["data"]["resolved"]["attachments"] = {file["id"]: file}
    run(deliver(("INTERACTION_CREATE", data)))
    assert stub.downloads() == []
    _, follow_up = stub.api()
    embed = follow_up.json["embeds"][0]
    assert embed["title"] == "File too large"
    assert "50.0 MB" in embed["description"]


def test_attachment_bigger_than_announced_is_dropped(run: Run, stub: DiscordStub) -> None:
    eml = user_unknown_eml()
    data = interaction("bounce_file")
    file = attachment(stub, "bounce.eml", eml, size=100)
    data["data"]["resolved"]["attachments"] = {file["id"]: file}
    run(deliver(("INTERACTION_CREATE", data)), max_attachment_bytes=len(eml) - 1)
    assert len(stub.downloads()) == 1
    assert stub.api()[-1].json["embeds"][0]["title"] == "File too large"


def test_checkmx_defers_before_slow_dns_work(run: Run, stub: DiscordStub, deps: Deps) -> None:
    checker = FakeChecker(delay=0.3)
    slow = Deps(knowledge=deps.knowledge, settings=Settings(), dns=checker)
    run(deliver(("INTERACTION_CREATE", interaction("checkmx"))), use_deps=slow)
    defer, follow_up = stub.api()
    assert defer.json == {"type": 5}
    assert defer.at <= checker.started[0]
    assert follow_up.at - defer.at >= 0.25
    embeds = follow_up.json["embeds"]
    assert embeds[0]["title"] == "Mail DNS for example.com"
    dns = next(e for e in embeds if e["title"] == "DNS evidence")
    fields = {f["name"]: f["value"] for f in dns["fields"]}
    assert fields["❌ spf · example.com"] == "No SPF record"
    assert "✅ mx · example.com" in fields
    assert_silent(follow_up.json)  # the DMARC detail holds "@everyone@": escaped


def test_context_menu_explains_the_target_message(run: Run, stub: DiscordStub) -> None:
    data = interaction("context_menu")
    target = next(iter(data["data"]["resolved"]["messages"].values()))
    target["content"] = "Hi, got this today:\n550 5.7.26 Unauthenticated email is not accepted"
    run(deliver(("INTERACTION_CREATE", data)))
    defer, follow_up = stub.api()
    assert defer.json == {"type": 5}
    embed = follow_up.json["embeds"][0]
    assert "5.7.26" in {f["name"]: f["value"] for f in embed["fields"]}["Code"]
    assert_silent(follow_up.json)


def test_context_menu_reads_an_eml_on_the_message(run: Run, stub: DiscordStub) -> None:
    data = interaction("context_menu")
    target = next(iter(data["data"]["resolved"]["messages"].values()))
    target["attachments"] = [attachment(stub, "ndr.eml", user_unknown_eml())]
    run(deliver(("INTERACTION_CREATE", data)))
    assert len(stub.downloads()) == 1
    fields = {f["name"]: f["value"] for f in stub.api()[-1].json["embeds"][0]["fields"]}
    assert fields["Recipient"] == "k.nakamura@example.net"


@pytest.mark.parametrize("content", ["lunch at noon?", ""])
def test_context_menu_always_answers(run: Run, stub: DiscordStub, content: str) -> None:
    data = interaction("context_menu")
    next(iter(data["data"]["resolved"]["messages"].values()))["content"] = content
    run(deliver(("INTERACTION_CREATE", data)))
    defer, follow_up = stub.api()
    assert defer.json == {"type": 5}
    title = follow_up.json["embeds"][0]["title"]
    assert title == ("Not a bounce" if content else "Nothing to explain")


def test_huge_multi_recipient_bounce_stays_within_discord_limits(
    run: Run, stub: DiscordStub
) -> None:
    statuses = ["5.1.1", "5.2.2", "4.2.2", "5.7.1", "5.4.1", "5.2.1", "4.4.1", "5.7.26", "5.3.4"]
    recipients = [
        Rcpt(
            f"user{i:03d}-{'x' * 40}@dept{i % 7}.example.net",
            statuses[i % len(statuses)],
            f"550 {statuses[i % len(statuses)]} <user{i:03d}@example.net> rejected: "
            + "policy text " * 60,
        )
        for i in range(300)
    ]
    data = interaction("bounce_file")
    file = attachment(stub, "bounce.eml", make_dsn(recipients))
    data["data"]["resolved"]["attachments"] = {file["id"]: file}
    run(deliver(("INTERACTION_CREATE", data)))
    bodies = posted_messages(stub.api())
    assert 1 <= len(bodies) <= 3
    for body in bodies:
        assert_within_limits(body)
        assert_silent(body)
    text = str(bodies)
    assert "more" in text  # recipients or diagnoses beyond what fits are counted, not dropped


def test_mention_injection_is_rendered_harmless(run: Run, stub: DiscordStub) -> None:
    evil = (
        "550 5.1.1 <@1100000000000000200> @everyone @here <@&1100000000000000001> "
        "<@!1100000000000000200> user unknown"
    )
    data = interaction("bounce")
    data["data"]["options"][0]["value"] = evil
    run(deliver(("INTERACTION_CREATE", data)))
    _, follow_up = stub.api()
    body = follow_up.json
    assert_silent(body)
    quote = {f["name"]: f["value"] for f in body["embeds"][0]["fields"]}["Server said"]
    assert (
        "<@\u200b1100000000000000200> @\u200beveryone @\u200bhere "
        "<@\u200b&1100000000000000001> <@\u200b!1100000000000000200>"
    ) in quote


def test_commands_and_context_menu_work_without_the_intent(run: Run, stub: DiscordStub) -> None:
    menu = interaction("context_menu")
    next(iter(menu["data"]["resolved"]["messages"].values()))["content"] = "550 5.1.1 user unknown"
    run(
        deliver(("INTERACTION_CREATE", interaction("bounce")), ("INTERACTION_CREATE", menu)),
        message_content=False,
    )
    calls = stub.api()
    assert sorted(c.json.get("type") for c in calls if c.path.endswith("/callback")) == [5, 5]
    assert len(posted_messages(calls)) == 2


def test_headers_command_answers_with_findings_first(run: Run, stub: DiscordStub) -> None:
    run(deliver(("INTERACTION_CREATE", interaction("headers"))))
    defer, answer = stub.api()
    assert defer.json == {"type": 5}
    embeds = answer.json["embeds"]
    assert embeds[0]["title"].startswith("Message headers")
    fields = [f["name"] for e in embeds for f in e.get("fields", [])]
    assert fields.index("Findings") < fields.index("Path, oldest first (UTC)")
    assert answer.json["allowed_mentions"] == {"parse": []}
