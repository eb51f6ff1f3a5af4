"""Turn whatever a user pasted or uploaded into a ParsedMessage: per-recipient failures and context.

Handles whole RFC 3464 reports (multipart/report with message/delivery-status), plain-text bounces
(Postfix, Exim, Sendmail, qmail, Exchange, Gmail), single lines copied from a chat, text quoted with
"> ", CRLF or CR-only line ends, and legacy charsets. Never raises on bad input.
"""

from __future__ import annotations

import re
from functools import cache

from bot.engine import mimeparse
from bot.engine.contains import any_in
from bot.engine.lazyre import compile_source, lazy
from bot.engine.parsed import Failure, ParsedMessage
from bot.engine.smtpcodes import find_ips
from bot.engine.textparse import clean_text, decode_text, failures_from_body, split_original

MAX_INPUT_BYTES = 1_000_000
MAX_RECIPIENTS = 100

_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_HEADER_LINE = lazy(rb"^(?:From |[A-Za-z][A-Za-z0-9-]{0,76}:[ \t]?)")
_MESSAGE_FIELD = lazy(
    rb"^(?:(?-i:From )|(?:from|to|cc|subject|date|sender|reply-to|received|return-path|message-id|"
    rb"delivered-to|mime-version|content-[a-z-]+|x-[a-z0-9-]+):)",
    re.IGNORECASE,
)
"""The field names that open a message's header block (a one-line block must start with one)."""


TEXT_HEAD_BYTES = 256
"""A bounce's report comes first: this much clean text before any binary byte makes it text."""


def _is_textual(sample: bytes) -> bool:
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return b"\x00" not in sample and controls <= len(sample) * 0.05


def looks_binary(data: bytes) -> bool:
    """True for data that is not text (images, archives, executables).

    Judged on the part that matters: a bounce whose returned original carries NUL or other binary
    bytes further down is still text, as long as it starts with enough clean text.
    """
    sample = data[:4096]
    if not sample:
        return False
    if _is_textual(sample):
        return False
    first_bad = min(
        (i for i in (sample.find(b"\x00"), _first_control(sample)) if i != -1), default=-1
    )
    head = sample[:first_bad] if first_bad != -1 else sample
    return len(head) < TEXT_HEAD_BYTES or not _is_textual(head)


def _first_control(sample: bytes) -> int:
    for index, byte in enumerate(sample):
        if byte < 32 and byte not in (9, 10, 12, 13, 27):
            return index
    return -1


_STRAY_CONTROLS = bytes.maketrans(_CONTROL_BYTES, b" " * len(_CONTROL_BYTES))


def parse(data: bytes | str) -> ParsedMessage:
    """Parse a paste or a file. Never raises; unusual input gives notes and maybe no failures."""
    notes: list[str] = []
    raw = data.encode("utf-8", errors="surrogateescape") if isinstance(data, str) else data
    truncated = len(raw) > MAX_INPUT_BYTES
    if truncated:
        notes.append(
            f"Only the first {MAX_INPUT_BYTES // 1000:,} kB of {len(raw) // 1000:,} kB were read."
        )
        raw = raw[:MAX_INPUT_BYTES]
    if looks_binary(raw):
        return ParsedMessage(
            text="", notes=[*notes, "This is binary data, not a bounce message."], binary=True
        )
    if b"\x00" in raw:
        raw = raw.translate(_STRAY_CONTROLS)  # binary bytes in a returned original
        data = raw
    stripped = raw.lstrip()
    if _starts_with_headers(stripped) and (b"\n\n" in stripped or b"\r\n\r\n" in stripped):
        parsed = mimeparse.parse_mime(stripped)
        if parsed is not None:
            parsed.notes[:0] = notes
            _finish(parsed)
            return parsed
    text = data if isinstance(data, str) and not truncated else decode_text(raw)
    parsed = parse_text(text)
    parsed.notes[:0] = notes
    return parsed


def _starts_with_headers(raw: bytes) -> bool:
    """A header block opens the data: its first line is a header and so is the next (or it
    continues the first, or the block ends there). A paste opening with "first:" and a sentence
    is text."""
    if not _HEADER_LINE.match(raw):
        return False
    second = raw.split(b"\n", 2)[1:2]
    if not second or not second[0].strip():
        # One line alone is a header block only under a message's own field name: "Error: Mail
        # command failed: 553 ..." above a person's note is a paste of text.
        return bool(_MESSAGE_FIELD.match(raw))
    return second[0][:1] in b" \t" or bool(_HEADER_LINE.match(second[0]))


def parse_text(text: str) -> ParsedMessage:
    """Parse a plain-text bounce or a fragment of one."""
    body, original = split_original(clean_text(text))
    parsed = ParsedMessage(text=body)
    if original:
        mimeparse.read_original_headers(original, parsed)
    parsed.failures = failures_from_body(body, parsed)
    _finish(parsed)
    return parsed


def _finish(parsed: ParsedMessage) -> None:
    """Note where addresses and IPs are read from (when asked) once the failures are known."""
    parsed.read_addresses_from(
        "\n".join(f.diagnostic for f in parsed.failures) or parsed.text[:20_000]
    )
    if len(parsed.failures) > MAX_RECIPIENTS:
        parsed.notes.append(
            f"The report names {len(parsed.failures)} recipients; the first {MAX_RECIPIENTS} are shown."
        )
        del parsed.failures[MAX_RECIPIENTS:]


def addresses_in(text: str) -> tuple[list[str], list[str]]:
    """The sending IPs and the sender's domains that a bounce's failure text names."""
    remote = {ip for _, ip in _address_patterns()[0].findall(text)}
    ips = [ip for ip in find_ips(text) if ip not in remote]
    domains: list[str] = []
    for domain in _sender_domains(text):
        domain = domain.lower().rstrip(".")
        if domain not in domains:
            domains.append(domain)
    return ips, domains


# "host mx.example.net[198.51.100.4] said:" names the receiving server, not the sender.
_RECEIVING_HOST = r"\bhost\s+([\w.-]+)\s*\[([0-9A-Fa-f.:]+)\]"
# Where servers name the sending domain: "SPF [example.com]", "Unauthenticated email from
# example.com", "sending domain [example.com]", "DKIM domain example.com", "MAIL FROM:<a@example.com>".
_SENDER_DOMAIN = (
    r"(?:\bspf(?: domain)?|\bdkim domain|email from|mail from:?\s*<[^@<>\s]*@|sending domain|"
    r"domain of sender address [^@\s]*@|sender address rejected: [^@\s]*@|dmarc policy of)"
    r"\s*\[?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})\b"
)


@cache
def _address_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """_RECEIVING_HOST and _SENDER_DOMAIN compiled, when addresses are first asked for (for DNS
    evidence: explaining without DNS never needs them)."""
    return (
        compile_source(_RECEIVING_HOST, re.IGNORECASE),
        compile_source(_SENDER_DOMAIN, re.IGNORECASE),
    )


_SENDER_DOMAIN_CUES = (
    "spf",
    "dkim domain",
    "mail from",
    "sending domain",
    "domain of sender address",
    "sender address rejected",
    "dmarc policy of",
)
"""Words each _SENDER_DOMAIN match contains ("mail from" also in "email from")."""


def _sender_domains(text: str) -> list[str]:
    """_SENDER_DOMAIN's findings; ASCII text without any of its cues is not searched at all."""
    if text.isascii():  # then IGNORECASE matches exactly what lower() finds
        lowered = text.lower()
        if not any_in(lowered, _SENDER_DOMAIN_CUES):
            return []
    return _address_patterns()[1].findall(text)


__all__ = ["Failure", "ParsedMessage", "looks_binary", "parse", "parse_text"]
