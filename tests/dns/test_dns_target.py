"""Input validation for /checkmx targets."""

from __future__ import annotations

import pytest

from bot.dnscheck.target import validate_target


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("example.com", "domain", "example.com"),
        ("Example.COM.", "domain", "example.com"),
        ("  gw.test ", "domain", "gw.test"),
        ("bücher.de", "domain", "xn--bcher-kva.de"),
        ("user@Example.com", "domain", "example.com"),
        ("<postmaster@example.org>", "domain", "example.org"),
        ("mailto:someone@example.net", "domain", "example.net"),
        ("https://example.com/", "domain", "example.com"),
        ("http://www.example.com/path?q=1", "domain", "www.example.com"),
        ("8.8.8.8", "ip", "8.8.8.8"),
        ("[2001:4860:4860::8888]", "ip", "2001:4860:4860::8888"),
        ("2001:4860:4860::8888", "ip", "2001:4860:4860::8888"),
        ("4.3.2.1.in-addr.arpa", "domain", "4.3.2.1.in-addr.arpa"),
    ],
)
def test_accepted(text: str, kind: str, value: str) -> None:
    target = validate_target(text)
    assert (target.kind, target.value) == (kind, value)


def test_idn_display_form() -> None:
    assert validate_target("xn--bcher-kva.de").display == "bücher.de"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "give a domain"),
        ("localhost", "private or local"),
        ("intranet", "single-label"),
        ("printer.local", "private or local"),
        ("db.internal", "private or local"),
        ("router.home.arpa", "private or local"),
        ("app.localhost", "private or local"),
        ("10.in-addr.arpa", "private reverse zone"),
        ("1.168.192.in-addr.arpa", "private reverse zone"),
        ("d.f.ip6.arpa", "private reverse zone"),
        ("192.168.1.1", "private or reserved"),
        ("127.0.0.1", "private or reserved"),
        ("ftp://example.com", "is a URL"),
        ("example.com/path", "looks like a URL"),
        ("example.com:25", "port"),
        ("two words.com", "spaces"),
        ("exa$mple.com", "not a valid domain"),
        ("a..b.com", "not a valid domain"),
        ("-bad.com", "not a valid domain"),
        ("user@", "no domain"),
        ("1.2.3", "not a valid"),
        ("x" * 64 + ".com", "not a valid domain"),
    ],
)
def test_refused_with_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        validate_target(text)
    assert "\n" not in str(info.value)
