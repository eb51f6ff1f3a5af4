"""The path a returned message took, in a line or two: the cheap summary a bounce shows of its
headers, without the authentication and spam verdicts that `ndrbot headers` reads (bot/headers/
analyze.py), so explaining a bounce loads none of their parsers."""

from __future__ import annotations

from bot.headers.fields import received_values
from bot.headers.hops import Hop, hops_from

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


def path_summary(text: str) -> tuple[list[Hop], str | None]:
    """The hops of a header block and its longest wait, if one is long: the cheap summary a
    bounce shows of the message it returns (no authentication, no organisation lookups)."""
    received = received_values(text.replace("\r\n", "\n"))
    if len(received) < 2:
        return [], None  # one hop says nothing about a path
    hops = hops_from(received)
    slowest = max(hops, key=lambda h: h.delay_s or 0.0, default=None)
    if slowest is None or (slowest.delay_s or 0.0) <= DELAYED_S or slowest.index < 2:
        return hops, None
    before = hops[slowest.index - 2]
    return hops, (
        f"It waited {duration(slowest.delay_s or 0.0)} between {before.by_host or '?'} and "
        f"{slowest.by_host or '?'} (hop {slowest.index})."
    )
