"""Find SMTP reply codes, enhanced status codes, addresses and IPs in bounce text."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.engine.folded import Folded
from bot.engine.lazyre import lazy
from bot.engine.textnorm import matches_near
from bot.record import Frozen, set_field

# "550-5.7.26", "550 5.1.1", "421 4.7.0", "#550 #5.1.1" (a reply code with its enhanced code), not
# inside a word or number. Led by the code's first digit, so the engine skips from one 2, 4 or 5
# to the next: a "#" before it is looked at from there (what the digit follows, or the "#" does).
_PAIR = lazy(
    r"([245](?:(?<![\w.#-].)|(?<=#.)(?<![\w.#-]#.))\d\d)[ -]+#?([245]\.\d{1,3}\.\d{1,3})(?![\w.]*\d)"
)
# a bare enhanced code: "5.7.1", "(#5.1.1)"
_STATUS = lazy(r"(?<![\w.])#?([245]\.\d{1,3}\.\d{1,3})(?![\w]|\.\d)")
CODE_DOTS = lazy(r"\.\d{1,3}\.\d")
"""What every enhanced code holds (".1.1" of "5.1.1"), so every match of _PAIR and _STATUS: led by
a literal, this search skips from dot to dot, quicker than theirs."""
_STATUS_DOTS_AT = 2
"""How far into a match of _STATUS ("#5.1.1") CODE_DOTS (".1.1") starts, at most."""
# a reply code where servers put one: line start (also "SMTP 421"), after "said:", "returned '",
# "smtp;", "error:" ...; followed by a space, a hyphen, a comma ("421, response: ...") or the end
_REPLY = lazy(
    r"(?:^(?:smtp[ \t]+)?|said:|returned\s'|smtp;|error:|failed:|reply:|response:|answer:|was:|reason:|code ?:|:[ \t]*[\"']|<<<|\(|\]:|>:|返回[:：]|回应[:：]|回复[:：]|応答 ?[:：]|응답 ?[:：])"
    r"[ \t]*([45]\d\d)(?=[ ,-]|$)",
    re.MULTILINE | re.IGNORECASE,
)
_REPLY_FOLDED = Folded(_REPLY)  # its group is digits: no letters to lower-case
_REPLY_DIGITS = lazy(r"[45]\d\d")
"""What _REPLY needs: most texts without a code pair have none, and this finds that sooner."""
EMAIL = lazy(
    r"[A-Za-z0-9.!#$%&*+/=?^_~-][A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{0,63}"
    r"@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}"
)
"""An address; a quote mark or brace may sit inside its local part (o'brien@), not open it
('bob@...', PowerShell's {bob@...})."""
EMAIL_LOCAL_MAX = 64
"""The longest local part EMAIL takes (its `{1,64}`, before the "@")."""
IPV4 = lazy(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.]*\d)"
)
IPV6 = lazy(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?:[0-9A-Fa-f:]*)(?![\w:])")


class Codes(Frozen):
    reply_code: str | None
    status: str | None

    __slots__ = ("reply_code", "status")

    def __init__(
        self,
        reply_code: str | None,
        status: str | None,
    ) -> None:
        set_field(self, "reply_code", reply_code)
        set_field(self, "status", status)


_SECTION_BEFORE = lazy(r"(?:\brfc ?\d{3,4},?|\bsection|§) ?$", re.IGNORECASE)
"""What a document's section number follows ("see RFC 5322 2.1.1"): not a status code."""


@lru_cache(maxsize=1024)
def find_codes(text: str) -> Codes:
    """The first reply code and enhanced status code a server put in this text (cached: a
    failure's words are read for their codes by the parser and again by the steps after it)."""
    status_match = None
    if CODE_DOTS.search(text):  # else neither a pair nor a status is there
        first_pair = None
        for pair in _PAIR.finditer(text):
            if pair.group(1)[0] in "45":  # a transcript's 250 lines come before the refusal
                return Codes(pair.group(1), pair.group(2))
            first_pair = first_pair or pair
        if first_pair:
            return Codes(first_pair.group(1), first_pair.group(2))
        status_match = next(
            (
                found
                for found in matches_near(_STATUS, CODE_DOTS, _STATUS_DOTS_AT, text)
                if not _SECTION_BEFORE.search(text, max(0, found.start() - 24), found.start())
            ),
            None,
        )
    reply_match = _REPLY_FOLDED.search(text) if _REPLY_DIGITS.search(text) else None
    status = status_match.group(1) if status_match else None
    reply = reply_match.group(1) if reply_match else None
    return Codes(reply, status)


def find_ips(text: str) -> list[str]:
    """Public-looking IP addresses in order of appearance, without duplicates."""
    import ipaddress  # only for DNS evidence: explaining without it never reads IPs

    seen: dict[str, None] = {}
    for match in IPV4.finditer(text):
        seen.setdefault(match.group(0), None)
    if text.count(":") >= 2:
        for match in IPV6.finditer(text):
            candidate = match.group(0)
            try:
                seen.setdefault(str(ipaddress.IPv6Address(candidate)), None)
            except ValueError:
                continue
    return [ip for ip in seen if _is_useful_ip(ip)]


def _is_useful_ip(ip: str) -> bool:
    import ipaddress

    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return not (addr.is_loopback or addr.is_unspecified or addr.is_multicast)
