"""The bounce reason taxonomy (names shared with other bounce analysers) and who usually fixes each."""

from __future__ import annotations

REASONS: dict[str, str] = {
    "userunknown": "The recipient's mailbox does not exist",
    "hostunknown": "The recipient's domain does not exist or has no mail host",
    "mailboxfull": "The recipient's mailbox is full",
    "suspend": "The recipient's account is disabled or suspended",
    "hasmoved": "The mailbox has moved and mail is not forwarded",
    "mesgtoobig": "The message is too big for the receiving server",
    "exceedlimit": "The message exceeds a limit set for this recipient",
    "blocked": "The sending server's IP or host is blocked",
    "badreputation": "The sender's reputation is too poor",
    "requireptr": "The sending IP has no valid reverse DNS",
    "spamdetected": "The receiver's spam filter refused the content",
    "virusdetected": "The receiver's malware scanner refused the message",
    "authfailure": "SPF, DKIM or DMARC did not pass",
    "policyviolation": "A policy of the receiver refused the message",
    "rejected": "The envelope sender was refused",
    "securityerror": "Refused for a security reason",
    "norelaying": "The server will not relay this message",
    "notaccept": "The destination accepts no mail at all",
    "speeding": "Rate limited: too much mail too fast",
    "toomanyconn": "Too many connections from the sender",
    "expired": "The sending server gave up retrying",
    "networkerror": "A DNS or network failure on the way",
    "failedstarttls": "TLS was required but could not be set up",
    "systemerror": "An error on the remote mail server",
    "systemfull": "The receiving server is out of space",
    "mailererror": "A local delivery program failed",
    "filtered": "The recipient's own filter refused this sender",
    "contenterror": "The message's content or headers are unacceptable",
    "notcompliantrfc": "The message breaks the mail standards",
    "syntaxerror": "An SMTP command was malformed or out of sequence",
    "suppressed": "The sending service refused: the address is suppressed",
    "onhold": "Too little detail to decide",
    "undefined": "A bounce, but no reason could be found",
    "delivered": "Not a failure: the message was delivered",
    "feedback": "Not a bounce: a complaint or abuse report",
    "vacation": "Not a bounce: an automatic reply",
}

WHILE_RETRYING: dict[str, str] = {
    "expired": "Not delivered yet, still in the sending server's queue",
}
"""A reason's summary for a notice that is still being retried, where the plain one would mislead."""


def reason_summary(reason: str, temporary: bool | None = None) -> str:
    """The reason in a few plain words, for a temporary notice when that reads differently."""
    if temporary and reason in WHILE_RETRYING:
        return WHILE_RETRYING[reason]
    return REASONS.get(reason, reason)


NOT_FAILURES = frozenset({"delivered", "feedback", "vacation"})

AUDIENCES: dict[str, str] = {
    "sender": "the sender",
    "senders_admin": "the sender's email admin",
    "recipient": "the recipient",
    "recipients_admin": "the recipient's email admin",
    "either_admin": "the sending or receiving admin",
    "nobody": "nobody (no action needed)",
}

CHECK_NAMES = (
    "mx",
    "spf",
    "dmarc",
    "dkim",
    "ptr",
    "dnsbl",
    "mta-sts",
    "tls-rpt",
    "bimi",
    "dnssec",
    "provider",
)
