"""Fixtures for the DNS tests: a real DNS server and an HTTPS policy server, both on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dnsserver import ZoneServer
from httpsserver import Policy, PolicyServer, client_context, make_certificate

from bot.dnscheck import DnsChecker, HttpsFetcher

POLICY_HOSTS = ("mta-sts.gw.test", "mta-sts.ex.test", "mta-sts.slow.test")
GW_POLICY = "version: STSv1\nmode: enforce\nmx: smtp.google.com\nmx: *.aspmx.l.google.com\nmax_age: 604800\n"


@pytest.fixture(scope="session")
def dns_server() -> Iterator[ZoneServer]:
    server = ZoneServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"), POLICY_HOSTS)


@pytest.fixture(scope="session")
def https_server(tls_files: tuple[Path, Path]) -> Iterator[PolicyServer]:
    server = PolicyServer(*tls_files).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _reset(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with no injected faults and the standard policies."""
    yield
    if "dns_server" in request.fixturenames:
        server: ZoneServer = request.getfixturevalue("dns_server")
        server.clear_faults()
        server.latency = 0.0
    if "https_server" in request.fixturenames:
        request.getfixturevalue("https_server").policies.clear()


@pytest.fixture
def fetcher(https_server: PolicyServer, tls_files: tuple[Path, Path]) -> HttpsFetcher:
    https_server.policies["mta-sts.gw.test"] = Policy(body=GW_POLICY)
    return HttpsFetcher(
        port=https_server.port, ssl_context=client_context(tls_files[0]), timeout=1.0
    )


@pytest.fixture
def make_checker(dns_server: ZoneServer, fetcher: HttpsFetcher) -> Callable[..., DnsChecker]:
    """DnsChecker against the test server, with short timeouts unless told otherwise."""

    def make(**kwargs: Any) -> DnsChecker:
        options: dict[str, Any] = {
            "dnsbls": ["bl.test"],
            "query_timeout": 0.4,
            "deadline": 2.0,
            "https_fetch": fetcher,
        }
        options.update(kwargs)
        return DnsChecker([dns_server.address], **options)

    return make


@pytest.fixture
def checker(make_checker: Callable[..., DnsChecker]) -> DnsChecker:
    return make_checker()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A UDP port that receives but never answers (a dead nameserver)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
