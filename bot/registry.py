"""Finds the intents in `intents/`, routes each Incoming to one, and never lets an error escape."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import time
from collections.abc import Iterable

from bot.intent import Deps, Intent
from bot.metrics import METRICS
from bot.model import Incoming, Reply

log = logging.getLogger(__name__)


def discover(package: str = "intents") -> list[Intent]:
    """Import every module of the package and collect its INTENT."""
    module = importlib.import_module(package)
    found = []
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        intent = getattr(importlib.import_module(f"{package}.{info.name}"), "INTENT", None)
        if isinstance(intent, Intent):
            found.append(intent)
    return found


class Registry:
    """Order of routing: an explicit command, then detectors (by priority), else nothing."""

    def __init__(self, intents: Iterable[Intent]) -> None:
        self.intents = list(intents)
        self.commands: dict[str, Intent] = {}
        for intent in self.intents:
            for command in intent.commands:
                if command in self.commands:
                    raise ValueError(f"command {command!r} is claimed by two intents")
                self.commands[command] = intent
        self.detectors = sorted((i for i in self.intents if i.detect), key=lambda i: i.priority)

    @classmethod
    def default(cls) -> Registry:
        return cls(discover())

    def route(self, incoming: Incoming, deps: Deps) -> Intent | None:
        if incoming.command is not None:
            return self.commands.get(incoming.command.lower().lstrip("/"))
        for intent in self.detectors:
            assert intent.detect is not None
            if intent.detect(incoming, deps):
                return intent
        return None

    def suggest(self, command: str) -> str | None:
        """The closest known command to a mistyped one."""
        from rapidfuzz import process  # only for a mistyped command: keep it out of start-up

        best = process.extractOne(command.lower(), list(self.commands), score_cutoff=60)
        return best[0] if best else None

    async def handle(self, incoming: Incoming, deps: Deps) -> Reply | None:
        """Answer an Incoming: a Reply, or None when the bot should stay quiet."""
        try:
            intent = self.route(incoming, deps)
        except Exception:
            log.exception("routing failed")
            METRICS.inc("ndrbot_errors_total", where="routing")
            return _internal_error()
        if intent is None:
            if incoming.command is None:
                return None
            hint = self.suggest(incoming.command)
            text = f"Unknown command {incoming.command!r}."
            if hint:
                text += f" Did you mean {hint!r}?"
            known = ", ".join(f"/{name}" for name in sorted(self.commands))
            return Reply(title="Unknown command", text=f"{text} The commands are: {known}.")
        METRICS.inc("ndrbot_requests_total", platform=incoming.platform, intent=intent.name)
        if not _within_limits(incoming, deps):
            METRICS.inc("ndrbot_rate_limited_total", platform=incoming.platform)
            return _slow_down(incoming, deps)
        started = time.perf_counter()
        try:
            reply = await intent.handle(incoming, deps)
        except Exception:
            log.exception("intent %s failed", intent.name)
            METRICS.inc("ndrbot_errors_total", where=f"intent:{intent.name}")
            return _internal_error()
        METRICS.observe("ndrbot_answer_seconds", time.perf_counter() - started, intent=intent.name)
        if reply is not None and incoming.command is None and not incoming.explicit:
            METRICS.inc("ndrbot_auto_replies_total", platform=incoming.platform)
        return reply


def _within_limits(incoming: Incoming, deps: Deps) -> bool:
    """Per-user and per-channel limits; the terminal is never limited."""
    if deps.limiter is None or incoming.platform == "console":
        return True
    return deps.limiter.allow(incoming.user, incoming.channel)


def _slow_down(incoming: Incoming, deps: Deps) -> Reply | None:
    """A polite answer to a command; for a paste storm one notice per channel and window."""
    if incoming.command is not None or incoming.explicit:
        return Reply(
            title="Slow down a little",
            text="That is a lot of requests in a short time. Please try again in a minute.",
            severity="warn",
        )
    window = deps.settings.rate_channel[1]
    if deps.store is not None and deps.store.claim(f"storm:{incoming.channel}", ttl=window):
        return Reply(
            title="Many bounces at once",
            text=(
                "A lot of bounces were pasted here in a short time, so I am pausing automatic "
                "replies in this channel for a minute. Ask about a particular one with /bounce."
            ),
            severity="warn",
        )
    return None


def _internal_error() -> Reply:
    return Reply(
        title="Something went wrong",
        text="ndrbot hit an internal error while answering; it has been logged. Please try again.",
        severity="warn",
    )
