"""Validate what a user typed after /checkmx: a domain, an e-mail address or an IP literal.

Decisions: a URL with a scheme (``https://example.com/path``) is reduced to its host, because
people paste links; anything else with a path, port or credentials is refused. An e-mail
address is reduced to its domain. Reserved test names (``.test``, ``.example``) are accepted so
test setups work; names that can never be public (``localhost``, single labels, ``.local``,
``.internal``, ``.home.arpa``, ``.localhost``, ``.invalid``, private reverse zones) are refused,
as are IP literals that are not globally routable.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import idna

from bot.engine.lazyre import lazy

PRIVATE_SUFFIXES = ("local", "internal", "home.arpa", "localhost", "invalid", "lan", "corp")
_LABEL = lazy(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_PRIVATE_REVERSE = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "0.0.0.0/8",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)


@dataclass(frozen=True)
class Target:
    """A validated check target: a domain (A-label form, no trailing dot) or an IP address."""

    kind: Literal["domain", "ip"]
    value: str
    display: str = ""
    """What to show people (the Unicode form of an IDN, or the value)."""

    @property
    def is_ip(self) -> bool:
        return self.kind == "ip"


def validate_target(text: str) -> Target:
    """Turn user input into a Target, or raise ValueError with a one-line reason."""
    raw = (text or "").strip().strip("<>").strip()
    if not raw:
        raise ValueError("give a domain name, e-mail address or IP address to check")
    if any(ch.isspace() for ch in raw):
        raise ValueError(f"{_short(raw)!r} has spaces in it: give one domain name")
    host = _strip_url(raw)
    if "@" in host:
        host = host.rsplit("@", 1)[1]
        if not host:
            raise ValueError(f"{_short(raw)!r} has no domain after the @")
    ip = _as_ip(host)
    if ip is not None:
        if not ip.is_global:
            raise ValueError(f"{ip} is a private or reserved address: nothing public to check")
        return Target("ip", str(ip), str(ip))
    return _domain(host, raw)


def validate_domain(text: str) -> str:
    """A checked domain name, or ValueError (IP literals are refused here)."""
    target = validate_target(text)
    if target.is_ip:
        raise ValueError(f"{target.value} is an IP address, not a domain")
    return target.value


def validate_ip(text: str) -> str:
    """A globally routable IP address in canonical form, or ValueError."""
    ip = _as_ip(text.strip())
    if ip is None:
        raise ValueError(f"{_short(text)!r} is not an IP address")
    if not ip.is_global:
        raise ValueError(f"{ip} is a private or reserved address")
    return str(ip)


def _strip_url(raw: str) -> str:
    if "://" in raw:
        parts = urlsplit(raw)
        if parts.scheme.lower() not in ("http", "https"):
            raise ValueError(f"{_short(raw)!r} is a URL, not a domain: give just the host name")
        if parts.username or parts.password:
            raise ValueError("give a domain name, not a URL with credentials")
        host = parts.hostname or ""
        if not host:
            raise ValueError(f"{_short(raw)!r} is a URL without a host name")
        return host
    if raw.lower().startswith("mailto:"):
        return raw[7:]
    if "/" in raw or "?" in raw or "#" in raw:
        raise ValueError(f"{_short(raw)!r} looks like a URL or path: give just the domain name")
    return raw


def _as_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    candidate = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def _domain(host: str, raw: str) -> Target:
    name = host.rstrip(".") if host.endswith(".") and not host.endswith("..") else host
    if not name or ".." in name or name.startswith("."):
        raise ValueError(f"{_short(raw)!r} is not a valid domain name")
    if ":" in name:
        raise ValueError(f"{_short(raw)!r} has a port or stray ':': give just the domain name")
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii").lower()
    except idna.IDNAError as exc:
        raise ValueError(f"{_short(raw)!r} is not a valid domain name ({exc})") from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{_short(raw)!r} is not a valid domain name")
    for suffix in PRIVATE_SUFFIXES:
        if ascii_name == suffix or ascii_name.endswith("." + suffix):
            raise ValueError(f"{ascii_name!r} is a private or local name: nothing public to check")
    if len(labels) < 2:
        raise ValueError(
            f"{ascii_name!r} is a single-label name: give a full domain like example.com"
        )
    if labels[-1].isdigit():
        raise ValueError(f"{_short(raw)!r} is not a valid domain name or IP address")
    _refuse_private_reverse(ascii_name)
    try:
        display = idna.decode(ascii_name)
    except idna.IDNAError:
        display = ascii_name
    return Target("domain", ascii_name, display)


def _refuse_private_reverse(name: str) -> None:
    network = _reverse_network(name)
    if network is None:
        return
    for private in _PRIVATE_REVERSE:
        if network.version == private.version and (
            network.subnet_of(private) or private.subnet_of(network)  # type: ignore[arg-type]
        ):
            raise ValueError(f"{name!r} is a private reverse zone: nothing public to check")


def _reverse_network(name: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    labels = name.split(".")
    if name.endswith(".in-addr.arpa"):
        octets = labels[:-2][::-1]
        if not octets or len(octets) > 4 or not all(o.isdigit() and int(o) < 256 for o in octets):
            return None
        padded = [*octets, *["0"] * (4 - len(octets))]
        return ipaddress.ip_network(f"{'.'.join(padded)}/{8 * len(octets)}", strict=False)
    if name.endswith(".ip6.arpa"):
        nibbles = labels[:-2][::-1]
        if not nibbles or len(nibbles) > 32 or not all(len(n) == 1 for n in nibbles):
            return None
        try:
            hexed = "".join(nibbles).ljust(32, "0")
            addr = ipaddress.IPv6Address(int(hexed, 16))
        except ValueError:
            return None
        return ipaddress.ip_network(f"{addr}/{4 * len(nibbles)}", strict=False)
    return None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
