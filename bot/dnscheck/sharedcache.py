"""A second-level DNS answer cache in Redis, shared by replicas. Async: never blocks the loop.

The in-process cache answers first; on a miss this one is asked before the network, and fresh
answers are written back with their TTL. If Redis is unreachable the lookup simply goes to DNS.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import dns.rdata
import dns.rdataclass
import dns.rdatatype

from bot.dnscheck.resolver import Answer

log = logging.getLogger(__name__)

CacheKey = tuple[str, str, bool]


def encode(answer: Answer) -> bytes:
    return json.dumps(
        {
            "name": answer.name,
            "rdtype": answer.rdtype,
            "status": answer.status,
            "ttl": answer.ttl,
            "cnames": list(answer.cnames),
            "error": answer.error,
            "ad": answer.authenticated,
            "rdatas": [[dns.rdatatype.to_text(rd.rdtype), rd.to_text()] for rd in answer.rdatas],
        }
    ).encode()


def decode(raw: bytes) -> Answer:
    data: dict[str, Any] = json.loads(raw)
    rdatas = tuple(
        dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), text)
        for rdtype, text in data["rdatas"]
    )
    return Answer(
        name=data["name"],
        rdtype=data["rdtype"],
        status=data["status"],
        rdatas=rdatas,
        ttl=data["ttl"],
        cnames=tuple(data["cnames"]),
        error=data["error"],
        authenticated=data["ad"],
    )


class SharedDnsCache:
    def __init__(self, url: str, prefix: str = "ndrbot:dns") -> None:
        self.url = url
        self.prefix = prefix
        self._clients: dict[int, Any] = {}

    def _client(self) -> Any:
        """One client per event loop (asyncio connections belong to the loop that made them)."""
        import redis.asyncio

        loop_id = id(asyncio.get_running_loop())
        client = self._clients.get(loop_id)
        if client is None:
            client = redis.asyncio.Redis.from_url(
                self.url, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            self._clients[loop_id] = client
        return client

    def _key(self, key: CacheKey) -> str:
        name, rdtype, dnssec = key
        return f"{self.prefix}:{name.lower()}:{rdtype}:{int(dnssec)}"

    async def get(self, key: CacheKey) -> Answer | None:
        try:
            raw = await self._client().get(self._key(key))
            return decode(raw) if raw else None
        except Exception as exc:  # Redis down or a bad record: fall back to DNS
            log.debug("shared DNS cache read failed: %s", exc)
            return None

    async def put(self, key: CacheKey, answer: Answer, ttl: int) -> None:
        if ttl <= 0:
            return
        try:
            await self._client().set(self._key(key), encode(answer), ex=ttl)
        except Exception as exc:
            log.debug("shared DNS cache write failed: %s", exc)
