"""Plain-text side of bounce parsing: clean-up, SMTP continuation lines, per-recipient blocks."""

from __future__ import annotations

import html
import re

from bot.engine.extract import is_final_report, says_gave_up, says_retrying, server_reply
from bot.engine.folded import Folded
from bot.engine.jsonreport import json_report, looks_like_json_report
from bot.engine.parsed import Failure, ParsedMessage
from bot.engine.replylines import CODE_LINE, LABELLED_FOLDED, diagnostic_lines
from bot.engine.smtpcodes import CODE_DOTS, EMAIL, EMAIL_LOCAL_MAX, Codes, find_codes
from bot.engine.textnorm import matches_near

MAX_LINE_CHARS = 4_000


def decode_text(data: bytes) -> str:
    """Bytes to text: UTF-8 if it is (a character cut off at the end is dropped), ISO-2022-JP
    when it has its escapes, else Windows-1252 (a superset of Latin-1)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return data[: exc.start].decode("utf-8")
    if b"\x1b$" in data or b"\x1b(" in data:
        try:
            return data.decode("iso-2022-jp")
        except UnicodeDecodeError:
            pass
    return data.decode("cp1252", errors="replace")


# ---------------------------------------------------------------- text clean-up

_QUOTE = re.compile(r"^[ \t]*>(?!>>)[ \t]?", re.MULTILINE)
_SLACK_LINK = re.compile(r"<(?:mailto:)?([^<>|\s]+)\|([^<>]+)>")
# SMTP session transcripts (swaks and similar): "<-  250 ...", " -> RCPT TO:", "<** 550-...".
_TRANSCRIPT = re.compile(r"^(?:[ \t]*(?:<-|->|<\*\*|\*\*>|<~|~>)[ \t]+|===[ \t].*$)", re.MULTILINE)
_CONTINUATION = re.compile(r"^[ \t]*([245]\d\d)-(.*)$")
_ANY_CONTINUATION = re.compile(r"^[ \t]*[245]\d\d-", re.MULTILINE)
"""Where _CONTINUATION matches a line, this finds it in the whole text (one search, not one a line)."""
_LATER_CONTINUATION = re.compile(r"\n[ \t]*[245]\d\d-")
"""_ANY_CONTINUATION after the first line: led by a literal, this search skips from line break to
line break instead of trying every position."""


_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)


def clean_text(text: str) -> str:
    """Normalise line ends, remove e-mail quoting and chat escaping, join multi-line SMTP replies."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text and ";" in text:
        text = html.unescape(text)
    if "<br" in text or "<BR" in text:  # a chat client's line breaks as markup (Teams)
        text = _BREAK_TAG.sub("\n", text)
    if "\uff1a" in text:  # CJK reports' full-width colon ("收件人：bob@x") is a field's colon
        text = text.replace("\uff1a", ": ")
    if "|" in text and "<" in text:
        text = _SLACK_LINK.sub(r"\2", text)
    if "\\n" in text and text.count("\n") < 3:  # a log line with its newlines escaped
        text = text.replace("\\n", "\n")
    if "\n<-" in text or "\n->" in text or "\n ->" in text:
        text = _TRANSCRIPT.sub("", text)
    lines = text.split("\n")
    quoted = quoted_lines(text) if ">" in text else 0
    if quoted and quoted * 2 >= sum(1 for line in lines if line.strip()):
        for _ in range(4):  # "> > >" nesting
            text = _QUOTE.sub("", text)
        lines = text.split("\n")
    if len(text) > MAX_LINE_CHARS:
        lines = [line[:MAX_LINE_CHARS] for line in lines]
    if not (_ANY_CONTINUATION.match(text) or _LATER_CONTINUATION.search(text)):
        return "\n".join(lines)
    return "\n".join(join_continuations(lines))


_QUOTED_FIRST = re.compile(r"[^\S\n]*>(?!>>)")
_QUOTED_LATER = re.compile(r"\n[^\S\n]*>(?!>>)")


def quoted_lines(text: str) -> int:
    """How many lines open with ">" after white space, not with a transcript's ">>>" (one search
    led by the line break, instead of a look at each line)."""
    return bool(_QUOTED_FIRST.match(text)) + len(_QUOTED_LATER.findall(text))


def join_continuations(lines: list[str]) -> list[str]:
    """`550-5.7.26 a` / `550-5.7.26 b` / `550 5.7.26 c` become `550 5.7.26 a b c`."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _CONTINUATION.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        code = match.group(1)
        first_rest = match.group(2).strip()
        status_match = re.match(r"#?([245]\.\d{1,3}\.\d{1,3})\s*", first_rest)
        status = status_match.group(1) if status_match else None
        parts = [first_rest]
        j = i + 1
        while j < len(lines):
            line = lines[j].strip()
            if line.startswith(code + "-") or line.startswith(code + " ") or line == code:
                rest = line[len(code) + 1 :].strip()
                if status and rest.startswith(status):
                    rest = rest[len(status) :].strip()
                parts.append(rest)
                j += 1
                if not line.startswith(code + "-"):
                    break
            else:
                break
        prefix = " ".join(p for p in parts if p)
        out.append(f"{code} {prefix}")
        i = j
    return out


_ORIGINAL_MARKERS = re.compile(
    r"^[ \t]{0,20}(?:original message headers:?|-{0,40} ?This is a copy of (?:the|your) message|"
    r"-{0,40} ?The header of the original message is following|Original-Envelope-Id:|"
    r"[- ]{0,40}Below this line is a copy of the message|Text of returned message follows|"
    r"Original message follows|-{2,40} ?(?:original|returned|forwarded) message ?-{2,40}|"
    r"-{0,40} ?The header and top \d+ lines of the message follows?|"
    r"\|?-{2,40} ?Message (?:text|header) follows:? ?-{2,40}\|?$|"
    r"Kopfzeilen der ursprünglichen Nachricht:|En-têtes du message d'origine :)",
    re.IGNORECASE | re.MULTILINE,
)


_ORIGINAL_CUES = (
    "original message",
    "returned message",
    "forwarded message",
    "copy of",
    "original-envelope-id:",
    "lines of the message",
    "message text follows",
    "message header follows",
)
"""Words each ASCII match of _ORIGINAL_MARKERS contains (the German and French ones are not ASCII)."""


_ORIGINAL_FOLDED = Folded(_ORIGINAL_MARKERS)


_FORWARD_MARKER = re.compile(r"-{2,40} ?(?:original|forwarded) message ?-{2,40}", re.IGNORECASE)
"""A mail client's forward or reply separator (not a bounce's own "copy of your message")."""
MAX_FORWARDS = 3


def split_original(text: str) -> tuple[str, str]:
    """Cut the copy of the original message off a bounce; returns (report, original). A bounce
    forwarded below a note ("Hi IT, see below" over "-----Original Message-----") is the report,
    not the note above it."""
    for _ in range(MAX_FORWARDS):
        lowered = None
        if text.isascii():  # then IGNORECASE matches exactly what lower() finds
            lowered = text.lower()
            if not any(cue in lowered for cue in _ORIGINAL_CUES):
                return text, ""
        match = _ORIGINAL_FOLDED.search(text, lowered)  # only its place is used
        if not match or match.start() < 20:
            return text, ""
        before, after = text[: match.start()], text[match.end() :]
        if not (
            _FORWARD_MARKER.search(match.group(0))
            and _names_no_code(before)
            and not _names_no_code(after)
        ):
            return before, after
        text = clean_text(after)  # its quoting is judged on its own ("> " below a note)
    return text, ""


def _names_no_code(text: str) -> bool:
    codes = find_codes(text[:20_000])
    return codes.reply_code is None and codes.status is None


# ---------------------------------------------------------------- failures in text

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
_SENTENCE_RCPT = re.compile(
    r"(?:your message to|your request to the|wasn't delivered to|couldn't be delivered to|could not be delivered to|"
    r"delivery to the following recipient failed permanently:|delivery to|(?<!verification )failed for|"
    r"error delivering your mail to)\s*<?"
    r"([A-Za-z0-9._%+'=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})",
    re.IGNORECASE,
)
# Sending services' logs and webhooks: "recipient: bob@x", {"emailAddress":"bob@x"}; Sun / Oracle
# Messaging Server's "Recipient address: bob@x"; the same label in the languages notices use ("受取人:").
_FIELD_RCPT = re.compile(
    r"\b(?:recipients?(?: address)?|rcpt(?: to)?|emailaddress|email_address|受取人|受信者|收件人|"
    r"empfänger|destinataire|destinatario|destinatário|ontvanger|odbiorca|получатель)"
    r"[\"']?\s*[:=：]\s*[\"']?<?([^\s\"'<>,;]+@[^\s\"'<>,;]+)",
    re.IGNORECASE,
)
_REFUSED_MAP = re.compile(r"\{\s*u?['\"]([^'\"\s]+@[^'\"\s]+)['\"]\s*:\s*\(")
"""Python's refused-recipients map: {'bob@x': (550, b'...')}."""
_SENDER_ADDRESS = re.compile(
    r"(?:from(?: address(?: failed)?)?|sender|mail from:?|return-path:?|source|verification failed for)"
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
_SENTENCE_FOLDED = Folded(
    _SENTENCE_RCPT,
    guards=("your message to", "your request to the", "delivered to", "delivery to", "failed for",
            "error delivering your mail to"),
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


def failures_from_body(body: str, parsed: ParsedMessage) -> list[Failure]:
    """Failures of a report's text: a JSON notification if it is one, else the MTA layouts."""
    if looks_like_json_report(body):
        found = json_report(body)
        if found is not None:
            kind, failures = found
            if kind == "feedback":
                parsed.report_type = parsed.report_type or "feedback-report"
            elif kind == "delivered":
                return [Failure(recipient=None, diagnostic="", status="2.0.0", action="delivered")]
            return failures
    return _without_the_sender(failures_from_text(body), parsed.original_from.lower())


def _without_the_sender(failures: list[Failure], sender: str) -> list[Failure]:
    """The returned message's own sender, named on a line of a notice's text ("came from the
    email address / alice@x / but this address is not subscribed"), is not a failed recipient:
    its lines go back to the block before it."""
    if len(failures) < 2 or not sender:
        return failures
    kept: list[Failure] = []
    for failure in failures:
        if failure.recipient != sender:
            kept.append(failure)
        elif kept and failure.diagnostic:
            previous = kept[-1]
            previous.diagnostic = f"{previous.diagnostic} {failure.diagnostic}".strip()
    return kept or failures


_NOTICE_TITLE = re.compile(
    r"^[ \t>]*(?:Delivery has failed to these recipients or groups|"
    r"(?:Address not found|Message not delivered|Message blocked|Delivery incomplete)[ \t]*$|"
    r"This is the mail system at host\b|"
    r"This message was created automatically by mail delivery software|"
    r"Sorry, we were unable to deliver your message|Hi\. This is the qmail-send program|"
    r"Delivery to the following recipients? failed permanently)",
    re.IGNORECASE | re.MULTILINE,
)
"""The first line of a notice, as the common MTAs and providers write it."""
_TITLE_WORDS = ("delivery has failed to these", "address not found", "message not delivered",
                "message blocked", "delivery incomplete", "mail system at host",
                "created automatically by mail delivery", "unable to deliver your message",
                "qmail-send program", "failed permanently")  # fmt: skip
"""Lower-case words of the titles: the title search runs only when two are there."""


def failures_from_text(body: str) -> list[Failure]:
    """Split a plain-text report into one Failure per recipient it names; several notices
    pasted one after the other (an Exchange NDR, then Gmail's) are read one by one."""
    head = body[:MAX_NOTICES_TEXT]
    lowered = head.lower()
    titled = sum(lowered.count(title) for title in _TITLE_WORDS) >= 2
    starts = [m.start() for m in _NOTICE_TITLE.finditer(head)] if titled else []
    if len(starts) >= 2:
        ends = [*starts[1:], len(body)]
        notices = [body[a:b] for a, b in zip(starts, ends, strict=True)]
        # Each a notice with a code of its own (a title repeated in one notice is not two).
        found = [
            _failures_of_notice(_without_trailing_words(notice)) if CODE_LINE.search(notice) else []
            for notice in notices
        ]
        if all(found):
            for notice, failures in zip(notices, found, strict=True):
                for failure in failures:
                    failure.action = failure.action or _notice_action(notice)
            return [failure for failures in found for failure in failures]
    return _failures_of_notice(body)


def _notice_action(notice: str) -> str | None:
    """Each of several notices says for itself whether its sender still retries ("Gmail will
    retry"): one notice's delay is not the other's."""
    if says_retrying(notice):
        return "delayed"
    return "failed" if says_gave_up(notice) or is_final_report(notice) else None


def _without_trailing_words(notice: str) -> str:
    """A notice without the paragraphs after its last code: words between two pasted notices
    ("and this one too") are neither's."""
    paragraphs = notice.rstrip().split("\n\n")
    while len(paragraphs) > 1 and not CODE_LINE.search(paragraphs[-1]):
        if not any(CODE_LINE.search(p) for p in paragraphs[:-1]):
            break
        paragraphs.pop()
    return "\n\n".join(paragraphs)


def _failures_of_notice(body: str) -> list[Failure]:
    blocks: dict[str, list[str]] = {}
    order: list[str | None] = []
    stated: set[str] = set()  # recipients whose own line gives the reason ("<bob@x>: ...")
    current: str | None = None
    preamble: list[str] = []
    logs_success = "=sent" in body or "=Sent" in body or "dsn=2." in body  # (no lower-casing)
    for line in body.split("\n"):
        if logs_success and _SUCCESS_LOG.search(line):
            current = None  # a log line of a delivery (the bounce itself going back): no failure
            continue
        rcpt, rest = _recipient_header(line) if "@" in line else (None, "")
        if rcpt is not None:
            current = rcpt
            if rcpt not in blocks:
                blocks[rcpt] = []
                order.append(rcpt)
            if rest:
                blocks[rcpt].append(rest)
                stated.add(rcpt)
            continue
        if current is None:
            preamble.append(line)
        else:
            blocks[current].append(line)
    with_codes = [r for r in order if r is not None and CODE_LINE.search("\n".join(blocks[r]))]
    if with_codes:  # beside refusals with codes, a recipient whose line states a failure of its own
        with_codes = [r for r in order if r is not None and (r in with_codes or r in stated)]
    else:
        # Blocks with words but no code (Postfix's local "unknown user", qmail's texts).
        with_codes = [r for r in order if r is not None and diagnostic_lines("\n".join(blocks[r]))]
    if not with_codes:
        # No per-recipient blocks: one failure per notice pasted together ("and this one
        # too"), else the whole text is one failure.
        notices = _notices(body)
        if notices:
            return notices
        lines = [r for r in order if r is not None and not _CONTACT.search(r)]
        recipient = _sentence_recipient(body) or (lines[0] if len(lines) == 1 else None)
        labelled = LABELLED_FOLDED.search(body)  # a long report's own pointer to the reply
        start = labelled.start() if labelled else 0
        diagnostic = fold_inline_continuations(diagnostic_lines(body[start:]))
        if not diagnostic:
            return []
        codes = find_codes(diagnostic)
        if not _refusal_code(codes) and (
            (refusal := _REFUSAL_REPLY.search(body, start)) or (refusal := _line_reply(body, start))
        ):
            # The refusal lies beyond the words kept (deep in a session transcript, or below the
            # asker's lead-in "the log says:"): from its line.
            line_start = body.rfind("\n", 0, refusal.start()) + 1
            diagnostic = fold_inline_continuations(diagnostic_lines(body[line_start:]))
            codes = find_codes(diagnostic)
        if recipient is None:
            recipient = _only_address(server_reply(diagnostic), body)  # "554 5.7.1 <bob@x>: ..."
        return [
            Failure(recipient, diagnostic, codes.status, codes.reply_code, remote_mta=_remote(body))
        ]
    failures = []
    for rcpt in with_codes:
        block = "\n".join(blocks[rcpt])
        if len(with_codes) == 1 and "diagnostic-code:" not in block.lower():
            # A pasted report's fields without the reply, which the notice quoted above them
            # ("The response from the remote server was: 550 5.7.9 ..."): the reply first.
            above = "\n".join(preamble)
            labelled = LABELLED_FOLDED.search(above)
            if labelled:
                block = f"{above[labelled.start() :]}\n{block}"
        diagnostic = fold_inline_continuations(diagnostic_lines(block) or " ".join(block.split()))
        codes = find_codes(diagnostic)
        failures.append(
            Failure(rcpt, diagnostic, codes.status, codes.reply_code, remote_mta=_remote(block))
        )
    return failures


def _notices(body: str) -> list[Failure]:
    """Several notices pasted one after the other, each naming its recipient in a sentence
    ("There was a problem delivering your message to eva@x"): a failure for each, or [] when the
    text holds fewer than two such notices with a code each."""
    starts: dict[str, int] = {}
    for match in _SENTENCE_FOLDED.finditer(body[:MAX_NOTICES_TEXT]):
        address = match.group(1).lower().rstrip(".")
        if address not in starts:  # the notice starts with its paragraph (its title line)
            starts[address] = body.rfind("\n\n", 0, match.start()) + 1
    if len(starts) < 2:
        return []
    bounds = sorted((start, address) for address, start in starts.items())
    failures = []
    for i, (start, address) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(body)
        paragraphs = body[start:end].split("\n\n")
        while len(paragraphs) > 1 and not CODE_LINE.search(paragraphs[-1]):
            paragraphs.pop()  # words between two notices ("and this one too:") are neither's
        segment = "\n\n".join(paragraphs)
        if not CODE_LINE.search(segment):
            return []
        labelled = LABELLED_FOLDED.search(segment)
        diagnostic = fold_inline_continuations(
            diagnostic_lines(segment[labelled.start() :] if labelled else segment)
        )
        codes = find_codes(diagnostic)
        action = _notice_action(segment)
        failures.append(
            Failure(
                address,
                diagnostic,
                codes.status,
                codes.reply_code,
                action=action,
                remote_mta=_remote(segment),
            )
        )
    return failures


MAX_NOTICES_TEXT = 50_000
"""How far into a paste notices are looked for."""


_SUCCESS_LOG = re.compile(r"\b(?:stat=Sent\b|status=sent \(|dsn=2\.\d)")
"""An MTA log line of a delivery (Sendmail's `stat=Sent`, Postfix's `status=sent (`)."""
_FIELD_ADDRESS = re.compile(r"^[ \t]*address:[ \t]*<?([^<>\s@]+@[^<>\s]+?)>?[ \t]*$", re.IGNORECASE)
"""A sending service's bounce record: `address:    bob@x` (Mailgun's), the fields below it."""


def _recipient_header(line: str) -> tuple[str | None, str]:
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
            return words[0].strip("<>:").lower(), rest.lstrip(": ").strip()
    return None


_CONTACT = re.compile(
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


def _only_address(reply: str, body: str) -> str | None:
    """The one address a server's reply names, when it names exactly one and the reply is not
    about the sender (whom the reply or the words around it name)."""
    found = {a.lower() for a in EMAIL.findall(reply)} - _contacts(reply)
    if len(found) != 1 or "sender" in reply.lower() or _SENDER_ADDRESS.search(reply):
        return None
    if found & {m.group(1).lower() for m in _SENDER_FOLDED.finditer(body[:5000])}:
        return None
    address = found.pop()
    return None if _CONTACT.search(address) else address


def _sentence_recipient(body: str) -> str | None:
    """The recipient of a one-failure text: named in a sentence or a field, or the only address."""
    lowered = body.lower() if body.isascii() else None
    match = (  # the address is lower-cased anyway: found in lower-cased text, it is the same
        _SENTENCE_FOLDED.search(body, lowered)
        or _NAMED_FOLDED.search(body, lowered)
        or _FIELD_FOLDED.search(body, lowered)
        or (_REFUSED_MAP.search(body) if "{" in body else None)
    )
    if match:
        return match.group(1).lower().rstrip(".")
    addresses = {m.group(0).lower() for m in matches_near(EMAIL, "@", EMAIL_LOCAL_MAX, body[:5000])}
    senders = {m.group(1).lower() for m in _SENDER_FOLDED.finditer(body[:5000])}
    candidates = {a for a in addresses - senders - _contacts(body) if not _CONTACT.search(a)}
    return candidates.pop() if len(candidates) == 1 else None


def _remote(text: str) -> str | None:
    lowered = text.lower() if text.isascii() else None
    match = _HOST_SAID_FOLDED.search(text, lowered) or _REMOTE_HOST_FOLDED.search(text, lowered)
    # The host as written: its place in the text (where a lower-cased text's match is too).
    return text[match.start(1) : match.end(1)].rstrip(".") if match else None


_REFUSAL_REPLY = re.compile(r"(?<![\w.:])[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}(?![\w.])")
"""A refusal with its enhanced code ("550 5.1.1"), wherever it stands in a line."""


_LINE_REPLY = re.compile(r"^[ \t>*`•-]*[45]\d\d[ -](?=[^\W\d])", re.MULTILINE)
"""A line that opens with a refusal's reply code and its words ("421 mwinf5d40 ME Service ...")."""
_REPLY_DIGITS = re.compile(r"(?<!\d)[45]\d\d(?!\d)")


def _line_reply(body: str, start: int) -> re.Match[str] | None:
    """The first line opening with a refusal's reply code, when no code stands before it (a
    report's "#550-RPT-UNK: ..." line holds the reply, not its later "550 http://..." line)."""
    line = _LINE_REPLY.search(body, start)
    first = _REPLY_DIGITS.search(body, start)
    if line is None or first is None or first.start() < line.start():
        return None
    return line


def _refusal_code(codes: Codes) -> bool:
    return (codes.reply_code or codes.status or "2")[0] in "45"


_PAIR_ANYWHERE = re.compile(r"\b([245]\d\d)[ -]([245]\.\d{1,3}\.\d{1,3})\b")
_PAIR_DOTS_AT = 5
"""Where in a match of _PAIR_ANYWHERE ("550 5.7.1") CODE_DOTS (".7.1") starts."""


_SENTENCE_END = ".:;!?)]>'\""


def fold_inline_continuations(text: str) -> str:
    """Drop the repeated `550-5.7.26` prefixes a multi-line reply leaves inside one folded line.

    When the words before the first prefix stop mid-sentence and the prefix recurs, the paste lost
    the first line's code ("...this message is 421-4.7.0 suspicious due to..."): the code is put
    back in front, so the reply reads whole."""
    first = next(matches_near(_PAIR_ANYWHERE, CODE_DOTS, _PAIR_DOTS_AT, text), None)
    if not first:
        return _fold_bare_code_continuations(text)
    code, status = first.groups()
    before, tail = text[: first.start()].rstrip(), text[first.end() :]
    recurs = f" {code}-{status}" in tail or f" {code} {status}" in tail
    for joiner in ("-", " "):
        tail = tail.replace(f" {code}{joiner}{status} ", " ").replace(
            f" {code}{joiner}{status}", " "
        )
    if before and recurs and first.group(0)[3] == "-" and before[-1] not in _SENTENCE_END:
        return f"{code} {status} {before} {tail.lstrip()}"
    if recurs:  # "550-5.7.1 ... 550 5.7.1 ...": one reply, quoted under its final code line's form
        return f"{text[: first.start()]}{code} {status}{tail}"
    return text[: first.end()] + tail


_LEADING_CODE = re.compile(r"([45]\d\d)[ -](?=\S)")


def _fold_bare_code_continuations(text: str) -> str:
    """`554-a 554-b 554 c`, a multi-line reply without enhanced codes folded into one line,
    becomes `554 a b c`. Only when it opens with `554-` or a `554-` marker recurs: a lone ` 554 `
    may be the words'."""
    lead = _LEADING_CODE.match(text)
    if not lead:
        return text
    code = lead.group(1)
    tail = text[lead.end() :]
    marker = f" {code}-"
    last = tail.rfind(marker)
    if last == -1 and not (text[3] == "-" and f" {code} " in tail):
        return text
    head, rest = (tail[:last], tail[last + len(marker) :]) if last != -1 else ("", tail)
    final = rest.find(f" {code} ")
    if final != -1:  # the reply's last line, `554 c`
        rest = rest[:final] + " " + rest[final + len(code) + 2 :]
    parts = (head.replace(marker, " ").strip(), rest.strip())
    return f"{code} " + " ".join(part for part in parts if part)
