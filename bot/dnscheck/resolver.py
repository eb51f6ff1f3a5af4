"""One async stub resolver on dnspython: EDNS0, TCP fallback, retry, deadline, cache and stats."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver

AnswerStatus = Literal["ok", "nodata", "nxdomain", "error"]

EDNS_PAYLOAD = 1232
MAX_CNAME_HOPS = 8
NEGATIVE_TTL_DEFAULT = 60
MAX_TTL = 3600


def parse_nameserver(text: str) -> tuple[str, int]:
    """Parse "IP", "IP:PORT", "[IPv6]:PORT" or a bare IPv6 address into (ip, port)."""
    raw = text.strip()
    if not raw:
        raise ValueError("empty nameserver: expected IP or IP:PORT")
    host, port_text = raw, ""
    if raw.startswith("["):
        end = raw.find("]")
        if end < 0:
            raise ValueError(f"bad nameserver {text!r}: missing ']' after IPv6 address")
        host, rest = raw[1:end], raw[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"bad nameserver {text!r}: expected [IPv6]:PORT")
            port_text = rest[1:]
    elif raw.count(":") == 1:
        host, port_text = raw.split(":")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"bad nameserver {text!r}: expected an IP address, optionally with :PORT"
        ) from None
    port = 53
    if port_text or raw.endswith(":"):
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"bad nameserver {text!r}: port must be a number from 1 to 65535")
        port = int(port_text)
    return str(ip), port


def system_nameservers() -> tuple[tuple[str, int], ...]:
    """The nameservers of the system resolver (/etc/resolv.conf or the platform's equivalent)."""
    try:
        conf = dns.resolver.Resolver(configure=True)
    except dns.resolver.NoResolverConfiguration:
        return (("127.0.0.1", 53),)
    servers: list[tuple[str, int]] = []
    for ns in conf.nameservers:
        text = str(ns)
        with contextlib.suppress(ValueError):
            servers.append((str(ipaddress.ip_address(text)), conf.port))
    return tuple(servers) or (("127.0.0.1", 53),)


@dataclass(frozen=True)
class Answer:
    """The outcome of one lookup: data, NODATA, NXDOMAIN, or an error (never "no record")."""

    name: str
    rdtype: str
    status: AnswerStatus
    rdatas: tuple[dns.rdata.Rdata, ...] = ()
    ttl: int = 0
    cnames: tuple[str, ...] = ()
    """The CNAME chain followed, as "owner -> target" pairs' targets, in order."""
    error: str = ""
    """For status "error": "timeout", "SERVFAIL", "REFUSED", "deadline exceeded", ..."""
    authenticated: bool = False
    """The resolver set the AD bit (it validated the answer with DNSSEC)."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def empty(self) -> bool:
        """NXDOMAIN or NODATA: the name definitely has no such record."""
        return self.status in ("nodata", "nxdomain")

    @property
    def texts(self) -> tuple[str, ...]:
        """TXT strings joined per record; other types in presentation format."""
        out = []
        for rd in self.rdatas:
            strings = getattr(rd, "strings", None)
            if strings is not None:
                out.append(b"".join(strings).decode("utf-8", "replace"))
            else:
                out.append(rd.to_text())
        return tuple(out)

    def describe(self) -> str:
        """A short phrase for why there is no data ("no such domain", "timeout", ...)."""
        if self.status == "nxdomain":
            return "no such domain (NXDOMAIN)"
        if self.status == "nodata":
            return f"no {self.rdtype} record"
        if self.status == "error":
            return f"lookup failed ({self.error})"
        return f"{len(self.rdatas)} {self.rdtype} record(s)"


@dataclass
class Stats:
    """Network queries sent and the most outstanding at once."""

    queries: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    answered: int = 0
    """Responses that arrived (any rcode): none at all means the server is unreachable."""

    def start(self) -> None:
        self.queries += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def stop(self) -> None:
        self.in_flight -= 1


class SharedCache(Protocol):
    async def get(self, key: tuple[str, str, bool]) -> Answer | None: ...

    async def put(self, key: tuple[str, str, bool], answer: Answer, ttl: int) -> None: ...


class AnswerCache:
    """A bounded LRU cache of answers that honours their TTLs."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[tuple[str, str, bool], tuple[float, Answer]] = OrderedDict()

    def get(self, key: tuple[str, str, bool]) -> Answer | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires, answer = item
        if expires <= time.monotonic():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return answer

    def put(self, key: tuple[str, str, bool], answer: Answer, ttl: int) -> None:
        if ttl <= 0 or self.max_entries <= 0:
            return
        self._data[key] = (time.monotonic() + ttl, answer)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class _Failure(Exception):
    """A query attempt that gave no usable answer."""

    def __init__(self, reason: str, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


@dataclass
class Resolver:
    """Shared resolver settings and cache; make a `Session` per request."""

    nameservers: Sequence[tuple[str, int]] = ()
    timeout: float = 1.5
    retries: int = 1
    payload: int = EDNS_PAYLOAD
    cache: AnswerCache = field(default_factory=AnswerCache)
    stats: Stats = field(default_factory=Stats)
    shared: SharedCache | None = None
    """A second-level cache shared by replicas (Redis), asked before the network."""
    pending: dict[tuple[str, str, bool], asyncio.Task[Answer]] = field(
        default_factory=dict, repr=False
    )
    """Questions on the wire now, whichever session asked: a batch asks each one once."""
    error_ttl: int = 0
    """Seconds an error answer (SERVFAIL, REFUSED, a timeout) is kept. A service keeps none and
    asks again next time; a batch keeps them for its run, so that it asks each question once and
    waits for an unreachable name's timeout once (RFC 2308 section 7.1 allows five minutes)."""

    def __post_init__(self) -> None:
        if not self.nameservers:
            self.nameservers = system_nameservers()

    def session(self, deadline: float) -> Session:
        """A per-request view: its own deadline (seconds from now), stats and in-flight set."""
        return Session(self, time.monotonic() + deadline)

    async def exchange(
        self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, dnssec: bool, session: Session
    ) -> dns.message.Message:
        """Send one question with retry and TCP fallback; raise _Failure when no answer came."""
        attempts = 1 + self.retries
        last = _Failure("no nameserver", retry=False)
        for attempt in range(attempts):
            remaining = session.remaining()
            if remaining <= 0:
                raise _Failure("deadline exceeded", retry=False)
            ip, port = self.nameservers[attempt % len(self.nameservers)]
            timeout = min(self.timeout, remaining)
            try:
                return await self._attempt(qname, rdtype, dnssec, ip, port, timeout, session)
            except _Failure as exc:
                last = exc
                if not exc.retry or (exc.reason != "timeout" and len(self.nameservers) == 1):
                    break
        if last.reason == "timeout" and session.remaining() <= 0:
            raise _Failure("deadline exceeded", retry=False)
        raise last

    async def _attempt(
        self,
        qname: dns.name.Name,
        rdtype: dns.rdatatype.RdataType,
        dnssec: bool,
        ip: str,
        port: int,
        timeout: float,
        session: Session,
    ) -> dns.message.Message:
        query = dns.message.make_query(
            qname, rdtype, use_edns=0, payload=self.payload, want_dnssec=dnssec
        )
        query.flags |= dns.flags.RD | dns.flags.AD
        started = time.monotonic()
        try:
            with session.track(self.stats):
                response = await dns.asyncquery.udp(
                    query, ip, timeout=timeout, port=port, ignore_unexpected=True
                )
            if response.flags & dns.flags.TC:
                left = timeout - (time.monotonic() - started)
                if left <= 0:
                    raise dns.exception.Timeout
                with session.track(self.stats):
                    response = await dns.asyncquery.tcp(query, ip, timeout=left, port=port)
        except dns.exception.Timeout:
            raise _Failure("timeout", retry=True) from None
        except (OSError, EOFError) as exc:
            raise _Failure(f"network error: {exc.__class__.__name__}", retry=True) from None
        except dns.exception.DNSException as exc:
            raise _Failure(f"bad response: {exc.__class__.__name__}", retry=True) from None
        session.stats.answered += 1
        self.stats.answered += 1
        rcode = response.rcode()
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise _Failure(dns.rcode.to_text(rcode), retry=True)
        return response


class Session:
    """Lookups for one request: shares the resolver's cache, coalesces identical questions."""

    def __init__(self, resolver: Resolver, deadline_at: float) -> None:
        self.resolver = resolver
        self.deadline_at = deadline_at
        self.stats = Stats()
        self._inflight: dict[tuple[str, str, bool], asyncio.Task[Answer]] = {}

    def remaining(self) -> float:
        return self.deadline_at - time.monotonic()

    @contextlib.contextmanager
    def track(self, shared: Stats) -> Iterator[None]:
        """Count one network query for this session and the resolver."""
        self.stats.start()
        shared.start()
        try:
            yield
        finally:
            self.stats.stop()
            shared.stop()

    def query(self, name: str, rdtype: str, *, dnssec: bool = False) -> asyncio.Task[Answer]:
        """Start (or join) a lookup and return its task; CNAME chains are followed."""
        key = (name.lower().rstrip(".") + ".", rdtype.upper(), dnssec)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._resolve(key))
            self._inflight[key] = task
        return task

    async def lookup(self, name: str, rdtype: str, *, dnssec: bool = False) -> Answer:
        return await self.query(name, rdtype, dnssec=dnssec)

    def close(self) -> None:
        """Cancel lookups still running (the request is over)."""
        for task in self._inflight.values():
            task.cancel()

    async def _resolve(self, key: tuple[str, str, bool]) -> Answer:
        cached = self.resolver.cache.get(key)
        if cached is not None:
            return cached
        pending = self.resolver.pending
        task = pending.get(key)
        if task is None or task.get_loop() is not asyncio.get_running_loop():
            task = asyncio.ensure_future(self._fetch(key))
            pending[key] = task
            task.add_done_callback(lambda done: _forget(pending, key, done))
        # Shielded: a session that ends early must not cancel the lookup other sessions await.
        return await asyncio.shield(task)

    async def _fetch(self, key: tuple[str, str, bool]) -> Answer:
        shared = self.resolver.shared
        if shared is not None:
            cached = await shared.get(key)
            if cached is not None:
                self.resolver.cache.put(key, cached, cached.ttl)
                return cached
        name_text, type_text, dnssec = key
        try:
            qname = dns.name.from_text(name_text)
            rdtype = dns.rdatatype.from_text(type_text)
        except (dns.exception.DNSException, ValueError) as exc:
            return Answer(name_text, type_text, "error", error=f"invalid name: {exc}")
        answer, ttl = await self._follow(qname, rdtype, dnssec)
        if answer.status != "error":
            self.resolver.cache.put(key, answer, ttl)
            if shared is not None:
                await shared.put(key, replace(answer, ttl=ttl), ttl)
        elif answer.error != "deadline exceeded":  # (that one is this session's, not the name's)
            self.resolver.cache.put(key, answer, self.resolver.error_ttl)
        return answer

    async def _follow(
        self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, dnssec: bool
    ) -> tuple[Answer, int]:
        original = qname.to_text()
        type_text = dns.rdatatype.to_text(rdtype)
        chain: list[str] = []
        ttl = MAX_TTL
        authenticated = True
        current = qname
        for _hop in range(MAX_CNAME_HOPS):
            try:
                response = await self.resolver.exchange(current, rdtype, dnssec, self)
            except _Failure as exc:
                return Answer(
                    original, type_text, "error", cnames=tuple(chain), error=exc.reason
                ), 0
            authenticated = authenticated and bool(response.flags & dns.flags.AD)
            name = current
            rrset = None
            for _ in range(MAX_CNAME_HOPS):
                rrset = response.get_rrset(response.answer, name, dns.rdataclass.IN, rdtype)
                if rrset is not None:
                    break
                cname = response.get_rrset(
                    response.answer, name, dns.rdataclass.IN, dns.rdatatype.CNAME
                )
                if cname is None or rdtype == dns.rdatatype.CNAME:
                    break
                ttl = min(ttl, cname.ttl)
                name = cname[0].target
                if name.to_text() in chain:
                    return Answer(original, type_text, "error", error="CNAME loop"), 0
                chain.append(name.to_text())
            if rrset is not None:
                ttl = min(ttl, rrset.ttl)
                answer = Answer(
                    original,
                    type_text,
                    "ok",
                    tuple(rrset),
                    rrset.ttl,
                    tuple(chain),
                    authenticated=authenticated,
                )
                return answer, ttl
            if (
                name != current
                and response.rcode() == dns.rcode.NOERROR
                and not _negative(response)
            ):
                current = name  # the server stopped at a CNAME it does not serve: ask again
                continue
            status: AnswerStatus = (
                "nxdomain" if response.rcode() == dns.rcode.NXDOMAIN else "nodata"
            )
            neg_ttl = _negative_ttl(response)
            answer = Answer(
                original, type_text, status, cnames=tuple(chain), authenticated=authenticated
            )
            return answer, min(ttl, neg_ttl)
        return Answer(original, type_text, "error", error="CNAME chain too long"), 0


def _negative(response: dns.message.Message) -> bool:
    return any(rrset.rdtype == dns.rdatatype.SOA for rrset in response.authority)


def _negative_ttl(response: dns.message.Message) -> int:
    """RFC 2308: the lesser of the SOA's TTL and its MINIMUM field."""
    for rrset in response.authority:
        if rrset.rdtype == dns.rdatatype.SOA:
            return min(rrset.ttl, rrset[0].minimum)
    return NEGATIVE_TTL_DEFAULT


def _forget(
    pending: dict[tuple[str, str, bool], asyncio.Task[Answer]],
    key: tuple[str, str, bool],
    done: asyncio.Task[Answer],
) -> None:
    if pending.get(key) is done:
        del pending[key]
