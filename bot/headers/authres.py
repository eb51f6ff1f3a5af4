"""`Authentication-Results` (RFC 8601): which header to trust, and SPF, DKIM, DMARC, ARC in it.

Every server on the way may add the header, and so can the sender: only the topmost one whose
authserv-id belongs to the receiving organisation is believed. Microsoft writes the header
without an authserv-id ("spf=pass (sender IP is ...) smtp.mailfrom=..."): the receiving hop's
`by` host stands in for it.
"""

from __future__ import annotations

import re

from bot.engine.lazyre import lazy
from bot.record import Frozen, Record, set_field

METHODS = ("spf", "dkim", "dmarc", "arc", "compauth")
_RESULT = lazy(r"^\s*([a-z0-9_-]{2,20})\s*=\s*([a-z]{2,12})\b(.*)$", re.IGNORECASE | re.DOTALL)
_PROPERTY = lazy(r"\b([a-z]{2,10}\.[a-z0-9_-]{1,20})\s*=\s*\"?([^\s\";]{1,255})", re.IGNORECASE)
_REASON = lazy(r"\breason\s*=\s*\"?([^\s\";]{1,40})", re.IGNORECASE)


class Dkim(Frozen):
    result: str
    domain: str | None
    selector: str | None

    __slots__ = ("domain", "result", "selector")

    def __init__(
        self,
        result: str,
        domain: str | None = None,
        selector: str | None = None,
    ) -> None:
        set_field(self, "result", result)
        set_field(self, "domain", domain)
        set_field(self, "selector", selector)


class AuthResults(Record):
    """One Authentication-Results header, read."""

    authserv_id: str | None
    spf: str | None
    spf_domain: str | None
    """smtp.mailfrom (its domain), or smtp.helo when there is no mail-from."""
    dkim: list[Dkim]
    dmarc: str | None
    dmarc_from: str | None
    arc: str | None
    compauth: str | None
    compauth_reason: str | None

    __slots__ = (
        "arc",
        "authserv_id",
        "compauth",
        "compauth_reason",
        "dkim",
        "dmarc",
        "dmarc_from",
        "spf",
        "spf_domain",
    )

    def __init__(
        self,
        authserv_id: str | None,
        spf: str | None = None,
        spf_domain: str | None = None,
        dkim: list[Dkim] | None = None,
        dmarc: str | None = None,
        dmarc_from: str | None = None,
        arc: str | None = None,
        compauth: str | None = None,
        compauth_reason: str | None = None,
    ) -> None:
        self.authserv_id = authserv_id
        self.spf = spf
        self.spf_domain = spf_domain
        self.dkim = [] if dkim is None else dkim
        self.dmarc = dmarc
        self.dmarc_from = dmarc_from
        self.arc = arc
        self.compauth = compauth
        self.compauth_reason = compauth_reason


def parse_authres(value: str) -> AuthResults:
    """Read one header value; unknown methods and odd properties are skipped, never an error."""
    text = _drop_comments(value)
    parts = [p.strip() for p in text.split(";")]
    authserv: str | None = None
    if parts and not _RESULT.match(parts[0]):
        words = parts[0].split()
        authserv = words[0].lower() if words else None
        parts = parts[1:]
    result = AuthResults(authserv)
    for part in parts:
        match = _RESULT.match(part)
        if not match:
            continue
        method, outcome, rest = match.group(1).lower(), match.group(2).lower(), match.group(3)
        props = {k.lower(): v for k, v in _PROPERTY.findall(rest)}
        if method == "spf" and result.spf is None:
            result.spf = outcome
            mailfrom = props.get("smtp.mailfrom") or props.get("smtp.helo")
            result.spf_domain = _domain_of(mailfrom) if mailfrom else None
        elif method == "dkim":
            signer = props.get("header.d") or props.get("header.i")
            domain = _domain_of(signer) if signer and signer.lower() != "none" else None
            result.dkim.append(Dkim(outcome, domain, _lower(props.get("header.s"))))
        elif method == "dmarc" and result.dmarc is None:
            result.dmarc = outcome
            result.dmarc_from = _lower(props.get("header.from"))
        elif method == "arc" and result.arc is None:
            result.arc = outcome
        elif method == "compauth" and result.compauth is None:
            result.compauth = outcome
            reason = _REASON.search(rest)
            result.compauth_reason = reason.group(1) if reason else None
    return result


def _drop_comments(value: str) -> str:
    """Remove (comments), one level deep, in one pass (nesting beyond that is rare and harmless)."""
    out: list[str] = []
    depth = 0
    for char in value:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return "".join(out)


def _domain_of(text: str) -> str:
    return text.rsplit("@", 1)[-1].strip("<>").lower()


def _lower(text: str | None) -> str | None:
    return text.lower() if text else None
