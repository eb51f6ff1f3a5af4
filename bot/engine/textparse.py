"""Plain-text side of bounce parsing: clean-up, SMTP continuation lines, per-recipient blocks."""

from __future__ import annotations

import re

from bot.engine.contains import any_in
from bot.engine.extract import is_final_report, says_gave_up, says_retrying, server_reply
from bot.engine.folded import Folded
from bot.engine.jsonreport import json_report, looks_like_json_report
from bot.engine.lazyre import lazy
from bot.engine.parsed import Failure, ParsedMessage
from bot.engine.queuelists import (
    accounting_failures,
    looks_like_accounting,
    looks_like_queue_listing,
    queue_listing_failures,
    with_qmail_words,
)
from bot.engine.recipients import (
    CONTACT,
    GENERATED_RCPT,
    SENTENCE_FOLDED,
    only_address,
    recipient_header,
    remote_host,
    sentence_recipient,
)
from bot.engine.replylines import CODE_LINE, FINDING_LABEL, LABELLED_FOLDED, diagnostic_lines
from bot.engine.smtpcodes import CODE_DOTS, Codes, find_codes
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

_QUOTE = lazy(r"^[ \t]*>(?!>>)[ \t]?", re.MULTILINE)
_SLACK_LINK = lazy(r"<(?:mailto:)?([^<>|\s]+)\|([^<>]+)>")
# SMTP session transcripts (swaks and similar): "<-  250 ...", " -> RCPT TO:", "<** 550-...".
_TRANSCRIPT = lazy(r"^(?:[ \t]*(?:<-|->|<\*\*|\*\*>|<~|~>)[ \t]+|===[ \t].*$)", re.MULTILINE)
_CONTINUATION = lazy(r"^[ \t]*([245]\d\d)-(.*)$")
_ANY_CONTINUATION = lazy(r"^[ \t]*[245]\d\d-", re.MULTILINE)
"""Where _CONTINUATION matches a line, this finds it in the whole text (one search, not one a line)."""
_LATER_CONTINUATION = lazy(r"\n[ \t]*[245]\d\d-")
"""_ANY_CONTINUATION after the first line: led by a literal, this search skips from line break to
line break instead of trying every position."""


_BREAK_TAG = lazy(r"<br\s*/?>", re.IGNORECASE)
_MARKDOWN_LINK = lazy(r"\[([^\[\]\n]{1,300})\]\((?:mailto:|https?://)[^()\s]{1,500}\)")
"""`[<bob@x>](mailto:bob@x)`, `[https://x/y](https://x/y)`: the words shown, once."""
_LIST_FOOTER = lazy(
    r"^[ \t>]*_{20,}[ \t]*\n[ \t>]*[^\n]{0,120}\bmailing list\b[^\n]*"
    r"(?:\n[ \t>]*[^\n]{0,200}?(?:@|https?://|unsubscribe|listinfo)[^\n]*){0,4}",
    re.MULTILINE | re.IGNORECASE,
)
"""A list manager's footer under a post ("____", "xyz mailing list", its address, its page):
not part of a bounce the post quotes."""


_ARCHIVE_SCRUB = lazy(
    r"^-{5,} next part -{5,}[ \t]*$|Skipped content of type [\w/.+-]+?(?=-{5,}|\s|$)|"
    r"^An? [\w -]{1,40} was scrubbed\.\.\.(?:\n(?:From|Subject|Date|Size|Url|Name|Type|Desc): [^\n]*){0,8}",
    re.MULTILINE | re.IGNORECASE,
)
"""What a list archiver (Mailman's pipermail) writes where it dropped a part of a message: its
notes are no server's words."""


def clean_text(text: str) -> str:
    """Normalise line ends, remove e-mail quoting and chat escaping, join multi-line SMTP replies."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text and ";" in text:
        import html  # (~1.5 ms to import: only for text that may hold entities)

        text = html.unescape(text)
    if "<br" in text or "<BR" in text:  # a chat client's line breaks as markup (Teams)
        text = _BREAK_TAG.sub("\n", text)
    if "\uff1a" in text:  # CJK reports' full-width colon ("收件人：bob@x") is a field's colon
        text = text.replace("\uff1a", ": ")
    if "|" in text and "<" in text:
        text = _SLACK_LINK.sub(r"\2", text)
    if "](" in text:  # a Markdown link a forum or tracker made of an address or URL
        text = _MARKDOWN_LINK.sub(r"\1", text)
    if "\\n" in text and text.count("\n") < 3:  # a log line with its newlines escaped
        text = text.replace("\\n", "\n")
    if "scrubbed..." in text or "Skipped content of type" in text:
        text = _ARCHIVE_SCRUB.sub("", text)
    if "mailing list" in text and "_" * 20 in text:
        text = _LIST_FOOTER.sub("", text)
    if "\n<-" in text or "\n->" in text or "\n ->" in text:
        text = _TRANSCRIPT.sub("", text)
    quoted = quoted_lines(text) if ">" in text else 0
    if quoted and quoted * 2 >= sum(1 for line in text.split("\n") if line.strip()):
        for _ in range(4):  # "> > >" nesting
            text = _QUOTE.sub("", text)
    if len(text) > MAX_LINE_CHARS:
        text = _cut_long_lines(text)
    if not (_ANY_CONTINUATION.match(text) or _LATER_CONTINUATION.search(text)):
        return text
    return "\n".join(join_continuations(text.split("\n")))


def _cut_long_lines(text: str) -> str:
    """The text with each line cut to MAX_LINE_CHARS (split and joined only when one is longer)."""
    lines = text.split("\n")
    if max(map(len, lines)) <= MAX_LINE_CHARS:
        return text
    return "\n".join(line[:MAX_LINE_CHARS] for line in lines)


_QUOTED_FIRST = lazy(r"[^\S\n]*>(?!>>)")
_QUOTED_LATER = lazy(r"\n[^\S\n]*>(?!>>)")


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


_LOCAL_FORWARDS = (
    "weitergeleitete nachricht|ursprüngliche nachricht|message transféré|message d'origine|"
    "mensaje reenviado|mensaje original|mensagem encaminhada|mensagem original|"
    "messaggio inoltrato|messaggio originale|doorgestuurd bericht|oorspronkelijk bericht|"
    "i̇letilen ileti|iletilen ileti|przekazana wiadomość|пересылаемое сообщение|"
    "исходное сообщение|転送メッセージ|转发的邮件"
)
"""Mail clients' forward and reply separators in the languages notices come in (Gmail's,
Outlook's), between dashes as in "---------- Forwarded message ----------"."""
_FINDING = lazy(FINDING_LABEL, re.IGNORECASE)
_ORIGINAL_MARKERS = lazy(
    r"\n[ \t]{0,20}(?:original message headers:?|-{0,40} ?This is a copy of (?:the|your) message|"
    r"-{0,40} ?The header of the original message is following|Original-Envelope-Id:|"
    r"[- ]{0,40}Below this line is a copy of the message|Text of returned message follows|"
    r"Original message follows|-{2,40} ?(?:original|returned|forwarded) message ?-{2,40}|"
    r"-{2,40} ?Inline attachment follows ?-{2,40}|"  # Exchange 5.5/2000, its attachment as text
    rf"-{{2,40}} ?(?:{_LOCAL_FORWARDS}) ?-{{2,40}}|"
    r"-{0,40} ?The header and top \d+ lines of the message follows?|"
    r"\|?-{2,40} ?Message (?:text|header) follows:? ?-{2,40}\|?$|"
    r"Message (?:headers|contents) follows?[.:][ \t]*$|"  # MailEnable, DragonFly
    r"Kopfzeilen der ursprünglichen Nachricht:|En-têtes du message d'origine :)",
    re.IGNORECASE | re.MULTILINE,
)
"""Where a bounce's copy of the original message starts: a marker line. Searched for after a
line break, in the text with one put before it (a marker on the first line is found too): the
regex engine then skips from one line break to the next, where `^` would have it try every
place."""


_ORIGINAL_CUES = (
    "original message",
    "returned message",
    "forwarded message",
    "copy of",
    "original-envelope-id:",
    "inline attachment follows",
    "lines of the message",
    "message text follows",
    "message header follows",
    "message headers follow",
    "message contents follow",
    "mensaje",
    "mensagem",
    "messaggio",
    "bericht",
    "nachricht",
    "message d'origine",
)
"""Words each ASCII match of _ORIGINAL_MARKERS contains (the German and French ones are not ASCII)."""


_ORIGINAL_FOLDED = Folded(_ORIGINAL_MARKERS)


_FORWARD_MARKER = lazy(
    rf"-{{2,40}} ?(?:original message|forwarded message|{_LOCAL_FORWARDS}) ?-{{2,40}}",
    re.IGNORECASE,
)
"""A mail client's forward or reply separator (not a bounce's own "copy of your message")."""
MAX_FORWARDS = 3
_FORWARD_HEADERS = lazy(r"\A\s*(?:[^\W\d][\w-]{0,20}:[ \t][^\n]*\n){2,8}")
"""The header lines a mail client writes below its forward separator ("From: ...", "Date: ...",
"Subject: ...", in the client's language)."""


def split_original(text: str) -> tuple[str, str]:
    """Cut the copy of the original message off a bounce; returns (report, original). A bounce
    forwarded below a note ("Hi IT, see below" over "-----Original Message-----") is the report,
    not the note above it."""
    for _ in range(MAX_FORWARDS):
        lowered = None
        if text.isascii():  # then IGNORECASE matches exactly what lower() finds
            lowered = text.lower()
            if not any_in(lowered, _ORIGINAL_CUES):
                return text, ""
        # In the text with a line break before it: the marker starts after the match's line
        # break, so where the match starts in that text is where the marker starts in this one.
        match = _ORIGINAL_FOLDED.search(f"\n{text}", lowered and f"\n{lowered}")
        if not match or match.start() < 20:
            return text, ""
        before, after = text[: match.start()], text[match.end() - 1 :]
        if not (
            _FORWARD_MARKER.search(match.group(0))
            and _names_no_code(before)
            and (not _names_no_code(after) or _reports_failure(after, before))
        ):
            return before, after
        # its quoting is judged on its own ("> " below a note), without the forward's headers
        text = _FORWARD_HEADERS.sub("", clean_text(after), count=1)
    return text, ""


def _reports_failure(forwarded: str, note: str) -> bool:
    """A forwarded text that reads as a failure report or a delay notice under a note that does
    not."""
    head = forwarded[:5000]
    return (is_final_report(head) or says_retrying(head)) and not (
        is_final_report(note) or says_retrying(note)
    )


def _names_no_code(text: str) -> bool:
    codes = find_codes(text[:20_000])
    return codes.reply_code is None and codes.status is None


# ---------------------------------------------------------------- failures in text


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
    body = with_qmail_words(body)
    if looks_like_queue_listing(body):
        return queue_listing_failures(body) or failures_from_text(body)
    if looks_like_accounting(body):
        return accounting_failures(body) or failures_from_text(body)
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


_NOTICE_TITLE = lazy(
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


def _counts_at_least(text: str, words: tuple[str, ...], least: int) -> bool:
    """Whether the words occur `least` times in all in the text (counted until there are)."""
    found = 0
    for word in words:
        found += text.count(word)
        if found >= least:
            return True
    return False


def failures_from_text(body: str) -> list[Failure]:
    """Split a plain-text report into one Failure per recipient it names; several notices
    pasted one after the other (an Exchange NDR, then Gmail's) are read one by one."""
    head = body[:MAX_NOTICES_TEXT]
    lowered = head.lower()
    titled = _counts_at_least(lowered, _TITLE_WORDS, 2)
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


_LOG_LINE = lazy(r"(?:\w{3} [ \d]\d \d\d:\d\d:\d\d |\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d|@4000)")
"""A log line's time stamp: syslog's, Exim's own, qmail's TAI64N."""


def _ends_log(line: str, block: list[str]) -> bool:
    """A line after an MTA's log lines (`block`, the recipient's so far) that is not one of
    them: no time stamp, no `name=value` field, and not the rest of a line a forum wrapped (one
    that opened a "(" not yet closed)."""
    if not line.strip() or _LOG_LINE.match(line) or "=" in line:
        return False
    text = "".join(block)
    reply = _LEADING_CODE.match(line.lstrip())
    if reply and f"{reply.group(1)}-" in text:
        return False  # the next line of a reply the log line began ("550-Verification for <x>")
    return text.count("(") <= text.count(")")


def _failures_of_notice(body: str) -> list[Failure]:
    blocks: dict[str, list[str]] = {}
    order: list[str | None] = []
    stated: set[str] = set()  # recipients whose own line gives the reason ("<bob@x>: ...")
    current: str | None = None
    in_log = False  # the current block is an MTA's log: only more log lines belong to it
    preamble: list[str] = []
    logs_success = "=sent" in body or "=Sent" in body or "dsn=2." in body  # (no lower-casing)
    lines = body.split("\n")
    for at, line in enumerate(lines):
        previous = lines[at - 1] if at else ""
        if logs_success and _SUCCESS_LOG.search(line):
            current = None  # a log line of a delivery (the bounce itself going back): no failure
            continue
        if in_log and current is not None and _ends_log(line, blocks[current]):
            current, in_log = None, False  # the asker's words after the log lines
        rcpt, rest = recipient_header(line) if "@" in line else (None, "")
        if rcpt is not None and previous.lstrip().startswith("pipe to |"):
            # Exim's failed pipe delivery ("generated by bob@x" under "pipe to |/usr/bin/x"):
            # the whole notice, the program's own output with it, says what failed
            rcpt = None if GENERATED_RCPT.match(line) else rcpt
        if rcpt is not None:
            current = rcpt
            in_log = bool(rest) and _LOG_LINE.match(line) is not None
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
        lines = [r for r in order if r is not None and not CONTACT.search(r)]
        recipient = sentence_recipient(body) or (lines[0] if len(lines) == 1 else None)
        labelled = LABELLED_FOLDED.search(body)  # a long report's own pointer to the reply
        start = labelled.start() if labelled else 0
        diagnostic = fold_inline_continuations(diagnostic_lines(_from_label(body, labelled)))
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
            recipient = only_address(server_reply(diagnostic), body)  # "554 5.7.1 <bob@x>: ..."
        return [
            Failure(
                recipient, diagnostic, codes.status, codes.reply_code, remote_mta=remote_host(body)
            )
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
                block = f"{_from_label(above, labelled)}\n{block}"
        diagnostic = fold_inline_continuations(diagnostic_lines(block) or " ".join(block.split()))
        codes = find_codes(diagnostic)
        failures.append(
            Failure(rcpt, diagnostic, codes.status, codes.reply_code, remote_mta=remote_host(block))
        )
    return failures


def _from_label(text: str, labelled: re.Match[str] | None) -> str:
    """The text from the line where a report quotes the reply (all of it when none does); a virus
    scanner's finding is its line alone (a signature or advice follows it)."""
    if labelled is None:
        return text
    line = text[labelled.start() :].split("\n", 1)[0]
    if _FINDING.match(line.lstrip(" \t>")):
        return line
    return text[labelled.start() :]


def _notices(body: str) -> list[Failure]:
    """Several notices pasted one after the other, each naming its recipient in a sentence
    ("There was a problem delivering your message to eva@x"): a failure for each, or [] when the
    text holds fewer than two such notices with a code each."""
    starts: dict[str, int] = {}
    for match in SENTENCE_FOLDED.finditer(body[:MAX_NOTICES_TEXT]):
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
        diagnostic = fold_inline_continuations(diagnostic_lines(_from_label(segment, labelled)))
        codes = find_codes(diagnostic)
        action = _notice_action(segment)
        failures.append(
            Failure(
                address,
                diagnostic,
                codes.status,
                codes.reply_code,
                action=action,
                remote_mta=remote_host(segment),
            )
        )
    return failures


MAX_NOTICES_TEXT = 50_000
"""How far into a paste notices are looked for."""


_SUCCESS_LOG = lazy(r"\b(?:stat=Sent\b|status=sent \(|dsn=2\.\d)")
"""An MTA log line of a delivery (Sendmail's `stat=Sent`, Postfix's `status=sent (`)."""

_REFUSAL_REPLY = lazy(r"(?<![\w.:])[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}(?![\w.])")
"""A refusal with its enhanced code ("550 5.1.1"), wherever it stands in a line."""


_LINE_REPLY = lazy(r"^[ \t>*`•-]*[45]\d\d[ -](?=[^\W\d])", re.MULTILINE)
"""A line that opens with a refusal's reply code and its words ("421 mwinf5d40 ME Service ...")."""
_REPLY_DIGITS = lazy(r"(?<!\d)[45]\d\d(?!\d)")


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


_PAIR_ANYWHERE = lazy(r"([245](?<!\w.)\d\d)[ -]([245]\.\d{1,3}\.\d{1,3})\b")
"""A reply code and status ("550 5.7.1") that start a word. It starts with the digit it takes
and looks back past it for the word's start, so that a search skips to the next such digit."""
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


_LEADING_CODE = lazy(r"([45]\d\d)[ -](?=\S)")


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
