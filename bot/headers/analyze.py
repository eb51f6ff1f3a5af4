"""Pasted headers -> a HeaderReport: the path and its delays, the sending IP, the receiver's
authentication verdicts, Microsoft's spam verdict, and findings in plain words with who fixes them.
"""

from __future__ import annotations

from bot.headers.authres import AuthResults, Dkim, parse_authres
from bot.headers.fields import Field, first, header_fields, values
from bot.headers.hops import Hop, hops_from
from bot.headers.microsoft import (
    CAT,
    IPV,
    SFV,
    MicrosoftVerdict,
    bcl_words,
    read_microsoft,
    scl_words,
)
from bot.headers.path import DELAYED_S, duration
from bot.model import Severity
from bot.record import Frozen, Record, set_field

SLOW_S = 60
BAD_SPF = frozenset({"fail", "softfail", "permerror"})
_EMAIL_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")


class HeaderFinding(Frozen):
    severity: Severity
    text: str
    who_fixes: str
    """An audience key: sender, senders_admin, recipient, recipients_admin."""

    __slots__ = ("severity", "text", "who_fixes")

    def __init__(
        self,
        severity: Severity,
        text: str,
        who_fixes: str,
    ) -> None:
        set_field(self, "severity", severity)
        set_field(self, "text", text)
        set_field(self, "who_fixes", who_fixes)

    def to_json(self) -> dict[str, str]:
        return {"severity": self.severity, "text": self.text, "who_fixes": self.who_fixes}


class Authentication(Record):
    authserv_id: str | None
    trusted: bool
    results: AuthResults
    from_domain: str | None
    arc: str | None
    untrusted: int
    """Lower Authentication-Results headers from other servers, ignored."""

    __slots__ = ("arc", "authserv_id", "from_domain", "results", "trusted", "untrusted")

    def __init__(
        self,
        authserv_id: str | None,
        trusted: bool,
        results: AuthResults,
        from_domain: str | None,
        arc: str | None = None,
        untrusted: int = 0,
    ) -> None:
        self.authserv_id = authserv_id
        self.trusted = trusted
        self.results = results
        self.from_domain = from_domain
        self.arc = arc
        self.untrusted = untrusted

    @property
    def aligned_spf(self) -> bool:
        r = self.results
        return bool(
            r.spf == "pass" and r.spf_domain and self.from_domain
            and _org(r.spf_domain) == _org(self.from_domain)
        )  # fmt: skip

    @property
    def aligned_dkim(self) -> bool:
        return any(
            d.result == "pass" and d.domain and self.from_domain
            and _org(d.domain) == _org(self.from_domain)
            for d in self.results.dkim
        )  # fmt: skip

    def to_json(self) -> dict[str, object]:
        r = self.results
        return {
            "authserv_id": self.authserv_id,
            "trusted": self.trusted,
            "spf": r.spf,
            "dkim": [
                {"result": d.result, "domain": d.domain, "selector": d.selector} for d in r.dkim
            ],
            "dmarc": r.dmarc,
            "arc": self.arc,
            "compauth": r.compauth,
            "from_domain": self.from_domain,
            "aligned": {"spf": self.aligned_spf, "dkim": self.aligned_dkim},
        }


class HeaderReport(Record):
    hops: list[Hop]
    sending_ip: str | None
    receiving_org: str | None
    authentication: Authentication | None
    microsoft: MicrosoftVerdict | None
    from_domain: str | None
    findings: list[HeaderFinding]

    __slots__ = (
        "authentication",
        "findings",
        "from_domain",
        "hops",
        "microsoft",
        "receiving_org",
        "sending_ip",
    )

    def __init__(
        self,
        hops: list[Hop],
        sending_ip: str | None,
        receiving_org: str | None,
        authentication: Authentication | None,
        microsoft: MicrosoftVerdict | None,
        from_domain: str | None,
        findings: list[HeaderFinding] | None = None,
    ) -> None:
        self.hops = hops
        self.sending_ip = sending_ip
        self.receiving_org = receiving_org
        self.authentication = authentication
        self.microsoft = microsoft
        self.from_domain = from_domain
        self.findings = [] if findings is None else findings

    @property
    def total_delay_s(self) -> float | None:
        times = [h.time for h in self.hops if h.time is not None]
        if len(times) < 2:
            return None
        return max(0.0, sum(h.delay_s or 0.0 for h in self.hops))

    def to_json(self, checks: list[dict[str, object]] | None = None) -> dict[str, object]:
        total = self.total_delay_s
        return {
            "hops": [h.to_json() for h in self.hops],
            "total_delay_s": None if total is None else round(total),
            "sending_ip": self.sending_ip,
            "authentication": self.authentication.to_json() if self.authentication else None,
            "microsoft": self.microsoft.to_json() if self.microsoft else None,
            "findings": [f.to_json() for f in self.findings],
            "checks": checks or [],
        }


def analyze_headers(text: str) -> HeaderReport | None:
    """The report for a header block, or None when the text holds no header ndrbot reads."""
    fields = header_fields(text)
    if not fields:
        return None
    hops = hops_from(values(fields, "received"))
    receiving = _receiving_org(hops)
    from_domain = _address_domain(first(fields, "from"))
    report = HeaderReport(
        hops=hops,
        sending_ip=_sending_ip(hops),
        receiving_org=receiving,
        authentication=_authentication(fields, hops, receiving, from_domain),
        microsoft=read_microsoft(
            first(fields, "x-forefront-antispam-report"),
            first(fields, "x-microsoft-antispam"),
            first(fields, "x-ms-exchange-organization-scl"),
        ),
        from_domain=from_domain,
    )
    report.findings = _findings(report)
    return report


# -- who received it, and from which IP -------------------------------------------------------


def _org(host: str) -> str:
    # Imported here: bot.dnscheck's package loads the whole DNS stack, which `ndrbot bounce`
    # and `explain --no-dns` never need.
    from bot.dnscheck.orgdomain import org_domain

    return org_domain(host.strip(".").lower())


def _is_name(host: str | None) -> bool:
    """A host name (not an IP, not a bare word like qmail's "uid")."""
    if not host or "." not in host or ":" in host:
        return False
    return not host.replace(".", "").isdigit()


def _receiving_org(hops: list[Hop]) -> str | None:
    """The organisation of the newest hop that names its server (the recipient's side)."""
    for hop in reversed(hops):
        if _is_name(hop.by_host):
            return _org(hop.by_host or "")
    return None


def _sending_ip(hops: list[Hop]) -> str | None:
    """The public IP that handed the message to another organisation, newest crossing first:
    the receiving side's first hop (hops inside one organisation are skipped)."""
    for hop in reversed(hops):
        if hop.from_ip is None or hop.private:
            continue
        inside = (
            _is_name(hop.from_host)
            and _is_name(hop.by_host)
            and _org(hop.from_host or "") == _org(hop.by_host or "")
        )
        if inside:
            continue  # a relay inside the same organisation
        return hop.from_ip
    return None


# -- authentication -------------------------------------------------------------------------


def _authentication(
    fields: list[Field], hops: list[Hop], receiving: str | None, from_domain: str | None
) -> Authentication | None:
    headers = values(fields, "authentication-results")
    arc_headers = values(fields, "arc-authentication-results")
    if not headers and not arc_headers:
        return None
    parsed = [parse_authres(v) for v in headers]
    trusted_index = None
    for index, result in enumerate(parsed):  # topmost first
        if result.authserv_id is None or (receiving and _org(result.authserv_id) == receiving):
            trusted_index = index
            break
    arc = _arc_result(arc_headers)
    if trusted_index is None:
        chosen = parsed[0] if parsed else AuthResults(None)
        untrusted = len(parsed)
        trusted = False
    else:
        chosen = parsed[trusted_index]
        untrusted = len(parsed) - trusted_index - 1
        trusted = True
    if chosen.authserv_id is None and parsed:
        top_by = next((h.by_host for h in reversed(hops) if _is_name(h.by_host)), None)
        chosen.authserv_id = top_by  # Microsoft leaves it out: the receiving hop stands in
    return Authentication(
        authserv_id=chosen.authserv_id,
        trusted=trusted,
        results=chosen,
        from_domain=from_domain,
        arc=chosen.arc or arc,
        untrusted=untrusted,
    )


def _arc_result(headers: list[str]) -> str | None:
    """The newest ARC-Authentication-Results' own arc= verdict (i= highest comes first)."""
    for value in headers:
        _, _, rest = value.partition(";")  # "i=2; authserv; ..."
        found = parse_authres(rest)
        if found.arc:
            return found.arc
    return None


def _address_domain(value: str | None) -> str | None:
    if not value:
        return None
    at = value.rfind("@")
    if at < 0:
        return None
    domain = []
    for char in value[at + 1 :].lower():
        if char not in _EMAIL_DOMAIN_CHARS:
            break
        domain.append(char)
    text = "".join(domain).strip(".")
    return text or None


# -- findings -------------------------------------------------------------------------------


def _findings(report: HeaderReport) -> list[HeaderFinding]:
    out: list[HeaderFinding] = []
    out.extend(_auth_findings(report))
    out.extend(_microsoft_findings(report.microsoft))
    out.extend(_path_findings(report))
    order = {"fail": 0, "warn": 1, "info": 2, "ok": 3}
    return sorted(out, key=lambda f: order.get(f.severity, 4))


def _path_findings(report: HeaderReport) -> list[HeaderFinding]:
    out: list[HeaderFinding] = []
    previous: Hop | None = None
    for hop in report.hops:
        where = f"between {previous.by_host or '?'} and {hop.by_host or '?'}" if previous else ""
        side = (
            "recipients_admin"
            if report.receiving_org and hop.by_host and _org(hop.by_host) == report.receiving_org
            else "senders_admin"
        )
        if hop.skew:
            out.append(
                HeaderFinding(
                    "info",
                    f"Hop {hop.index} ({hop.by_host or '?'}) is stamped before the hop it came "
                    "from: a server's clock is wrong, so that delay is counted as 0.",
                    side,
                )
            )
        elif hop.delay_s is not None and hop.delay_s > DELAYED_S:
            out.append(
                HeaderFinding(
                    "warn",
                    f"The message waited {duration(hop.delay_s)} {where} (hop {hop.index}): "
                    "that server queued it, usually because the next one deferred it or was "
                    "unreachable; its log says why.",
                    side,
                )
            )
        elif hop.delay_s is not None and hop.delay_s > SLOW_S:
            out.append(
                HeaderFinding(
                    "info", f"Hop {hop.index} took {duration(hop.delay_s)} {where}.", side
                )
            )
        if hop.private and hop.from_host:
            out.append(
                HeaderFinding(
                    "info",
                    f"Hop {hop.index} came from a private address ({hop.from_ip}): a server "
                    "inside one network.",
                    side,
                )
            )
        previous = hop
    total = report.total_delay_s
    if total is not None and len(report.hops) > 1:
        out.append(
            HeaderFinding(
                "info",
                f"{len(report.hops)} hops, {duration(total)} from the first to the last.",
                "recipients_admin",
            )
        )
    return out


def _auth_findings(report: HeaderReport) -> list[HeaderFinding]:
    auth = report.authentication
    if auth is None:
        return [
            HeaderFinding(
                "info",
                "No Authentication-Results header: the receiving server recorded no SPF, DKIM or "
                "DMARC verdict here.",
                "recipients_admin",
            )
        ]
    r = auth.results
    out: list[HeaderFinding] = []
    who = auth.authserv_id or "the receiving server"
    if not auth.trusted:
        out.append(
            HeaderFinding(
                "warn",
                f"No Authentication-Results header comes from the receiving organisation "
                f"({report.receiving_org or 'unknown'}); the ones present were written by other "
                "servers, or by the sender, and prove nothing.",
                "recipients_admin",
            )
        )
    elif auth.untrusted:
        out.append(
            HeaderFinding(
                "info",
                f"{auth.untrusted} lower Authentication-Results header(s) came from other "
                f"servers (or the sender) and were ignored; {who}'s verdict counts.",
                "recipients_admin",
            )
        )
    if r.spf in BAD_SPF:
        out.append(
            HeaderFinding(
                "fail",
                f"SPF {r.spf} for {r.spf_domain or 'the envelope sender'}: the sending IP "
                f"({report.sending_ip or '?'}) is not allowed by that domain's SPF record.",
                "senders_admin",
            )
        )
    failed_dkim = [d for d in r.dkim if d.result not in ("pass", "none")]
    if failed_dkim:
        out.append(_dkim_finding(failed_dkim, auth))
    if r.dmarc == "fail" and auth.arc == "pass":
        out.append(
            HeaderFinding(
                "warn",
                f"DMARC failed for {r.dmarc_from or auth.from_domain or 'the From domain'} "
                "because a forwarder or mailing list changed the message, but ARC passed: the "
                "receiver may accept it on the forwarder's word.",
                "senders_admin",
            )
        )
    elif r.dmarc == "fail":
        out.append(
            HeaderFinding(
                "fail",
                f"DMARC failed for {r.dmarc_from or auth.from_domain or 'the From domain'}: "
                "neither SPF nor DKIM passed for a domain aligned with the From address.",
                "senders_admin",
            )
        )
    elif r.dmarc == "pass":
        via = " and ".join(
            name for name, ok in (("SPF", auth.aligned_spf), ("DKIM", auth.aligned_dkim)) if ok
        )
        out.append(
            HeaderFinding(
                "ok",
                f"DMARC passed for {r.dmarc_from or auth.from_domain or 'the From domain'}"
                + (f" through {via}." if via else "."),
                "senders_admin",
            )
        )
    if r.compauth in ("fail", "softfail"):
        reason = f" (reason {r.compauth_reason})" if r.compauth_reason else ""
        out.append(
            HeaderFinding(
                "fail" if r.compauth == "fail" else "warn",
                f"Microsoft's composite authentication (compauth) says {r.compauth}{reason}: "
                "it treats the message as spoofed.",
                "senders_admin",
            )
        )
    return out


def _dkim_finding(failed: list[Dkim], auth: Authentication) -> HeaderFinding:
    names = ", ".join(f"d={d.domain}" if d.domain else "a signature" for d in failed)
    r = auth.results
    if auth.arc == "pass":
        return HeaderFinding(
            "info",
            f"DKIM failed for {names}: the message was changed on the way (a mailing list or "
            "forwarder), but ARC passed: the forwarder vouches for the original verdict.",
            "recipients_admin",
        )
    if r.dmarc == "pass":
        return HeaderFinding(
            "warn",
            f"DKIM failed for {names} but DMARC passed through SPF: delivery is fine today, "
            "but forwarding will break it.",
            "senders_admin",
        )
    return HeaderFinding(
        "fail",
        f"DKIM failed for {names}: the signature does not verify (a wrong key in DNS, or the "
        "message was changed after signing).",
        "senders_admin",
    )


def _microsoft_findings(verdict: MicrosoftVerdict | None) -> list[HeaderFinding]:
    if verdict is None:
        return []
    out: list[HeaderFinding] = []
    why = []
    if verdict.sfv:
        why.append(SFV.get(verdict.sfv.upper(), f"SFV {verdict.sfv}"))
    if verdict.cat and verdict.cat.upper() != "NONE":
        why.append(f"category: {CAT.get(verdict.cat.upper(), verdict.cat)}")
    if verdict.scl is not None:
        severity: Severity = "fail" if verdict.scl >= 5 else "info"
        text = scl_words(verdict.scl)
        if why:
            text += "; " + "; ".join(why)
        out.append(HeaderFinding(severity, text + ".", "senders_admin"))
    elif why:
        out.append(HeaderFinding("info", "Microsoft: " + "; ".join(why) + ".", "senders_admin"))
    if verdict.bcl is not None and verdict.bcl > 0:
        severity = "warn" if verdict.bcl >= 4 else "info"
        out.append(HeaderFinding(severity, bcl_words(verdict.bcl) + ".", "senders_admin"))
    if verdict.ipv and verdict.ipv.upper() in IPV:
        words = IPV[verdict.ipv.upper()]
        out.append(HeaderFinding("info", words[:1].upper() + words[1:] + ".", "recipients_admin"))
    return out
