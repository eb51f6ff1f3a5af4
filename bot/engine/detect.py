"""Is this chat message a pasted bounce? Cheap enough to run on every message in a channel.

Three stages, cheapest first: structural markers that only bounce reports carry (a reply code with
an enhanced code, DSN fields, MTA boilerplate); then, for longer prose only, a few words servers use
when they refuse mail, which admit a knowledge lookup of the text itself (Gmail's sentences are
pasted without their code). Talk *about* email ("did my mail bounce?", "the 5.7.1 meeting") passes
none of them.
"""

from __future__ import annotations

import re
from functools import cache

from bot.engine.lazyre import compile_source, lazy
from bot.engine.matcher import Matcher

# Bounce structure that involves a code: only searched when the text has code-like digits.
CODE_STRUCTURE = lazy(
    r"(?<![\w.])[245]\d\d[ -]#?[245]\.\d{1,3}\.\d{1,3}(?![\w.]*\d)|"
    r"^[ \t]*status:\s*[45]\.\d|\bsaid:\s*[45]\d\d|\(#[45]\.\d\.\d{1,3}\)|^[ \t]*(?:<<<|>>>)\s*[45]\d\d\b|"
    # an SMTP client library's error naming the command refused ("Mail command failed: 553 ...")
    r"\b(?:mail(?: from)?|rcpt(?: to)?|data) command failed:\s*[45]\d\d\b|"
    r"^[ \t]*[45]\d\d[ -](?=.{0,120}\b(?:user|mailbox|recipient|relay|denied|rejected|blocked|"
    r"spam|policy|unknown|refused|quota|address)\b)|"
    # after a short label, in any language ("Error: 550 ...", "错误信息: 559 Invalid rcptto")
    r"^[^\n:：]{1,24}[:：][ \t]*(?:421|45[0-5]|50[0-4]|5[35][0-9])[ -](?=.{0,120}\b(?:user|mailbox|"
    r"recipient|rcpt(?:to)?|relay|denied|rejected|blocked|spam|policy|unknown|refused|quota|"
    r"address|invalid|account)\b)",
    re.IGNORECASE | re.MULTILINE,
)
CODE_LIKE = lazy(r"[245]\.\d{1,3}\.\d|[45]\d\d[ -]")
# Phrases only bounce reports (and automatic replies) carry, matched on lower-cased text.
STRUCTURE_PHRASES = (
    "diagnostic-code:",
    "final-recipient:",
    "original-recipient:",
    "remote-mta:",
    "reporting-mta:",
    "action: failed",
    "action: delayed",
    "remote server returned",
    "(in reply to rcpt to command)",
    "refused to talk to me:",  # Postfix: the greeting was a refusal
    "(in reply to end of data command)",
    "(in reply to mail from command)",
    "smtp error from remote mail server",
    "delivery has failed to these recipients",
    "mail delivery subsystem",
    "mail delivery failed",
    "mailer-daemon@",
    "undelivered mail returned to sender",
    "delivery status notification (",
    "the response from the remote server",
    "this is the mail system at host",
    "this is the postfix program at host",  # Postfix's older wording of the same notice
    "technical details of permanent failure",  # Gmail's older notices
    "technical details of temporary failure",
    "resolver.adr.",
    "resolver.rst.",
    "storedrv.",
    "does not like recipient",
    " gsmtp",
    "undeliverable:",
    "couldn't be delivered to",
    "wasn't delivered to",
    "could not be delivered to one or more",
    "permanent fatal errors",
    "this is the qmail-send program",
    "created automatically by mail delivery software",  # Exim's failures and delay warnings
    "you do not need to resend your message",  # Sendmail's and Postfix's delay warning box
    # mail libraries' exceptions that carry a server's refusal (JavaMail, Ruby, Python, PHP mailers)
    "smtpsendfailedexception",
    "smtpsenderfailedexception",
    "smtpaddressfailedexception",
    "net::smtpfatalerror",
    "net::smtpserverbusy",
    "smtprecipientsrefused",
    "smtpsenderrefused",
    "smtpdataerror",
    "expected response code 250 but got code",
    "failed to add recipient",  # a webmail's SMTP client error (SnappyMail, RainLoop)
    "无法被正确投递",  # Chinese providers' notice: "could not be delivered correctly"
    "無法被正確投遞",
    "has not yet been delivered to one or more of its",
    "wasn't able to deliver your message",
    '"notificationtype":"bounce"',
    '"bouncetype":',
    "status=bounced",
    "status=deferred",
    "status=softbounce",
    "status=expired",
    "t=remote_smtp",  # Exim's log: "== bob@x R=dnslookup T=remote_smtp defer (111): ..."
    'result="permfail"',  # OpenSMTPD's log
    'result="tempfail"',
    "dsn=5.",
    "dsn=4.",
    "retry timeout exceeded",
    "automatic reply:",
    "auto-reply:",
    "autoreply:",
    "out of office:",
    "automatische antwort:",
    "feedback-type:",
    "nicht zustellbar:",
    "unzustellbar:",
    "non remis :",
    "non remis:",
    "配信不能",
    "未送達",
    "退信",
    "не доставлено",
)
# Words servers use when they refuse mail; prose containing one may be a bounce sentence.
REFUSAL_PHRASES = (
    "not exist",
    "n't exist",
    "rejected",
    "not accepted",
    "denied",
    "rate limited",
    "blocked",
    "be delivered",
    "undeliverable",
    "not found",
    "user unknown",
    "unknown user",
    "quota",
    "mailbox full",
    "mailbox is full",
    "refused",
    "prohibit",
    "unauthenticated",
    "authenticat",
    "reputation",
    "suspicious",
    "exceeded",
    "too large",
    "size limit",
    "relay",
    "permission",
    "not permitted",
    "not allowed",
    "temporarily",
    "deferred",
    "greylist",
    "try again later",
    "blocklist",
    "blacklist",
    "spam",
    "policy",
    "existiert nicht",
    "unbekannt",
    "abgelehnt",
    "n'existe pas",
    "inconnu",
    "rechaz",
    "no existe",
    "inesistente",
    "não existe",
    "存在しません",
    "見つかりません",
    "不存在",
    "не существует",
    "отклонено",
)
# A quotation, not an apostrophe: the marks stand outside words ("couldn't ... don't" is none).
_QUOTED = r"(?<!\w)[\"“”«»`'][^\"“”«»`']{3,}[\"“”«»`'](?!\w)"
_OPENERS = (
    r"^(?:i|i'm|we|we're|our|my|just|ok|okay|so|if|what|what's|whats|why|how|does|do|did|is|are|"
    r"can|could|should|would|anyone|anybody|hey|hi|fyi|btw|got|pls|please|lol|ich|wir|on|est-ce|"
    r"alguien|qualcuno)\b"
)
_TALK_WORDS = (
    r"\b(?:i|we|you|my|our|me|us|it's|that's|does|did|what|why|how|mean|means|says|saw|got|"
    r"sounds|lol|thanks|mais|pero|aber|je|ich|wir|on a)\b"
)


@cache
def _talk_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """_OPENERS, _QUOTED and _TALK_WORDS compiled, when a chat message is first read (explaining
    files never needs them)."""
    return (
        compile_source(_OPENERS, re.IGNORECASE),
        compile_source(_QUOTED),
        compile_source(_TALK_WORDS, re.IGNORECASE),
    )


TALK_MAX_CHARS = 300
_REPLY_FIRST = lazy(r"(?<![ \t])[ \t]*[45]\d\d[ -]")
MIN_PROSE_CHARS = 40
TEXT_MATCH_MIN = 0.8


def looks_like_bounce(text: str, matcher: Matcher | None = None) -> bool:
    """True when the message is (part of) a bounce report worth explaining unasked."""
    if len(text) < 12:
        return False
    head = text[:20_000]
    if is_talk(head):
        return False
    lowered = head.lower()
    if has_bounce_structure(head, lowered):
        return True
    if matcher is None or len(head) < MIN_PROSE_CHARS or head.rstrip().endswith("?"):
        return False
    if _REPLY_FIRST.match(head):  # "421 RP-001 ...": a server's answer; does the KB know it?
        best = matcher.match(head[:3000]).best
        if best is not None and best.via != "code" and best.evidence >= TEXT_MATCH_MIN:
            return True
    for phrase in REFUSAL_PHRASES:
        if phrase in lowered:
            candidates = matcher.text_candidates(head[:3000])
            return bool(candidates) and candidates[0][1] >= TEXT_MATCH_MIN
    return False


_EXIM_LOG_FAILURE = lazy(r"\b\w{6}-\w{6,11}-\w{2,4} (?:\*\*|==) \S+@\S+ R=")
"""Exim's log line of a failed (`**`) or deferred (`==`) delivery: its message id, the address,
the router ("1tryQ2-00A1bC-3x ** bob@x R=dnslookup ...")."""


def has_bounce_structure(text: str, lowered: str | None = None) -> bool:
    """Markers only bounce reports (and automatic replies) carry: DSN fields, MTA phrases, codes."""
    lowered = text.lower() if lowered is None else lowered
    for phrase in STRUCTURE_PHRASES:
        if phrase in lowered:
            return True
    if (" ** " in text or " == " in text) and _EXIM_LOG_FAILURE.search(text):
        return True
    return bool(CODE_LIKE.search(text) and CODE_STRUCTURE.search(text))


def is_talk(text: str) -> bool:
    """A one-line chat message that talks about a bounce rather than pasting one."""
    stripped = text.strip()
    if "\n" in stripped or len(stripped) > TALK_MAX_CHARS:
        return False
    openers, quoted, talk_words = _talk_patterns()
    if stripped.endswith("?") or openers.match(stripped):
        return True
    if not quoted.search(stripped):
        return False
    return bool(talk_words.search(quoted.sub(" ", stripped)))
