"""Pure helpers: key sizes, SPF syntax, blocklist codes, organisational domains, constructor input."""

from __future__ import annotations

import base64

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from bot.dnscheck import DnsChecker
from bot.dnscheck.dkimkey import key_info
from bot.dnscheck.dnsbl import decode, query_name
from bot.dnscheck.orgdomain import org_domain
from bot.dnscheck.provider import dashed_forms
from bot.dnscheck.resolver import Answer
from bot.dnscheck.spf import macro_problem, spf_records


def test_dkim_key_sizes() -> None:
    with pytest.raises(ValueError, match="base64"):
        key_info("not base64!")
    assert key_info(base64.b64encode(bytes(32)).decode(), "ed25519") == ("ed25519", 256)
    with pytest.raises(ValueError):
        key_info(base64.b64encode(b"\x30\x03\x02\x01").decode())


def test_spf_helpers() -> None:
    assert spf_records(("v=spf1 -all", "V=SPF1 mx", "v=spf10", "other")) == [
        "v=spf1 -all",
        "V=SPF1 mx",
    ]
    assert macro_problem("%{i}._spf.%{d}") is None
    assert macro_problem("%{ir}.%{l1r+-}._spf.%{d2}") is None
    assert macro_problem("%%.%_.%-.example.com") is None
    assert macro_problem("%{q}.example.com") is not None
    assert macro_problem("50%.example.com") is not None


def a_answer(*addresses: str, status: str = "ok", error: str = "") -> Answer:
    rdatas = tuple(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.A, a) for a in addresses)
    return Answer("x.", "A", status, rdatas, error=error)  # type: ignore[arg-type]


def test_dnsbl_decoding() -> None:
    assert query_name("192.0.2.1", "zen.spamhaus.org") == "1.2.0.192.zen.spamhaus.org"
    assert query_name("2001:db8::1", "bl.test").endswith(".8.b.d.0.1.0.0.2.bl.test")
    assert decode("zen.spamhaus.org", a_answer("127.0.0.4"))[0] == "listed"
    assert "XBL" in decode("zen.spamhaus.org", a_answer("127.0.0.4"))[1]
    for code in ("127.255.255.252", "127.255.255.254", "127.255.255.255"):
        assert decode("zen.spamhaus.org", a_answer(code))[0] == "unavailable"
    assert decode("bl.test", a_answer("203.0.113.5"))[0] == "unavailable"
    assert decode("bl.test", a_answer(status="nxdomain"))[0] == "clear"
    assert decode("bl.test", a_answer(status="error", error="timeout"))[0] == "unavailable"


def test_org_domain() -> None:
    assert org_domain("mail.example.co.uk") == "example.co.uk"
    assert org_domain("a.b.gw.test") == "gw.test"
    assert org_domain("example.com") == "example.com"


def test_the_suffix_list_loads_when_first_needed_or_at_a_services_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A one-shot command's DNS checker loads no list (~45 ms) until a DMARC check needs it, and
    then once; a service loads it at start, with dnspython's DNSSEC module and the TLS context."""
    import sys

    import publicsuffixlist

    from bot.app import build_deps
    from bot.config import Settings
    from bot.dnscheck import orgdomain
    from bot.dnscheck.https import default_context

    loads: list[int] = []

    class Counted(publicsuffixlist.PublicSuffixList):
        def __init__(self) -> None:
            loads.append(1)
            super().__init__()

    monkeypatch.setattr(publicsuffixlist, "PublicSuffixList", Counted)
    orgdomain._psl.cache_clear()
    DnsChecker(["127.0.0.1"])
    assert loads == []
    assert org_domain("mail.example.co.uk") == "example.co.uk"
    assert org_domain("a.b.gw.test") == "gw.test"
    assert loads == [1]
    orgdomain._psl.cache_clear()
    default_context.cache_clear()
    build_deps(Settings(dns_enabled=False), service=True)
    assert loads == [1, 1]
    assert "dns.dnssec" in sys.modules
    assert default_context.cache_info().currsize == 1  # the TLS context, too


def test_dashed_forms() -> None:
    assert dashed_forms("contoso.com") == ("contoso-com",)
    assert dashed_forms("my-shop.co.uk") == ("my-shop-co-uk", "myshop-co-uk")


def test_checker_rejects_bad_nameservers_and_zones() -> None:
    with pytest.raises(ValueError, match="nameserver"):
        DnsChecker(["not-an-ip"])
    with pytest.raises(ValueError):
        DnsChecker(["127.0.0.1"], dnsbls=["bad zone"])
    assert DnsChecker(["127.0.0.1:5353", "[::1]:53"]).resolver.nameservers == (
        ("127.0.0.1", 5353),
        ("::1", 53),
    )
