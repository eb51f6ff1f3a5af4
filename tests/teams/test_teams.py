"""`ndrbot serve teams` as a real process, fed Activity JSON in the shapes Teams sends (message,
mention, thread, message action, file), replying to a loopback connector."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.bounce_factory import Rcpt, make_dsn
from tests.teams.conftest import BOT_ID, TeamsBot, start_bot, stop_bot
from tests.teams.connector import Connector

CHANNEL = "19:mailops0123456789abcdef@thread.tacv2"
ROOT_MESSAGE = "1733400000000"
PASTE = "550 5.1.1 &lt;bob@example.net&gt;: Recipient address rejected: User unknown"


def message(connector: Connector, text: str, **changes: Any) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": "message",
        "id": "1733400000123",
        "timestamp": "2024-12-05T10:00:00.000Z",
        "serviceUrl": connector.url,
        "channelId": "msteams",
        "from": {
            "id": "29:1pat",
            "name": "Pat",
            "aadObjectId": "6f1c0f0e-0000-4000-8000-000000000001",
        },
        "conversation": {
            "id": f"{CHANNEL};messageid={ROOT_MESSAGE}",
            "conversationType": "channel",
            "tenantId": "72f988bf-0000-4000-8000-000000000000",
            "isGroup": True,
        },
        "recipient": {"id": BOT_ID, "name": "ndrbot"},
        "textFormat": "plain",
        "text": text,
        "channelData": {
            "tenant": {"id": "72f988bf-0000-4000-8000-000000000000"},
            "channel": {"id": CHANNEL},
            "team": {"id": "19:team0123@thread.tacv2"},
        },
    }
    activity.update(changes)
    return activity


def mention(connector: Connector, text: str) -> dict[str, Any]:
    return message(
        connector,
        f"<at>ndrbot</at> {text}",
        entities=[
            {
                "type": "mention",
                "text": "<at>ndrbot</at>",
                "mentioned": {"id": BOT_ID, "name": "ndrbot"},
            }
        ],
    )


def card_of(posted: Any) -> dict[str, Any]:
    (attachment,) = posted.activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


@pytest.fixture(autouse=True)
def clean(connector: Connector) -> None:
    connector.reset()


def test_a_mention_with_a_bounce_is_answered_in_the_thread(
    teams: TeamsBot, connector: Connector
) -> None:
    assert teams.post(mention(connector, PASTE)) == 200
    (posted,) = connector.wait_for(1)
    assert posted.conversation == f"{CHANNEL};messageid={ROOT_MESSAGE}"
    card = card_of(posted)
    assert card["version"] == "1.5"
    assert "does not exist" in json.dumps(card) or "userunknown" in json.dumps(card)
    assert len(json.dumps(posted.activity).encode()) < 28_000


def test_a_pasted_bounce_gets_an_auto_reply_and_talk_gets_nothing(
    teams: TeamsBot, connector: Connector
) -> None:
    assert teams.post(message(connector, "lunch at noon? the 550 room is free")) == 200
    assert teams.post(message(connector, PASTE, id="1733400000200")) == 200
    posted = connector.wait_for(1)
    assert len(posted) == 1  # the bounce only
    assert "Recipient" in json.dumps(card_of(posted[0]))


def test_commands_after_the_mention(teams: TeamsBot, connector: Connector) -> None:
    assert teams.post(mention(connector, "bounce 5.7.26")) == 200
    assert teams.post(mention(connector, "help")) == 200
    first, second = connector.wait_for(2)
    texts = json.dumps(card_of(first)) + json.dumps(card_of(second))
    assert "5.7.26" in texts and "checkmx" in texts


def test_the_bots_own_messages_are_ignored(teams: TeamsBot, connector: Connector) -> None:
    own = message(connector, PASTE, **{"from": {"id": BOT_ID, "name": "ndrbot"}})
    assert teams.post(own) == 200
    assert connector.wait_for(1, timeout=2) == []


def test_pasted_mentions_and_markdown_stay_text(teams: TeamsBot, connector: Connector) -> None:
    nasty = PASTE + " **urgent** [click](https://evil.example) &lt;at&gt;Everyone&lt;/at&gt;"
    assert teams.post(mention(connector, nasty)) == 200
    (posted,) = connector.wait_for(1)
    sent = json.dumps(posted.activity)
    assert "<at>" not in sent and "**urgent**" not in sent and "](https://evil" not in sent
    assert "entities" not in posted.activity or not any(
        e.get("type") == "mention" for e in posted.activity["entities"]
    )


def test_an_attached_eml_is_downloaded_and_explained(teams: TeamsBot, connector: Connector) -> None:
    connector.files["bounce.eml"] = make_dsn(
        [Rcpt("ann@example.org", "5.2.2", "552 5.2.2 Mailbox full")]
    )
    activity = mention(connector, "what is this?")
    activity["attachments"] = [
        {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "name": "bounce.eml",
            "content": {"downloadUrl": f"{connector.url}files/bounce.eml", "fileType": "eml"},
        }
    ]
    assert teams.post(activity) == 200
    (posted,) = connector.wait_for(1)
    assert "mailboxfull" in json.dumps(card_of(posted)) or "full" in json.dumps(card_of(posted))


def test_the_explain_bounce_message_action_answers_in_that_messages_thread(
    teams: TeamsBot, connector: Connector
) -> None:
    action = message(connector, "")
    action.update(
        type="invoke",
        name="composeExtension/submitAction",
        conversation={**action["conversation"], "id": CHANNEL},
        value={
            "commandId": "explainBounce",
            "commandContext": "message",
            "messagePayload": {
                "id": "1733400000999",
                "body": {"contentType": "html", "content": f"<p>{PASTE}</p>"},
            },
        },
    )
    action.pop("text")
    assert teams.post(action) == 200
    (posted,) = connector.wait_for(1)
    assert posted.conversation == f"{CHANNEL};messageid=1733400000999"
    assert "Recipient" in json.dumps(card_of(posted))


def test_with_authentication_on_a_request_without_a_valid_token_is_refused(
    connector: Connector,
) -> None:
    bot = start_bot(
        TEAMS_CLIENT_ID="00000000-0000-4000-8000-00000000abcd",
        TEAMS_CLIENT_SECRET="not-a-real-secret",
        TEAMS_TENANT_ID="72f988bf-0000-4000-8000-000000000000",
    )
    try:
        activity = copy.deepcopy(message(connector, PASTE))
        assert bot.post(activity) == 401
        assert bot.post(activity, token="forged.token.value") == 401
        assert connector.wait_for(1, timeout=1) == []  # nothing was answered
    finally:
        stop_bot(bot)


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"NDRBOT_TEAMS_NO_AUTH": "1"}, ["--host", "0.0.0.0"], "local tests only"),
        ({}, ["--host", "127.0.0.1"], "TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET, TEAMS_TENANT_ID"),
    ],
)
def test_unsafe_or_incomplete_settings_are_one_line_and_exit_2(
    env: dict[str, str],
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    for name in (
        "TEAMS_CLIENT_ID",
        "TEAMS_CLIENT_SECRET",
        "TEAMS_TENANT_ID",
        "NDRBOT_TEAMS_NO_AUTH",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", "teams", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_the_app_package_holds_the_manifest_and_both_icons(tmp_path: Any) -> None:
    import struct
    import zipfile

    from bot.cli import main

    out = tmp_path / "ndrbot.zip"
    app_id = "5f0c0b6e-1111-4222-8333-944455556666"
    assert main(["teams", "package", "--app-id", app_id, "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        sizes = {
            name: struct.unpack(">II", package.read(name)[16:24])
            for name in ("color.png", "outline.png")
        }
    assert manifest["id"] == manifest["bots"][0]["botId"] == app_id
    (action,) = manifest["composeExtensions"][0]["commands"]
    assert action["type"] == "action" and action["context"] == ["message"]
    assert {"name": "ChannelMessage.Read.Group", "type": "Application"} in manifest[
        "authorization"
    ]["permissions"]["resourceSpecific"]
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}
    assert "{{" not in json.dumps(manifest)


def test_auto_replies_can_be_turned_off_per_channel(teams: TeamsBot, connector: Connector) -> None:
    assert teams.post(mention(connector, "bounce auto off")) == 200
    (switched,) = connector.wait_for(1)
    assert "off in this channel" in json.dumps(card_of(switched))
    connector.reset()
    assert teams.post(message(connector, PASTE, id="1733400000300")) == 200
    assert connector.wait_for(1, timeout=2) == []  # off: the paste gets nothing
    assert teams.post(mention(connector, PASTE)) == 200  # a mention still does
    assert len(connector.wait_for(1)) == 1
    connector.reset()
    assert teams.post(mention(connector, "bounce auto on")) == 200
    assert "on in this channel" in json.dumps(card_of(connector.wait_for(1)[0]))


def test_a_429_from_the_connector_is_retried_after_its_delay(
    teams: TeamsBot, connector: Connector
) -> None:
    connector.failures.append((429, {"Retry-After": "1"}))
    assert teams.post(mention(connector, "bounce 5.1.1")) == 200
    (posted,) = connector.wait_for(1)
    assert connector.attempts == 2
    assert "5.1.1" in json.dumps(card_of(posted))


def test_sigterm_lets_an_answer_in_flight_finish(connector: Connector) -> None:
    import signal
    import time

    bot = start_bot(NDRBOT_TEAMS_NO_AUTH="1")
    try:
        connector.failures.append((429, {"Retry-After": "2"}))  # keeps the answer in flight
        assert bot.post(mention(connector, "bounce 5.2.2")) == 200
        time.sleep(0.5)
        bot.process.send_signal(signal.SIGTERM)
        assert bot.process.wait(15) == 0
    finally:
        if bot.process.poll() is None:
            stop_bot(bot)
    (posted,) = connector.wait_for(1, timeout=1)
    assert "5.2.2" in json.dumps(card_of(posted))
