"""The real Bolt app over HTTP on 127.0.0.1: commands, auto-replies, files, shortcut, safety."""

from __future__ import annotations

import http.client
import json
import logging
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import Harness
from slackstub import TOKEN, event_body, post, sign

from bot.adapters.slack_app import LOOKING

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from bounce_factory import Rcpt, make_dsn  # noqa: E402

# What Slack delivers when someone pastes "550 5.1.1 <bob@example.net>: ... User unknown":
PASTE = (
    "550 5.1.1 &lt;<mailto:bob@example.net|bob@example.net>&gt;: Recipient address rejected: "
    "User unknown in virtual mailbox table"
)
PASTE_RAW = "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown"


def message(text: str, ts: str = "1700000000.000100", **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": "C0001",
        "channel_type": "channel",
        "user": "U0001",
        "text": text,
        "ts": ts,
        "event_ts": ts,
        **extra,
    }


def all_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


# -- slash commands ------------------------------------------------------------------------------


def test_bounce_command_acks_at_once_and_answers_via_response_url(slack: Harness) -> None:
    url = slack.response_url("bounce")
    status, body, seconds = slack.command("/bounce", "5.7.1", response_url=url)
    assert status == 200
    ack = json.loads(body)
    assert ack == {"text": LOOKING, "response_type": "ephemeral"}
    assert seconds < 1.0
    slack.settle()
    answers = [r for r in slack.stub.responses() if r.path == "/response/bounce"]
    assert len(answers) == 1
    answer = answers[0].json
    assert answer["response_type"] == "ephemeral"
    assert answer["replace_original"] is True
    assert answer["unfurl_links"] is False and answer["unfurl_media"] is False
    assert answer["blocks"][0]["type"] == "header"
    assert "5.7.1" in all_text(answer)
    assert "refused" in answer["text"].lower()


def test_bounce_help_lists_slack_features(slack: Harness) -> None:
    status, body, _ = slack.command("/bounce", "help")
    assert status == 200 and body == b""
    slack.settle()
    (answer,) = slack.stub.responses()
    text = all_text(answer.json)
    assert "/checkmx" in text and "Explain bounce" in text and "/bounce auto off" in text


def test_bounce_command_with_pasted_text(slack: Harness) -> None:
    slack.command("/bounce", PASTE)
    slack.settle()
    (answer,) = slack.stub.responses()
    text = all_text(answer.json)
    assert "bob@example.net" in text
    assert "mailto:" not in text


def test_checkmx_without_dns_still_answers(slack: Harness) -> None:
    status, body, _ = slack.command("/checkmx", "example.com")
    assert status == 200 and json.loads(body)["text"] == LOOKING
    slack.settle()
    (answer,) = slack.stub.responses()
    assert "DNS checks are turned off" in all_text(answer.json)


def test_unknown_subcommand_text_is_explained_not_crashing(slack: Harness) -> None:
    slack.command("/bounce", "")
    slack.settle()
    (answer,) = slack.stub.responses()
    assert "Explain a bounce" in all_text(answer.json)


# -- auto-replies to pasted bounces --------------------------------------------------------------


def test_pasted_bounce_gets_exactly_one_threaded_reply(slack: Harness) -> None:
    status, _, _ = slack.event(message(PASTE, ts="1700000000.000100"))
    assert status == 200
    slack.settle()
    posts = slack.stub.posts()
    assert len(posts) == 1
    reply = posts[0]
    assert reply["channel"] == "C0001"
    assert reply["thread_ts"] == "1700000000.000100"
    assert reply["unfurl_links"] is False and reply["unfurl_media"] is False
    assert len(reply["blocks"]) <= 50
    assert "mailbox does not exist" in all_text(reply).lower()


def test_paste_inside_a_thread_answers_in_that_thread(slack: Harness) -> None:
    slack.event(message(PASTE, ts="1700000000.000200", thread_ts="1700000000.000001"))
    slack.settle()
    (reply,) = slack.stub.posts()
    assert reply["thread_ts"] == "1700000000.000001"


def test_ordinary_message_gets_nothing(slack: Harness) -> None:
    slack.event(message("hello team, lunch at 12?"))
    slack.event(message("did anyone see the deploy go out?"))
    slack.settle()
    assert slack.stub.posts() == []


def test_retried_event_answers_once(slack: Harness) -> None:
    event = message(PASTE)
    assert slack.event(event, "EvRETRY1")[0] == 200
    assert slack.event(event, "EvRETRY1", retry=1)[0] == 200
    assert slack.event(event, "EvRETRY1", retry=2)[0] == 200
    slack.settle()
    assert len(slack.stub.posts()) == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"bot_id": "B0999"},
        {"subtype": "bot_message", "bot_id": "B0999"},
        {"user": "UBOT", "bot_id": "BBOT"},
        {"user": "UBOT"},
        {"subtype": "message_changed", "hidden": True},
        {"subtype": "channel_join"},
        {"subtype": "message_deleted", "hidden": True},
    ],
)
def test_bot_messages_edits_and_joins_get_nothing(slack: Harness, extra: dict[str, Any]) -> None:
    slack.event(message(PASTE, **extra))
    slack.settle()
    assert slack.stub.posts() == []


def test_auto_off_then_paste_gets_nothing_and_on_restores(slack: Harness) -> None:
    status, body, _ = slack.command("/bounce", "auto off")
    assert status == 200 and "*off*" in json.loads(body)["text"]
    slack.event(message(PASTE, ts="1.1"))
    slack.settle()
    assert slack.stub.posts() == []
    # Other channels are not affected.
    slack.event(message(PASTE, ts="1.2", channel="C0002"))
    slack.settle()
    assert [p["channel"] for p in slack.stub.posts()] == ["C0002"]
    _, body, _ = slack.command("/bounce", "auto")
    assert "*off*" in json.loads(body)["text"]
    slack.command("/bounce", "auto on")
    slack.event(message(PASTE, ts="1.3"))
    slack.settle()
    assert [p["channel"] for p in slack.stub.posts()] == ["C0002", "C0001"]


def test_auto_reply_setting_default_off(make_harness: Any) -> None:
    slack = make_harness(settings={"auto_reply": False})
    slack.event(message(PASTE))
    slack.settle()
    assert slack.stub.posts() == []


def test_mention_asks_explicitly_and_is_answered_once(slack: Harness) -> None:
    text = "<@UBOT> can you look at this? " + PASTE
    slack.event(message(text, ts="5.5"))  # the message event: left to app_mention
    slack.event({**message(text, ts="5.5"), "type": "app_mention"})
    slack.settle()
    (reply,) = slack.stub.posts()
    assert reply["thread_ts"] == "5.5"


# -- safety --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        PASTE + " &lt;!channel&gt; &lt;!here&gt; &lt;@U0BOSS&gt; &amp; &lt;script&gt;",
        "<!channel> <!here> <@U0BOSS> <!subteam^S1|@admins> " + PASTE,
        PASTE + " <!channel> <!here> <@U0BOSS> <!subteam^S1|@admins>",
    ],
)
def test_mentions_in_a_paste_never_ping(slack: Harness, text: str) -> None:
    slack.event(message(text))
    slack.settle()
    (reply,) = slack.stub.posts()
    payload = all_text(reply)
    for ping in ("<!channel>", "<!here>", "<@U0BOSS>", "<!subteam", "<script>"):
        assert ping not in payload
    if "&lt;!channel&gt;" in text:
        assert "&lt;!channel&gt;" in payload  # the server's reply is quoted whole, as text


def test_forged_signature_is_rejected(slack: Harness) -> None:
    body = event_body(message(PASTE), "EvFORGED")
    status, _, _ = post(slack.url, body, "application/json", secret="not-the-secret")
    assert status == 401
    slack.settle()
    assert slack.stub.posts() == []


def test_stale_signature_is_rejected(slack: Harness) -> None:
    body = event_body(message(PASTE), "EvSTALE")
    status, _, _ = post(slack.url, body, "application/json", timestamp=int(time.time()) - 600)
    assert status == 401
    slack.settle()
    assert slack.stub.posts() == []


def test_tampered_body_is_rejected(slack: Harness) -> None:
    body = event_body(message(PASTE), "EvTAMPER")
    headers = sign(body)
    tampered = body.replace(b"C0001", b"C0777")
    port = int(slack.url.rsplit(":", 1)[1].split("/")[0])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(
        "POST",
        "/slack/events",
        body=tampered,
        headers={"Content-Type": "application/json", **headers},
    )
    assert conn.getresponse().status == 401
    conn.close()
    slack.settle()
    assert slack.stub.posts() == []


def test_oversized_request_and_health(slack: Harness) -> None:
    port = int(slack.url.rsplit(":", 1)[1].split("/")[0])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("POST", "/slack/events")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", "5000000")
    conn.endheaders()  # refused on the header alone, before any body is read
    assert conn.getresponse().status == 413
    conn.close()

    health = slack.url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(health, timeout=5) as response:
        assert response.status == 200


def test_bounce_bodies_stay_out_of_logs_above_debug(
    slack: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    secret_line = "550 5.1.1 <zq-private-7781@example.net>: User unknown"
    with caplog.at_level(logging.INFO):
        slack.event(message(secret_line))
        slack.command("/bounce", secret_line)
        slack.settle()
    assert slack.stub.posts()
    for record in caplog.records:
        assert "zq-private-7781" not in record.getMessage()


def test_rate_limited_post_is_retried_after_retry_after(slack: Harness) -> None:
    slack.stub.fail_next(
        "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, **{"Retry-After": "1"}
    )
    started = time.monotonic()
    slack.event(message(PASTE))
    slack.settle()
    calls = slack.stub.calls("/api/chat.postMessage")
    assert len(calls) == 2  # the 429, then the retry
    assert time.monotonic() - started >= 1.0


def test_a_slack_outage_answer_is_retried_and_a_final_failure_logged(
    slack: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    slack.stub.fail_next("chat.postMessage", 503, {"ok": False, "error": "service_unavailable"})
    slack.event(message(PASTE))
    slack.settle()
    assert len(slack.stub.calls("/api/chat.postMessage")) == 2  # the 503, then the retry
    assert len(slack.stub.posts()) >= 1
    slack.stub.reset()
    for _ in range(3):  # the first try and both retries fail: the reply is lost, but not silently
        slack.stub.fail_next("chat.postMessage", 503, {"ok": False, "error": "service_unavailable"})
    with caplog.at_level(logging.WARNING):
        slack.event(message(PASTE, ts="1700000000.000900"))
        slack.settle()
    assert any("chat.postMessage" in r.getMessage() for r in caplog.records)


# -- files ---------------------------------------------------------------------------------------


def uploaded(
    slack: Harness, data: bytes, file_id: str, name: str, mimetype: str, filetype: str, **extra: Any
) -> dict[str, Any]:
    """A file as Slack describes it in an event, its bytes served by the stub."""
    slack.stub.state.files[f"{file_id}/{name}"] = (data, mimetype)
    return {
        "id": file_id,
        "name": name,
        "title": name,
        "mimetype": mimetype,
        "filetype": filetype,
        "size": len(data),
        "url_private": f"{slack.stub.url}/files/{file_id}/{name}",
        "url_private_download": f"{slack.stub.url}/files/{file_id}/{name}",
        **extra,
    }


def eml_file(slack: Harness, data: bytes, file_id: str = "F0001", **extra: Any) -> dict[str, Any]:
    return uploaded(slack, data, file_id, "bounce.eml", "message/rfc822", "eml", **extra)


MAILBOX_FULL = (ROOT / "examples" / "postfix-mailbox-full.eml").read_bytes()


def snippet(slack: Harness, text: str, file_id: str) -> dict[str, Any]:
    """A long paste, which Slack turns into a text snippet file."""
    return uploaded(slack, text.encode(), file_id, "-.txt", "text/plain", "text", mode="snippet")


def test_a_long_paste_that_became_a_snippet_is_explained(slack: Harness) -> None:
    bounce = (
        ROOT / "tests" / "data" / "corpus" / "bounces" / "057-postfix-userunknown.txt"
    ).read_text()
    slack.event(
        message("", ts="8.8", subtype="file_share", files=[snippet(slack, bounce * 20, "F0808")])
    )
    slack.settle()
    (reply,) = slack.stub.posts()
    assert reply["thread_ts"] == "8.8"
    assert "olduser@example.com" in all_text(reply)


def test_a_snippet_of_ordinary_text_gets_nothing(slack: Harness) -> None:
    chatter = "deploy notes\n" + "restarted the web tier, all green\n" * 300
    slack.event(
        message("", ts="8.9", subtype="file_share", files=[snippet(slack, chatter, "F0809")])
    )
    slack.settle()
    assert slack.stub.posts() == []


def test_eml_upload_is_downloaded_with_the_bot_token_and_explained(slack: Harness) -> None:
    file = eml_file(slack, MAILBOX_FULL)
    slack.event(message("", ts="7.7", subtype="file_share", files=[file]))
    slack.settle()
    (download,) = slack.stub.calls("/files/F0001/bounce.eml")
    assert download.headers["authorization"] == f"Bearer {TOKEN}"
    (reply,) = slack.stub.posts()
    assert reply["thread_ts"] == "7.7"
    assert "lucy.hart@example.net" in all_text(reply)
    # The file_shared event for the same upload does not answer again.
    slack.event(
        {
            "type": "file_shared",
            "file_id": "F0001",
            "user_id": "U0001",
            "channel_id": "C0001",
            "file": {"id": "F0001"},
        }
    )
    slack.settle()
    assert len(slack.stub.posts()) == 1


def test_file_shared_alone_uses_files_info_and_the_share_thread(slack: Harness) -> None:
    file = eml_file(slack, MAILBOX_FULL, "F0002")
    file["shares"] = {"public": {"C0001": [{"ts": "8.8", "channel_name": "mail-ops"}]}}
    slack.stub.state.file_info["F0002"] = file
    slack.event(
        {
            "type": "file_shared",
            "file_id": "F0002",
            "user_id": "U0001",
            "channel_id": "C0001",
            "file": {"id": "F0002"},
            "event_ts": "8.9",
        }
    )
    slack.settle()
    assert slack.stub.calls("/api/files.info")
    (reply,) = slack.stub.posts()
    assert reply["thread_ts"] == "8.8"
    assert "lucy.hart@example.net" in all_text(reply)


def test_oversized_eml_is_not_downloaded(make_harness: Any) -> None:
    slack = make_harness(max_file_bytes=1000)
    file = eml_file(slack, MAILBOX_FULL)
    slack.event(message("", subtype="file_share", files=[file]))
    slack.settle()
    assert slack.stub.calls("/files/F0001/bounce.eml") == []
    assert slack.stub.posts() == []


def test_other_files_are_ignored(slack: Harness) -> None:
    file = {
        **eml_file(slack, b"\x89PNG"),
        "name": "cat.png",
        "mimetype": "image/png",
        "filetype": "png",
    }
    slack.event(message("", subtype="file_share", files=[file]))
    slack.settle()
    assert slack.stub.calls("/files/F0001/bounce.eml") == []
    assert slack.stub.posts() == []


def test_huge_multi_recipient_bounce_fits_slack_limits(slack: Harness) -> None:
    statuses = [
        "5.1.1",
        "5.2.2",
        "5.7.1",
        "4.4.1",
        "5.1.10",
        "5.7.26",
        "5.2.1",
        "5.4.4",
        "5.3.0",
        "5.7.23",
        "5.0.0",
        "5.1.2",
    ]
    rcpts = [
        Rcpt(
            f"user_{i}@ex{i % 9}.net", s, f"550 {s} <!channel> user_{i} rejected " + "x" * (i * 40)
        )
        for i in range(400)
        for s in [statuses[i % len(statuses)]]
    ]
    file = eml_file(slack, make_dsn(rcpts))
    slack.event(message("", subtype="file_share", files=[file]))
    slack.settle()
    (reply,) = slack.stub.posts()
    blocks = reply["blocks"]
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= 3000
            for item in block.get("fields", []):
                assert len(item["text"]) <= 2000
            assert len(block.get("fields", [])) <= 10
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
    assert len(reply["text"]) <= 3000
    assert "<!channel>" not in all_text(reply)
    assert "not shown" in all_text(reply)


# -- message shortcut ----------------------------------------------------------------------------


def test_shortcut_explains_in_the_message_thread(slack: Harness) -> None:
    status, body, _ = slack.shortcut(message(PASTE, ts="9.1", thread_ts="9.0"))
    assert status == 200 and body == b""
    slack.settle()
    (reply,) = slack.stub.posts()
    assert reply["thread_ts"] == "9.0"
    assert "mailbox does not exist" in all_text(reply).lower()


def test_shortcut_answers_even_what_the_detector_skips(slack: Harness) -> None:
    slack.shortcut(message("mail to the new vendor keeps coming back, no idea why", ts="9.2"))
    slack.settle()
    (reply,) = slack.stub.posts()
    assert reply["thread_ts"] == "9.2"


def test_shortcut_on_a_bot_post_reads_its_attachments(slack: Harness) -> None:
    bot_post = message("", ts="9.3", bot_id="B0777", attachments=[{"fallback": PASTE_RAW}])
    slack.shortcut(bot_post)
    slack.settle()
    (reply,) = slack.stub.posts()
    assert "mailbox does not exist" in all_text(reply).lower()


def test_shortcut_falls_back_to_response_url_when_not_in_channel(slack: Harness) -> None:
    slack.stub.fail_next("chat.postMessage", 200, {"ok": False, "error": "not_in_channel"})
    url = slack.response_url("shortcut")
    slack.shortcut(message(PASTE, ts="9.4"), response_url=url)
    slack.settle()
    (answer,) = [r for r in slack.stub.responses() if r.path == "/response/shortcut"]
    assert "invite me" in all_text(answer.json)


def test_shortcut_on_an_eml_message(slack: Harness) -> None:
    file = eml_file(slack, MAILBOX_FULL, "F0005")
    slack.shortcut(message("", ts="9.5", files=[file]))
    slack.settle()
    (reply,) = slack.stub.posts()
    assert "lucy.hart@example.net" in all_text(reply)


@pytest.mark.parametrize("kind", ["forged", "stale"])
def test_a_rejected_request_never_puts_its_body_in_the_logs(
    slack: Harness, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """Anyone can send a request; without the signing secret it must not write into our logs."""
    marker = "secret-bounce-text-7f3a"
    paste = PASTE.replace("User unknown", f"User unknown {marker} carol@victim.example")
    body = event_body(message(paste), f"Ev{kind.upper()}LOG")
    with caplog.at_level(logging.INFO):
        if kind == "forged":
            status, _, _ = post(slack.url, body, "application/json", secret="not-the-secret")
        else:
            status, _, _ = post(
                slack.url, body, "application/json", timestamp=int(time.time()) - 600
            )
        slack.settle()
    assert status == 401
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert marker not in logged
    assert "victim.example" not in logged


def test_headers_command_answers_with_findings_then_the_path(slack: Harness) -> None:
    headers = (ROOT / "tests" / "data" / "headers" / "delayed_hours.txt").read_text()
    url = slack.response_url("headers")
    status, _, _ = slack.command("/headers", headers, response_url=url)
    assert status == 200
    slack.settle()
    (answer,) = [r for r in slack.stub.responses() if r.path == "/response/headers"]
    text = all_text(answer.json)
    assert "Message headers from example.net" in text
    assert text.index("Findings") < text.index("Path, oldest first")
    assert "1 h 52 min" in text
