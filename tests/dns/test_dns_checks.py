"""Every check against the test DNS server, one zone per situation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from bot.dnscheck import DnsChecker, MxReport
from bot.model import CheckResult
from bot.reasons import CHECK_NAMES


def check(checker: DnsChecker, target: str, **kwargs: object) -> dict[str, CheckResult]:
    report = asyncio.run(checker.checkmx(target, **kwargs))  # type: ignore[arg-type]
    return {c.name: c for c in report.checks}


def statuses(results: dict[str, CheckResult]) -> dict[str, str]:
    return {name: r.status for name, r in results.items()}


def test_google_workspace_like_domain_is_all_ok(checker: DnsChecker) -> None:
    report = asyncio.run(checker.checkmx("gw.test"))
    assert [c.name for c in report.checks] == list(CHECK_NAMES)
    assert {c.name: c.status for c in report.checks} == dict.fromkeys(CHECK_NAMES, "ok")
    data = json.loads(json.dumps(report.to_json()))
    assert set(data) >= {"domain", "checks", "elapsed_ms"}
    assert data["domain"] == "gw.test"
    assert set(data["checks"][0]) >= {"name", "status", "summary", "records", "details"}
    assert report.queries > 20 and report.max_in_flight > 10


def test_exchange_online_like_domain(checker: DnsChecker) -> None:
    results = check(checker, "ex.test")
    assert set(statuses(results).values()) == {"ok"}
    assert "Exchange Online" in results["provider"].summary
    assert any("CNAME to selector1-ex-test" in d for d in results["provider"].details)
    assert "signed" in results["dnssec"].summary
    assert any("dmarc-vendor.test is authorised" in d for d in results["dmarc"].details)


def test_exchange_online_leftovers(checker: DnsChecker) -> None:
    results = check(checker, "exleft.test")
    provider = results["provider"]
    assert provider.status == "warn"
    text = "\n".join(provider.details)
    assert "leftover MX mail.exleft.test" in text
    assert "lacks include:spf.protection.outlook.com" in text
    assert "not the CNAME" in text
    dkim = results["dkim"]
    assert dkim.status == "warn" and "1024-bit" in dkim.details[0] and "t=y" in dkim.details[0]
    dmarc = results["dmarc"]
    assert dmarc.status == "warn" and any("pct=50" in d for d in dmarc.details)


def test_spf_counts_every_lookup_past_ten(checker: DnsChecker) -> None:
    spf = check(checker, "spf10.test", only=["spf"])["spf"]
    assert spf.status == "fail"
    assert spf.summary.startswith("16 DNS lookups")
    assert "  include:_spf.google.com: 4 lookups" in spf.details
    assert "  include:two.spf10.test: 5 lookups" in spf.details
    assert any("'ptr' is deprecated" in d for d in spf.details)


def test_spf_void_lookups(checker: DnsChecker) -> None:
    spf = check(checker, "spfvoid.test", only=["spf"])["spf"]
    assert spf.status == "fail" and "3 void lookups" in spf.summary


def test_spf_loop_and_plus_all(checker: DnsChecker) -> None:
    spf = check(checker, "spfloop.test", only=["spf"])["spf"]
    assert spf.status == "fail"
    assert any("loop" in d for d in spf.details)
    assert any("'+all'" in d for d in spf.details)


def test_spf_syntax_errors(checker: DnsChecker) -> None:
    spf = check(checker, "spfsyntax.test", only=["spf"])["spf"]
    text = "\n".join(spf.details)
    assert spf.status == "fail"
    assert "bad macro syntax" in text
    assert "300.1.1.1" in text
    assert "nospf.spfsyntax.test has no SPF record" in text
    assert "'?all' is neutral" in text


def test_missing_spf_and_dmarc(checker: DnsChecker) -> None:
    results = check(checker, "brokenmx.test", only=["spf", "dmarc"])
    assert statuses(results) == {"spf": "fail", "dmarc": "fail"}
    assert "No SPF record" in results["spf"].summary


def test_no_dmarc(checker: DnsChecker) -> None:
    dmarc = check(checker, "nodmarc.test", only=["dmarc"])["dmarc"]
    assert dmarc.status == "fail" and "No DMARC record" in dmarc.summary


def test_dmarc_inherited_from_org_domain(checker: DnsChecker) -> None:
    dmarc = check(checker, "sub.gw.test", only=["dmarc"])["dmarc"]
    assert dmarc.status == "ok"
    assert dmarc.details[0] == "Inherited from the organizational domain gw.test"


def test_null_mx(checker: DnsChecker) -> None:
    results = check(checker, "nullmx.test")
    assert results["mx"].status == "warn" and "accepts no mail" in results["mx"].summary
    assert results["ptr"].summary == "No public addresses to check"
    assert check(checker, "nullmix.test", only=["mx"])["mx"].status == "fail"


def test_broken_mx(checker: DnsChecker) -> None:
    mx = check(checker, "brokenmx.test", only=["mx"])["mx"]
    text = "\n".join(mx.details)
    assert mx.status == "warn"  # one host still works
    assert "192.0.2.1: an IP address is not allowed" in text
    assert "nohost.brokenmx.test: does not exist" in text
    assert "is a CNAME" in text
    assert "private or reserved address 10.0.0.5" in text


def test_implicit_mx_and_nonexistent_domain(checker: DnsChecker) -> None:
    assert check(checker, "implicit.test", only=["mx"])["mx"].status == "warn"
    missing = check(checker, "nosuch.gw.test", only=["mx"])["mx"]
    assert missing.status == "fail" and "NXDOMAIN" in missing.summary


def test_ptr_mismatch_and_sending_ip(checker: DnsChecker) -> None:
    ptr = check(checker, "ptrmismatch.test", only=["ptr"], ips=["81.2.69.11"])["ptr"]
    text = "\n".join(ptr.details)
    assert ptr.status == "fail"  # the sending IP has no PTR
    assert "81.2.69.11 (sending IP): no PTR record" in text
    assert "does not resolve back to 81.2.69.10" in text


def test_ip_target_runs_ip_checks(checker: DnsChecker) -> None:
    report = asyncio.run(checker.checkmx("45.51.0.9"))
    assert [c.name for c in report.checks] == ["ptr", "dnsbl"]
    assert report.checks[0].status == "ok"
    assert report.checks[1].status == "fail"


def test_listed_ip(checker: DnsChecker) -> None:
    dnsbl = check(checker, "listed.test", only=["dnsbl"])["dnsbl"]
    assert dnsbl.status == "fail" and "bl.test" in dnsbl.summary
    assert "127.0.0.4" in dnsbl.details[0] and "seen sending spam" in dnsbl.details[0]


def test_unavailable_lists_are_never_listed(checker: DnsChecker) -> None:
    result = check(
        checker, "listed.test", only=["dnsbl"], dnsbls=["refusingbl.test", "deadbl.test"]
    )
    dnsbl = result["dnsbl"]
    assert dnsbl.status == "error" and "unavailable" in dnsbl.summary
    text = "\n".join(dnsbl.details)
    assert "public or open resolvers" in text
    assert "127.0.0.2 test entry" in text
    mixed = check(checker, "listed.test", only=["dnsbl"], dnsbls=["bl.test", "deadbl.test"])
    assert mixed["dnsbl"].status == "fail"


def test_dkim_selectors(checker: DnsChecker) -> None:
    given = check(checker, "gw.test", only=["dkim"], selectors=["big", "nope"])["dkim"]
    assert given.status == "fail"  # a selector the user named is missing
    text = "\n".join(given.details)
    assert "big: rsa 4096-bit" in text and "nope: no key" in text
    guessed = check(checker, "nodmarc.test", only=["dkim"])["dkim"]
    assert guessed.status == "warn" and "proves nothing" in guessed.summary


def test_mta_sts_tls_rpt_bimi_ok(checker: DnsChecker) -> None:
    results = check(checker, "gw.test", only=["mta-sts", "tls-rpt", "bimi"])
    assert statuses(results) == {"mta-sts": "ok", "tls-rpt": "ok", "bimi": "ok"}
    assert "enforce" in results["mta-sts"].summary
    assert "mode: enforce" in results["mta-sts"].records


def test_bimi_needs_enforcing_dmarc(checker: DnsChecker) -> None:
    assert check(checker, "ex.test", only=["bimi"])["bimi"].summary.startswith("No BIMI")


def test_dnssec_broken_chain(checker: DnsChecker) -> None:
    dnssec = check(checker, "badsec.test", only=["dnssec"])["dnssec"]
    assert dnssec.status == "fail" and "no DNSKEY" in dnssec.summary
    assert check(checker, "gw.test", only=["dnssec"])["dnssec"].summary.startswith("Not DNSSEC")


def test_only_rejects_unknown_checks(checker: DnsChecker) -> None:
    with pytest.raises(ValueError, match="unknown check"):
        asyncio.run(checker.checkmx("gw.test", only=["mxx"]))


def test_bad_input_raises_value_error(checker: DnsChecker) -> None:
    for bad, kwargs in (
        ("localhost", {}),
        ("gw.test", {"ips": ["10.0.0.1"]}),
        ("gw.test", {"selectors": ["a b"]}),
    ):
        with pytest.raises(ValueError):
            asyncio.run(checker.checkmx(bad, **kwargs))  # type: ignore[arg-type]


def test_cache_is_shared_between_requests(make_checker: Callable[..., DnsChecker]) -> None:
    checker = make_checker()

    async def twice() -> tuple[MxReport, MxReport]:
        return await checker.checkmx("gw.test"), await checker.checkmx("gw.test")

    first, second = asyncio.run(twice())
    assert second.queries < first.queries / 2
    assert [c.status for c in second.checks] == [c.status for c in first.checks]


def test_evidence_runs_named_checks_on_bounce_targets(checker: DnsChecker) -> None:
    results = asyncio.run(
        checker.evidence(
            checks=["spf", "dmarc", "dkim", "ptr", "dnsbl", "bogus"],
            domains=["gw.test", "not a domain", "nodmarc.test"],
            ips=["45.51.0.9", "10.1.1.1"],
        )
    )
    got = {(r.name, r.target): r.status for r in results}
    assert got == {
        ("spf", "gw.test"): "ok",
        ("dmarc", "gw.test"): "ok",
        ("dkim", "gw.test"): "ok",
        ("spf", "nodmarc.test"): "ok",
        ("dmarc", "nodmarc.test"): "fail",
        ("dkim", "nodmarc.test"): "warn",
        ("ptr", "45.51.0.9"): "ok",
        ("dnsbl", "45.51.0.9"): "fail",
    }


def test_evidence_with_nothing_to_do(checker: DnsChecker) -> None:
    assert asyncio.run(checker.evidence(checks=["ptr"], domains=["gw.test"])) == ()


def test_spf_redirect_is_followed_and_counted(checker: DnsChecker) -> None:
    spf = check(checker, "spfredirect.test", only=["spf"])["spf"]
    assert spf.status == "ok"
    assert "  redirect=_spf.spfredirect.test: 6 lookups" in spf.details
    assert spf.summary == "One SPF record, 6 of 10 DNS lookups, ending a redirect"
