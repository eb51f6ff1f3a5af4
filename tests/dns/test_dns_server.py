"""The test DNS server itself answers like an authoritative server should."""

from __future__ import annotations

import asyncio

import dns.asyncquery
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
from dnsserver import Fault, ZoneServer


def ask(server: ZoneServer, name: str, rdtype: str, *, tcp: bool = False, payload: int = 1232):
    query = dns.message.make_query(name, rdtype, use_edns=0, payload=payload)
    send = dns.asyncquery.tcp if tcp else dns.asyncquery.udp
    return asyncio.run(send(query, "127.0.0.1", timeout=2, port=server.port))


def test_answer_is_authoritative(dns_server: ZoneServer) -> None:
    response = ask(dns_server, "gw.test", "MX")
    assert response.flags & dns.flags.AA
    assert response.answer[0][0].exchange.to_text() == "smtp.google.com."


def test_nxdomain_and_nodata_differ(dns_server: ZoneServer) -> None:
    missing = ask(dns_server, "nothing.gw.test", "A")
    assert missing.rcode() == dns.rcode.NXDOMAIN
    assert missing.authority[0].rdtype == dns.rdatatype.SOA
    nodata = ask(dns_server, "gw.test", "AAAA")
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer
    assert nodata.authority[0].rdtype == dns.rdatatype.SOA


def test_empty_non_terminal_is_nodata(dns_server: ZoneServer) -> None:
    response = ask(dns_server, "_domainkey.gw.test", "TXT")
    assert response.rcode() == dns.rcode.NOERROR and not response.answer


def test_cname_chain_crosses_zones(dns_server: ZoneServer) -> None:
    response = ask(dns_server, "selector1._domainkey.ex.test", "TXT")
    types = [rrset.rdtype for rrset in response.answer]
    assert types == [dns.rdatatype.CNAME, dns.rdatatype.TXT]


def test_wildcard(dns_server: ZoneServer) -> None:
    response = ask(dns_server, "1.2.3.4.refusingbl.test", "A")
    assert response.answer[0][0].address == "127.255.255.254"


def test_unserved_zone_is_refused(dns_server: ZoneServer) -> None:
    assert ask(dns_server, "example.org", "A").rcode() == dns.rcode.REFUSED


def test_large_answer_truncates_over_udp_only(dns_server: ZoneServer) -> None:
    udp = ask(dns_server, "gw.test", "TXT")
    assert udp.flags & dns.flags.TC and not udp.answer
    tcp = ask(dns_server, "gw.test", "TXT", tcp=True)
    assert len(tcp.answer[0]) == 15


def test_small_payload_truncates_sooner(dns_server: ZoneServer) -> None:
    assert not ask(dns_server, "google._domainkey.gw.test", "TXT").flags & dns.flags.TC
    assert ask(dns_server, "big._domainkey.gw.test", "TXT", payload=512).flags & dns.flags.TC


def test_faults(dns_server: ZoneServer) -> None:
    dns_server.set_fault("gw.test", Fault(servfail=True))
    assert ask(dns_server, "gw.test", "MX").rcode() == dns.rcode.SERVFAIL
    dns_server.set_fault("gw.test", Fault(truncate=True))
    assert ask(dns_server, "gw.test", "MX").flags & dns.flags.TC
    assert ask(dns_server, "gw.test", "MX", tcp=True).answer
    dns_server.set_fault("gw.test", None)
    assert ask(dns_server, "gw.test", "MX").rcode() == dns.rcode.NOERROR


def test_zone_file_fault_drops(dns_server: ZoneServer) -> None:
    query = dns.message.make_query("dead.test", "MX")
    try:
        asyncio.run(dns.asyncquery.udp(query, "127.0.0.1", timeout=0.3, port=dns_server.port))
    except dns.exception.Timeout:
        pass
    else:
        raise AssertionError("dead.test answered")
