"""The registry: finds every intent, routes commands and pastes, never lets an error reach chat."""

from __future__ import annotations

import asyncio

import pytest

from bot.intent import Deps, Intent
from bot.model import Attachment, Incoming, Reply
from bot.registry import Registry, discover
from tests.bounce_factory import Rcpt, make_dsn


def ask(registry: Registry, deps: Deps, **fields: object) -> Reply | None:
    return asyncio.run(registry.handle(Incoming(**fields), deps))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.default()


def test_every_intent_module_is_found() -> None:
    assert {i.name for i in discover()} >= {"bounce", "paste", "help", "checkmx"}


def test_commands_route_to_their_intent(registry: Registry, deps: Deps) -> None:
    reply = ask(registry, deps, text="5.7.129", command="bounce")
    assert reply is not None and reply.findings[0].reason == "filtered"
    help_reply = ask(registry, deps, text="", command="help")
    assert help_reply is not None and "bounce" in " ".join(help_reply.sections[0].lines)


def test_plain_talk_gets_no_reply(registry: Registry, deps: Deps) -> None:
    assert ask(registry, deps, text="did my mail to bob bounce?") is None


def test_pasted_bounce_gets_a_reply(registry: Registry, deps: Deps) -> None:
    reply = ask(
        registry, deps, text="550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown"
    )
    assert reply is not None and reply.findings[0].reason == "userunknown"


def test_uploaded_eml_is_explained(registry: Registry, deps: Deps) -> None:
    eml = make_dsn([Rcpt("bob@example.net", "5.2.2", "552 5.2.2 Mailbox full")])
    reply = ask(registry, deps, text="", files=(Attachment("bounce.eml", eml, "message/rfc822"),))
    assert reply is not None and reply.findings[0].reason == "mailboxfull"


def test_out_of_office_paste_stays_quiet_unless_asked(registry: Registry, deps: Deps) -> None:
    ooo = "Subject: Automatic reply: hello\nAuto-Submitted: auto-replied\n\nI am out of the office until Monday.\n"
    assert ask(registry, deps, text=ooo) is None
    reply = ask(registry, deps, text=ooo, explicit=True)
    assert reply is not None and reply.findings[0].reason == "vacation"


def test_mistyped_command_gets_a_suggestion(registry: Registry, deps: Deps) -> None:
    reply = ask(registry, deps, text="5.7.1", command="bounse")
    assert reply is not None and "Did you mean 'bounce'?" in reply.text


def test_a_failing_intent_gives_a_polite_reply(deps: Deps) -> None:
    async def broken(incoming: Incoming, deps: Deps) -> Reply:
        raise RuntimeError("boom: secret internals")

    registry = Registry([Intent(name="broken", handle=broken, commands=("broken",))])
    reply = ask(registry, deps, text="", command="broken")
    assert reply is not None
    assert "internal error" in reply.text and "boom" not in reply.text


def test_two_intents_cannot_claim_one_command() -> None:
    async def handle(incoming: Incoming, deps: Deps) -> None:
        return None

    with pytest.raises(ValueError, match="claimed by two intents"):
        Registry([Intent("a", handle, commands=("x",)), Intent("b", handle, commands=("x",))])


def _limited_deps(deps: Deps, user: int, channel: int) -> Deps:
    from bot.store import MemoryStore, RateLimiter

    store = MemoryStore()
    limiter = RateLimiter(store, per_user=(user, 60), per_channel=(channel, 60))
    return deps.replace(store=store, limiter=limiter)


def test_commands_over_the_limit_get_a_polite_answer(registry: Registry, deps: Deps) -> None:
    limited = _limited_deps(deps, user=2, channel=100)
    answers = [
        ask(
            registry,
            limited,
            text="5.1.1",
            command="bounce",
            user="U1",
            channel="C1",
            platform="slack",
        )
        for _ in range(3)
    ]
    assert answers[0] is not None and answers[0].findings
    assert answers[2] is not None and answers[2].title == "Slow down a little"
    other_user = ask(
        registry, limited, text="5.1.1", command="bounce", user="U2", channel="C1", platform="slack"
    )
    assert other_user is not None and other_user.findings


def test_a_paste_storm_gives_one_notice_not_a_thread_each(registry: Registry, deps: Deps) -> None:
    limited = _limited_deps(deps, user=1000, channel=3)
    paste = "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown"
    replies = [
        ask(registry, limited, text=paste, user=f"U{n}", channel="C9", platform="slack")
        for n in range(50)
    ]
    assert sum(1 for r in replies if r is not None and r.findings) == 3
    notices = [r for r in replies if r is not None and r.title == "Many bounces at once"]
    assert len(notices) == 1
    assert sum(1 for r in replies if r is None) == 46


def test_the_console_is_never_limited(registry: Registry, deps: Deps) -> None:
    limited = _limited_deps(deps, user=1, channel=1)
    for _ in range(5):
        reply = ask(
            registry, limited, text="5.1.1", command="bounce", user="you", channel="console"
        )
        assert reply is not None and reply.findings


def test_text_attachments_are_explained_only_when_they_hold_a_bounce(
    registry: Registry, deps: Deps
) -> None:
    bounce = b"<bob@example.net>: host mx.example.net[198.51.100.4] said: 550 5.1.1 User unknown (in reply to RCPT TO command)\n"
    pasted = Attachment("message.txt", bounce * 50, "text/plain; charset=utf-8")
    reply = ask(registry, deps, text="", files=(pasted,))
    assert reply is not None and reply.findings[0].recipient == "bob@example.net"
    notes = Attachment("notes.txt", b"meeting notes: ship on friday\n" * 50, "text/plain")
    assert ask(registry, deps, text="", files=(notes,)) is None


def test_auto_replies_are_counted(registry: Registry, deps: Deps) -> None:
    from bot.metrics import METRICS

    before = METRICS.value("ndrbot_auto_replies_total", platform="discord")
    ask(
        registry,
        deps,
        text="550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown",
        platform="discord",
    )
    ask(registry, deps, text="lunch at noon?", platform="discord")
    ask(registry, deps, text="5.1.1", command="bounce", platform="discord")
    assert METRICS.value("ndrbot_auto_replies_total", platform="discord") == before + 1
