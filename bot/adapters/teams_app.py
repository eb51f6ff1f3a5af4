"""Microsoft Teams: the bot on Microsoft's Teams SDK (`microsoft-teams-apps`, the `teams` extra).

It serves the messaging endpoint `/api/messages` (plus `/healthz`, `/readyz`, `/metrics`) and
answers through the same registry as Slack and Discord:

- an @mention with a bounce, a code or a command (`bounce 5.7.1`, `checkmx example.com`, `headers
  ...`, `help`) gets an answer in the thread under the message;
- a pasted bounce in a channel the bot can read (resource-specific consent
  `ChannelMessage.Read.Group`) gets an auto-reply, with the same detector and rate limits;
- the "Explain bounce" message action explains any message, in its thread;
- an attached `.eml` is downloaded (size-capped) and explained.

Answers are Adaptive Cards (bot/adapters/render_teams.py). Requests are authenticated by the SDK's
JWT validation; `NDRBOT_TEAMS_NO_AUTH=1` turns that off for local tests, on a loopback address only.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import ipaddress
import logging
import re
import sys
import urllib.request
from typing import Any

from bot.adapters.health import READINESS, health_response
from bot.adapters.lifecycle import StopSignal
from bot.adapters.render_teams import attachment, render_teams
from bot.config import ConfigError, Settings
from bot.intent import Deps
from bot.model import Attachment, Incoming, Reply
from bot.registry import Registry

log = logging.getLogger(__name__)

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
FILE_TYPE = "application/vnd.microsoft.teams.file.download.info"
MAX_FILE_BYTES = 10_000_000
_AT = re.compile(r"<at\b[^>]{0,200}>.{0,200}?</at>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<(?:br|/p|/div|/li)\b[^>]{0,100}>", re.IGNORECASE)
_TAG = re.compile(r"</?(?:p|div|span|br|b|i|strong|em|u|li|ul|ol|pre|code)\b[^>]{0,200}>", re.I)


def check_settings(settings: Settings, host: str) -> None:
    """ConfigError when the bot could not authenticate, or would accept anyone off loopback."""
    if settings.teams_no_auth:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConfigError(
                f"NDRBOT_TEAMS_NO_AUTH is for local tests only: bind to 127.0.0.1, not {host}"
            )
        return
    missing = [
        name
        for name, value in (
            ("TEAMS_CLIENT_ID", settings.teams_client_id),
            ("TEAMS_CLIENT_SECRET", settings.teams_client_secret),
            ("TEAMS_TENANT_ID", settings.teams_tenant_id),
        )
        if not value
    ]
    if missing:
        raise ConfigError(
            f"{', '.join(missing)} not set: copy them from the bot's Entra ID app registration "
            "(see docs/teams.md)"
        )


def message_text(activity_text: str | None) -> str:
    """The words of a Teams message: mention markup and formatting tags dropped, entities read."""
    text = _AT.sub(" ", activity_text or "")
    if "<" in text or "&" in text:
        text = _BREAK.sub("\n", text)
        text = _TAG.sub("", text)
        text = html.unescape(text)
    return text.strip()


class TeamsBot:
    """The registry's answers, wired into a Teams SDK App."""

    def __init__(self, settings: Settings, deps: Deps, registry: Registry) -> None:
        from bot.adapters.slack_state import MemoryChannelPrefs, SharedChannelPrefs

        self.settings = settings
        self.deps = deps
        self.registry = registry
        self.prefs: Any = (
            SharedChannelPrefs(deps.store, settings.auto_reply)
            if deps.store is not None
            else MemoryChannelPrefs(settings.auto_reply)
        )
        self.inflight: set[asyncio.Task[Any]] = set()

    def auto_command(self, incoming: Incoming) -> str | None:
        """`bounce auto off` / `bounce auto on` / `bounce auto`: this channel's auto-replies."""
        words = incoming.text.lower().split()
        if incoming.command != "bounce" or not words or words[0] != "auto":
            return None
        if len(words) > 1 and words[1] in ("on", "off"):
            self.prefs.set_auto_reply(incoming.channel, words[1] == "on")
        state = "on" if self.prefs.auto_reply(incoming.channel) else "off"
        return f"Automatic answers to pasted bounces are {state} in this channel."

    def run_later(self, job: Any) -> None:
        """Answer in the background: Teams gets its 200 at once, the card follows."""
        task = asyncio.create_task(job)
        self.inflight.add(task)
        task.add_done_callback(self.inflight.discard)

    def incoming(self, activity: Any, *, mentioned: bool) -> Incoming:
        text = message_text(getattr(activity, "text", None))
        command = None
        first, _, rest = text.partition(" ")
        word = first.lstrip("/").lower()
        if mentioned and word in self.registry.commands:
            command, text = word, rest.strip()
        conversation = activity.conversation
        channel = str(getattr(conversation, "id", "") or "").split(";", 1)[0]
        return Incoming(
            text=text,
            files=tuple(self._files(activity)),
            user=str(getattr(activity.from_, "id", "") or ""),
            channel=channel,
            command=command,
            explicit=mentioned,
            platform="teams",
        )

    def _files(self, activity: Any) -> list[Attachment]:
        out = []
        for item in getattr(activity, "attachments", None) or []:
            if getattr(item, "content_type", None) != FILE_TYPE:
                continue
            name = str(getattr(item, "name", "") or "")
            content = getattr(item, "content", None) or {}
            url = content.get("downloadUrl") if isinstance(content, dict) else None
            if not url or not name.lower().endswith((".eml", ".txt")):
                continue
            data = _download(str(url))
            if data is not None:
                out.append(Attachment(name, data, "message/rfc822"))
        return out

    async def answer(self, incoming: Incoming) -> Reply | None:
        reply = await self.registry.handle(incoming, self.deps)
        if reply is None or (reply.quiet and not incoming.explicit):
            return None
        return reply


def _download(url: str) -> bytes | None:
    """A shared file's bytes (Teams gives a pre-authorised download URL); None when it fails."""
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            data = response.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:
        log.warning("could not download a shared file (%s)", type(exc).__name__)
        return None
    return data if len(data) <= MAX_FILE_BYTES else None


SEND_ATTEMPTS = 4
MAX_RETRY_AFTER = 10.0


async def send_with_retries(send: Any, what: str) -> bool:
    """Post through the connector, honouring 429 Retry-After (and retrying 5xx) with back-off.
    A post that still fails is logged, never dropped silently. True when it went out."""
    delay = 1.0
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            await send()
            return True
        except Exception as exc:
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", None)
            if status != 429 and not (isinstance(status, int) and status >= 500):
                log.warning("%s not posted (%s)", what, status or type(exc).__name__)
                return False
            if attempt == SEND_ATTEMPTS:
                log.warning("%s not posted after %d tries (HTTP %s)", what, attempt, status)
                return False
            wait = delay
            retry_after = getattr(response, "headers", {}).get("retry-after") if response else None
            if retry_after is not None:
                with contextlib.suppress(ValueError):
                    wait = min(MAX_RETRY_AFTER, max(0.0, float(retry_after)))
            log.info("%s: HTTP %s, retrying in %.1f s", what, status, wait)
            await asyncio.sleep(wait)
            delay = min(delay * 2, MAX_RETRY_AFTER)
    return False


def _mentions_bot(activity: Any) -> bool:
    bot_id = str(getattr(activity.recipient, "id", "") or "")
    for entity in getattr(activity, "entities", None) or []:
        data = entity if isinstance(entity, dict) else getattr(entity, "__dict__", {})
        kind = data.get("type") or getattr(entity, "type", None)
        mentioned = data.get("mentioned") or getattr(entity, "mentioned", None)
        mentioned_id = (
            mentioned.get("id") if isinstance(mentioned, dict) else getattr(mentioned, "id", None)
        )
        if kind == "mention" and mentioned_id and str(mentioned_id) == bot_id:
            return True
    return False


def build_app(
    settings: Settings, deps: Deps, registry: Registry, *, host: str, port: int
) -> tuple[Any, TeamsBot]:
    """The Teams SDK App with ndrbot's handlers and side routes (not started), and the bot."""
    import uvicorn
    from microsoft_teams.api.activities.message.message import MessageActivityInput
    from microsoft_teams.api.models.attachment.attachment import Attachment as CardAttachment
    from microsoft_teams.apps import App
    from microsoft_teams.apps.http import FastAPIAdapter

    bot = TeamsBot(settings, deps, registry)

    def server(fastapi: Any) -> Any:
        _add_health_routes(fastapi)
        config = uvicorn.Config(app=fastapi, host=host, port=port, log_level="warning")
        return uvicorn.Server(config)

    options: dict[str, Any] = {"http_server_adapter": FastAPIAdapter(server_factory=server)}
    if settings.teams_no_auth:
        options["dangerously_allow_unauthenticated_requests"] = True
    else:
        options.update(
            client_id=settings.teams_client_id,
            client_secret=settings.teams_client_secret,
            tenant_id=settings.teams_tenant_id,
        )
    app = App(**options)

    def card_activity(reply: Reply) -> Any:
        card = attachment(render_teams(reply))
        return MessageActivityInput().add_attachments(
            CardAttachment(content_type=CARD_TYPE, content=card["content"])
        )

    @app.on_message
    async def on_message(ctx: Any) -> None:
        activity = ctx.activity
        if str(getattr(activity.from_, "id", "")) == str(getattr(activity.recipient, "id", "")):
            return  # our own message
        mentioned = _mentions_bot(activity)
        channel = str(getattr(activity.conversation, "id", "") or "").split(";", 1)[0]
        if not mentioned and not bot.prefs.auto_reply(channel):
            return
        bot.run_later(answer_message(ctx, activity, mentioned))

    async def answer_message(ctx: Any, activity: Any, mentioned: bool) -> None:
        incoming = await asyncio.to_thread(bot.incoming, activity, mentioned=mentioned)
        if not incoming.text.strip() and not incoming.files:
            if not mentioned:
                return
            incoming = Incoming(text="", command="help", explicit=True, platform="teams")
        switched = bot.auto_command(incoming)
        reply = Reply(title=switched) if switched else await bot.answer(incoming)
        if reply is None:
            return
        # In a channel, ctx.send answers in the message's own thread.
        await send_with_retries(lambda: ctx.send(card_activity(reply)), f"answer to {activity.id}")

    @app.on_message_ext_submit
    async def on_explain(ctx: Any) -> Any:
        activity = ctx.activity
        payload = getattr(activity.value, "message_payload", None)
        body = getattr(getattr(payload, "body", None), "content", "") or ""
        incoming = Incoming(text=message_text(body), explicit=True, platform="teams")
        reply = await bot.answer(incoming) or Reply(title="Nothing to explain")
        reference = ctx.conversation_ref
        message_id = getattr(payload, "id", None)
        if message_id and ";messageid=" not in reference.conversation.id:
            thread = reference.conversation.model_copy(
                update={"id": f"{reference.conversation.id};messageid={message_id}"}
            )
            reference = reference.model_copy(update={"conversation": thread})
        await send_with_retries(
            lambda: ctx.send(card_activity(reply), reference), "message action answer"
        )
        return None

    return app, bot


def _add_health_routes(fastapi: Any) -> None:
    from fastapi import Response

    for path in ("/healthz", "/readyz", "/metrics"):

        async def route(path: str = path) -> Response:
            answer = health_response(path, lambda: {"ok": True, "platform": "teams"})
            assert answer is not None
            status, ctype, body = answer
            return Response(content=body, status_code=status, media_type=ctype)

        fastapi.add_api_route(path, route, methods=["GET"])


def serve_teams(settings: Settings, *, host: str, port: int) -> int:
    """`ndrbot serve teams`: run until SIGTERM or SIGINT."""
    import warnings

    warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
    try:
        import microsoft_teams.apps  # noqa: F401
    except ImportError:
        raise ConfigError("Teams support is not installed: pip install 'ndrbot[teams]'") from None
    check_settings(settings, host)
    from bot.app import build_deps, build_registry

    if settings.teams_no_auth:
        log.warning("NDRBOT_TEAMS_NO_AUTH is on: requests are NOT authenticated (tests only)")
    deps = build_deps(settings, service=True)
    app, app_bot = build_app(settings, deps, build_registry(), host=host, port=port)
    stop = StopSignal().install()

    async def run() -> None:
        serving = asyncio.create_task(app.start(port))
        READINESS.watch(lambda: None if not serving.done() else "the Teams endpoint stopped")
        print(f"ndrbot: serving Teams on http://{host}:{port}/api/messages", file=sys.stderr)
        await asyncio.to_thread(stop.wait)
        READINESS.not_ready("shutting down")
        running = [t for t in app_bot.inflight if not t.done()]
        if running:  # answers in flight finish within the drain deadline
            await asyncio.wait(running, timeout=settings.drain_seconds)
        await app.stop()
        serving.cancel()

    try:
        asyncio.run(run())
    finally:
        stop.restore()
    return 0
