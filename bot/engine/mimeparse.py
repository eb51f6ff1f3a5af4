"""MIME side of bounce parsing: RFC 3464 delivery-status fields, text parts, the original's headers."""

from __future__ import annotations

import re
import sys
from email.header import decode_header, make_header

from bot.engine.extract import QUOTE_CHARS
from bot.engine.lazyre import lazy
from bot.engine.mimelite import MAX_PARTS, Budget, Part, parse_message, split_headers
from bot.engine.parsed import Failure, ParsedMessage
from bot.engine.smtpcodes import find_codes
from bot.engine.textparse import (
    clean_text,
    decode_text,
    failures_from_body,
    failures_from_text,
    fold_inline_continuations,
    join_continuations,
    split_original,
)

MAX_PART_TEXT = 200_000

_TAGS = lazy(r"<[^>]{0,2000}>")
_BLOCK_TAGS = lazy(r"<(?:br|/p|/div|/tr|/li|/h\d)\b[^>]{0,200}>", re.IGNORECASE)
_SCRIPTS = lazy(r"<(script|style)\b[^>]{0,500}>.{0,100000}?</\1\s*>", re.IGNORECASE | re.DOTALL)
_DKIM_TAG = lazy(r"(?:^|;)\s*([ds])\s*=\s*([^;\s]+)")


def header_text(value: object) -> str:
    """A header as readable text, decoding RFC 2047 words; never raises."""
    if value is None:
        return ""
    text = str(value)
    if "=?" not in text:  # no encoded words: nothing to decode (the common case, and fast)
        return " ".join(text.split())
    try:
        return " ".join(str(make_header(decode_header(str(value)))).split())
    except Exception:  # broken encoded words: show them as they are
        return " ".join(str(value).split())


def parse_mime(raw: bytes) -> ParsedMessage | None:
    """Parse a whole message; None if it has no headers at all."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    budget = Budget()
    msg = parse_message(raw, budget)
    if not msg.headers:
        return None
    parsed = ParsedMessage(text="", is_mime=True)
    parsed.subject = header_text(msg.get("subject"))
    parsed.sender = header_text(msg.get("from"))
    parsed.auto_submitted = msg.get("auto-submitted").strip().lower()
    parsed.failed_header = bool(msg.get("x-failed-recipients").strip())
    parsed.autoreply_header = bool(
        msg.get("x-autoreply")
        or msg.get("x-autorespond")
        or msg.get("precedence").strip().lower() == "auto_reply"
    )
    if msg.content_type == "multipart/report":
        parsed.report_type = msg.params.get("report-type", "").lower()
    walker = _Walker(parsed)
    walker.visit(msg)
    body, original = split_original(clean_text("\n".join(walker.texts)))
    if original and not parsed.original_from:
        read_original_headers(original, parsed)
    parsed.text = body
    if walker.dsn:
        found = [f for f in failures_from_text(body) if f.recipient]
        text_failures = {f.recipient: f for f in found}
        for failure in walker.dsn:
            block = text_failures.get(failure.recipient) if failure.recipient else None
            if block is None and len(walker.dsn) == 1 and len(found) == 1:
                # one failure each side under two addresses (the human part names the address as
                # sent, the fields the one an alias expanded to): the same failure
                block = found[0]
            # The human-readable part says what the fields leave out (the SMTP command, a
            # local delivery's words).
            failure.context = block.diagnostic if block else ""
            bare_status = _EXIT_STATUS.fullmatch(failure.diagnostic) is not None
            if block is not None and (not failure.diagnostic or bare_status):
                # no words, or a mailer's bare exit status ("X-Unix; 75"): the transcript's
                failure.diagnostic = block.diagnostic
            elif bare_status:
                failure.diagnostic = exit_status(failure.diagnostic)
            elif not failure.diagnostic and parsed.report_type == "disposition-notification":
                failure.diagnostic = " ".join(body.split())[:QUOTE_CHARS]  # the rule's own words
            _fill_codes(failure)
        parsed.failures = walker.dsn
    else:
        parsed.failures = failures_from_body(body, parsed)
    if budget.exhausted:
        parsed.notes.append(
            f"The message has more than {MAX_PARTS} MIME parts; the rest were skipped."
        )
    return parsed


_EML_NAME = lazy(r"\.eml\b", re.IGNORECASE)
MAX_ATTACHED = 3
"""Attached messages kept for a second look: a forwarded bounce is the first or second."""


class _Walker:
    """Visits MIME parts once, collecting text, DSN fields and the original message's headers."""

    def __init__(self, parsed: ParsedMessage) -> None:
        self.parsed = parsed
        self.texts: list[str] = []
        self.dsn: list[Failure] = []

    def visit(self, part: Part) -> None:
        ctype = part.content_type
        if ctype in ("message/rfc822", "message/global"):
            if part.children:
                _read_headers(part.children[0].headers, self.parsed)
            self._attach(part)
        elif ctype in ("text/rfc822-headers", "message/rfc822-headers"):
            read_original_headers(_text(part), self.parsed)
        elif ctype in ("message/delivery-status", "message/global-delivery-status"):
            self._delivery_status(_text(part))
        elif ctype == "message/feedback-report":
            self.parsed.report_type = self.parsed.report_type or "feedback-report"
            self.texts.append(_text(part))
        elif ctype == "message/disposition-notification":
            self.parsed.report_type = self.parsed.report_type or "disposition-notification"
            self._disposition(_text(part))
        elif part.children:
            plain_seen = any(  # an empty text part leaves the HTML one to be read
                c.content_type == "text/plain" and c.body.strip() for c in part.children
            )
            for child in part.children:
                if (
                    ctype == "multipart/alternative"
                    and plain_seen
                    and child.content_type == "text/html"
                ):
                    continue
                self.visit(child)
        elif ctype.startswith("text/"):
            text = _text(part)
            self.texts.append(html_to_text(text) if ctype == "text/html" else text)
        elif _EML_NAME.search(part.get("content-disposition") + part.params.get("name", "")):
            self._attach(part)  # a saved message attached as a file ("bounce.eml")

    def _attach(self, part: Part) -> None:
        if len(self.parsed.attached) < MAX_ATTACHED:
            self.parsed.attached.append(part.decoded())

    def _disposition(self, text: str) -> None:
        """A receipt (RFC 8098) that says the message was deleted or refused unread by an automatic
        action, as a Sieve `reject` sends it, is a failure of that recipient."""
        for fields in _dsn_blocks(text):
            disposition = (fields.get("disposition") or "").lower()
            outcome = disposition.rpartition(";")[2].strip()
            if disposition.startswith("automatic-action") and outcome.startswith(
                ("deleted", "denied", "failed")
            ):
                recipient = fields.get("final-recipient") or fields.get("original-recipient")
                self.dsn.append(
                    Failure(recipient=_address(recipient), diagnostic="", action="failed")
                )

    def _delivery_status(self, text: str) -> None:
        for fields in _dsn_blocks(text):
            recipient = _address(fields.get("final-recipient")) or _address(
                fields.get("original-recipient")
            )  # a Final-Recipient of a type other than an e-mail address ("x400; ...")
            action = (fields.get("action") or "").strip().lower() or None
            if recipient is None and action is None and "status" not in fields:
                continue  # the per-message block (Reporting-MTA, Arrival-Date)
            diag = fields.get("diagnostic-code", "")
            if ";" in diag[:20]:
                diag = diag.split(";", 1)[1]
            diag = fold_inline_continuations(" ".join(join_continuations(diag.split("\n"))))
            status = (fields.get("status") or "").strip().split(" ")[0] or None
            remote = fields.get("remote-mta", "")
            remote = remote.split(";", 1)[1].strip() if ";" in remote else remote.strip()
            self.dsn.append(
                Failure(
                    recipient=recipient,
                    diagnostic=" ".join(diag.split()),
                    status=status,
                    action=action,
                    remote_mta=remote.rstrip(".") or None,
                )
            )


_SYSEXITS = {
    64: "command line usage error",
    65: "data format error",
    66: "cannot open input",
    67: "addressee unknown",
    68: "host name unknown",
    69: "service unavailable",
    70: "internal software error",
    71: "system error",
    72: "critical OS file missing",
    73: "can't create (user) output file",
    74: "input/output error",
    75: "temporary failure",
    76: "remote error in protocol",
    77: "permission denied",
    78: "configuration error",
}
"""The exit statuses of sysexits.h a local mailer reports in `Diagnostic-Code: X-Unix; N`."""


_EXIT_STATUS = lazy(r"[0-9]{1,3}")


def exit_status(number: str) -> str:
    """A mailer's bare exit status in words ("75" is "exit status 75: temporary failure")."""
    meaning = _SYSEXITS.get(int(number))
    return f"exit status {number}: {meaning}" if meaning else f"exit status {number}"


def _fill_codes(failure: Failure) -> None:
    """Codes from the server's words win over the MTA's generic Status (5.0.0 says little)."""
    codes = find_codes(failure.diagnostic)
    failure.reply_code = codes.reply_code
    field_status = (
        failure.status
        if failure.status and re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", failure.status)
        else None
    )
    expired = field_status is not None and field_status[1:] == ".4.7"
    """X.4.7, delivery time expired: the MTA says it gave up, whatever the last reply was."""
    if (
        codes.status
        and not expired
        and (
            field_status is None
            or field_status.endswith(".0.0")
            or field_status[0] == codes.status[0]
        )
    ):
        failure.status = codes.status
    else:
        failure.status = field_status


def _dsn_blocks(text: str) -> list[dict[str, str]]:
    """The field blocks of a delivery-status body (blank-line separated, folded lines joined)."""
    blocks = []
    for chunk in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")):
        fields: dict[str, str] = {}
        key = None
        for line in chunk.split("\n"):
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                name, _, value = line.partition(":")
                key = name.strip().lower().replace(" ", "-")  # ZMailer's "Final Recipient:"
                fields[key] = value.strip()
        if fields:
            blocks.append(fields)
    return blocks


def _address(value: str | None) -> str | None:
    if not value:
        return None
    if ";" in value:
        kind, _, value = value.partition(";")
        if kind.strip().lower() == "utf-8" and "\\x{" in value:
            value = _UTF8_ESCAPE.sub(_unescape, value)  # RFC 6533: "ren\x{E9}@example.net"
    value = value.strip()
    if "<" in value and ">" in value:  # "Name <a@b>": the last bracketed part
        value = value[value.rfind("<") + 1 :]
        value = value[: value.find(">")] if ">" in value else value
    words = [w.strip('<>"') for w in value.split() if "@" in w]
    return words[-1].lower() if words and words[-1].count("@") == 1 else None


_UTF8_ESCAPE = lazy(r"\\x\{([0-9A-Fa-f]{2,6})\}")
"""RFC 6533's escape of a non-ASCII character in a `utf-8;` address."""


def _unescape(escape: re.Match[str]) -> str:
    code = int(escape.group(1), 16)
    return chr(code) if code <= sys.maxunicode else escape.group(0)


def _text(part: Part) -> str:
    data = part.decoded()[:MAX_PART_TEXT]
    charset = part.charset
    if charset and charset not in ("us-ascii", "ascii", "utf-8", "utf8"):
        try:
            return data.decode(charset, errors="replace")
        except (LookupError, ValueError):
            pass
    return decode_text(data)


def html_to_text(markup: str) -> str:
    import html  # only for HTML parts (most bounces have a plain-text one)

    markup = _SCRIPTS.sub(" ", markup)
    markup = _BLOCK_TAGS.sub("\n", markup)
    return html.unescape(_TAGS.sub(" ", markup))


def read_original_headers(headers: str, parsed: ParsedMessage) -> None:
    """Pick the original sender and its DKIM domain/selector out of returned headers (text)."""
    if not parsed.original_headers:
        parsed.original_headers = headers.lstrip()[:64_000]
    raw = headers.lstrip()[:100_000].encode("utf-8", "replace")
    _read_headers(split_headers(raw.replace(b"\r\n", b"\n"))[0], parsed)


def _read_headers(headers: dict[str, list[str]], parsed: ParsedMessage) -> None:
    from_values = headers.get("from") or headers.get("return-path") or []
    sender = _address(header_text(from_values[0])) if from_values else None
    if sender and not parsed.original_from:
        parsed.original_from = sender
    for signature in headers.get("dkim-signature", []):
        tags = dict(_DKIM_TAG.findall(" ".join(signature.split())))
        if tags.get("d") and tags["d"].lower() not in parsed.dkim_domains:
            parsed.dkim_domains.append(tags["d"].lower())
            if tags.get("s"):
                parsed.dkim_selectors.append(tags["s"])
