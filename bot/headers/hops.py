"""`Received:` fields -> hops, oldest first: who handed the message to whom, how, and when.

A Received field is added on top by each server, so the block lists them newest first. Each is
scanned by keyword (`from`, `by`, `with`, `id`, `for`, and the date after the last `;`), never
with a pattern that can backtrack; the many layouts servers write (Postfix, Exim, Sendmail,
Exchange, Gmail, qmail) all keep these words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from email._parseaddr import parsedate_tz  # type: ignore[import-not-found]
from functools import cache
from typing import TYPE_CHECKING

from bot.engine.lazyre import lazy
from bot.record import Frozen, set_field

if TYPE_CHECKING:
    from ipaddress import IPv4Network, IPv6Network

MAX_HOPS = 100

_IPV4 = lazy(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")
_IPV6 = lazy(r"\[(?:IPv6:)?([0-9A-Fa-f:]{2,39}(?::\d{1,3}(?:\.\d{1,3}){3})?)\]")
_WORD = lazy(r"[^\s()\[\];]+")
_TLS = lazy(
    r"\bwith\s+(?:E?SMTPS|E?SMTPSA|UTF8SMTPS|UTF8SMTPSA|LMTPS)\b|\btls\s*1|\bTLS(?:v1|1_|_)|"
    r"\bversion=TLS|\busing\s+TLS|\bcipher=|\bStartTLS\b",
    re.IGNORECASE,
)


_TLS_PROTOCOLS = frozenset({"esmtps", "esmtpsa", "smtps", "https", "lmtps", "utf8smtps"})
"""RFC 3848 `with` keywords that say TLS was used (Exchange's internal hops say HTTPS)."""


class Hop(Frozen):
    index: int
    """1 for the oldest hop."""
    from_host: str | None
    from_ip: str | None
    by_host: str | None
    protocol: str | None
    tls: bool
    time: datetime | None
    """UTC."""
    delay_s: float | None
    """Seconds since the previous hop (clamped to 0 when the clocks disagree)."""
    skew: bool
    """This hop's time is before the previous one's: a wrong clock somewhere."""

    __slots__ = (
        "by_host",
        "delay_s",
        "from_host",
        "from_ip",
        "index",
        "protocol",
        "skew",
        "time",
        "tls",
    )

    def __init__(
        self,
        index: int,
        from_host: str | None,
        from_ip: str | None,
        by_host: str | None,
        protocol: str | None,
        tls: bool,
        time: datetime | None,
        delay_s: float | None = None,
        skew: bool = False,
    ) -> None:
        set_field(self, "index", index)
        set_field(self, "from_host", from_host)
        set_field(self, "from_ip", from_ip)
        set_field(self, "by_host", by_host)
        set_field(self, "protocol", protocol)
        set_field(self, "tls", tls)
        set_field(self, "time", time)
        set_field(self, "delay_s", delay_s)
        set_field(self, "skew", skew)

    @property
    def private(self) -> bool:
        return self.from_ip is not None and not is_public_ip(self.from_ip)

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "from": self.from_host,
            "from_ip": self.from_ip,
            "by": self.by_host,
            "with": self.protocol,
            "tls": self.tls,
            "time": self.time.strftime("%Y-%m-%dT%H:%M:%SZ") if self.time else None,
            "delay_s": None if self.delay_s is None else round(self.delay_s),
        }


@cache
def _documentation() -> tuple[IPv4Network | IPv6Network, ...]:
    """RFC 5737 / 3849 example ranges: in examples and tests they stand for public addresses (made
    on first use: explaining a bounce never asks, and `ipaddress` is ~1 ms to import)."""
    import ipaddress

    return tuple(
        ipaddress.ip_network(n)
        for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
    )


def is_public_ip(text: str) -> bool:
    import ipaddress

    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.is_global or any(address in net for net in _documentation())


class Route(Frozen):
    """Who handed one Received field's message to whom, and when: what the path a bounce shows
    needs of each field (parse_received reads the rest)."""

    from_host: str | None
    by_host: str | None
    time: datetime | None
    """UTC."""

    __slots__ = ("by_host", "from_host", "time")

    def __init__(self, from_host: str | None, by_host: str | None, time: datetime | None) -> None:
        set_field(self, "from_host", from_host)
        set_field(self, "by_host", by_host)
        set_field(self, "time", time)


def _route_parts(value: str) -> tuple[str, str, str, str | None]:
    """(the field before its date, that lower-cased with its comments blanked, the date, the
    `by` part); the `by` part is None for qmail's local hand-over, which names no hosts."""
    head, _, date_text = value.rpartition(";")
    if not head:
        head, date_text = value, ""
    lowered = _mask_comments(head.lower())  # keywords inside (comments) do not count
    if lowered.startswith("(") and " invoked " in lowered:  # qmail's local hand-over
        return head, lowered, date_text, None
    return (
        head,
        lowered,
        date_text,
        _between(head, lowered, "by ", (" with ", " id ", " for ", " via ")),
    )


def route_of(value: str) -> Route:
    """The from and by hosts and the time of one Received field."""
    head, lowered, date_text, by_part = _route_parts(value)
    if by_part is None:
        return Route(None, None, _when(date_text))
    from_part = _between(head, lowered, "from ", (" by ", " with ", " id ", " for "))
    return Route(_first_word(from_part), _first_word(by_part), _when(date_text))


def parse_received(
    value: str,
) -> tuple[str | None, str | None, str | None, str | None, bool, datetime | None]:
    """(from host, from IP, by host, protocol, TLS, UTC time) of one Received field."""
    head, lowered, date_text, by_part = _route_parts(value)
    if by_part is None:
        return None, None, None, "qmail", False, _when(date_text)
    from_part = _between(head, lowered, "from ", (" by ", " with ", " id ", " for "))
    with_part = _between(head, lowered, "with ", (" id ", " for ", " via ", " (", " by "))
    from_host = _first_word(from_part)
    from_ip = _ip_in(from_part)
    by_host = _first_word(by_part)
    protocol = _first_word(with_part)
    if protocol == "microsoft":  # "with Microsoft SMTP Server (version=TLS1_2, ...)"
        protocol = "microsoft smtp"
    tls = protocol in _TLS_PROTOCOLS or bool(_TLS.search(head))
    return from_host, from_ip, by_host, protocol, tls, _when(date_text)


def delays(times: Sequence[datetime | None]) -> list[tuple[float | None, bool]]:
    """For hops oldest first: the seconds since the previous hop with a time, and whether the
    clocks disagree (the delay is then 0)."""
    out: list[tuple[float | None, bool]] = []
    previous: datetime | None = None
    for when in times:
        delay: float | None = None
        skew = False
        if when is not None and previous is not None:
            delay = (when - previous).total_seconds()
            if delay < 0:
                delay, skew = 0.0, True
        out.append((delay, skew))
        previous = when or previous
    return out


def hops_from(received: list[str]) -> list[Hop]:
    """Hops oldest first, with the delay from each to the next and clock skew flagged."""
    parsed = [parse_received(v) for v in reversed(received[:MAX_HOPS])]
    timing = delays([when for *_, when in parsed])
    return [
        Hop(index, frm, ip, by, proto, tls, when, delay, skew)
        for index, ((frm, ip, by, proto, tls, when), (delay, skew)) in enumerate(
            zip(parsed, timing, strict=True), 1
        )
    ]


def _between(text: str, lowered: str, start: str, ends: tuple[str, ...]) -> str:
    """The text after the keyword `start` (at the beginning or after a space) up to the next end."""
    if lowered.startswith(start):
        begin = len(start)
    else:
        at = lowered.find(" " + start)
        if at < 0:
            return ""
        begin = at + 1 + len(start)
    stop = len(text)
    for end in ends:
        found = lowered.find(end, begin)
        if 0 <= found < stop:
            stop = found
    return text[begin:stop].strip()


_COMMENT = lazy(r"\([^()]*\)")


def _mask_comments(text: str) -> str:
    """The text with its (comments) blanked out, same length (two passes: one nesting level)."""
    if "(" not in text:
        return text
    for _ in range(2):
        text = _COMMENT.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _first_word(part: str) -> str | None:
    match = _WORD.search(part)
    return match.group(0).strip(".").lower() if match else None


def _ip_in(part: str) -> str | None:
    """The connecting IP: Postfix "(host [1.2.3.4])", Exchange "(2603:...)", Gmail "([1.2.3.4])"."""
    import ipaddress

    v6 = _IPV6.search(part)
    if v6:
        candidate = v6.group(1)
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    for match in _IPV4.finditer(part):
        try:
            return str(ipaddress.IPv4Address(match.group(1)))
        except ValueError:
            continue
    for word in re.split(r"[\s()\[\]]+", part):  # Exchange: "(2603:10a6:208:c0::15)"
        if word.count(":") >= 2:
            try:
                return str(ipaddress.IPv6Address(word.removeprefix("IPv6:")))
            except ValueError:
                continue
    return None


def _when(text: str) -> datetime | None:
    text = re.sub(r"\([^)]{0,80}\)", " ", text).strip()
    if not text:
        return None
    # email.utils.parsedate_to_datetime's reading, from the module it reads with (email.utils
    # itself loads the socket module, ~5 ms of start-up that explain never uses).
    try:
        parsed = parsedate_tz(text)
        if parsed is None:
            return None
        year, month, day, hour, minute, second = parsed[:6]
        offset = parsed[-1]
        zone = None if offset is None else timezone(timedelta(seconds=offset))
        when = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": the zone is unknown; read it as UTC
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
