"""Pure parts of the Slack adapter: text conversion, Block Kit limits, state stores, settings."""

from __future__ import annotations

import pytest

from bot.adapters.render_slack import MAX_BLOCKS, render_slack
from bot.adapters.slack_app import check_settings, serve_slack
from bot.adapters.slack_files import allowed_host, is_bounce_file
from bot.adapters.slack_state import MemoryChannelPrefs, MemorySeenStore
from bot.adapters.slack_text import escape, from_slack
from bot.cli import main as cli_main
from bot.config import ConfigError, Settings
from bot.model import CheckResult, Finding, Link, Reply, Section


@pytest.mark.parametrize(
    ("slack", "raw"),
    [
        (
            "550 5.1.1 &lt;<mailto:bob@example.net|bob@example.net>&gt;: user unknown",
            "550 5.1.1 <bob@example.net>: user unknown",
        ),
        (
            "see <http://x.test|x.test> and <https://a.test/p?q=1&amp;r=2>",
            "see x.test and https://a.test/p?q=1&r=2",
        ),
        ("<mailto:a@b.test>", "a@b.test"),
        ("<!channel> <!here> <!everyone>", "@channel @here @everyone"),
        ("<@U123> <@U456|bob> <#C1|general> <#C2>", "@U123 @bob #general #C2"),
        ("<!subteam^S1|@admins>", "@admins"),
        ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
        ("a &amp;lt; b &amp;&amp; c", "a &lt; b && c"),
        ("", ""),
        ("line1\n&gt; quoted", "line1\n> quoted"),
    ],
)
def test_from_slack(slack: str, raw: str) -> None:
    assert from_slack(slack) == raw


def test_escape_round_trip() -> None:
    raw = "<!channel> & <@U1> <b>"
    assert escape(raw) == "&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;b&gt;"
    assert from_slack(escape(raw)) == raw


def _finding(i: int, **changes: object) -> Finding:
    base = Finding(
        title=f"Diagnosis {i % 30}",
        reason="userunknown",
        severity="fail",
        summary="s" * 500,
        who_fixes="the sender",
        recipient=f"user{i}@example.net",
        status="5.1.1",
        reply_code="550",
        quote=f"550 5.1.1 <!here> user{i} " + "q" * 5000,
        steps=(Section("for the sender", tuple("step " * 200 for _ in range(5))),),
        links=(Link("RFC 3463 <x>", "https://www.rfc-editor.org/rfc/rfc3463"),),
    )
    return base.replace(**changes)


def _check_limits(blocks: list[dict], text: str) -> None:
    assert len(blocks) <= MAX_BLOCKS
    assert len(text) <= 3000
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
            assert block["text"]["type"] == "plain_text"
        elif block["type"] == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", ())) <= 10
            for field in block.get("fields", ()):
                assert len(field["text"]) <= 2000
        elif block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
            for element in block["elements"]:
                assert len(element["text"]) <= 3000


def test_renderer_stays_within_limits_for_huge_replies() -> None:
    reply = Reply(
        title="T" * 400 + " <!channel>",
        text="x" * 10_000,
        findings=tuple(_finding(i) for i in range(100)),
        checks=tuple(
            CheckResult(f"c{i}", "fail", "y" * 400, details=tuple("d" * 300 for _ in range(10)))
            for i in range(11)
        ),
        sections=(Section("More", tuple("z" * 500 for _ in range(40))),),
        notes=tuple(f"note {i}" for i in range(20)),
        severity="fail",
    )
    blocks, text = render_slack(reply)
    _check_limits(blocks, text)
    assert "<!channel>" not in str(blocks) and "<!here>" not in str(blocks)
    assert "not shown" in str(blocks)


def test_renderer_groups_recipients_with_the_same_diagnosis() -> None:
    findings = tuple(
        _finding(i, title="Mailbox unknown", quote="550 5.1.1 no such user") for i in range(40)
    )
    blocks, _ = render_slack(
        Reply(title="40 recipients failed", findings=findings, severity="fail")
    )
    text = str(blocks)
    assert text.count("What happened") == 1
    assert "`user0@example.net`" in text and "and 25 more" in text


def test_renderer_shows_what_the_text_renderer_shows() -> None:
    reply = Reply(
        title="Mail DNS for example.com",
        text="1 fail",
        checks=(
            CheckResult(
                "spf", "fail", "No SPF record", details=("looked up TXT",), target="example.com"
            ),
            CheckResult("mx", "ok", "2 hosts"),
            CheckResult("dnssec", "warn", "unsigned"),
            CheckResult("dkim", "error", "timed out"),
        ),
        notes=("Checked in 12 ms.",),
        severity="fail",
    )
    blocks, text = render_slack(reply)
    flat = str(blocks)
    for expected in (
        ":x: *spf*",
        ":white_check_mark: *mx*",
        ":warning: *dnssec*",
        ":grey_question: *dkim*",
        "looked up TXT",
        "`example.com`",
        "Checked in 12 ms.",
    ):
        assert expected in flat
    assert text.startswith("✖ Mail DNS for example.com")


def test_quote_truncated_with_a_note() -> None:
    blocks, _ = render_slack(Reply(title="t", findings=(_finding(1),)))
    quote = next(b for b in blocks if "Server said" in b.get("text", {}).get("text", ""))
    assert "Quote truncated" in quote["text"]["text"]
    assert quote["text"]["text"].count("```") == 2


def test_seen_store_ttl_and_bound() -> None:
    now = [0.0]
    seen = MemorySeenStore(ttl=10, max_keys=3, clock=lambda: now[0])
    assert seen.first_time("a") and not seen.first_time("a")
    now[0] = 11
    assert seen.first_time("a")
    for key in "bcde":
        seen.first_time(key)
    assert len(seen) <= 3


def test_channel_prefs() -> None:
    prefs = MemoryChannelPrefs(default=True)
    assert prefs.auto_reply("C1")
    prefs.set_auto_reply("C1", False)
    assert not prefs.auto_reply("C1") and prefs.auto_reply("C2")


def test_file_helpers() -> None:
    assert is_bounce_file({"name": "Undeliverable.EML"})
    assert is_bounce_file({"name": "x", "mimetype": "message/rfc822"})
    assert not is_bounce_file({"name": "cat.png", "mimetype": "image/png"})
    assert allowed_host("https://files.slack.com/files-pri/T1-F1/x.eml")
    assert not allowed_host("http://files.slack.com/x")  # never the token over plain HTTP
    assert not allowed_host("https://evil.example/x")
    assert allowed_host("http://127.0.0.1:9/files/x", "http://127.0.0.1:9/api/")
    assert not allowed_host("http://127.0.0.1:10/files/x", "http://127.0.0.1:9/api/")


@pytest.mark.parametrize(
    ("settings", "http", "message"),
    [
        (Settings(), False, "SLACK_BOT_TOKEN is not set"),
        (Settings(slack_bot_token="xapp-1"), False, "xoxb-"),
        (Settings(slack_bot_token="xoxb-1"), True, "SLACK_SIGNING_SECRET"),
        (Settings(slack_bot_token="xoxb-1", slack_app_token="xoxb-2"), False, "xapp-"),
    ],
)
def test_missing_or_swapped_tokens_are_config_errors(
    settings: Settings, http: bool, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        serve_slack(settings, http=http, host="127.0.0.1", port=0)


def test_socket_mode_needs_no_signing_secret() -> None:
    assert check_settings(Settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1"), http=False)
    assert not check_settings(
        Settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1", slack_signing_secret="s"),
        http=True,
    )


def test_cli_exits_2_without_tokens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    assert cli_main(["serve", "slack", "--http"]) == 2
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err


def test_manifest_matches_the_app() -> None:
    from pathlib import Path

    import yaml

    manifest = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "deploy" / "slack-manifest.yaml").read_text()
    )
    features = manifest["features"]
    assert {c["command"] for c in features["slash_commands"]} == {"/bounce", "/checkmx", "/headers"}
    assert all(c["should_escape"] is False for c in features["slash_commands"])
    (shortcut,) = features["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == "explain_bounce"
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "channels:history", "groups:history", "files:read"} <= scopes
    settings = manifest["settings"]
    events = set(settings["event_subscriptions"]["bot_events"])
    assert {"message.channels", "message.groups", "file_shared", "app_mention"} <= events
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True


def test_renderer_shows_the_refused_smtp_step() -> None:
    finding = _finding(1, refused_at="MAIL FROM (the sender's address)")
    blocks, _ = render_slack(Reply(title="t", findings=(finding,)))
    fields = [f["text"] for b in blocks for f in b.get("fields", [])]
    assert "*Refused at*\nMAIL FROM (the sender's address)" in fields
    blocks, _ = render_slack(Reply(title="t", findings=(_finding(1),)))
    assert not any("Refused at" in f["text"] for b in blocks for f in b.get("fields", []))
