"""What a failure's text says beyond its reason: the SMTP stage, retry or give-up wording, and the
server's own reply to quote."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from bot.engine.contains import any_in
from bot.engine.folded import Folded
from bot.engine.lazyre import lazy

# The SMTP command the server was answering, in the wordings MTAs use:
#   Postfix  "(in reply to RCPT TO command)", "(in reply to end of DATA command)"
#   Exim     "SMTP error from remote mail server after RCPT TO:<a@b>:", "after end of data"
#   Sendmail ">>> RCPT To:<a@b>" then "<<< 550 ...", "... while talking to mx: >>> DATA"
#   others   "after MAIL FROM", "in response to the RCPT command", "during the DATA phase"
_STAGE_ANCHORS = ("in reply to ", "after ", "during ", "in response to ", ">>>")
_STAGE_ANCHOR = lazy("|".join(map(re.escape, _STAGE_ANCHORS)))
_STAGE_AT = lazy(
    r"in reply to (?:the )?(rcpt to|mail from|end of data|data|helo|ehlo|starttls|quit|"
    r"message text)\b|(?:after|during|in response to) (?:the )?(?:pipelined )?(rcpt\b|rcpt to|"
    r"mail from|mail\b|end of data|data\b|helo|ehlo|initial connection|connect(?:ion)?\b|"
    r"banner|greeting)|>>>[ \t]*(rcpt to|mail from|data|helo|ehlo)\b"
)
_STAGE_NAMES = {
    "rcpt to": "rcpt",
    "rcpt": "rcpt",
    "mail from": "mail",
    "mail": "mail",
    "end of data": "data",
    "data": "data",
    "message text": "data",
    "helo": "helo",
    "ehlo": "helo",
    "starttls": "helo",
    "quit": "data",
    "initial connection": "connect",
    "connect": "connect",
    "connection": "connect",
    "banner": "connect",
    "greeting": "connect",
}


def smtp_stage(text: str, *, only: bool = False) -> str | None:
    """The SMTP command a refusal answered (connect, helo, mail, rcpt, data), if the text says.

    A transcript's last command is the one refused. With `only`, a text that names several
    different stages (a report about several recipients) gives None.
    """
    lowered = text[:20_000].lower()
    if not any_in(lowered, _STAGE_ANCHORS):
        # (most diagnostics name no stage: this is quicker than the search)
        return _library_stage(lowered) if "smtp" in lowered else None
    stages = []
    for anchor in _STAGE_ANCHOR.finditer(lowered):
        match = _STAGE_AT.match(lowered, anchor.start())
        if match:
            said = next(g for g in match.groups() if g)
            stages.append(_STAGE_NAMES.get(" ".join(said.split())))
    if not stages or (only and len(set(stages)) > 1):
        return None
    return stages[-1]


_LIBRARY_STAGES = {
    "smtprecipientsrefused": "rcpt",  # Python's smtplib: every recipient refused
    "smtpsenderrefused": "mail",
    "smtpdataerror": "data",
    "smtpaddressfailedexception": "rcpt",  # Jakarta/JavaMail
    "smtpfailedrecipientexception": "rcpt",  # .NET System.Net.Mail
}
"""Mail libraries' exceptions named after the command the server refused."""


def _library_stage(lowered: str) -> str | None:
    return next((stage for name, stage in _LIBRARY_STAGES.items() if name in lowered), None)


@lru_cache(maxsize=64)
def _flat(text: str) -> tuple[str, str]:
    """The text's start with line breaks and runs of blanks folded (wording spans lines), as is
    and lower-cased; cached, as one report's text is asked about several times."""
    flat = " ".join(text[:20_000].split())
    return flat, flat.lower()


def _guarded(pattern: Folded, guards: tuple[str, ...], text: str) -> bool:
    """pattern.search, run only when one of its cheap lower-case substrings is there."""
    flat, lowered = _flat(text)
    return any_in(lowered, guards) and bool(pattern.search(flat, lowered))


_GAVE_UP_ABROAD = (
    r"nach mehreren tagen nicht zugestellt|après plusieurs tentatives|después de varios intentos|"
    r"dopo (?:diversi|vari|numerosi) tentativi|após várias tentativas|na meerdere pogingen"
)
"""'Could not be delivered after several days / attempts' in German, French, Spanish, Italian,
Portuguese and Dutch: the sending server gave up."""


# The sending server says it keeps trying, or that it gave up.
RETRYING = lazy(
    r"(?=[wshd\(nrmtgzeд配延被cb])(?:"  # what its alternatives start with: one look a place, not a try of each
    r"\b(?:will (?:continue to |keep )?(?:retry|re-?try|try again|attempt|keep trying|be retried)|"
    r"still (?:trying|being retried|retrying)|has been delayed|have been delayed|delivery (?:is )?delayed|"
    r"delayed mail|\(delay\)|not yet been delivered|no action is required on your part|"
    r"\bdefer \(-?\d+\)|"  # Exim's log: "T=remote_smtp defer (113): No route to host"
    r"status=(?:deferred|softbounce)|delivery temporarily suspended|"  # Postfix's log and queue
    # (SOFTBOUNCE: `soft_bounce = yes` turned a refusal into a deferral, kept in the queue)
    r"result=\"?tempfail|status\s*:\s*retry\b|"  # OpenSMTPD's log; Exchange's Get-Queue
    r"deferred using\b|"  # a filter's deferral by a reputation list ("Mail from ... deferred using")
    r"warning: message .{0,200}? delayed|will be (?:retried|reattempted)|message delayed|delivery delay|"
    r"there was a temporary problem delivering|"  # Gmail's "Delivery incomplete" notice
    r"technical details of temporary failure|"  # Gmail's older delay notice
    r"greylist|tentativas restantes|zustellung verzögert|noch nicht zugestellt|remise différée|retardé|entrega retrasada|"
    r"wird weiterhin versucht|weiterhin versuchen|continuerons (?:d'|à )essayer|seguiremos intentando|"
    r"continueremo a (?:provare|tentare)|continuaremos (?:a )?tentando|blijven proberen|"
    r"доставка задерживается)|"
    r"配信が遅延|配送遅延|延迟|被延期"  # (no word boundary between CJK characters)
    r")",
    re.IGNORECASE,
)
GAVE_UP = lazy(
    r"(?=[girdmehctnpfws永已a])(?:"  # what its alternatives start with: one look a place, not a try of each
    r"\b(?:giving up|gave up|given up|i've given up|retry time(?:out)? (?:exceeded|not reached for any host after a long failure period)|"
    r"delivery time expired|message expired|expired after|has expired|"
    r"hosts? ha(?:ve|s) been failing for a long time|could not be delivered for \d+|"
    r"too long in (?:the )?queue|in the queue too long|not going to try again|"
    r"maximum time (?:in queue|for delivery)|inaccessible for too long|in the time limit specified|"
    r"permanent(?:ly)? (?:error|failure|failed|fatal)|(?<!non-)(?<!non )fatal errors?|"
    r"will not be retried|message discarded|failed repeatedly and timed out|"
    r"rejected by non-smtp acl|"  # Exim refusing a locally submitted message: never queued
    r"will not retry|no more retries|status=bounced|status=expired|result=\"?permfail|"
    rf"{_GAVE_UP_ABROAD})|"
    r"永久性错误|已放弃投递"  # qmail-send's Chinese notice: "a permanent error; I've given up"
    r")",
    re.IGNORECASE,
)


# The sending server gave up retrying a temporary failure: the message expired.
EXPIRED = lazy(
    r"\b(?:retry time(?:out)? exceeded|retry time not reached for any host after a long failure|"
    r"delivery time expired|message expired|expired after \d|"
    r"hosts? ha(?:ve|s) been failing for a long time|could not be delivered for (?:\d+|the past)|"
    r"too long in (?:the )?queue|in the queue too long|queue lifetime|"  # qmail says the latter
    r"maximum time (?:in queue|for delivery)|status=expired|"  # Postfix's queue manager
    r"inaccessible for too long|"  # Postini: "MX records inaccessible for too long for domain"
    r"prolonged unavailability of its destination|"  # Citadel
    r"failed repeatedly and timed out|"  # chasquid: "... timed out, last error: <cause>"
    r"could not deliver the message in the time limit specified|"  # Exchange's X.400 timeout
    r"maximum number of delivery attempts exceeded|"
    rf"{_GAVE_UP_ABROAD})",
    re.IGNORECASE,
)


# A final report: the sending server stopped trying (as opposed to a delay warning).
FINAL_REPORT = lazy(
    r"(?=[cwdfpruman配н])(?:"  # what its alternatives start with: one look a place, not a try of each
    r"could not be delivered to one or more|(?:could ?n[o']t|was ?n[o']t|wasn't|were not) "
    r"(?:be )?delivered to|delivery (?:has )?failed|failed permanently|permanent(?:ly)? "
    r"(?:error|failure|fatal)|returning message to sender|undeliverable|mail delivery failed|"
    r"unable to deliver (?:your|the) message|returned mail|message not delivered|"
    r"was automatically rejected|"  # Dovecot's and Sieve's rejection notice
    r"delivery to the following recipients? failed|did not reach some or all of the intended|"
    r"alle geadresseerden niet bereikt|"
    r"nicht zugestellt werden|non remis|"
    r"no se (?:ha )?pudo entregar|non è stato possibile recapitare|配信できませんでした|не доставлено"
    r")",
    re.IGNORECASE,
)


# Cheap lower-case substrings, one of which each wording needs: the regex runs only then.
_ABROAD_GUARDS = ("mehreren tagen", "plusieurs tentatives", "varios intentos", "tentativi",
                  "várias tentativas", "meerdere pogingen")  # fmt: skip
_GUARDS = {
    "expired": ("retry time", "expired", "failing for a long", "could not be delivered for",
                "too long in", "queue too long", "queue lifetime", "maximum time",
                "inaccessible for too long", "time limit specified", "prolonged unavailability",
                "failed repeatedly", "delivery attempts exceeded", *_ABROAD_GUARDS),
    "retrying": ("greylist", "retr", "re-tr", "try again", "attempt", "trying", "delay", "defer (",
                 "not yet", "no action is required", "verzöger", "noch nicht zugestellt",
                 "status=deferred", "status=softbounce", "temporarily suspended", "temporary problem deliver",
                 "tentativas restantes",
                 "temporary failure", "tempfail", "deferred using",
                 "différ", "retard", "遅延", "задерж", "延迟", "延期", "weiterhin", "continuer",
                 "seguiremos", "continuar", "blijven proberen"),
    "gave_up": ("giv", "gave up", "retry time", "expire", "failing for a long",
                "could not be delivered for", "too long in", "maximum time", "permanent",
                "inaccessible for too long", "time limit specified",
                "fatal", "not be retried", "not retry", "no more retries", "status=bounced",
                "permfail", "queue too long", "not going to try", "message discarded", "failed repeatedly",
                "non-smtp acl", "永久性错误", "已放弃投递", *_ABROAD_GUARDS),
    "final": ("deliver", "failed", "permanent", "returning", "returned mail", "did not reach",
              "automatically rejected", "niet bereikt", "zugestellt",
              "non remis", "entregar", "recapitare", "配信", "доставлено"),
}  # fmt: skip


_FOLDED = {
    "expired": Folded(EXPIRED),
    "retrying": Folded(RETRYING),
    "gave_up": Folded(GAVE_UP),
    "final": Folded(FINAL_REPORT),
}


def says_gave_up_retrying(text: str) -> bool:
    """The sending server retried a temporary failure until it gave up (the message expired)."""
    return _guarded(_FOLDED["expired"], _GUARDS["expired"], text)


def says_retrying(text: str) -> bool:
    """The sending server keeps trying (a delay notice, greylisting)."""
    return _guarded(_FOLDED["retrying"], _GUARDS["retrying"], text)


def says_gave_up(text: str) -> bool:
    """The sending server stopped trying."""
    return _guarded(_FOLDED["gave_up"], _GUARDS["gave_up"], text)


def is_final_report(text: str) -> bool:
    """A final report: the message could not be delivered (not a delay warning)."""
    return _guarded(_FOLDED["final"], _GUARDS["final"], text)


# Where a server's own reply starts inside a diagnostic: a reply code with its enhanced code, a
# reply code after "said:" / "returned" / "smtp;", or an enhanced code on its own.
_REPLY_START = lazy(
    r"(?=[245sre#])(?:"  # what its alternatives start with: one look a place, not a try of each
    r"(?<![\w.#-])[245]\d\d[ -]#?[245]\.\d{1,3}\.\d{1,3}(?![\w.]*\d)|"
    r"(?:said|returned|response|reply|error)\s*:?\s*['\"]?(?=[45]\d\d\b)|"
    r"(?<![\w.])[45]\d\d(?=[ -][A-Za-z#<(])|(?<![\w.(=])(?<!\(#)#?[45]\.\d{1,3}\.\d{1,3}(?![\w.]*\d)"
    r")",
    re.IGNORECASE,
)
_REPLY_START_FOLDED = Folded(_REPLY_START)
_REPLY_START_DIGITS = lazy(r"[245][.\d]\d")
"""What every start of _REPLY_START holds (a code's first digits): searched for first, quicker."""
QUOTE_CHARS = 1000
MIN_REPLY_CHARS = 12
# What the reporting MTA writes right after the reply (not the server's words): OpenSMTPD's "Below
# is a copy of the original message:", hMailServer's signature; qmail's "Giving up on <ip>.".
_TRAILERS = ("below is a copy of the original message:", "hmailserver")
_GIVING_UP = lazy(r"[\w.:\[\]]{1,60}\.?")


def _drop_trailer(text: str) -> str:
    lowered = text.lower()
    for trailer in _TRAILERS:
        if lowered.endswith(trailer) and len(lowered) > len(trailer):
            return text[: -len(trailer)].rstrip()
    giving_up = lowered.rfind(" giving up on ")
    if giving_up != -1 and _GIVING_UP.fullmatch(lowered[giving_up + 14 :]):
        return text[:giving_up].rstrip()
    return text


_REFUSAL_START = lazy(r"(?<![\w.#-])[45]\d\d[ -]#?[45]\.\d{1,3}\.\d{1,3}(?![\w.]*\d)")
"""A refusal's reply code with its enhanced code, after a transcript's success lines."""
# A label after which a report quotes the server's reply (the rest of a long report is prose).
_LABELLED_REPLY = lazy(
    r"(?=[restladm])(?:"  # what its alternatives start with: one look a place, not a try of each
    r"\b(?:(?:reported error|remote server returned|error(?=:)|server response|"
    r"resposta do servidor|respuesta del servidor|réponse du serveur|serverantwort)\s*:?\s*"
    r"(?=['\"<]?[245]\d\d\b|['\"<]?[245]\.\d)|"
    r"the response (?:from the remote server )?was\s*:\s*|"
    r"error during the last delivery attempt:\s*|"  # mox, before its own or the server's words
    # Gmail's notice in other languages: "La respuesta (del servidor remoto) fue:", ...
    r"la respuesta (?:del servidor remoto )?fue\s*:\s*|"
    r"la réponse (?:du serveur distant )?était\s*:\s*|"
    r"die antwort (?:des remote-servers )?(?:war|lautete)\s*:\s*|"
    r"la risposta (?:del server remoto )?è stata\s*:\s*|"
    r"a resposta (?:do servidor remoto )?foi\s*:\s*|"
    r"the following text was generated during the delivery attempts?:\s*|"
    # CommuniGate Pro: "SMTP module(domain x) reports: host mx says: 550 ..."
    r"module\(domain [^()\s]{1,255}\) reports:\s*"
    r"(?:(?:message text )?rejected by [\w.-]{1,255}:\s*|host [\w.-]{1,255} says:\s*)?)"
    r")",
    re.IGNORECASE,
)
# Where a quoted reply has ended: a pasted delivery-status block, Exchange's "#SMTP#" tail, a chat
# code fence, mox's repeat of the reply, MessageLabs' message details, an ISP's footer, the
# returned message's first header.
_REPLY_END = lazy(
    r"(?=[\s>'\"},])(?:"  # what its alternatives start with: one look a place, not a try of each
    r"\s(?:Reporting-MTA|Final-Recipient|Original-Recipient|Remote-MTA|Diagnostic-Code|"
    r"Last-Attempt-Date|Arrival-Date|Received-From-MTA|X-Postfix-Queue-ID|X-Postfix-Sender):|"
    r">?\s#SMTP#|\s##(?:rfc822;|\s|$)|\s```|\sFull SMTP response:|\s-{2,} ?Delivery report\b|\sDSN generated by:|"
    r"\sMessage Hops\b|\sOriginal Message Details\b|\sNo action is required on your part|"
    r"\sWarning: message still undelivered|\sPlease note that this is only a temporary failure|\s\.\.\. Deferred:|\sDelivery Failure Report\b|"
    r"\s(?:Show quoted text|Reply Reply all Forward|Notification Details|View entire message|"
    r"Sent with \w+|Show more)\b|\sMessage rejected by:|"
    r"'?\s(?:Original message headers|En-têtes de message d'origine|"
    r"Kopfzeilen der ursprünglichen Nachricht|Ursprüngliche Nachrichtenkopfzeilen|"
    r"Encabezados de mensaje originales|Cabeçalhos da mensagem original|"
    r"Intestazioni originali del messaggio|Исходные заголовки сообщения)|"
    r"\sThe message subject was:|\sPlease reply to postmaster\b|\sReceived: from\s|\sReturn-Path: ?<|"
    r"'?\s(?:Oorspronkelijke berichtkoppen|\|?-{2,} ?Message header follows|"
    r"-{2,} ?Contents of the undelivered mail)|"
    r"\sAction: (?:failed|delayed|delivered|relayed|expanded)\b|\sStatus: [245]\.\d{1,3}\.\d|"
    r"\s-{3,} ?(?:Transcript of session follows|Original message follows|Delivery to the following|"
    r"There was a temporary problem)|\sIf your message was also sent to additional recipients\b|"
    r"\s(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]?\d \d\d:\d\d:\d\d \S+ [\w/.-]+\[\d+\]:|"
    r"\s\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})? (?:\[\d+\] )?\w{6}-\w{6}-\w{2}\b|"
    r"\};\{[A-Z]{2,8}=|"
    # PHPMailer's debug output: the next exchange of the session, its timestamped error line
    r"\s(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+)?(?:SERVER -> CLIENT|CLIENT -> SERVER):|"
    r"\s\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+SMTP ERROR:|"
    r"['\"]?,\s(?:Port|Porta|Puerto|Poort|ポート)\s?:"  # Outlook's field after "Server Response"
    r")",
    re.IGNORECASE,
)
_REPLY_END_GUARDS = ("-mta:", "recipient:", " ##", ", port", ", puerto", ", poort", ", ポート",
                     "diagnostic-code:", "-date:", "x-postfix-", "#smtp#",
                     "```", "full smtp response:", "delivery report", "dsn generated by:",
                     "message hops", "original message details", "no action is required",
                     "message still undelivered", "... deferred:", "delivery failure report",
                     "only a temporary failure",
                     "show quoted text", "reply reply all", "notification details",
                     "view entire message", "sent with ", "show more",
                     "message rejected by:", "original message headers", "en-têtes",
                     "kopfzeilen", "encabezados", "cabeçalhos", "intestazioni", "заголовки",
                     "the message subject was:", "please reply to postmaster",
                     "received: from", "return-path:", "oorspronkelijke", "message header follows",
                     "contents of the undelivered", "action: ", "status: ", "transcript of",
                     "message follows", "delivery to the following",
                     "temporary problem", "also sent to additional", "]:", "<=", "=>", "**",
                     "==", "completed", "};{", "server -> client", "client -> server",
                     "smtp error:")  # fmt: skip
"""Lower-case words one of which _REPLY_END needs: the regex runs only when one is there."""
_LABEL_GUARDS = ("error", "returned", "the response", "the following text was", "server response",
                 ") reports:")  # fmt: skip
_LABELLED_REPLY_FOLDED = Folded(
    _LABELLED_REPLY,
    guards=(
        *_LABEL_GUARDS,
        "resposta",
        "respuesta",
        "antwort",
    ),
)
_REPLY_END_FOLDED = Folded(_REPLY_END)
# Exchange's "Remote Server returned '<...> #5.7.1 smtp;550 5.7.1 ...'": the reply follows "smtp;".
_EXCHANGE_PREFIX = lazy(r"#[245]\.\d{1,3}\.\d{1,3}\s+smtp;\s*(?=[245]\d\d)", re.IGNORECASE)


_FIELD_AFTER = lazy(r"\s(?:Date|Campaign|Recipient|Status|Event|created_at|Timestamp) ?: ")
"""A dashboard's or log's next field after the reply ("Date: ...", "Campaign: ..."), capitalised
as labels are (a reply's own "invalid recipient: <x>" is not one)."""
_SENDMAIL_STATUS = lazy(r"\w{1,30}: \w")
_LEADING_RULE = lazy(r"^-{3,} ?.{3,120}? ?-{3,} ?")
_REASON_LABEL = lazy(
    r"\b(?:reason|because|error description|原因|理由|grund|weil|raison|"
    r"pour la raison suivante|motivo|causa|причина) ?[:：] ?"
    r"(?=[\w<\"'])",
    re.IGNORECASE,
)
_REASON_LABEL_FOLDED = Folded(
    _REASON_LABEL,
    guards=("reason", "because", "error description", "grund", "weil", "raison", "motivo", "causa"),
)
_RETURNED_LINE = lazy(r"\breturned '([245]\d\d[ -].*)'[ \t]*$", re.IGNORECASE | re.MULTILINE)
"""Exchange's report line "Server at mx (ip) returned '<reply>'"."""
_DELAY_PLACEHOLDER = lazy(r"\d\d\d[ -][45]\.4\.7\b")


def cause_behind_delay(report_text: str) -> str | None:
    """The latest reply an Exchange delay notice quotes besides its "400 4.4.7 Message delayed"
    placeholder: the attempt that failed ("451 4.4.0 ... Connection dropped")."""
    if "returned '" not in report_text:
        return None
    for found in reversed(list(_RETURNED_LINE.finditer(report_text))):
        reply = found.group(1)
        if not _DELAY_PLACEHOLDER.match(reply):
            return server_reply(reply)
    return None


_CLOSING_QUOTE = {"'": "'", '"': '"', "“": "”", "„": "“", "«": "»", "「": "」", "‘": "’"}
"""The quote marks a report puts around the reply it quotes, and the mark that closes each."""
_QMAIL_LOG = lazy(r"\bdelivery \d+: (?:failure|deferral): (.+)")
"""A qmail-send log line's outcome and the remote reply it logged (written out as words)."""
MIN_REPEAT_WORDS = 3
MAX_REPEAT_WORDS = 80
"""The fewest and the most words a reply's repeat at its end may hold to be dropped (a reply line
is shorter than the most; the bound keeps the search short on long texts)."""
_WRAPPER_TAIL_CHARS = 60
"""How long the words after a quoted reply's closing mark may be to count as the wrapper's own
("' が返されました", "' Encabezados de mensaje originales:"), not more of the reply."""


_JSON_STRING_END = lazy(r'(?<!\\)"\s*(?:,\s*"[\w-]{1,40}"\s*:|[}\]])')
"""The close of a JSON string value, where the object's next field or its end follows."""


def _before_closing_quote(text: str, opening: str, closing: str) -> str:
    """A reply quoted inside a localised report line ("Servidor remoto devolvió '550 ...'
    Encabezados ...", "リモート サーバーから '550 ...' が返されました"): the reply ends at the
    last closing mark when only a few words without a reply code follow it, and the marks
    inside the reply pair up (a "can't" in it leaves the reply whole)."""
    if opening == '"' and (field_end := _JSON_STRING_END.search(text)):
        return text[: field_end.start()].rstrip()  # a JSON field's value: its next field follows
    end = text.rfind(closing)
    if end < MIN_REPLY_CHARS:
        return text
    reply, tail = text[:end], text[end + 1 :].strip()
    if len(tail) > _WRAPPER_TAIL_CHARS or _REPLY_START_DIGITS.search(tail):
        return text
    inner_open = reply.count(opening)
    if inner_open % 2 if opening == closing else inner_open != reply.count(closing):
        return text
    return reply.rstrip()


def _without_repeat(text: str) -> str:
    """The reply once, when a report printed it twice in a row (its error line, then the same
    line of its transcript: "550 <bob@x>... User unknown 550 <bob@x>... User unknown"). A
    repeated phrase without a code or an address is left ("(in reply to RCPT TO command)" of a
    proxy and of the server behind it)."""
    words = text.split(" ")
    for size in range(min(len(words) // 2, MAX_REPEAT_WORDS), MIN_REPEAT_WORDS - 1, -1):
        repeat = words[-size:]
        if repeat != words[-2 * size : -size]:
            continue
        said = " ".join(repeat)
        if "@" in said or _REPLY_START_DIGITS.search(said):  # a reply, not a wrapper's phrase
            return " ".join(words[:-size])
    return text


def _last(found: Iterator[re.Match[str]]) -> re.Match[str] | None:
    last = None
    for last in found:  # noqa: B007 (the loop keeps the last one)
        pass
    return last


def _without_unopened(text: str, opening: str, closing: str) -> str:
    """The text without a last `closing` mark that nothing in it opened (a wrapper's)."""
    if text.endswith(closing) and text.count(closing) > text.count(opening):
        return text[:-1].rstrip()
    return text


@lru_cache(maxsize=256)
def server_reply(diagnostic: str, limit: int = QUOTE_CHARS) -> str:
    """The server's own words out of a diagnostic: from its reply code on, whole, URLs intact
    (remembered: the text parser reads a failure's reply for its address, then diagnose quotes it)."""
    text = " ".join(diagnostic.split())
    if text.startswith("---"):  # a section heading before the reply ("--- Transcript ... ---")
        text = _LEADING_RULE.sub("", text, count=1)
    if "delivery " in text and (logged := _QMAIL_LOG.search(text)):
        text = logged.group(1)  # the outcome line's reply, after its "delivery 12: failure: "
    if text.startswith("*** "):  # Courier's mark on a failure of its own ("*** No such domain.")
        text = text[4:]
    if text[:1] == "#" and text[1:4].isdigit():  # Exchange 2007's "#550 5.2.2 ... ##"
        text = text[1:]
    if text.startswith("... ") and _SENDMAIL_STATUS.match(text, 4):  # "<bob@x>... Deferred: .."
        text = text[4:]
    lowered = text.lower() if text.isascii() else None  # for the folded searches below
    opening = ""  # the mark before the reply's code, when a report quotes the reply
    labelled = _LABELLED_REPLY_FOLDED.search(text, lowered)
    if labelled and len(text) - labelled.end() >= MIN_REPLY_CHARS:
        text = text[labelled.end() :]  # Exchange's "Reported error:", Gmail's "The response was:"
        while text.startswith("---"):  # Exim's "------ bob@x ------" above a program's output
            text, removed = _LEADING_RULE.subn("", text, count=1)
            if not removed:
                break
    if "smtp;" in text:
        text = _EXCHANGE_PREFIX.sub("", text, count=1)
    match = (  # its position and first letter's kind are used
        _REPLY_START_FOLDED.search(text) if _REPLY_START_DIGITS.search(text) else None
    )
    if match and match.group(0)[:1] in "23":  # a transcript's "250 2.1.0 Ok" before the refusal
        refusal = _REFUSAL_START.search(text, match.end())
        match = refusal or match
    if match is None and (reason := _last(_REASON_LABEL_FOLDED.finditer(text))):
        # no code anywhere: a vendor's "Reason: The mailbox is full" (its last such label: an
        # opening "... due to the following reason:" comes before the field)
        text = _without_unopened(text[reason.end() :], "(", ")")  # of "(reason: ...)"
    elif match and match.start() > 0:
        # after "said:" / "returned" the reply follows; a code starts the reply itself
        said = match.group(0)[:1].isalpha()
        rest = text[match.end() :].lstrip() if said else text[match.start() :]
        if len(rest) >= MIN_REPLY_CHARS:  # not a code that ends the text ("... name. (#5.1.1)")
            opening = text[: match.end() if said else match.start()].rstrip()[-1:]
            text = rest
            text = _without_unopened(text, "(", ")")  # of "(reason: 550 ...)"
            if opening in _CLOSING_QUOTE:
                text = _before_closing_quote(text, opening, _CLOSING_QUOTE[opening])
            if text.endswith("'") and (opening == "'" or text.count("'") % 2):
                text = text[:-1].rstrip()  # the close of "returned '...'" or of b'...'
            text = _without_unopened(text, "<", ">")  # of "'<host #5.7.1 ...>'"
    folded = text.lower()
    end = None
    if any_in(folded, _REPLY_END_GUARDS):
        end = _REPLY_END_FOLDED.search(text, folded)
        if end is not None and end.start() == 0:
            end = _REPLY_END.search(text, 1)
    if end and end.start() < MIN_REPLY_CHARS and end.end() < len(text):
        return server_reply(text[end.end() :], limit)  # a field's bare code ("4.0.0 Remote-MTA:")
    fields = _FIELD_AFTER.search(text) if ":" in text else None
    if (
        fields
        and fields.start() >= MIN_REPLY_CHARS
        and (end is None or fields.start() < end.start())
    ):
        end = fields
    if end:
        text = text[: end.start()].rstrip()
        text = _without_unopened(text, "(", ")")  # Sendmail's "(reason: ...)"
        if opening in _CLOSING_QUOTE:  # "... not found' zurückgegeben" before the headers
            text = _before_closing_quote(text, opening, _CLOSING_QUOTE[opening])
    text = _without_repeat(_drop_trailer(text))
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip() + " …"
