"""A serving bot's life: connect (retrying while the network is down), run until SIGTERM or
SIGINT, then drain. Shared by the Slack and Discord adapters; imports neither SDK."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.adapters.health import READINESS
from bot.config import ConfigError
from bot.model import Reply
from bot.netfail import backoff, network_failure

log = logging.getLogger(__name__)

RESTARTED = Reply(
    title="I was restarted before I could answer",
    text="ndrbot is restarting and could not finish this one. Please ask again in a minute.",
    severity="warn",
)
"""What whoever still waits for an answer is told when the drain deadline passes."""

T = TypeVar("T")


class StopSignal:
    """SIGTERM and SIGINT set an event instead of raising, so the serve loop can drain."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def install(self) -> StopSignal:
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def restore(self) -> None:
        """Put back the handlers that were there before (the serve loop is over)."""
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, number: int, _frame: object) -> None:
        if self.event.is_set():  # a second Ctrl-C: stop waiting for the drain
            raise KeyboardInterrupt
        self.received = number
        READINESS.not_ready("shutting down")
        log.warning("%s received: finishing the work in flight", signal.Signals(number).name)
        self.event.set()

    def wait(self, timeout: float | None = None) -> bool:
        """True once a stop was asked for (waits at most `timeout` seconds)."""
        return self.event.wait(timeout)


def connect_with_retry(
    connect: Callable[[], T], platform: str, stop: StopSignal, *, once: bool = False
) -> T | None:
    """`connect()`, retried with back-off while the platform cannot be reached. A network failure
    is one WARNING line per attempt (no traceback); with `once` it is a ConfigError instead.
    None when a stop was asked for while waiting. Other errors (a rejected token) pass through."""
    for delay in backoff():
        try:
            return connect()
        except Exception as exc:
            _unreachable(exc, platform, delay, once=once)
        if stop.wait(delay):
            return None
    return None  # pragma: no cover - backoff() never ends


async def connect_with_retry_async(
    connect: Callable[[], Awaitable[T]], platform: str, stop: StopSignal, *, once: bool = False
) -> T | None:
    """`connect_with_retry` for an event loop: the waits between attempts do not block it."""
    import asyncio

    for delay in backoff():
        try:
            return await connect()
        except Exception as exc:
            _unreachable(exc, platform, delay, once=once)
        if await asyncio.to_thread(stop.wait, delay):
            return None
    return None  # pragma: no cover - backoff() never ends


def _unreachable(exc: Exception, platform: str, delay: float, *, once: bool) -> None:
    """Log a network failure as one line (or raise it as a ConfigError); re-raise anything else."""
    reason = network_failure(exc)
    if reason is None:
        raise exc
    line = f"cannot reach {platform}: {reason}"
    if once:
        raise ConfigError(line) from None
    READINESS.not_ready(f"{line}; retrying")
    log.warning("%s; retrying in %.0f s", line, delay)
