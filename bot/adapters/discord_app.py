"""Discord adapter: `/bounce`, `/checkmx`, the "Explain bounce" context menu and auto-replies.

Everything Discord-specific stays here; the registry and intents only see `Incoming` and `Reply`.

- Slash commands and the context menu `defer()` first, then download, explain and answer with
  follow-ups (an interaction must be answered within 3 seconds; follow-ups work for 15 minutes).
- With the privileged message content intent, a pasted bounce or an uploaded `.eml` in a watched
  channel gets a thread on the message with the answer inside; in a thread the answer goes in
  place. Ordinary messages get nothing; bots and webhooks are ignored.
- Mentions never ping: `AllowedMentions.none()` on the client and on every send, and the renderer
  escapes mentions in echoed text. Attachments are size-checked before download.
- Logs name ids and titles, never bounce text (only its length, at DEBUG) nor interaction tokens;
  discord.py's own DEBUG output (which holds both) is kept off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import aiohttp
import discord
from discord import app_commands

from bot.adapters.health import READINESS
from bot.adapters.lifecycle import RESTARTED, StopSignal, connect_with_retry_async
from bot.adapters.render_discord import DiscordMessage, render_discord, render_plain
from bot.config import ConfigError, Settings
from bot.intent import Deps
from bot.model import Attachment, Incoming, Reply
from bot.netfail import network_failure
from bot.registry import Registry

# ndrbot never joins voice: discord.py's "PyNaCl is not installed, voice will NOT be supported"
# warning (printed by every command, `discord sync-commands` included) is noise here.
discord.VoiceClient.warn_nacl = False

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024
"""Largest file downloaded (checked against the size Discord reports, before downloading)."""
MAX_ATTACHMENTS = 3
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440
THREAD_NAME_LIMIT = 100
NO_MENTIONS = discord.AllowedMentions.none()
EML_TYPES = ("message/rfc822", "message/global")
TEXT_SUFFIXES = (".txt", ".log")
CONTEXT_MENU_NAME = "Explain bounce"
_REPLYABLE = (discord.MessageType.default, discord.MessageType.reply)
TOKEN_HELP = (
    "DISCORD_TOKEN is not set: create a bot in the Discord Developer Portal, copy its token "
    "and export DISCORD_TOKEN (see docs/discord.md)"
)
NO_INTENT_NOTE = (
    "The Message Content intent is not enabled for this application (Developer Portal > Bot > "
    "Privileged Gateway Intents), so pasted bounces cannot be read: auto-replies are off. "
    "/bounce, /checkmx and the 'Explain bounce' context menu still work."
)


class NdrClient(discord.AutoShardedClient):
    """The bot: a sharded client with a command tree, answering through the registry."""

    def __init__(
        self,
        settings: Settings,
        deps: Deps,
        registry: Registry,
        *,
        message_content: bool = True,
        max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(intents=intents, allowed_mentions=NO_MENTIONS)
        self.settings = settings
        self.deps = deps
        self.registry = registry
        self.max_attachment_bytes = max_attachment_bytes
        self.watched = channel_ids(settings.discord_channels)
        self.tree = app_commands.CommandTree(self)
        add_commands(self.tree)
        self.draining = False
        """After SIGTERM: nothing new is taken on; the work in flight finishes or is told."""
        self._inflight: set[asyncio.Task[Any]] = set()
        self._owed: dict[int, discord.Interaction] = {}
        """Interactions whose askers wait for an answer: told of a restart if unfinished."""

    async def shutdown(self, deadline: float) -> int:
        """Take nothing new, let the work in flight finish within `deadline` seconds, tell whoever
        still waits that the bot restarted, then close. Returns how many were told."""
        self.draining = True
        current = asyncio.current_task()
        running = [t for t in self._inflight if t is not current and not t.done()]
        if running:
            await asyncio.wait(running, timeout=deadline)
        owed, self._owed = list(self._owed.values()), {}
        for task in running:
            task.cancel()
        for interaction in owed:
            with contextlib.suppress(Exception):  # best effort: the process is going away
                await asyncio.wait_for(self.follow_up(interaction, RESTARTED), 2)
        await self.close()
        return len(owed)

    def _track(self) -> asyncio.Task[Any] | None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return task

    # ----------------------------------------------------------------- auto-replies

    async def on_message(self, message: discord.Message) -> None:
        if self.draining or message.author.bot or message.webhook_id is not None:
            return
        self._track()
        if message.type not in _REPLYABLE:
            return
        mentioned = self.user is not None and any(u.id == self.user.id for u in message.mentions)
        # A mention is a question and always gets an answer; auto-replies follow the settings.
        if not mentioned and (not self.settings.auto_reply or not self.is_watched(message.channel)):
            return
        try:
            incoming, skipped = await self.incoming_from_message(message, explicit=mentioned)
            if not incoming.text.strip() and not incoming.files:
                return
            reply = await self.registry.handle(incoming, self.deps)
            if reply is None or (reply.quiet and not mentioned):
                log.debug("message %s: not a bounce (%d chars)", message.id, len(incoming.text))
                return
            reply = _note_skipped(reply, skipped, self.max_attachment_bytes)
            await self.post_answer(message, reply)
        except Exception:
            log.exception("auto-reply to message %s failed", message.id)

    def is_watched(self, channel: object) -> bool:
        """DMs always; otherwise every channel when none are configured, else the listed ones
        (a thread counts as its parent channel, a channel as its category)."""
        if isinstance(channel, discord.DMChannel) or not self.watched:
            return True
        ids = {getattr(channel, name, None) for name in ("id", "parent_id", "category_id")}
        return bool(ids & self.watched)

    async def post_answer(self, message: discord.Message, reply: Reply) -> None:
        """Answer in a new thread on the message; in place inside threads and DMs."""
        messages = self.render(reply, message.channel)
        target: discord.abc.Messageable | None = None
        if isinstance(message.channel, discord.TextChannel):
            try:
                target = await message.create_thread(
                    name=thread_name(reply), auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
            except discord.HTTPException as exc:
                log.warning(
                    "could not create a thread on message %s (HTTP %s); replying in the channel",
                    message.id,
                    exc.status,
                )
        if target is None:
            first, *rest = messages
            await message.reply(**send_options(first))
            target = message.channel
            messages = rest
        for item in messages:
            await target.send(**send_options(item))
        log.info(
            "answered message %s in channel %s: %s", message.id, message.channel.id, reply.title
        )

    def render(self, reply: Reply, channel: object) -> list[DiscordMessage]:
        """Embeds where the bot may embed links; plain text (no previews) where it may not."""
        if isinstance(channel, discord.abc.GuildChannel | discord.Thread):
            me = channel.guild.me
            if me is not None and not channel.permissions_for(me).embed_links:
                return render_plain(reply)
        return render_discord(reply)

    async def incoming_from_message(
        self, message: discord.Message, *, explicit: bool
    ) -> tuple[Incoming, list[discord.Attachment]]:
        """The message as an Incoming (with .eml and text files read), and the files too big."""
        text = message.content
        if self.user is not None:
            text = re.sub(rf"<@!?{self.user.id}>", "", text).strip()
        if explicit and not text.strip():
            text = "\n\n".join(_embed_text(e) for e in message.embeds)
        files, texts, skipped = await self.read_attachments(message.attachments)
        text = "\n\n".join(t for t in (text, *texts) if t.strip())
        channel = message.channel
        if isinstance(channel, discord.Thread):
            where, thread = str(channel.parent_id), str(channel.id)
        else:
            where, thread = str(channel.id), None
        incoming = Incoming(
            text=text,
            files=tuple(files),
            user=str(message.author.id),
            channel=where,
            thread=thread,
            explicit=explicit,
            platform="discord",
        )
        return incoming, skipped

    async def read_attachments(
        self, attachments: Sequence[discord.Attachment], *, any_file: bool = False
    ) -> tuple[list[Attachment], list[str], list[discord.Attachment]]:
        """(.eml files, texts of .txt files, files over the size cap) among the first few.

        Only mail and text files are downloaded, unless `any_file` (the user picked the file)."""
        files: list[Attachment] = []
        texts: list[str] = []
        skipped: list[discord.Attachment] = []
        for item in attachments[:MAX_ATTACHMENTS]:
            kind = "eml" if any_file else attachment_kind(item)
            if kind is None:
                continue
            if item.size > self.max_attachment_bytes:
                skipped.append(item)
                continue
            try:
                data = await item.read()
            except (TimeoutError, discord.HTTPException, aiohttp.ClientError) as exc:
                log.warning("could not download attachment %s: %s", item.id, type(exc).__name__)
                continue
            if len(data) > self.max_attachment_bytes:
                skipped.append(item)
                continue
            log.debug("downloaded attachment %s (%d bytes)", item.id, len(data))
            if kind == "text":
                texts.append(data.decode("utf-8", "replace"))
            else:
                files.append(Attachment(item.filename, data, item.content_type or ""))
        return files, texts, skipped

    # ----------------------------------------------------------------- interactions

    async def answer_bounce(
        self,
        interaction: discord.Interaction,
        text: str,
        file: discord.Attachment | None,
        command: str = "bounce",
    ) -> None:
        if not await self._accept(interaction):
            return
        try:
            files: list[Attachment] = []
            skipped: list[discord.Attachment] = []
            if file is not None:
                files, _, skipped = await self.read_attachments([file], any_file=True)
            if skipped and not text.strip():
                reply = too_big_reply(skipped, self.max_attachment_bytes)
            else:
                incoming = self._incoming(interaction, text, files=files, command=command)
                reply = await self.registry.handle(incoming, self.deps) or _nothing_reply()
                reply = _note_skipped(reply, skipped, self.max_attachment_bytes)
        except Exception:
            log.exception("/%s failed (interaction %s)", command, interaction.id)
            reply = _error_reply()
        await self.follow_up(interaction, reply)

    async def answer_checkmx(self, interaction: discord.Interaction, domain: str) -> None:
        if not await self._accept(interaction):
            return
        try:
            incoming = self._incoming(interaction, domain, command="checkmx")
            reply = await self.registry.handle(incoming, self.deps) or _nothing_reply()
        except Exception:
            log.exception("/checkmx failed (interaction %s)", interaction.id)
            reply = _error_reply()
        await self.follow_up(interaction, reply)

    async def answer_context_menu(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        if not await self._accept(interaction):
            return
        try:
            incoming, skipped = await self.incoming_from_message(message, explicit=True)
            if not incoming.text.strip() and not incoming.files:
                reply = (
                    too_big_reply(skipped, self.max_attachment_bytes)
                    if skipped
                    else _nothing_reply()
                )
            else:
                incoming = incoming.replace(user=str(interaction.user.id))
                reply = await self.registry.handle(incoming, self.deps) or _nothing_reply()
                reply = _note_skipped(reply, skipped, self.max_attachment_bytes)
        except Exception:
            log.exception("context menu failed (interaction %s)", interaction.id)
            reply = _error_reply()
        await self.follow_up(interaction, reply)

    async def _accept(self, interaction: discord.Interaction) -> bool:
        """Defer the answer ("thinking...") and remember who waits for it; False when the
        interaction is gone, or the bot is shutting down (then the asker is told at once)."""
        if self.draining:
            with contextlib.suppress(discord.HTTPException):
                await interaction.response.send_message(
                    **send_options(render_discord(RESTARTED)[0])
                )
            return False
        if not await _defer(interaction):
            return False
        self._track()
        self._owed[interaction.id] = interaction
        return True

    async def follow_up(self, interaction: discord.Interaction, reply: Reply) -> None:
        self._owed.pop(interaction.id, None)
        try:
            for item in render_discord(reply):
                await interaction.followup.send(**send_options(item))
        except discord.HTTPException as exc:
            log.warning("follow-up for interaction %s failed (HTTP %s)", interaction.id, exc.status)
            return
        log.info("answered interaction %s: %s", interaction.id, reply.title)

    @staticmethod
    def _incoming(
        interaction: discord.Interaction,
        text: str,
        *,
        files: Iterable[Attachment] = (),
        command: str,
    ) -> Incoming:
        channel = interaction.channel
        if isinstance(channel, discord.Thread):
            where, thread = str(channel.parent_id), str(channel.id)
        else:
            where, thread = str(interaction.channel_id or ""), None
        return Incoming(
            text=text,
            files=tuple(files),
            user=str(interaction.user.id),
            channel=where,
            thread=thread,
            command=command,
            platform="discord",
        )


# --------------------------------------------------------------------- commands


@app_commands.describe(
    text="A status code (5.7.1, 550) or the bounce text", file="The bounce as an .eml file"
)
async def _bounce_command(
    interaction: discord.Interaction,
    text: str | None = None,
    file: discord.Attachment | None = None,
) -> None:
    await _client(interaction).answer_bounce(interaction, text or "", file)


@app_commands.describe(domain="A domain or address, e.g. example.com")
async def _checkmx_command(interaction: discord.Interaction, domain: str) -> None:
    await _client(interaction).answer_checkmx(interaction, domain)


@app_commands.describe(
    text="The message's headers (Received:, Authentication-Results: ...)",
    file="The message as an .eml file",
)
async def _headers_command(
    interaction: discord.Interaction,
    text: str | None = None,
    file: discord.Attachment | None = None,
) -> None:
    await _client(interaction).answer_bounce(interaction, text or "", file, command="headers")


async def _explain_message(interaction: discord.Interaction, message: discord.Message) -> None:
    await _client(interaction).answer_context_menu(interaction, message)


def add_commands(tree: app_commands.CommandTree) -> None:
    """Register /bounce, /checkmx, /headers and the "Explain bounce" message context menu."""
    tree.add_command(
        app_commands.Command(
            name="bounce",
            description="Explain a bounce: a status code, pasted text or an .eml file",
            callback=_bounce_command,
        )
    )
    tree.add_command(
        app_commands.Command(
            name="checkmx",
            description="Check a domain's mail DNS live (MX, SPF, DMARC, DKIM, blocklists ...)",
            callback=_checkmx_command,
        )
    )
    tree.add_command(
        app_commands.Command(
            name="headers",
            description="Analyse a message's headers: path, delays, SPF/DKIM/DMARC verdicts",
            callback=_headers_command,
        )
    )
    tree.add_command(app_commands.ContextMenu(name=CONTEXT_MENU_NAME, callback=_explain_message))


def _client(interaction: discord.Interaction) -> NdrClient:
    client = interaction.client
    if not isinstance(client, NdrClient):
        raise TypeError("ndrbot commands need an NdrClient")
    return client


async def _defer(interaction: discord.Interaction) -> bool:
    """Acknowledge at once ("ndrbot is thinking..."); False when the interaction is gone."""
    try:
        await interaction.response.defer(thinking=True)
    except discord.HTTPException as exc:
        log.warning("could not defer interaction %s (HTTP %s)", interaction.id, exc.status)
        return False
    return True


# --------------------------------------------------------------------- helpers


def send_options(message: DiscordMessage) -> dict[str, Any]:
    """Keyword arguments for `send`/`followup.send`: never pings, no link previews in text."""
    options: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if message.content:
        options["content"] = message.content
    if message.embeds:
        options["embeds"] = list(message.embeds)
    if message.suppress_embeds:
        options["suppress_embeds"] = True
    return options


def attachment_kind(item: discord.Attachment) -> str | None:
    """ "eml" for mail files, "text" for text files (long pastes arrive as message.txt)."""
    name = item.filename.lower()
    content_type = (item.content_type or "").split(";")[0].strip().lower()
    if name.endswith((".eml", ".msg.txt")) or content_type in EML_TYPES:
        return "eml"
    if name.endswith(TEXT_SUFFIXES) or content_type == "text/plain":
        return "text"
    return None


def thread_name(reply: Reply) -> str:
    name = " ".join(f"Bounce: {reply.title}".split())
    if len(name) > THREAD_NAME_LIMIT:
        name = name[: THREAD_NAME_LIMIT - 1].rstrip() + "…"
    return name


def channel_ids(values: Iterable[str]) -> frozenset[int]:
    ids = set()
    for value in values:
        if not value.strip().isdigit():
            raise ConfigError(f"NDRBOT_DISCORD_CHANNELS: {value!r} is not a Discord channel id")
        ids.add(int(value))
    return frozenset(ids)


def too_big_reply(skipped: Sequence[discord.Attachment], limit: int) -> Reply:
    names = ", ".join(f"{a.filename} ({a.size / 1048576:.1f} MB)" for a in skipped)
    return Reply(
        title="File too large",
        text=f"{names}: ndrbot reads files up to {limit / 1048576:.0f} MB. "
        "Paste the bounce text (or its delivery-status part) instead.",
        severity="warn",
    )


def _note_skipped(reply: Reply, skipped: Sequence[discord.Attachment], limit: int) -> Reply:
    if not skipped:
        return reply
    note = f"Not read (over {limit / 1048576:.0f} MB): " + ", ".join(a.filename for a in skipped)
    return reply.replace(notes=(*reply.notes, note))


def _nothing_reply() -> Reply:
    return Reply(
        title="Nothing to explain",
        text="That message has no text or .eml file I can read. Paste the bounce or attach it.",
    )


def _error_reply() -> Reply:
    return Reply(
        title="Something went wrong",
        text="ndrbot hit an internal error while answering; it has been logged. Please try again.",
        severity="warn",
    )


def _embed_text(embed: discord.Embed) -> str:
    parts = [embed.title or "", embed.description or ""]
    parts.extend(f"{f.name}\n{f.value}" for f in embed.fields)
    return "\n".join(p for p in parts if p)


def content_intent_enabled(flags: discord.ApplicationFlags) -> bool:
    """Whether the Developer Portal grants the message content intent to this application."""
    return bool(flags.gateway_message_content or flags.gateway_message_content_limited)


def startup_note(settings: Settings, message_content: bool) -> str:
    if not settings.auto_reply:
        return (
            "Auto-replies are off (NDRBOT_AUTO_REPLY); /bounce, /checkmx and 'Explain bounce' work."
        )
    if not message_content:
        return NO_INTENT_NOTE
    where = (
        f"{len(settings.discord_channels)} watched channel(s)"
        if settings.discord_channels
        else "every channel the bot can see"
    )
    return f"Auto-replies are on in {where}: pasted bounces and .eml files get a thread."


# --------------------------------------------------------------------- entry points


def build_discord_client(
    settings: Settings,
    deps: Deps,
    registry: Registry,
    *,
    message_content: bool = True,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
) -> NdrClient:
    """The client with its command tree; nothing is connected or published yet."""
    return NdrClient(
        settings,
        deps,
        registry,
        message_content=message_content,
        max_attachment_bytes=max_attachment_bytes,
    )


async def login_client(settings: Settings, deps: Deps, registry: Registry) -> NdrClient:
    """A logged-in client; asks for the message content intent only where the portal grants it."""
    want = settings.auto_reply
    client = build_discord_client(settings, deps, registry, message_content=want)
    await client.login(settings.discord_token)
    if want and not content_intent_enabled(client.application_flags):
        await client.close()
        client = build_discord_client(settings, deps, registry, message_content=False)
        await client.login(settings.discord_token)
    note = startup_note(settings, client.intents.message_content)
    log.log(logging.WARNING if want and not client.intents.message_content else logging.INFO, note)
    return client


async def _serve(
    settings: Settings, deps: Deps, registry: Registry, stop: StopSignal, *, check: bool = False
) -> int:
    """Log in (retrying while Discord cannot be reached), then run until a stop is asked for."""
    READINESS.not_ready("connecting to Discord")
    client = await connect_with_retry_async(
        lambda: login_client(settings, deps, registry), "Discord", stop, once=check
    )
    if client is None:
        return 0
    if check:
        await client.close()
        print("ndrbot: Discord accepted DISCORD_TOKEN", file=sys.stderr)
        return 0
    try:
        return await _run(client, settings, stop)
    except discord.PrivilegedIntentsRequired:
        if not client.intents.message_content:
            raise
        log.warning(NO_INTENT_NOTE)
        await client.close()
    client = build_discord_client(settings, deps, registry, message_content=False)
    await client.login(settings.discord_token)
    return await _run(client, settings, stop)


async def _run(client: NdrClient, settings: Settings, stop: StopSignal) -> int:
    """Stay connected (discord.py reconnects by itself) until SIGTERM or SIGINT, then drain."""
    READINESS.watch(
        lambda: (
            None
            if client.is_ready() and not client.is_closed()
            else "not connected to the Discord gateway"
        )
    )
    gateway = asyncio.create_task(client.connect())
    stopping = asyncio.create_task(asyncio.to_thread(stop.wait))
    try:
        done, _ = await asyncio.wait({gateway, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if gateway in done:
            gateway.result()  # raises what ended the connection
            return 0
        READINESS.not_ready("shutting down")
        notices = await client.shutdown(settings.drain_seconds)
        if notices:
            log.warning("%d answers did not finish in time: their askers were told", notices)
        return 0
    finally:
        stop.event.set()  # ends the waiting thread whichever way we leave
        for task in (gateway, stopping):
            if not task.done():
                task.cancel()
        if not client.is_closed():
            await client.close()


def serve_discord(settings: Settings, *, check: bool = False) -> int:
    """`ndrbot serve discord`: run until SIGTERM or SIGINT. ConfigError when the token is
    missing or rejected, or (with `check`) when Discord cannot be reached."""
    _require_token(settings)
    channel_ids(settings.discord_channels)
    from bot.app import build_deps, build_registry

    deps = build_deps(settings, service=True)
    registry = build_registry()
    _configure_logging(settings)
    stop = StopSignal().install()
    try:
        return asyncio.run(_serve(settings, deps, registry, stop, check=check))
    except discord.LoginFailure:
        raise ConfigError("DISCORD_TOKEN was rejected by Discord: check the bot token") from None
    finally:
        stop.restore()


def online_problems(settings: Settings) -> list[str]:
    """Ask Discord whether DISCORD_TOKEN works (`config check --online`): one line per problem."""
    if not settings.discord_token.strip():
        return []

    async def check() -> list[str]:
        client = discord.Client(intents=discord.Intents.none())
        try:
            await client.login(settings.discord_token)
        except discord.LoginFailure:
            return ["Discord rejected DISCORD_TOKEN: check the bot token"]
        except Exception as exc:
            reason = network_failure(exc)
            if reason is None:
                raise
            return [f"cannot reach Discord to check DISCORD_TOKEN: {reason}"]
        finally:
            await client.close()
        return []

    return asyncio.run(check())


def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """Publish the commands (globally, or to one guild at once for testing). Run on demand,
    never on every start: Discord rate-limits command updates."""
    _require_token(settings)
    try:
        commands = asyncio.run(_sync(settings.discord_token, guild_id))
    except discord.LoginFailure:
        raise ConfigError("DISCORD_TOKEN was rejected by Discord: check the bot token") from None
    except discord.Forbidden:
        raise ConfigError(
            f"Discord refused to publish commands to guild {guild_id}: invite the bot there with "
            "the applications.commands scope (see docs/discord.md)"
        ) from None
    except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
        raise ConfigError(f"could not publish commands: {exc}") from None
    where = f"to guild {guild_id}" if guild_id else "globally (may take up to an hour to appear)"
    names = ", ".join(c.name for c in commands)
    print(f"Published {len(commands)} commands {where}: {names}")
    return 0


async def _sync(token: str, guild_id: int | None) -> list[app_commands.AppCommand]:
    client = discord.Client(intents=discord.Intents(guilds=True), allowed_mentions=NO_MENTIONS)
    tree = app_commands.CommandTree(client)
    add_commands(tree)
    async with client:
        await client.login(token)
        if guild_id is None:
            return await tree.sync()
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        return await tree.sync(guild=guild)


def _require_token(settings: Settings) -> None:
    if not settings.discord_token.strip():
        raise ConfigError(TOKEN_HELP)


def _configure_logging(settings: Settings) -> None:
    level = getattr(logging, settings.log_level, logging.INFO)
    logging.getLogger("bot").setLevel(level)
    logging.getLogger("intents").setLevel(level)
    # discord.py logs gateway payloads (message text) and webhook URLs (interaction tokens) at DEBUG.
    logging.getLogger("discord").setLevel(max(level, logging.INFO))
