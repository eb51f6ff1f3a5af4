"""Auto-replies: pasted bounces and .eml uploads get a thread; everything else gets nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.config import Settings
from bot.intent import Deps
from tests.bounce_factory import Rcpt, make_dsn
from tests.discord.asserts import assert_silent, assert_within_limits, posted_messages
from tests.discord.events import (
    BOT,
    CHANNEL,
    OTHER_CHANNEL,
    THREAD,
    attachment,
    interaction,
    message,
)
from tests.discord.fakes import FakeChecker
from tests.discord.harness import Harness
from tests.discord.stub import DiscordStub, load_payload

Run = Callable[..., None]
PASTE = """Delivery has failed to these recipients or groups:

k.nakamura@example.net
The email address you entered couldn't be found.

Diagnostic information for administrators:
Generating server: mail.example.com
Remote server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'
"""
MESSAGE_ID = load_payload("message_create.json")["id"]


def post(*payloads: dict) -> Callable[[Harness], object]:
    async def scenario(h: Harness) -> None:
        for data in payloads:
            h.gateway("MESSAGE_CREATE", data)

    return scenario


def eml() -> bytes:
    return make_dsn([Rcpt("k.nakamura@example.net", "5.2.2", "552 5.2.2 Mailbox full")])


def test_pasted_bounce_gets_a_thread_with_the_answer(run: Run, stub: DiscordStub) -> None:
    run(post(message(PASTE)))
    create, answer = stub.api()
    assert create.route == f"POST /api/v10/channels/{CHANNEL}/messages/{MESSAGE_ID}/threads"
    assert create.json["name"].startswith("Bounce: ")
    assert len(create.json["name"]) <= 100
    assert create.json["auto_archive_duration"] == 1440
    # The thread takes the message's id; the answer goes inside it.
    assert answer.route == f"POST /api/v10/channels/{MESSAGE_ID}/messages"
    assert_silent(answer.json)
    assert_within_limits(answer.json)
    fields = {f["name"]: f["value"] for f in answer.json["embeds"][0]["fields"]}
    assert fields["Recipient"] == "k.nakamura@example.net"


def test_uploaded_eml_gets_a_thread(run: Run, stub: DiscordStub) -> None:
    run(post(message(attachments=[attachment(stub, "ndr.eml", eml())])))
    assert [d.path for d in stub.downloads()] == ["/files/ndr.eml"]
    create, answer = stub.api()
    assert create.path.endswith(f"/messages/{MESSAGE_ID}/threads")
    embed = answer.json["embeds"][0]
    assert embed["color"] == 0xD83C3E or embed["color"] == 0xF0B232
    assert "full" in embed["title"].lower()
    assert_silent(answer.json)


def test_long_paste_arriving_as_message_txt_is_read(run: Run, stub: DiscordStub) -> None:
    file = attachment(stub, "message.txt", PASTE.encode(), content_type="text/plain; charset=utf-8")
    run(post(message("", attachments=[file])))
    assert len(stub.downloads()) == 1
    assert len(posted_messages(stub.api())) == 1


def test_pictures_are_not_downloaded(run: Run, stub: DiscordStub) -> None:
    file = attachment(stub, "cat.png", b"\x89PNG....", content_type="image/png")
    run(post(message("look at this", attachments=[file])))
    assert stub.downloads() == []
    assert stub.api() == []


def test_oversized_eml_upload_is_not_downloaded(run: Run, stub: DiscordStub) -> None:
    file = attachment(stub, "ndr.eml", eml(), size=80 * 1024 * 1024)
    run(post(message(attachments=[file])))
    assert stub.downloads() == []
    assert stub.api() == []


def test_inside_a_thread_the_answer_goes_in_place(run: Run, stub: DiscordStub) -> None:
    run(post(message(PASTE, channel_id=THREAD)))
    (answer,) = stub.api()
    assert answer.route == f"POST /api/v10/channels/{THREAD}/messages"
    assert answer.json["message_reference"]["message_id"] == int(MESSAGE_ID)
    assert_silent(answer.json)


@pytest.mark.parametrize(
    "text", ["hello team, is the printer fixed?", "Thanks! The 550 meeting room is free.", ""]
)
def test_ordinary_messages_get_nothing(run: Run, stub: DiscordStub, text: str) -> None:
    run(post(message(text)))
    assert stub.api() == []


def test_bots_and_webhooks_are_ignored(run: Run, stub: DiscordStub) -> None:
    other_bot = message(PASTE, author={**message()["author"], "bot": True})
    ourselves = message(PASTE, author=load_payload("user_me.json"))
    webhook = message(PASTE, webhook_id="1600000000000000001")
    run(post(other_bot, ourselves, webhook))
    assert stub.api() == []
    assert stub.downloads() == []


def test_only_watched_channels_and_their_threads(run: Run, stub: DiscordStub, deps: Deps) -> None:
    settings = Settings(dns_enabled=False, discord_channels=(CHANNEL,))
    run(
        post(message(PASTE, channel_id=OTHER_CHANNEL), message(PASTE, channel_id=THREAD)),
        settings=settings,
    )
    assert [r.path for r in stub.api()] == [f"/api/v10/channels/{THREAD}/messages"]


def test_auto_replies_can_be_turned_off(run: Run, stub: DiscordStub) -> None:
    run(post(message(PASTE)), settings=Settings(dns_enabled=False, auto_reply=False))
    assert stub.api() == []


def test_without_message_content_intent_nothing_is_read(run: Run, stub: DiscordStub) -> None:
    # Discord sends guild messages without content or attachments when the intent is off.
    run(post(message("")), message_content=False)
    assert stub.api() == []


def test_mentioning_the_bot_always_gets_an_answer(run: Run, stub: DiscordStub) -> None:
    data = message(
        f"<@{BOT}> what does this mean? all good here", mentions=[load_payload("user_me.json")]
    )
    run(post(data))
    create, answer = stub.api()
    assert create.path.endswith("/threads")
    assert answer.json["embeds"][0]["title"] == "Not a bounce"


@pytest.mark.parametrize(
    "settings",
    [
        Settings(dns_enabled=False, auto_reply=False),
        Settings(dns_enabled=False, discord_channels=(CHANNEL,)),
    ],
    ids=["auto-replies off", "channel not watched"],
)
def test_a_mention_is_answered_even_where_auto_replies_are_off(
    run: Run, stub: DiscordStub, settings: Settings
) -> None:
    data = message(
        f"<@{BOT}> {PASTE}", channel_id=OTHER_CHANNEL, mentions=[load_payload("user_me.json")]
    )
    run(post(data, message(PASTE, channel_id=OTHER_CHANNEL)), settings=settings)
    create, answer = stub.api()  # the mention only: the plain paste beside it stays unanswered
    assert create.path == f"/api/v10/channels/{OTHER_CHANNEL}/messages/{MESSAGE_ID}/threads"
    assert answer.json["embeds"][0]["title"] != "Not a bounce"


def test_thread_refused_falls_back_to_a_reply(run: Run, stub: DiscordStub) -> None:
    stub.fail_threads = True
    run(post(message(PASTE)))
    refused, answer = stub.api()
    assert refused.path.endswith("/threads")
    assert answer.route == f"POST /api/v10/channels/{CHANNEL}/messages"
    assert answer.json["message_reference"]["message_id"] == int(MESSAGE_ID)
    assert_silent(answer.json)


def test_without_embed_links_answers_in_text_without_previews(run: Run, stub: DiscordStub) -> None:
    guild = load_payload("guild_create.json")
    role = guild["roles"][0]
    role["permissions"] = str(int(role["permissions"]) & ~(1 << 14))  # no Embed Links
    run(post(message(PASTE)), guild=guild)
    _, *answers = stub.api()
    assert answers
    for answer in answers:
        body = answer.json
        assert "embeds" not in body or not body["embeds"]
        assert len(body["content"]) <= 2000
        assert_silent(body)
    text = "\n".join(a.json["content"] for a in answers)
    assert "k.nakamura@example.net" in text
    with_links = [a.json for a in answers if "http" in a.json["content"]]
    assert with_links
    assert all(body["flags"] & 4 for body in with_links)  # SUPPRESS_EMBEDS


def test_dns_evidence_is_shown_as_fields(run: Run, stub: DiscordStub, deps: Deps) -> None:
    with_dns = Deps(knowledge=deps.knowledge, settings=Settings(), dns=FakeChecker())
    auth = (
        "550 5.7.26 This mail has been blocked because the sender is unauthenticated. "
        "Gmail requires all senders to authenticate with either SPF or DKIM. "
        "SPF [example.com] with ip: [203.0.113.25] = did not pass - gsmtp"
    )
    run(post(message(auth)), use_deps=with_dns)
    bodies = posted_messages(stub.api())
    embeds = [e for body in bodies for e in body["embeds"]]
    dns = next(e for e in embeds if e["title"] == "DNS evidence")
    assert any(f["name"].startswith("❌ spf") for f in dns["fields"])
    for body in bodies:
        assert_silent(body)


def test_logs_hold_no_bounce_text_or_interaction_token(
    run: Run, stub: DiscordStub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    caplog.set_level("DEBUG", logger="bot")
    token = interaction("bounce")["token"]

    async def scenario(h: Harness) -> None:
        h.gateway("MESSAGE_CREATE", message(PASTE))
        h.gateway("INTERACTION_CREATE", interaction("bounce"))

    run(scenario)
    assert len(stub.api()) == 4
    assert caplog.records
    for record in caplog.records:
        text = record.getMessage()
        assert token not in text
        if record.levelname != "DEBUG":
            assert "RecipNotFound" not in text and "k.nakamura" not in text


def test_direct_messages_are_answered_in_place(run: Run, stub: DiscordStub) -> None:
    dm = message(PASTE, channel_id="1700000000000000001")
    del dm["guild_id"], dm["member"]
    run(post(dm), settings=Settings(dns_enabled=False, discord_channels=(CHANNEL,)))
    (answer,) = stub.api()
    assert answer.route == "POST /api/v10/channels/1700000000000000001/messages"
    assert answer.json["embeds"]
    assert_silent(answer.json)
