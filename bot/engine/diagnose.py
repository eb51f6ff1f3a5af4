"""The bounce engine: parsed message + knowledge -> Analysis (one Diagnosis per failed recipient)."""

from __future__ import annotations

import re

from bot.engine.analysis import Analysis, Diagnosis
from bot.engine.classify import Verdict
from bot.engine.codes import analyze_code, is_bare_code
from bot.engine.context import USUALLY_TEMPORARY, Context, is_temporary
from bot.engine.detect import TALK_MAX_CHARS, has_bounce_structure
from bot.engine.explanation import explanation_entry
from bot.engine.extract import (
    cause_behind_delay,
    says_gave_up_retrying,
    says_retrying,
    server_reply,
    smtp_stage,
)
from bot.engine.kind import DAEMON, SUCCESS_ACTIONS, list_address, list_notice, message_kind
from bot.engine.lazyre import lazy
from bot.engine.lexicon import Hit
from bot.engine.matcher import MAX_QUERY_CHARS, Matcher, MatchResult, detect_providers
from bot.engine.parse import parse
from bot.engine.parsed import Failure, ParsedMessage
from bot.engine.recipients import CONTACT
from bot.engine.replylines import CODE_LINE, diagnostic_lines
from bot.engine.talk import has_failure_wording, is_chat_talk
from bot.headers.fields import looks_like_headers
from bot.knowledge import Entry
from bot.reasons import NOT_FAILURES

STRONG_TEXT = 0.75
SURE = 0.8
"""A reason this confident is stated as known. Measured on the scored corpus splits: answers at
0.8 or more are right 92 % of the time, those between 0.6 and 0.8 only 70 %; below, the answer
says it is not sure and lists the closest entries."""
"""A text match this good makes plain text a bounce even without codes."""


def analyze(
    data: str | bytes,
    matcher: Matcher,
    *,
    asked: bool = False,
    parsed: ParsedMessage | None = None,
) -> Analysis:
    """Explain a pasted or uploaded message. Never raises for any input.

    `asked`: someone asked for this text to be explained (`/bounce TEXT`), so text with failure
    wording is diagnosed even when it does not look like a whole bounce. `parsed`: what
    `parse(data)` gives, made already (by the parse-ahead helper of a batch).
    """
    return _analyze(data, matcher, asked, attached=False, parsed=parsed)


def _analyze(
    data: str | bytes,
    matcher: Matcher,
    asked: bool,
    *,
    attached: bool,
    parsed: ParsedMessage | None = None,
) -> Analysis:
    """`analyze`; `attached`: the data is a message found inside another one (looked into once)."""
    if isinstance(data, str) and is_bare_code(data):
        return analyze_code(data, matcher)
    if not data.strip():
        return Analysis(
            "empty", False, (), notes=("There is nothing to explain: the input is empty.",)
        )
    if not asked and _is_talk(data, matcher):
        return Analysis("other", False, ())
    if parsed is None:
        parsed = parse(data)
    notes = tuple(parsed.notes)
    if parsed.binary:
        return Analysis("binary", False, (), parsed, notes)
    listed = list_notice(parsed)  # a list manager's refusal (True) or a notice of nothing failed
    kind = message_kind(parsed, listed)
    if kind == "other" and not asked and listed is False:
        return Analysis("other", False, (), parsed, notes)  # a held post, an owner's request
    if (
        kind in ("bounce", "other")
        and not attached
        and (_forwards_a_message(parsed) or _relays_a_report(parsed, kind))
    ):
        forwarded = _attached_bounce(parsed, matcher, asked)
        if forwarded is not None:
            return forwarded
    if kind in ("feedback", "vacation", "delivered"):
        return Analysis(kind, False, (_not_a_failure(kind, parsed),), parsed, notes)
    if kind == "other" and not asked and _header_block(data):
        # A pasted header block: its Authentication-Results words are verdicts, not a refusal.
        return Analysis("other", False, (), parsed, (*notes, HEADERS_NOTE))
    list_refused = kind == "bounce" and listed is True
    if (
        not parsed.failures
        and (asked or kind == "bounce")
        and (list_refused or has_failure_wording(parsed.text, matcher))
    ):
        # Failure wording in no layout the parser knows (a bounce's sentence pasted alone, a
        # report whose recipients are not listed, a list's refusal): the words are the diagnostic.
        parsed.failures.append(Failure(recipient=None, diagnostic=diagnostic_lines(parsed.text)))
    if list_refused:
        _name_the_list(parsed)
    context = Context(parsed)
    failures = [f for f in parsed.failures if f.action not in SUCCESS_ACTIONS]
    if asked:
        for failure in failures:
            success = SUCCESS_REPLY.match(failure.diagnostic.lstrip())
            if success and failure.reply_code is None and failure.status is None:
                failure.reply_code = success.group(1)  # "250 ok dirdel": a success, asked about
    diagnoses: list[Diagnosis] = []
    for failure in failures:
        diagnosis = diagnose_failure(failure, context, matcher)
        if (
            kind == "bounce"
            or _plausible(failure, diagnosis)
            or (asked and _server_code(failure))
            or (asked and has_failure_wording(failure.diagnostic or parsed.text, matcher))
        ):
            diagnoses.append(diagnosis)
    if kind == "bounce" and not diagnoses:
        recipient = failures[0].recipient if failures else None
        diagnoses.append(Diagnosis(None, "undefined", 0.0, False, recipient=recipient))
    diagnoses.sort(key=lambda d: (d.reason == "undefined", -d.confidence))
    if asked and not diagnoses:
        notes = (_nothing_matched(parsed.text, matcher), *notes)
    is_bounce = bool(diagnoses) and any(d.reason not in NOT_FAILURES for d in diagnoses)
    return Analysis("bounce" if is_bounce else "other", is_bounce, tuple(diagnoses), parsed, notes)


ATTACHED_NOTE = "Read from the bounce attached to this message (forwarded as an attachment)."


def _name_the_list(parsed: ParsedMessage) -> None:
    """A list manager's refusal names no recipient: the list itself refused the post."""
    address = list_address(parsed)
    for failure in parsed.failures:
        if failure.recipient is None or CONTACT.search(failure.recipient):
            failure.recipient = address  # not the owner address the notice asks to write to


def _forwards_a_message(parsed: ParsedMessage) -> bool:
    """A person's mail with a message attached ("Forward as attachment" of a bounce): no report
    of its own (delivery status, complaint, receipt) and no mail system's sender. The attached
    bounce is the evidence: a code in the person's note ("we got a 552 from another customer
    too") does not make the note the report."""
    return bool(parsed.attached) and not parsed.report_type and not DAEMON.search(parsed.sender)


def _relays_a_report(parsed: ParsedMessage, kind: str) -> bool:
    """A mail system's notice that says nothing itself (a gateway's footer) and carries the
    report it relays as an attached message (an Exchange NDR passed on by a mail gateway)."""
    return (
        kind == "bounce"
        and bool(parsed.attached)
        and not parsed.report_type
        and not any(f.recipient or f.reply_code or f.status or f.action for f in parsed.failures)
    )


def _attached_bounce(parsed: ParsedMessage, matcher: Matcher, asked: bool) -> Analysis | None:
    """The analysis of the first attached message that is a bounce with a reason."""
    for message in parsed.attached:
        found = _analyze(message, matcher, asked, attached=True)
        if found.is_bounce and any(d.reason != "undefined" for d in found.diagnoses):
            return Analysis(
                found.kind, True, found.diagnoses, found.parsed, (*found.notes, ATTACHED_NOTE)
            )
    return None


def _is_talk(data: str | bytes, matcher: Matcher) -> bool:
    """A chat line (text) the detector would not answer; or a file holding one such line that
    names no reason either ("the parcel was undeliverable"): a file given to `explain` that holds
    a server's sentence alone ("user is over quota") is explained."""
    if isinstance(data, str):
        return is_chat_talk(data, matcher)
    if len(data) > 4 * TALK_MAX_CHARS:
        return False
    line = data.decode("utf-8", "replace")
    return is_chat_talk(line, matcher) and not matcher.classifier.lexicon.hits(line)


def _header_block(data: str | bytes) -> bool:
    """A pasted header block and little else (decoded only for messages of no known kind)."""
    raw = data if isinstance(data, str) else data[:20_000].decode("utf-8", "replace")
    return looks_like_headers(raw, max_body=HEADERS_BODY)


def diagnose_failure(failure: Failure, context: Context, matcher: Matcher) -> Diagnosis:
    """One recipient's failure: its reason (classify), then the entry that explains it."""
    text = failure.diagnostic or failure.context or context.text[:2000]
    stage = smtp_stage(failure.diagnostic) or smtp_stage(failure.context) or context.stage
    ranked = matcher.match(text, failure.status, failure.reply_code, context.providers)
    verdict = _classify(text, failure, context, ranked, stage, matcher)
    temporary = is_temporary(failure, context, text)
    reason, confidence = _settle_reason(verdict, failure, context, text, temporary)
    if reason in RECIPIENT_ADDRESS_REASONS and (stage == "mail" or _about_the_sender(failure)):
        reason = "rejected"  # at MAIL FROM no recipient is known yet: a check of the sender
    elif reason == "hostunknown" and _unrouteable_at_home(text, failure.recipient, context):
        reason = "userunknown"
    quoted = server_reply(failure.diagnostic)  # the reply to quote, and whose words it holds
    if _delay_placeholder(failure, context):
        quoted = cause_behind_delay(context.text) or quoted
    elif verdict.hit is not None and len(quoted) > LONG_QUOTE and not CODE_LINE.search(quoted):
        quoted = _sentence_with(verdict.hit, quoted, matcher) or quoted
    replying = (
        detect_providers(f"{_REPORTERS_SUFFIX.sub('', quoted)} {failure.remote_mta or ''}")
        if failure.remote_mta or context.quotes_another_server
        else None
    )
    entry = explanation_entry(
        reason,
        ranked,
        matcher.kb,
        context.providers,
        failure.status,
        replying,
        temporary,
        failure.reply_code,
    )
    status, reply_code, inferred = failure.status, failure.reply_code, False
    if status is None and reply_code is None and entry is not None and verdict.step == "entry":
        status, reply_code = _entry_codes(entry)
        inferred = bool(status or reply_code)
    if temporary is None and verdict.step == "entry" and verdict.match is not None:
        temporary = verdict.match.entry.temporary  # what the matched entry knows of its text
    if temporary is None and reason not in NOT_FAILURES:
        temporary = reason in USUALLY_TEMPORARY  # no code, no wording: what such failures are
    certain = confidence >= SURE
    others = [m.entry for m in ranked.ranked if m.entry is not entry and not m.entry.fallback]
    if verdict.rival is not None:
        rival = explanation_entry(verdict.rival, ranked, matcher.kb, context.providers)
        if rival is not None and rival is not entry:
            others = [rival, *(e for e in others if e is not rival)]
    best = verdict.match
    return Diagnosis(
        entry=entry,
        reason=reason,
        confidence=confidence,
        certain=certain,
        status=status,
        reply_code=reply_code,
        recipient=failure.recipient,
        temporary=temporary,
        diagnostic=quoted,
        code_inferred=inferred,
        evidence=best.evidence if best else (verdict.hit.weight if verdict.hit else 0.0),
        alternatives=() if certain else tuple(others[:3]),
        step=verdict.step,
        stage=stage,
    )


def _classify(
    text: str,
    failure: Failure,
    context: Context,
    ranked: MatchResult,
    stage: str | None,
    matcher: Matcher,
) -> Verdict:
    verdict = matcher.classifier.classify(
        text, failure.status, failure.reply_code, ranked, stage, reply=failure.diagnostic
    )
    # A delay notice's X.4.7 ("400 4.4.7 Message delayed", Exchange's) is a placeholder, not an
    # expiry: the sender still retries, so the cause is in the report's own text.
    placeholder = _delay_placeholder(failure, context)
    vague = verdict.step in VAGUE_STEPS or (placeholder and verdict.step in ("code", "entry"))
    if vague and context.text.strip() and context.text[:2000] != text:
        # The server's words say nothing; the report's own text may (a human-readable part
        # that explains what the fields leave out).
        hit = matcher.classifier.lexicon.best(context.text[:MAX_QUERY_CHARS])
        if hit is not None and hit.weight >= REPORT_WEIGHT:
            return Verdict(hit.reason, "report", 0.6, hit=hit)
    return verdict


LONG_QUOTE = 200
"""A quote this long with no reply code is a notice's prose (a mail app's screen, a library's
exception): the sentence that decided the reason is quoted instead."""
_SENTENCE_BREAK = lazy(r"(?<=[.!?])\s+")


def _sentence_with(hit: Hit, text: str, matcher: Matcher) -> str | None:
    """The sentence of `text` in which the lexicon finds the phrase that decided the reason."""
    lexicon = matcher.classifier.lexicon
    sentences = _SENTENCE_BREAK.split(text)
    for i, sentence in enumerate(sentences):
        if any(found.phrase == hit.phrase for found in lexicon.hits(sentence, hit.phrase.stage)):
            if i and len(sentence) < SHORT_SENTENCE:  # "This could indicate a mail loop."
                return f"{sentences[i - 1]} {sentence}"  # with the sentence it comments on
            return sentence
    return None


SHORT_SENTENCE = 80


_REPORTERS_SUFFIX = lazy(r"\(in reply to [\w ]{2,20} command\)", re.IGNORECASE)
"""Postfix's note on the reply it quotes: the reporting MTA's words, not the replying server's
(a Dovecot LMTP reply quoted by Postfix is no Postfix refusal)."""


def _unrouteable_at_home(text: str, recipient: str | None, context: Context) -> bool:
    """Exim's bare "Unrouteable address" for an address of the reporting host's own domain: no
    router knew the user (for someone else's domain the same words mean it has no mail host)."""
    if recipient is None or "unrouteable address" not in text.lower():
        return False
    home, domain = context.reporting_domain, recipient.rpartition("@")[2].lower()
    return bool(home) and (home == domain or home.endswith("." + domain))


def _delay_placeholder(failure: Failure, context: Context) -> bool:
    """A delay notice's X.4.7 ("400 4.4.7 Message delayed"): no expiry, the sender retries."""
    delayed = failure.action == "delayed" or (failure.action is None and context.retrying)
    return delayed and (failure.status or "")[1:] == ".4.7"


def _settle_reason(
    verdict: Verdict, failure: Failure, context: Context, text: str, temporary: bool | None
) -> tuple[str, float]:
    """The verdict, unless the report's own course says more: expiry, delay, success."""
    code_class = (failure.reply_code or failure.status or "")[:1]
    retried_until_given_up = failure.action == "failed" and (failure.status or "")[:1] == "4"
    # Retried until the sender gave up: the reply or the report says so ("retry timeout
    # exceeded", "could not be delivered for 5 days", status X.4.7), or the report marks a 4.x.x
    # failure as final and the server's words name no cause of their own.
    queue_expired = retried_until_given_up and (
        (failure.status or "")[1:] == ".4.7" or context.expired
    )
    if temporary is False and (
        says_gave_up_retrying(text)
        or queue_expired
        or (retried_until_given_up and verdict.step in VAGUE_STEPS)
    ):
        return "expired", max(verdict.confidence, 0.8)
    delay_notice = failure.action == "delayed" or (
        temporary is True and (context.retrying or says_retrying(text))
    )
    if delay_notice and (
        verdict.step in VAGUE_STEPS or (verdict.step == "hint" and verdict.reason != "blocked")
    ):
        # Waiting in the queue, no cause named. A lone "blocked" does name one: the receiver is
        # holding back the sender's IP ("421 cmsmtp 192.0.2.7 blocked").
        return "expired", max(verdict.confidence, 0.6)
    if code_class == "2" and verdict.step in ("code", "generic"):
        return "delivered", verdict.confidence
    return verdict.reason, verdict.confidence


HEADERS_BODY = 500
"""A header block followed by more text than this is a message, and is read as one."""
HEADERS_NOTE = "These are message headers, not a bounce: `ndrbot headers` (or /headers) reads them."
SUCCESS_REPLY = lazy(r"(2[0-5]\d)[ -]")
"""A server's success reply opening the text (failure codes are found by smtpcodes)."""
VAGUE_STEPS = frozenset({"generic", "none", "stage"})
RECIPIENT_ADDRESS_REASONS = frozenset({"userunknown", "hostunknown", "notaccept"})
"""Reasons about an address: in reply to MAIL FROM they can only be about the sender's."""
SENDER_STATUSES = frozenset({"5.1.7", "5.1.8", "5.7.27", "4.1.7", "4.1.8", "4.7.27"})
"""Enhanced codes about the sender's address: bad syntax, bad system, null MX (RFC 3463, 7505)."""


def _about_the_sender(failure: Failure) -> bool:
    """The refusal names the sender's address as what it refused, whatever the stage."""
    return failure.status in SENDER_STATUSES or "sender address rejected" in (
        failure.diagnostic.lower()
    )


REPORT_WEIGHT = 0.8
"""A phrase this decisive in the report's own text explains a vague server reply."""


CLOSEST_MIN = 0.5


def _nothing_matched(text: str, matcher: Matcher) -> str:
    """What to say, honestly, when someone asked about text with no failure wording or code."""
    closest = [e.title for e, score in matcher.text_candidates(text)[:3] if score >= CLOSEST_MIN]
    said = (
        "Nothing in this text is failure wording or a server code ndrbot knows, so it cannot "
        "name a reason."
    )
    if closest:
        return f"{said} The closest entries: {'; '.join(closest)}."
    return f"{said} Paste the whole non-delivery report, or give the code (like 5.7.1)."


def _server_code(failure: Failure) -> bool:
    """A server's reply code or status: a failure (4xx/5xx) or, asked about, a success (2xx)."""
    return (failure.reply_code or "x")[0] in "245" or (failure.status or "x")[0] in "245"


def _plausible(failure: Failure, diagnosis: Diagnosis) -> bool:
    """Plain text unasked counts as a bounce only with failure wording, not a code-like number."""
    if failure.action:
        return True
    if diagnosis.step in ("entry", "lexicon", "generic") and diagnosis.evidence >= STRONG_TEXT:
        return True
    if diagnosis.step == "lexicon" and failure.reply_code is not None:
        return True
    return has_bounce_structure(failure.diagnostic) and diagnosis.step != "none"


def _entry_codes(entry: Entry) -> tuple[str | None, str | None]:
    """The one specific enhanced and reply code an entry names, when it names exactly one."""
    enhanced = [c for c in entry.codes if "." in c and not c.startswith("X")]
    replies = [c for c in entry.codes if "." not in c]
    return (enhanced[0] if len(enhanced) == 1 else None, replies[0] if len(replies) == 1 else None)


def _not_a_failure(kind: str, parsed: ParsedMessage) -> Diagnosis:
    recipient = parsed.failures[0].recipient if parsed.failures else None
    return Diagnosis(None, kind, 0.9, True, recipient=recipient)
