"""Why a chat platform could not be reached, in one line, and how long to wait before the next try.

Both adapters use it at start-up: DNS, TLS, refused, timeout and other network failures are told
apart (a rejected token is not one of these: that is a configuration error, reported elsewhere).
"""

from __future__ import annotations

import errno
import random
import socket
import ssl
import urllib.error
from collections.abc import Iterator

_BY_ERRNO = {
    errno.ECONNREFUSED: "the connection was refused",
    errno.ETIMEDOUT: "the connection timed out",
    errno.EHOSTUNREACH: "there is no route to the host",
    errno.ENETUNREACH: "the network is unreachable",
    socket.EAI_NONAME: "the name does not resolve (DNS)",
    socket.EAI_AGAIN: "the name does not resolve (DNS)",
}
FIRST_DELAY = 1.0
MAX_DELAY = 60.0


def network_failure(exc: BaseException) -> str | None:
    """One line for a failure to reach a server, or None when `exc` is not one."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        reason = _describe(current)
        if reason:
            return reason
        if isinstance(current, urllib.error.URLError) and isinstance(current.reason, BaseException):
            current = current.reason
        else:
            current = current.__cause__ or current.__context__
    return None


def _describe(exc: BaseException) -> str | None:
    if isinstance(exc, socket.gaierror):
        return "the name does not resolve (DNS)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
        return f"the TLS certificate was not accepted ({detail})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({getattr(exc, 'reason', None) or exc})"
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "the connection timed out"
    if isinstance(exc, OSError) and exc.errno in _BY_ERRNO:
        return _BY_ERRNO[exc.errno]  # wrappers that keep the errno (aiohttp's connector errors)
    if "certificate" in type(exc).__name__.lower():
        return f"the TLS certificate was not accepted ({exc})"
    if isinstance(exc, ConnectionError):
        return f"the connection failed ({type(exc).__name__})"
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"the network failed ({exc.strerror or exc})"
    if type(exc).__name__ in ("ClientConnectorError", "ServerDisconnectedError", "ClientOSError"):
        return f"the connection failed ({exc})"  # aiohttp's, without importing aiohttp here
    return None


def backoff(first: float = FIRST_DELAY, most: float = MAX_DELAY) -> Iterator[float]:
    """Delays before each retry: doubling up to `most`, with jitter so replicas do not stampede."""
    delay = first
    while True:
        yield delay * random.uniform(0.8, 1.2)
        delay = min(delay * 2, most)
