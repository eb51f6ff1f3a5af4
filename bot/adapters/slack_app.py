"""The Slack adapter: a Bolt app for slash commands, pasted bounces, `.eml` uploads and a shortcut.

Every listener does the same three quick things on Bolt's thread: filter, `ack()`, hand the work to
the `Worker` (an asyncio loop thread). Explaining, DNS checks and Web API calls happen there, so
acknowledgements never wait behind slow DNS (design notes section 7). Answers to slash commands go
through `response_url`; answers to messages go into the message's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from wsgiref.simple_server import WSGIServer

from slack_bolt import App, BoltContext
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.adapters.health import READINESS
from bot.adapters.lifecycle import RESTARTED, StopSignal, connect_with_retry
from bot.adapters.render_slack import POST_OPTIONS, render_slack
from bot.adapters.slack_files import FileError, FileRef, download, is_bounce_file
from bot.adapters.slack_http import make_http_server
from bot.adapters.slack_state import (
    ChannelPrefs,
    MemoryChannelPrefs,
    MemorySeenStore,
    SeenStore,
    SharedChannelPrefs,
    SharedSeenStore,
)
from bot.adapters.slack_text import from_slack
from bot.adapters.slack_worker import AckGate, TrackingExecutor, Worker
from bot.config import ConfigError, Settings
from bot.intent import Deps
from bot.model import Attachment, Incoming, Reply, Section
from bot.netfail import network_failure
from bot.registry import Registry

log = logging.getLogger(__name__)

LOOKING = "Looking into it… :mag:"
HELP_WORDS = ("help", "-h", "--help", "?")
MESSAGE_SUBTYPES = (None, "file_share", "thread_broadcast")
"""Message events worth reading: new messages only (not edits, joins, deletions, bot posts)."""
FILE_SHARED_GRACE = 2.0
"""file_shared waits this long so the message event (which knows the thread) can claim the file."""
SLACK_HELP = Section(
    "In Slack",
    (
        "Paste a bounce or upload an .eml in a channel I'm in: I answer in a thread",
        "Message menu (⋮) > Explain bounce: explain any message, even one I skipped",
        "/bounce 5.7.1 or /bounce <pasted bounce>: only you see the answer",
        "/checkmx example.com: live mail DNS checks",
        "/headers <pasted headers>: a message's path, delays and SPF/DKIM/DMARC verdicts",
        "/bounce auto off (or on): stop or resume my automatic replies in this channel",
    ),
)


class _DropTokenNotice(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN (read from the environment) is unused when a client is
    given; ours is built from that very token, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class _NoRequestBodies(logging.Filter):
    """Bolt logs whole request bodies at INFO (a forged or stale request, an unhandled one, a
    failed Socket Mode run). A body holds the pasted bounce and its addresses, and anyone can
    send a request; above DEBUG only what happened is kept, not what was sent."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            message = record.getMessage()
            cut = _BODY.search(message)
            if cut:
                record.msg = message[: cut.start()].rstrip(" (,:") + " (request body not logged)"
                record.args = ()
        return True


_BODY = re.compile(r"\bbody\b|^\s*\{", re.IGNORECASE)
BOLT_LOGGERS = (
    "slack_bolt.App",
    "slack_bolt.RequestVerification",
    "slack_bolt.IgnoringSelfEvents",
    "slack_bolt.SslCheck",
    "slack_bolt.UrlVerification",
    "slack_bolt.MultiTeamsAuthorization",
    "slack_bolt.SingleTeamAuthorization",
    "slack_bolt.adapter.socket_mode",
    "slack_sdk.socket_mode",
)
"""Loggers that may see a request: each gets the filter (a logger's filters are not inherited)."""


class _NoRetryChatter(logging.Filter):
    """slack_sdk logs every failed attempt and retry of a Web API call (an ERROR and two INFO
    lines each); ndrbot reports the outcome itself, once ("cannot reach Slack: ...")."""

    CHATTER = (
        "Failed to send a request to Slack API server",
        "A retry handler found",
        "Going to retry the same request",
    )

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.CHATTER)


def _quiet_sdk_retries() -> None:
    logger = logging.getLogger("slack_sdk.web.base_client")
    if not any(isinstance(f, _NoRetryChatter) for f in logger.filters):
        logger.addFilter(_NoRetryChatter())


def _bolt_logger() -> logging.Logger:
    _quiet_sdk_retries()
    for name in BOLT_LOGGERS:
        named = logging.getLogger(name)
        if not any(isinstance(f, _NoRequestBodies) for f in named.filters):
            named.addFilter(_NoRequestBodies())
    logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _DropTokenNotice) for f in logger.filters):
        logger.addFilter(_DropTokenNotice())
    return logger


def make_client(settings: Settings) -> WebClient:
    """The Web API client: bot token, SLACK_API_URL when set, retries after 429 Retry-After."""
    base = settings.slack_api_url or WebClient.BASE_URL
    return with_retries(
        WebClient(token=settings.slack_bot_token, base_url=base.rstrip("/") + "/", timeout=30)
    )


def online_problems(settings: Settings) -> list[str]:
    """Ask Slack whether the tokens work (`config check --online`): one line per problem."""
    _quiet_sdk_retries()
    base = (settings.slack_api_url or WebClient.BASE_URL).rstrip("/") + "/"
    problems = []
    for name, token, method in (
        ("SLACK_BOT_TOKEN", settings.slack_bot_token, "auth.test"),
        ("SLACK_APP_TOKEN", settings.slack_app_token, "apps.connections.open"),
    ):
        if not token:
            continue
        try:
            WebClient(token=token, base_url=base, timeout=10).api_call(method)
        except SlackApiError as exc:
            problems.append(f"Slack rejected {name} ({_api_error(exc)})")
        except Exception as exc:
            reason = network_failure(exc)
            if reason is None:
                raise
            problems.append(f"cannot reach Slack to check {name}: {reason}")
    return problems


def with_retries(client: WebClient) -> WebClient:
    """Retry 429s after Retry-After, Slack's 5xx answers and dropped connections, with back-off.
    What still fails after that is logged where it is posted."""
    wanted = (
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
        ConnectionErrorRetryHandler(max_retry_count=2),
    )
    for handler in wanted:
        if not any(isinstance(h, type(handler)) for h in client.retry_handlers):
            client.retry_handlers.append(handler)
    return client


def _default_seen(deps: Deps) -> SeenStore:
    """Shared de-duplication when the deps carry a shared store, else in memory."""
    return SharedSeenStore(deps.store) if deps.store is not None else MemorySeenStore()


def _default_prefs(deps: Deps, default: bool) -> ChannelPrefs:
    return (
        SharedChannelPrefs(deps.store, default)
        if deps.store is not None
        else MemoryChannelPrefs(default)
    )


class SlackBot:
    """The Bolt app and what its listeners share: registry, deps, worker, state."""

    def __init__(
        self,
        settings: Settings,
        deps: Deps,
        registry: Registry,
        *,
        client: WebClient | None = None,
        seen: SeenStore | None = None,
        prefs: ChannelPrefs | None = None,
        worker: Worker | None = None,
        file_shared_grace: float = FILE_SHARED_GRACE,
        max_file_bytes: int | None = None,
    ) -> None:
        self.settings = settings
        self.deps = deps
        self.registry = registry
        self.client = with_retries(client) if client is not None else make_client(settings)
        self.seen: SeenStore = seen or _default_seen(deps)
        self.prefs: ChannelPrefs = prefs or _default_prefs(deps, settings.auto_reply)
        self.worker = worker or Worker()
        self.gate: AckGate = self.worker.gate
        self.listeners = TrackingExecutor(16, thread_name_prefix="ndrbot-bolt")
        self.file_shared_grace = file_shared_grace
        self.max_file_bytes = max_file_bytes
        self._owed: dict[int, Callable[[], None]] = {}
        """Answers someone is waiting for (commands, mentions): told of a restart if unfinished."""
        self._owed_lock = threading.Lock()
        self._owed_next = 0
        self.app = App(
            client=self.client,
            signing_secret=settings.slack_signing_secret,
            listener_executor=self.listeners,
            process_before_response=True,
            logger=_bolt_logger(),
        )
        self._register(self.app)

    def _register(self, app: App) -> None:
        app.command("/bounce")(self.on_bounce)
        app.command("/checkmx")(self.on_checkmx)
        app.command("/headers")(self.on_headers)
        app.event("message")(self.on_message)
        app.event("app_mention")(self.on_mention)
        app.event("file_shared")(self.on_file_shared)
        app.shortcut("explain_bounce")(self.on_shortcut)

    def start(self) -> SlackBot:
        self.worker.start()
        return self

    def http_server(self, host: str, port: int) -> WSGIServer:
        """The HTTP server for /slack/events, sharing the bot's ack gate."""
        return make_http_server(self.app, host, port, gate=self.gate)

    def socket_mode_handler(self, app_token: str) -> Any:
        """Socket Mode: each request from Slack's WebSocket counts as an ack in flight."""
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        gate = self.gate

        class GatedHandler(SocketModeHandler):
            def handle(self, client: Any, req: Any) -> None:
                with gate:
                    super().handle(client, req)

        return GatedHandler(self.app, app_token)

    def stop(self) -> None:
        self.worker.stop()
        self.listeners.shutdown(wait=False)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait for every listener and background job to finish (tests, shutdown)."""
        return self.worker.drain(timeout, also=self.listeners)

    def shutdown(self, deadline: float) -> int:
        """Let the work in flight finish within `deadline` seconds; whoever still waits for an
        answer then gets a short restart notice instead. Returns how many notices went out."""
        finished = self.drain(deadline)
        with self._owed_lock:  # taken first: a cancelled job forgets what it owes
            owed, self._owed = list(self._owed.values()), {}
        if not finished:
            self.worker.cancel()  # what did not finish will not answer after its notice
        for notify in owed:
            try:
                notify()
            except Exception as exc:  # best effort: the process is going away
                log.warning("restart notice not delivered (%s)", type(exc).__name__)
        self.stop()
        return len(owed)

    @contextlib.contextmanager
    def _owing(self, notify: Callable[[], None] | None) -> Iterator[None]:
        """While the block runs, someone waits for an answer: `notify` tells them of a restart."""
        if notify is None:
            yield
            return
        with self._owed_lock:
            self._owed_next += 1
            token = self._owed_next
            self._owed[token] = notify
        try:
            yield
        finally:
            with self._owed_lock:
                self._owed.pop(token, None)

    # -- slash commands (ack now, answer through response_url) ---------------------------------

    def on_bounce(self, ack: Callable[..., None], command: dict[str, Any]) -> None:
        text = from_slack(command.get("text") or "").strip()
        words = text.split()
        if words and words[0].lower() == "auto":
            ack(response_type="ephemeral", text=self._auto(command, words[1:]))
            return
        name = "help" if text.lower() in HELP_WORDS else "bounce"
        self._command(ack, command, name, text)

    def on_checkmx(self, ack: Callable[..., None], command: dict[str, Any]) -> None:
        text = from_slack(command.get("text") or "").strip()
        name = "help" if text.lower() in HELP_WORDS else "checkmx"
        self._command(ack, command, name, text)

    def on_headers(self, ack: Callable[..., None], command: dict[str, Any]) -> None:
        text = from_slack(command.get("text") or "").strip()
        name = "help" if text.lower() in HELP_WORDS else "headers"
        self._command(ack, command, name, text)

    def _command(
        self, ack: Callable[..., None], command: Mapping[str, Any], name: str, text: str
    ) -> None:
        if name == "help":
            ack()
        else:
            ack(response_type="ephemeral", text=LOOKING)
        incoming = Incoming(
            text=text,
            command=name,
            user=str(command.get("user_id", "")),
            channel=str(command.get("channel_id", "")),
            platform="slack",
        )
        shown = "/" + str(command.get("command") or name).lstrip("/")
        log.info("%s from %s in %s", shown, incoming.user, incoming.channel)
        self.worker.submit(self._answer_command(incoming, str(command.get("response_url", ""))))

    def _auto(self, command: Mapping[str, Any], args: list[str]) -> str:
        channel = str(command.get("channel_id", ""))
        choice = args[0].lower() if args else ""
        if choice in ("on", "off"):
            self.prefs.set_auto_reply(channel, choice == "on")
            log.info("auto-replies %s in %s by %s", choice, channel, command.get("user_id"))
            if choice == "on":
                return "Auto-replies are *on* here: I explain bounces pasted in this channel."
            return (
                "Auto-replies are *off* here. /bounce and the *Explain bounce* shortcut still work;"
                " `/bounce auto on` turns them back on."
            )
        state = "on" if self.prefs.auto_reply(channel) else "off"
        return f"Auto-replies are *{state}* in this channel. Use `/bounce auto on` or `/bounce auto off`."

    async def _answer_command(self, incoming: Incoming, response_url: str) -> None:
        with self._owing(lambda: self._respond(response_url, RESTARTED)):
            try:
                reply = await self._reply(incoming)
            except Exception:
                log.exception("/%s failed", incoming.command)
                reply = Reply(
                    title="Something went wrong", text="Please try again.", severity="warn"
                )
            if reply is None:
                reply = Reply(title="Nothing to explain", text="Try `/bounce help`.")
            await self.worker.io(self._respond, response_url, reply)

    # -- events (auto-replies in threads) -------------------------------------------------------

    def on_message(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        if not self._from_person(event, context) or event.get("subtype") not in MESSAGE_SUBTYPES:
            return
        channel = str(event.get("channel", ""))
        files = list(event.get("files") or ())
        text = str(event.get("text") or "")
        if not files and not self._worth_answering(text, channel):
            return  # ordinary talk: nothing to answer, so nothing to remember either
        if not self._first(body):
            return
        # Claim every shared file, so the file_shared event for it does not answer again.
        for file in files:
            self.seen.first_time(f"file:{file.get('id')}")
        if not self.prefs.auto_reply(channel):
            return
        if context.bot_user_id and f"<@{context.bot_user_id}>" in text:
            return  # a mention: on_mention answers it, explicitly
        eml = [f for f in files if is_bounce_file(f)]
        if not eml and not text.strip():
            return
        self.worker.submit(
            self._explain_and_post(
                channel=channel,
                thread=str(event.get("thread_ts") or event.get("ts") or ""),
                text=text,
                files=eml,
                user=str(event.get("user", "")),
            )
        )

    def _worth_answering(self, text: str, channel: str) -> bool:
        """The registry's cheap detectors: would a plain message be answered at all?"""
        if not text.strip():
            return False
        incoming = Incoming(text=from_slack(text), channel=channel, platform="slack")
        return self.registry.route(incoming, self.deps) is not None

    def on_mention(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        if not self._from_person(event, context) or not self._first(body):
            return
        text = str(event.get("text") or "")
        if context.bot_user_id:
            text = text.replace(f"<@{context.bot_user_id}>", " ")
        files = [f for f in event.get("files") or () if is_bounce_file(f)]
        self.worker.submit(
            self._explain_and_post(
                channel=str(event.get("channel", "")),
                thread=str(event.get("thread_ts") or event.get("ts") or ""),
                text=text,
                files=files,
                user=str(event.get("user", "")),
                explicit=True,
            )
        )

    def on_file_shared(
        self, event: dict[str, Any], body: dict[str, Any], context: BoltContext
    ) -> None:
        if not self._first(body):
            return
        user = str(event.get("user_id", ""))
        if user and user == context.bot_user_id:
            return
        channel = str(event.get("channel_id", ""))
        file_id = str(event.get("file_id") or (event.get("file") or {}).get("id") or "")
        if file_id and channel and self.prefs.auto_reply(channel):
            self.worker.submit(self._file_shared(channel, file_id, user))

    async def _file_shared(self, channel: str, file_id: str, user: str) -> None:
        await asyncio.sleep(self.file_shared_grace)
        if not self.seen.first_time(f"file:{file_id}"):
            return  # the message event already took it
        info = await self.worker.io(self.client.files_info, file=file_id)
        file = info.get("file") or {}
        if not is_bounce_file(file):
            return
        await self._explain_and_post(
            channel=channel, thread=_share_thread(file, channel), text="", files=[file], user=user
        )

    # -- message shortcut "Explain bounce" ------------------------------------------------------

    def on_shortcut(self, ack: Callable[..., None], shortcut: dict[str, Any]) -> None:
        ack()
        message = shortcut.get("message") or {}
        channel = str((shortcut.get("channel") or {}).get("id", ""))
        log.info("explain_bounce shortcut in %s", channel)
        self.worker.submit(
            self._explain_and_post(
                channel=channel,
                thread=str(message.get("thread_ts") or message.get("ts") or ""),
                text=message_text(message),
                files=[f for f in message.get("files") or () if is_bounce_file(f)],
                user=str((shortcut.get("user") or {}).get("id", "")),
                explicit=True,
                response_url=str(shortcut.get("response_url") or ""),
            )
        )

    # -- the shared slow path (runs on the worker loop) -----------------------------------------

    async def _explain_and_post(
        self,
        *,
        channel: str,
        thread: str,
        text: str,
        files: list[dict[str, Any]],
        user: str,
        explicit: bool = False,
        response_url: str = "",
    ) -> None:
        def notify() -> None:
            self._post_thread(channel, thread, RESTARTED, response_url)

        with self._owing(notify if explicit else None):
            attachments, problems = await self._fetch(files)
            if files and not attachments and not explicit and not text.strip():
                log.info("file in %s not explained: %s", channel, "; ".join(problems))
                return
            incoming = Incoming(
                text=from_slack(text),
                files=tuple(attachments),
                user=user,
                channel=channel,
                thread=thread or None,
                explicit=explicit,
                platform="slack",
            )
            log.debug(
                "explaining %d chars and %d files from %s", len(incoming.text), len(files), channel
            )
            reply = await self._reply(incoming)
            if reply is None or (reply.quiet and not explicit):
                if explicit:
                    reply = _nothing_reply(problems)
                else:
                    return
            if problems:
                reply = reply.replace(notes=(*reply.notes, *problems))
            await self.worker.io(self._post_thread, channel, thread, reply, response_url)

    async def _reply(self, incoming: Incoming) -> Reply | None:
        reply = await self.registry.handle(incoming, self.deps)
        if reply is not None and incoming.command == "help":
            reply = reply.replace(sections=(*reply.sections, SLACK_HELP))
        return reply

    async def _fetch(
        self, files: Iterable[Mapping[str, Any]]
    ) -> tuple[list[Attachment], list[str]]:
        attachments: list[Attachment] = []
        problems: list[str] = []
        for file in files:
            try:
                attachments.append(await self.worker.io(self._download, file))
            except FileError as exc:
                problems.append(f"Could not read {file.get('name') or 'a file'}: {exc}.")
            except SlackApiError as exc:
                problems.append(
                    f"Could not read {file.get('name') or 'a file'}: {_api_error(exc)}."
                )
        return attachments, problems

    def _download(self, file: Mapping[str, Any]) -> Attachment:
        ref = FileRef.from_slack(file)
        if not ref.url and ref.id:  # e.g. "file_access": "check_file_info"
            ref = FileRef.from_slack(self.client.files_info(file=ref.id).get("file") or {})
        kwargs = {"max_bytes": self.max_file_bytes} if self.max_file_bytes else {}
        return download(
            ref,
            self.settings.slack_bot_token or self.client.token or "",
            api_base=self.client.base_url,
            **kwargs,
        )

    # -- Web API (blocking; run in the worker's I/O pool) ---------------------------------------

    def _post_thread(self, channel: str, thread: str, reply: Reply, response_url: str) -> None:
        blocks, text = render_slack(reply)
        try:
            self.client.chat_postMessage(
                channel=channel, thread_ts=thread or None, text=text, blocks=blocks, **POST_OPTIONS
            )
        except SlackApiError as exc:
            log.warning("chat.postMessage in %s failed: %s", channel, _api_error(exc))
            if response_url:  # e.g. the shortcut was used where the bot is not a member
                hint = (
                    "I can't post in that thread (invite me to the channel), so here it is for you."
                )
                self._respond(response_url, reply.replace(notes=(*reply.notes, hint)))

    def _respond(self, response_url: str, reply: Reply) -> None:
        if not response_url:
            log.warning("no response_url to answer with")
            return
        blocks, text = render_slack(reply)
        webhook = WebhookClient(
            response_url,
            timeout=30,
            retry_handlers=[
                ConnectionErrorRetryHandler(),
                RateLimitErrorRetryHandler(max_retry_count=3),
                ServerErrorRetryHandler(max_retry_count=2),
            ],
        )
        response = webhook.send(
            text=text,
            blocks=blocks,
            response_type="ephemeral",
            replace_original=True,
            **POST_OPTIONS,
        )
        if response.status_code != 200:
            log.warning("response_url answered HTTP %s", response.status_code)

    # -- filters ----------------------------------------------------------------------------------

    def _first(self, body: Mapping[str, Any]) -> bool:
        """False for a retried delivery of an event already handled (same event_id)."""
        event_id = body.get("event_id")
        if not event_id:
            return True
        first = self.seen.first_time(f"event:{event_id}")
        if not first:
            log.info("event %s seen before: ignored", event_id)
        return first

    @staticmethod
    def _from_person(event: Mapping[str, Any], context: BoltContext) -> bool:
        if event.get("bot_id") or event.get("subtype") == "bot_message" or event.get("hidden"):
            return False
        user = event.get("user")
        return bool(user) and user != context.bot_user_id


def message_text(message: Mapping[str, Any]) -> str:
    """A message's text; for bot posts with an empty text, their attachments' and blocks' text."""
    text = str(message.get("text") or "")
    if text.strip():
        return text
    parts: list[str] = []
    for attachment in message.get("attachments") or ():
        for key in ("pretext", "title", "text", "fallback"):
            if attachment.get(key):
                parts.append(str(attachment[key]))
                break
    for block in message.get("blocks") or ():
        inner = block.get("text")
        if isinstance(inner, dict) and inner.get("text"):
            parts.append(str(inner["text"]))
    return "\n".join(parts)


def _share_thread(file: Mapping[str, Any], channel: str) -> str:
    """The ts (thread) of the message that shared a file in a channel, if Slack says."""
    for kind in ("public", "private"):
        shares = ((file.get("shares") or {}).get(kind) or {}).get(channel) or ()
        for share in shares:
            if share.get("ts"):
                return str(share.get("thread_ts") or share["ts"])
    return ""


def _nothing_reply(problems: list[str]) -> Reply:
    if problems:
        return Reply(title="Could not read the file", text=" ".join(problems), severity="warn")
    return Reply(
        title="Nothing to explain",
        text="That message has no bounce text or .eml file I can read.",
    )


def _api_error(exc: SlackApiError) -> str:
    response = getattr(exc, "response", None)
    try:
        return str(response["error"]) if response is not None else str(exc)
    except (KeyError, TypeError):
        return "Slack API error"


def check_settings(settings: Settings, *, http: bool) -> bool:
    """Raise ConfigError when tokens are missing or swapped; True for Socket Mode."""
    if not settings.slack_bot_token:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your "
            "Slack app's OAuth & Permissions page (see docs/slack.md)"
        )
    if not settings.slack_bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    socket_mode = bool(settings.slack_app_token) and not http
    if socket_mode and not settings.slack_app_token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN must be an app-level token starting with xapp- (scope connections:write)"
        )
    if not socket_mode and not settings.slack_signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify requests (Basic "
            "Information > Signing Secret), or set SLACK_APP_TOKEN for Socket Mode"
        )
    return socket_mode


def serve_slack(
    settings: Settings, *, http: bool, host: str, port: int, check: bool = False
) -> int:
    """Run the bot: Socket Mode when SLACK_APP_TOKEN is set (and not --http), else HTTP.

    Slack unreachable at start: one WARNING line per attempt and retries with back-off (with
    `check`, one line and exit 2). SIGTERM or SIGINT: stop taking work, finish what is in flight
    within the drain deadline (restart notices for the rest), exit 0.
    """
    from bot.app import build_deps

    socket_mode = check_settings(settings, http=http)
    logging.getLogger("bot").setLevel(settings.log_level)
    deps = build_deps(settings, service=True)
    stop = StopSignal().install()
    try:
        return _serve(
            settings, deps, stop, socket_mode=socket_mode, host=host, port=port, check=check
        )
    finally:
        stop.restore()


def _serve(
    settings: Settings,
    deps: Deps,
    stop: StopSignal,
    *,
    socket_mode: bool,
    host: str,
    port: int,
    check: bool,
) -> int:
    from bot.app import build_registry

    READINESS.not_ready("connecting to Slack")

    def connect() -> SlackBot:
        try:
            return SlackBot(settings, deps, build_registry())
        except BoltError as exc:
            if network_failure(exc) is not None:
                raise
            raise ConfigError(f"Slack rejected SLACK_BOT_TOKEN ({exc})") from None

    made = connect_with_retry(connect, "Slack", stop, once=check)
    if made is None:
        return 0  # asked to stop while Slack was unreachable
    if check:
        print("ndrbot: Slack accepted SLACK_BOT_TOKEN", file=sys.stderr)
        return 0
    bot = made.start()
    try:
        if socket_mode:
            handler = bot.socket_mode_handler(settings.slack_app_token)
            print("ndrbot: connecting to Slack in Socket Mode (Ctrl-C stops)", file=sys.stderr)
            connect_with_retry(handler.connect, "Slack (Socket Mode)", stop)
            READINESS.watch(
                lambda: None if handler.client.is_connected() else "Socket Mode is reconnecting"
            )
            stop.wait()
            handler.close()  # no new events; the work in flight goes on
        else:
            server = bot.http_server(host, port)
            print(
                f"ndrbot: serving Slack on http://{host}:{server.server_port}/slack/events "
                "(Ctrl-C stops)",
                file=sys.stderr,
            )
            serving = threading.Thread(target=server.serve_forever, name="ndrbot-http")
            serving.start()
            READINESS.watch(lambda: None)
            stop.wait()
            server.shutdown()  # no new requests; the work in flight goes on
            serving.join(5)
            server.server_close()
    finally:
        READINESS.not_ready("shutting down")
        notices = bot.shutdown(settings.drain_seconds)
        if notices:
            log.warning("%d answers did not finish in time: their askers were told", notices)
    return 0
