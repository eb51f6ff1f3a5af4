"""The path a returned message took, in a line or two: the cheap summary a bounce shows of its
headers, without the authentication and spam verdicts that `ndrbot headers` reads (bot/headers/
analyze.py), so explaining a bounce loads none of their parsers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.headers.fields import received_values
from bot.headers.hops import MAX_HOPS, delays, route_of
from bot.record import Frozen, set_field

if TYPE_CHECKING:
    from datetime import datetime

DELAYED_S = 600
"""A hop slower than this (seconds) is a delay worth telling."""


def duration(seconds: float) -> str:
    """ "1 h 52 min", "3 min", "14 s"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


class Leg(Frozen):
    """One hop of the path: who handed the message to whom, when, and how long after the last."""

    index: int
    """1 for the oldest hop."""
    from_host: str | None
    by_host: str | None
    time: datetime | None
    delay_s: float | None

    __slots__ = ("by_host", "delay_s", "from_host", "index", "time")

    def __init__(
        self,
        index: int,
        from_host: str | None,
        by_host: str | None,
        time: datetime | None,
        delay_s: float | None,
    ) -> None:
        set_field(self, "index", index)
        set_field(self, "from_host", from_host)
        set_field(self, "by_host", by_host)
        set_field(self, "time", time)
        set_field(self, "delay_s", delay_s)


def path_summary(text: str) -> tuple[list[Leg], str | None]:
    """The hops of a header block and its longest wait, if one is long: the cheap summary a
    bounce shows of the message it returns (hosts and times only: no addresses, no TLS, no
    authentication, no organisation lookups)."""
    received = received_values(text.replace("\r\n", "\n"))
    if len(received) < 2:
        return [], None  # one hop says nothing about a path
    routes = [route_of(value) for value in reversed(received[:MAX_HOPS])]
    timing = delays([route.time for route in routes])
    legs = [
        Leg(index, route.from_host, route.by_host, route.time, delay)
        for index, (route, (delay, _)) in enumerate(zip(routes, timing, strict=True), 1)
    ]
    slowest = max(legs, key=lambda h: h.delay_s or 0.0, default=None)
    if slowest is None or (slowest.delay_s or 0.0) <= DELAYED_S or slowest.index < 2:
        return legs, None
    before = legs[slowest.index - 2]
    return legs, (
        f"It waited {duration(slowest.delay_s or 0.0)} between {before.by_host or '?'} and "
        f"{slowest.by_host or '?'} (hop {slowest.index})."
    )
