"""One line for each way a platform can be out of reach, and the back-off between tries."""

from __future__ import annotations

import itertools
import socket
import ssl
import urllib.error

import pytest

from bot.netfail import backoff, network_failure


def _wrapped(inner: BaseException) -> BaseException:
    """How HTTP clients hand network errors on: a wrapper whose cause is the real one."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise RuntimeError("request failed") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "(DNS)"),
        (urllib.error.URLError(socket.gaierror(-2, "Name or service not known")), "(DNS)"),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), "TLS certificate"),
        (ConnectionRefusedError(111, "Connection refused"), "refused"),
        (urllib.error.URLError(ConnectionRefusedError(111, "refused")), "refused"),
        (TimeoutError("timed out"), "timed out"),
        (_wrapped(ConnectionResetError(104, "reset")), "connection failed"),
    ],
)
def test_each_kind_of_network_failure_is_named(exc: BaseException, expected: str) -> None:
    line = network_failure(exc)
    assert line is not None and expected in line
    assert "\n" not in line


@pytest.mark.parametrize("exc", [ValueError("invalid_auth"), KeyError("token")])
def test_other_errors_are_not_network_failures(exc: BaseException) -> None:
    assert network_failure(exc) is None


def test_backoff_doubles_to_a_ceiling_with_jitter() -> None:
    delays = list(itertools.islice(backoff(1.0, 8.0), 8))
    assert 0.8 <= delays[0] <= 1.2
    assert 1.6 <= delays[1] <= 2.4
    assert all(6.4 <= d <= 9.6 for d in delays[4:])
