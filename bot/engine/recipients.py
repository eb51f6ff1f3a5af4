"""Who failed: the recipient a bounce's text names (its block's opening line, a sentence, a field,
a log line), told apart from the senders and the contacts the same text names."""

from __future__ import annotations

import re

from bot.engine.folded import Folded
from bot.engine.smtpcodes import EMAIL, EMAIL_LOCAL_MAX
from bot.engine.textnorm import matches_near

# Lines that open a recipient's block in common MTA formats.
_POSTFIX_RCPT = re.compile(r"^<([^<>\s]+@[^<>\s]+)>:?\s*(.*)$")  # "<bob@x>: host ... said: ..."
_BARE_RCPT = re.compile(
    r"^[ \t]*<?([^<>\s@]+@[^<>\s\u3000-\u9fff\uff00-\uffef]+?)>?:?\s*$"
)  # "  bob@x" (Exim, Exchange, qmail); not "postmaster@x.jpまで返信を…", a sentence's
_ERROR_CODE_RCPT = re.compile(
    r"^[ \t]*<?([^<>\s@,]+@[^<>\s,]+?)>?,\s*(error code\s*:.*)$", re.IGNORECASE
)  # Zoho: "bob@x, ERROR CODE :550 - 5.1.1 User does not exist"
_OPENSMTPD_RCPT = re.compile(r"^([^<>\s@:]+@[^<>\s:]+): (\S.*)$")  # "bob@x: procmail: ..."
_ARROW_RCPT = re.compile(
    r"^[ \t]*(?:[-*•][ \t]*)?<?([^<>\s@]+@[^<>\s@→⇒]+)>?[ \t]*(?:→|->|=>|⇒)[ \t]*([245]\d\d\b.*)$"
)  # a chat's list of replies: "- bob@x → 550 5.1.1 ..."
_SENDMAIL_RCPT = re.compile(r"^[ \t]*<([^<>\s]+@[^<>\s]+)> ?\.{3}\s*(.*)$")  # T-Online: "> ..."
# Exchange 2000/2003: "      'bob@example.com' on 1/2/2007 10:22 AM" (the reason follows below).
_DATED_RCPT = re.compile(
    r"^[ \t]{0,20}['\"]?([^'\"<>\s@]{1,64}@[^'\"<>\s@]{1,255}?)['\"]? on \d{1,4}[./-]"
)
_NAMED_RCPT = re.compile(
    r"(?:Final-Recipient|Original-Recipient|X-Failed-Recipients):\s*(?:rfc822;\s*)?<?([^<>\s;]+@[^<>\s;]+)>?",
    re.IGNORECASE,
)
SENTENCE_RCPT = re.compile(
    r"(?:your message to|your request to the|wasn't delivered to|couldn't be delivered to|could not be delivered to|"
    r"delivery to the following recipient failed permanently:|delivery to|(?<!verification )failed for|"
    r"error delivering your mail to|"
    r"rejected e-?mail address was|endereço de e-?mail recusado era|拒否された電子メール ?アドレス\s*:)"
    r"\s*['\"]?<?"
    r"([A-Za-z0-9._%+'=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})",
    re.IGNORECASE,
)
# Sending services' logs and webhooks: "recipient: bob@x", {"emailAddress":"bob@x"}; Sun / Oracle
# Messaging Server's "Recipient address: bob@x"; the same label in the languages notices use ("受取人:").
_FIELD_RCPT = re.compile(
    r"\b(?:recipients?(?: address)?|rcpt(?: to)?|emailaddress|email_address|受取人|受信者|收件人|"
    r"empfänger|destinataire|destinatario|destinatário|ontvanger|odbiorca|получатель)"
    r"[\"']?\s*[:=：]\s*[\"'{]?<?([^\s\"'<>,;{}]+@[^\s\"'<>,;{}]+)",
    re.IGNORECASE,
)
_REFUSED_MAP = re.compile(r"\{\s*u?['\"]([^'\"\s]+@[^'\"\s]+)['\"]\s*:\s*\(")
"""Python's refused-recipients map: {'bob@x': (550, b'...')}."""
_SENDER_ADDRESS = re.compile(
    r"(?:from(?: your| address(?: failed)?)?|sender|mail from:?|return-path:?|source|verification failed for)"
    r"\"?\s*[:=]?\s*\"?<?([^\s\"<>,;]+@[^\s\"<>,;]+)",
    re.IGNORECASE,
)
_SENDER_FOLDED = Folded(
    _SENDER_ADDRESS, guards=("from", "sender", "return-path", "source", "verification failed for")
)
_HOST_SAID = re.compile(r"host\s+(\S+?)\s*\[([0-9a-fA-F.:]+)\]\s*(?:said:)?", re.IGNORECASE)
_REMOTE_HOST = re.compile(
    r"(?:Remote-MTA|Remote server|Generating server|host):?\s*(?:dns;\s*)?([\w.-]+\.[A-Za-z]{2,})",
    re.IGNORECASE,
)
SENTENCE_FOLDED = Folded(
    SENTENCE_RCPT,
    guards=("your message to", "your request to the", "delivered to", "delivery to", "failed for",
            "error delivering your mail to", "mail address was"),
)  # fmt: skip
_NAMED_FOLDED = Folded(_NAMED_RCPT, guards=("-recipient",))
_FIELD_FOLDED = Folded(
    _FIELD_RCPT,
    guards=("recipient", "rcpt", "emailaddress", "email_address", "destinat", "ontvanger",
            "odbiorca"),
)  # fmt: skip
_HOST_SAID_FOLDED = Folded(_HOST_SAID, guards=("host",))
_REMOTE_HOST_FOLDED = Folded(
    _REMOTE_HOST, guards=("remote-mta", "remote server", "generating server", "host")
)


_FIELD_ADDRESS = re.compile(r"^[ \t]*address:[ \t]*<?([^<>\s@]+@[^<>\s]+?)>?[ \t]*$", re.IGNORECASE)
"""A sending service's bounce record: `address:    bob@x` (Mailgun's), the fields below it."""


def recipient_header(line: str) -> tuple[str | None, str]:
    """The recipient whose block a line opens (in any of the layouts above), and the rest of the
    line (its reply, when the line gives one)."""
    if "@" not in line:
        return None, ""
    if "to=<" in line or " ** " in line or " == " in line or "rejected RCPT <" in line:
        found = _log_recipient(line[:MAX_LOG_LINE])  # an MTA's log line
        if found:
            return found
    if len(line) > 400:
        return None, ""
    if (field := _FIELD_ADDRESS.match(line)) is not None:
        return field.group(1).lower(), ""
    for pattern in (_POSTFIX_RCPT, _SENDMAIL_RCPT, _ERROR_CODE_RCPT, _OPENSMTPD_RCPT, _ARROW_RCPT):
        match = pattern.match(line)
        if match:
            return match.group(1).lower(), match.group(2).strip()
    match = _DATED_RCPT.match(line)
    if match:
        return match.group(1).lower(), ""
    match = _BARE_RCPT.match(line)
    if match and not match.group(1).lower().startswith("mailer-daemon@"):  # a client's From line
        return match.group(1).lower().strip("<>"), ""
    if line.lstrip().lower().startswith(("final-recipient", "x-failed-recipients")):
        match = _NAMED_RCPT.search(line)
        if match:
            return match.group(1).lower(), ""
    return None, ""


MAX_LOG_LINE = 2000
_EXIM_ROUTING = re.compile(r"^(?:R=\S+\s+)?(?:T=[^\s:]+:?\s*)?(?:defer \(-?\d+\):\s*)?")
"""The router, transport and defer-errno fields opening an Exim log line's outcome."""


def _log_field(line: str, name: str, start: int) -> str:
    """A log line's `name=value,` field after `start` ('' when it is not there)."""
    found = line.find(name, start)
    if found == -1:
        return ""
    value = line[found + len(name) :]
    return value.split(",", 1)[0].strip()


def _log_recipient(line: str) -> tuple[str, str] | None:
    """An MTA log line's recipient and the server's words, found with plain string searches.

    Postfix: `to=<bob@x>, relay=..., dsn=5.1.1, status=bounced (host ... said: ...)`, and its
    smtpd refusing: `NOQUEUE: reject: RCPT from h[ip]: 450 4.1.8 <s>: ...; from=<s> to=<bob@x> ...`;
    Exim: `1tryQ2-00A1bC-3x ** bob@x R=dnslookup T=remote_smtp: SMTP error ...` (`==` defers).
    """
    start = line.find("to=<")
    if start != -1:
        end = line.find(">", start)
        address = line[start + 4 : end] if end != -1 else ""
        if "@" in address and " " not in address:
            status = line.find("status=", end)
            if status == -1 and "reject: " in line:  # the receiving side's own refusal log
                said = line.find("]: ", line.find("reject: "))
                cut = line.find("; from=<", said)
                if -1 < said < cut:
                    return address.lower(), line[said + 3 : cut].strip()
            stat = line.find("stat=", end)
            if status == -1 and stat != -1:  # Sendmail: "dsn=5.1.1, stat=User unknown"
                return (
                    address.lower(),
                    f"{_log_field(line, 'dsn=', end)} {line[stat + 5 :]}".strip(),
                )
            opening = line.find("(", status) if status != -1 else -1
            if opening == -1:
                return address.lower(), line[end + 1 :].strip()
            rest = line[opening + 1 :].rstrip()
            if rest.count(")") > rest.count("("):  # the closing one (a cut line has none)
                rest = rest[: rest.rfind(")")]
            return address.lower(), rest.strip()
    start = line.find("rejected RCPT <")  # Exim's reject log: the receiving side's refusal
    if start != -1:
        end = line.find(">", start)
        address = line[start + 15 : end] if end != -1 else ""
        if "@" in address and " " not in address:
            return address.lower(), line[end + 1 :].lstrip(": ").strip()
    for marker in (" ** ", " == "):
        start = line.find(marker)
        if start == -1:
            continue
        words = line[start + 4 :].split(None, 1)
        if words and "@" in words[0]:
            rest = words[1] if len(words) > 1 else ""
            if rest.startswith("<") and ">" in rest:  # Exim repeats the original address
                rest = rest[rest.index(">") + 1 :]
            rest = _EXIM_ROUTING.sub("", rest.lstrip(": "), count=1)
            return words[0].strip("<>:").lower(), rest.strip()
    return None


CONTACT = re.compile(
    r"^(?:postmaster|mailer-daemon|abuse|hostmaster)@|-(?:owner|request|bounces?)@", re.IGNORECASE
)
"""Addresses a notice gives to write to (a list's owner, the postmaster), never a failed one."""
_CONTACTED = re.compile(
    r"\b(?:contact|write to|forward this (?:error|message) to)\s+<?"
    rf"({EMAIL.pattern})",
    re.IGNORECASE,
)
"""An address the words ask to write to ("... or to contact tosa@rx.t-online.de ...")."""


def _contacts(text: str) -> set[str]:
    return {m.lower() for m in _CONTACTED.findall(text)} if "@" in text else set()


def _senders(body: str) -> set[str]:
    """The addresses the text names as the sender's ("From: alice@x", "sender <alice@x>")."""
    return {m.group(1).lower() for m in _SENDER_FOLDED.finditer(body[:5000])}


def only_address(reply: str, body: str) -> str | None:
    """The one address a server's reply names, when it names exactly one and the reply is not
    about the sender (whom the reply or the words around it name)."""
    found = {a.lower() for a in EMAIL.findall(reply)} - _contacts(reply)
    if len(found) != 1 or "sender" in reply.lower() or _SENDER_ADDRESS.search(reply):
        return None
    if found & _senders(body):
        return None
    address = found.pop()
    return None if CONTACT.search(address) else address


def sentence_recipient(body: str) -> str | None:
    """The recipient of a one-failure text: named in a sentence or a field, or the only address."""
    lowered = body.lower() if body.isascii() else None
    match = (  # the address is lower-cased anyway: found in lower-cased text, it is the same
        SENTENCE_FOLDED.search(body, lowered)
        or _NAMED_FOLDED.search(body, lowered)
        or _FIELD_FOLDED.search(body, lowered)
        or (_REFUSED_MAP.search(body) if "{" in body else None)
    )
    if match:
        return match.group(1).lower().rstrip(".")
    addresses = {m.group(0).lower() for m in matches_near(EMAIL, "@", EMAIL_LOCAL_MAX, body[:5000])}
    senders = _senders(body)
    candidates = {a for a in addresses - senders - _contacts(body) if not CONTACT.search(a)}
    return candidates.pop() if len(candidates) == 1 else None


def remote_host(text: str) -> str | None:
    """The receiving server the text names ("host mx.example.net[192.0.2.1] said:")."""
    lowered = text.lower() if text.isascii() else None
    match = _HOST_SAID_FOLDED.search(text, lowered) or _REMOTE_HOST_FOLDED.search(text, lowered)
    # The host as written: its place in the text (where a lower-cased text's match is too).
    return text[match.start(1) : match.end(1)].rstrip(".") if match else None
