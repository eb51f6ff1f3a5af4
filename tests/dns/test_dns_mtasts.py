"""MTA-STS: the record, and the policy fetched from a loopback HTTPS server with a test certificate."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from dnsserver import free_port
from httpsserver import Policy, PolicyServer, client_context

from bot.dnscheck import DnsChecker, HttpsFetcher
from bot.dnscheck.https import parse_response
from bot.dnscheck.mtasts import mx_matches, parse_policy
from bot.model import CheckResult


def sts(checker: DnsChecker, domain: str = "gw.test") -> CheckResult:
    return asyncio.run(checker.checkmx(domain, only=["mta-sts"])).checks[0]


def test_policy_fetched_over_https(checker: DnsChecker, https_server: PolicyServer) -> None:
    result = sts(checker)
    assert result.status == "ok"
    assert ("mta-sts.gw.test", "/.well-known/mta-sts.txt") in https_server.requests


def test_policy_not_covering_mx_fails_in_enforce_mode(
    checker: DnsChecker, https_server: PolicyServer
) -> None:
    https_server.policies["mta-sts.gw.test"] = Policy(
        body="version: STSv1\nmode: enforce\nmx: mx.other.test\nmax_age: 86400\n"
    )
    result = sts(checker)
    assert result.status == "fail" and "does not list every MX" in result.summary
    assert "MX not covered by the policy: smtp.google.com" in result.details


def test_testing_mode_and_short_max_age_warn(
    checker: DnsChecker, https_server: PolicyServer
) -> None:
    https_server.policies["mta-sts.gw.test"] = Policy(
        body="version: STSv1\nmode: testing\nmx: smtp.google.com\nmax_age: 60\n",
        content_type="text/html",
    )
    result = sts(checker)
    assert result.status == "warn"
    text = "\n".join(result.details)
    assert "mode testing" in text and "max_age 60" in text and "text/html" in text


def test_http_error_and_bad_policy(checker: DnsChecker, https_server: PolicyServer) -> None:
    https_server.policies["mta-sts.gw.test"] = Policy(status=404, body="nope")
    assert "HTTP 404" in sts(checker).summary
    https_server.policies["mta-sts.gw.test"] = Policy(body="hello")
    bad = sts(checker)
    assert bad.status == "fail" and "invalid" in bad.summary


def test_certificate_for_another_name_fails(
    make_checker: Callable[..., DnsChecker],
    https_server: PolicyServer,
    tls_files: tuple[Path, Path],
) -> None:
    untrusting = HttpsFetcher(port=https_server.port, timeout=1.0)  # system CAs only
    result = sts(make_checker(https_fetch=untrusting))
    assert result.status == "fail" and "certificate not valid" in result.summary


def test_unreachable_and_slow_policy_hosts(
    make_checker: Callable[..., DnsChecker],
    https_server: PolicyServer,
    tls_files: tuple[Path, Path],
) -> None:
    refused = HttpsFetcher(port=free_port(), ssl_context=client_context(tls_files[0]), timeout=0.5)
    result = sts(make_checker(https_fetch=refused))
    assert result.status == "fail" and "connection failed" in result.summary
    https_server.policies["mta-sts.gw.test"] = Policy(body="x", delay=2.0)
    slow = HttpsFetcher(
        port=https_server.port, ssl_context=client_context(tls_files[0]), timeout=0.3
    )
    result = sts(make_checker(https_fetch=slow))
    assert result.status == "error" and "timed out" in result.summary


def test_the_default_tls_context_is_made_at_the_first_fetch_and_trusts_the_system_cas(
    make_checker: Callable[..., DnsChecker], https_server: PolicyServer
) -> None:
    """Made when first needed (loading the CA certificates would cost every run that fetches
    no policy ~20 ms): the test server's own certificate is no system CA's."""
    fetcher = HttpsFetcher(port=https_server.port, timeout=2.0)
    assert fetcher.ssl_context is None
    result = sts(make_checker(https_fetch=fetcher))
    assert result.status == "fail" and "certificate not valid" in result.summary
    assert fetcher.ssl_context is not None


def test_no_record_is_ok_and_tls_rpt_follows(checker: DnsChecker) -> None:
    assert sts(checker, "ex.test").summary.startswith("No MTA-STS")


def test_policy_parsing_helpers() -> None:
    fields, mx, problems = parse_policy(
        "version: STSv1\r\nmode: enforce\r\nmx: *.example.com\r\nmax_age: 86400\r\n"
    )
    assert fields["mode"] == "enforce" and mx == ["*.example.com"] and not problems
    assert mx_matches("a.example.com", "*.example.com")
    assert not mx_matches("a.b.example.com", "*.example.com")
    assert not mx_matches("example.com", "*.example.com")
    assert parse_policy("mode: sometimes")[2]


def test_http_response_parsing() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    assert parse_response(chunked).body == "hello"
    assert parse_response(b"garbage").error
    assert parse_response(b"HTTP/1.1 301 Moved\r\nLocation: x\r\n\r\n").status == 301
