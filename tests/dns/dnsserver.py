"""An authoritative DNS server for tests: zone files over UDP and TCP on 127.0.0.1, with faults.

Answers follow RFC 1034/2308: NXDOMAIN vs NODATA (empty non-terminals count as existing), CNAME
chains followed across the zones served, simple wildcards, SOA in the authority section of
negative answers, TC over UDP when the answer exceeds the client's EDNS payload (512 without
EDNS). Faults (delay, drop, SERVFAIL, REFUSED, truncate) apply per name suffix, set from tests
with `set_fault` or in a zone file with a TXT record at `_fault.<origin>` ("delay=0.3 drop").
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

ZONES_DIR = Path(__file__).resolve().parent.parent / "zones"


@dataclass(frozen=True)
class Fault:
    """What to do wrong for names at or below a suffix."""

    delay: float = 0.0
    drop: bool = False
    servfail: bool = False
    refused: bool = False
    truncate: bool = False
    rdtype: str | None = None
    """Only for this query type (None: every type)."""

    @classmethod
    def parse(cls, text: str) -> Fault:
        """'delay=0.3 drop servfail refused truncate type=TXT'."""
        kwargs: dict[str, object] = {}
        for word in text.split():
            key, _, value = word.partition("=")
            if key == "delay":
                kwargs["delay"] = float(value)
            elif key == "type":
                kwargs["rdtype"] = value.upper()
            else:
                kwargs[key] = True
        return cls(**kwargs)  # type: ignore[arg-type]


def load_zones(directory: Path = ZONES_DIR) -> list[dns.zone.Zone]:
    """Every *.zone file (each starts with $ORIGIN)."""
    return [
        dns.zone.from_file(str(path), relativize=False, check_origin=True)
        for path in sorted(directory.glob("*.zone"))
    ]


class ZoneServer:
    """Serve zones on 127.0.0.1 (one free port, UDP and TCP) from a background thread."""

    def __init__(self, zones: list[dns.zone.Zone] | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.zones = {z.origin: z for z in (zones if zones is not None else load_zones())}
        self.names = {origin: self._existing(z) for origin, z in self.zones.items()}
        self.latency = 0.0
        """Added to every answer (for benchmarks)."""
        self.faults: dict[dns.name.Name, Fault] = {}
        self.zone_faults: dict[dns.name.Name, Fault] = {}
        for origin, zone in self.zones.items():
            rdataset = zone.get_rdataset(dns.name.Name((b"_fault", *origin.labels)), "TXT")
            if rdataset is not None:
                text = " ".join(b"".join(rd.strings).decode() for rd in rdataset)
                self.zone_faults[origin] = Fault.parse(text)
        self.log: list[tuple[str, str, str]] = []
        """(qname, qtype, "udp" or "tcp") of every query received."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def set_fault(self, name: str, fault: Fault | None) -> None:
        """Inject (or with None, clear) a fault for a name and everything below it."""
        key = dns.name.from_text(name)
        if fault is None:
            self.faults.pop(key, None)
        else:
            self.faults[key] = fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def count(self, qname: str | None = None, proto: str | None = None) -> int:
        """How many queries arrived (optionally for a name, or over a protocol)."""
        want = qname.rstrip(".").lower() + "." if qname else None
        return sum(
            1 for name, _t, p in self.log if (want is None or name == want) and proto in (None, p)
        )

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> ZoneServer:
        self._thread = threading.Thread(target=self._run, name="test-dns", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("test DNS server did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> ZoneServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        transport, server = await self._bind()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            transport.close()
            server.close()
            with contextlib.suppress(Exception):
                await server.wait_closed()

    async def _bind(self) -> tuple[asyncio.DatagramTransport, asyncio.Server]:
        loop = asyncio.get_running_loop()
        for _ in range(50):
            transport, _proto = await loop.create_datagram_endpoint(
                lambda: _Udp(self), local_addr=(self.host, self.port)
            )
            port = transport.get_extra_info("sockname")[1]
            try:
                server = await asyncio.start_server(self._tcp, self.host, port)
            except OSError:
                transport.close()
                continue
            self.port = port
            return transport, server
        raise RuntimeError("no free port for UDP and TCP")

    # -- answering --------------------------------------------------------------------------

    async def _tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readexactly(2)
                data = await reader.readexactly(struct.unpack("!H", head)[0])
                wire = await self.respond(data, tcp=True)
                if wire is None:
                    continue
                writer.write(struct.pack("!H", len(wire)) + wire)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def respond(self, data: bytes, *, tcp: bool) -> bytes | None:
        """The wire answer to a wire query, or None to stay silent."""
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return None
        if not query.question:
            return None
        question = query.question[0]
        self.log.append(
            (
                question.name.to_text().lower(),
                dns.rdatatype.to_text(question.rdtype),
                "tcp" if tcp else "udp",
            )
        )
        fault = self._fault(question.name, question.rdtype)
        if fault.drop:
            return None
        if self.latency or fault.delay:
            await asyncio.sleep(self.latency + fault.delay)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        response.flags &= ~dns.flags.RA
        if fault.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        if fault.refused:
            response.set_rcode(dns.rcode.REFUSED)
            return response.to_wire()
        self.resolve(response, question.name.canonicalize(), question.rdtype)
        wire = response.to_wire(max_size=65535)
        if not tcp:
            limit = max(512, query.payload) if query.edns >= 0 else 512
            if fault.truncate or len(wire) > limit:
                short = dns.message.make_response(query)
                short.flags |= dns.flags.AA | dns.flags.TC
                wire = short.to_wire()
        return wire

    def _fault(self, name: dns.name.Name, rdtype: int) -> Fault:
        best: tuple[int, Fault] | None = None
        for table in (self.zone_faults, self.faults):
            for suffix, fault in table.items():
                if fault.rdtype and fault.rdtype != dns.rdatatype.to_text(rdtype):
                    continue
                if name.is_subdomain(suffix) and (best is None or len(suffix) >= best[0]):
                    best = (len(suffix), fault)
        return best[1] if best else Fault()

    def _zone(self, name: dns.name.Name) -> dns.zone.Zone | None:
        found = [o for o in self.zones if name.is_subdomain(o)]
        return self.zones[max(found, key=len)] if found else None

    @staticmethod
    def _existing(zone: dns.zone.Zone) -> set[dns.name.Name]:
        names: set[dns.name.Name] = set()
        for name in zone.nodes:
            while name.is_subdomain(zone.origin) and name not in names:
                names.add(name)
                name = name.parent()
        return names

    def resolve(self, response: dns.message.Message, name: dns.name.Name, rdtype: int) -> None:
        """Fill in answer and authority for `name`/`rdtype`, following CNAMEs."""
        seen: set[dns.name.Name] = set()
        first = True
        while name not in seen:
            seen.add(name)
            zone = self._zone(name)
            if zone is None:
                if first:
                    response.set_rcode(dns.rcode.REFUSED)
                return
            first = False
            node = zone.get_node(name)
            if node is None and name not in self.names[zone.origin]:
                node = self._wildcard(zone, name)
                if node is None:
                    response.set_rcode(dns.rcode.NXDOMAIN)
                    self._soa(response, zone)
                    return
            rdataset = node.get_rdataset(dns.rdataclass.IN, rdtype) if node else None
            if rdataset is not None:
                response.answer.append(self._rrset(name, rdataset))
                return
            cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME) if node else None
            if cname is None or rdtype == dns.rdatatype.CNAME:
                self._soa(response, zone)
                return
            response.answer.append(self._rrset(name, cname))
            name = cname[0].target
        response.set_rcode(dns.rcode.SERVFAIL)  # CNAME loop

    def _wildcard(self, zone: dns.zone.Zone, name: dns.name.Name):  # type: ignore[no-untyped-def]
        encloser = name.parent()
        while encloser not in self.names[zone.origin] and encloser != zone.origin:
            encloser = encloser.parent()
        return zone.get_node(dns.name.Name((b"*", *encloser.labels)))

    @staticmethod
    def _rrset(name: dns.name.Name, rdataset) -> dns.rrset.RRset:  # type: ignore[no-untyped-def]
        rrset = dns.rrset.RRset(name, rdataset.rdclass, rdataset.rdtype)
        rrset.update(rdataset)
        rrset.ttl = rdataset.ttl
        return rrset

    @staticmethod
    def _soa(response: dns.message.Message, zone: dns.zone.Zone) -> None:
        soa = zone.get_rdataset(zone.origin, dns.rdatatype.SOA)
        if soa is not None:
            rrset = ZoneServer._rrset(zone.origin, soa)
            rrset.ttl = min(soa.ttl, soa[0].minimum)
            response.authority.append(rrset)


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: ZoneServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        task = asyncio.ensure_future(self._answer(data, addr))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _answer(self, data: bytes, addr: tuple[str, int]) -> None:
        wire = await self.server.respond(data, tcp=False)
        if wire is not None and self.transport is not None:
            self.transport.sendto(wire, addr)


def free_port() -> int:
    """A TCP port nobody listens on right now (for 'connection refused' tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
