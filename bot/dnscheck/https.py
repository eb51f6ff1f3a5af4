"""A tiny async HTTPS GET for MTA-STS policies: no redirects, short timeout, bounded size."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FetchResult:
    status: int = 0
    body: str = ""
    content_type: str = ""
    error: str = ""
    """Why no response came (connection refused, TLS failure, timeout); empty on success."""


Fetcher = Callable[[str, Sequence[str], str], Awaitable[FetchResult]]
"""fetch(host, addresses, path): GET https://host/path, connecting to one of `addresses`."""


@functools.cache
def default_context() -> ssl.SSLContext:
    """The TLS context that trusts the system's CA certificates. Reading them takes ~20 ms, so a
    one-shot command makes it at its first policy fetch (a run without one never does), and a
    service at start (`dnscheck.load_everything`)."""
    return ssl.create_default_context()


class HttpsFetcher:
    """Fetch over HTTPS, connecting to addresses we resolved ourselves (SNI = host name)."""

    def __init__(
        self,
        *,
        port: int = 443,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 3.0,
        max_bytes: int = 65536,
    ) -> None:
        self.port = port
        self.ssl_context = ssl_context
        """None for the default one, made at the first fetch (`default_context`)."""
        self.timeout = timeout
        self.max_bytes = max_bytes

    async def __call__(self, host: str, addresses: Sequence[str], path: str) -> FetchResult:
        if not addresses:
            return FetchResult(error=f"{host} has no address")
        last = FetchResult(error="no address tried")
        for address in addresses[:2]:
            try:
                return await asyncio.wait_for(self._get(host, address, path), self.timeout)
            except TimeoutError:
                last = FetchResult(error=f"timed out after {self.timeout:g}s")
            except ssl.SSLCertVerificationError as exc:
                return FetchResult(error=f"certificate not valid: {exc.verify_message}")
            except ssl.SSLError as exc:
                last = FetchResult(error=f"TLS failed: {exc.reason or exc}")
            except (OSError, ValueError) as exc:
                detail = getattr(exc, "strerror", None) or exc
                last = FetchResult(error=f"connection failed: {detail}")
        return last

    async def _get(self, host: str, address: str, path: str) -> FetchResult:
        if self.ssl_context is None:
            self.ssl_context = default_context()
        reader, writer = await asyncio.open_connection(
            address, self.port, ssl=self.ssl_context, server_hostname=host
        )
        try:
            request = (
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ndrbot\r\n"
                "Accept: text/plain\r\nConnection: close\r\n\r\n"
            )
            writer.write(request.encode("ascii"))
            await writer.drain()
            chunks: list[bytes] = []
            total = 0
            while total <= self.max_bytes + 8192:
                chunk = await reader.read(16384)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            raw = b"".join(chunks)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        return parse_response(raw, self.max_bytes)


def parse_response(raw: bytes, max_bytes: int = 65536) -> FetchResult:
    """Parse an HTTP/1.x response (plain or chunked body)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return FetchResult(error="incomplete HTTP response")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return FetchResult(error="not an HTTP response")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    elif headers.get("content-length", "").isdigit():
        body = body[: int(headers["content-length"])]
    if len(body) > max_bytes:
        return FetchResult(int(parts[1]), error=f"body larger than {max_bytes} bytes")
    return FetchResult(
        int(parts[1]), body.decode("utf-8", "replace"), headers.get("content-type", "")
    )


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0].strip(), 16)
        except ValueError:
            break
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out
