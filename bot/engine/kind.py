"""What kind of message is this: a bounce, an automatic reply, a complaint report, a success notice?"""

from __future__ import annotations

import re

from bot.engine.contains import any_in
from bot.engine.detect import has_bounce_structure
from bot.engine.folded import Folded
from bot.engine.lazyre import lazy
from bot.engine.parsed import ParsedMessage

# Subjects and opening lines that bounce generators use, in the languages users paste.
BOUNCE_SUBJECT = lazy(
    r"(?=[urmfdwnbcé配未н退投系k无\"])(?:"  # what its alternatives start with: one look a place, not a try of each
    r"undeliver|undelivered mail|returned mail|mail delivery (?:failed|failure|subsystem|problem)|"
    r"mail failure|failure delivering|failed delivery|delivery (?:failed|failure|problem)|"
    r"delivery status notification|warning: message .{0,200}delayed|delayed mail|"
    r"nondeliverable|delivery report|\bbounced? (?:mail|message|notice)|"
    r"delivery status notification \((?:failure|delay)\)|delivery failure|failure notice|"
    r"non[- ]?delivery|delivery has failed|could\s+not\s+be\s+delivered|couldn't\s+be\s+delivered|"
    r"message not delivered|delivery incomplete|message you(?:'ve| have)? sent cannot be delivered|"
    r"delivery is delayed to these recipients|delivery delayed:|"
    r"nicht zustellbar|unzustellbar|non remis|"
    r"échec de (?:la )?remise|no se puede entregar|no entregado|non recapitabile|mancato recapito|"
    r"não (?:foi possível )?entreg|配信(?:不能|エラー|失敗)|未送達|не доставлено|недоставлен|"
    r"退信|投递失败|未能送达|系统退信|"
    r"(?:wasn't|was not|were not|unable to|could not|couldn't) (?:able to )?deliver|"
    r"n'a pas pu être (?:distribué|remis)|konnte nicht zugestellt werden|"
    r"no (?:se )?(?:ha )?pud(?:o|ieron) (?:ser )?entregar|non è stato possibile recapitare|"
    r"não (?:pôde|foi possível) ser entregue|配信できませんでした|не (?:может быть|удалось) достав|"
    r"无法(?:送达|投递)|\"notificationtype\"\s*:\s*\"bounce\"|"
    r"(?:kan|kon) niet (?:worden )?afgeleverd|onbestelbaar|kunde inte levereras|kunne ikke leveres"
    r")",
    re.IGNORECASE,
)
_BOUNCE = Folded(
    BOUNCE_SUBJECT,
    guards=("deliver", "returned mail", "mail failure", "delayed", "bounce", "failure notice",
            "zustellbar", "zugestellt", "non remis", "entreg", "recapit", "afgeleverd",
            "onbestelbaar", "levereras", "leveres"),
)  # fmt: skip


def says_bounce(text: str) -> bool:
    """Whether BOUNCE_SUBJECT finds bounce wording in the text."""
    return _BOUNCE.search(text) is not None


# Who sends bounces: a mailer daemon, postmaster or "Mail Delivery System/Subsystem".
DAEMON = lazy(
    r"mailer[-_ ]?daemon|\bpostmaster@|mail delivery (?:system|subsystem|service)|"
    r"\bmail administrator\b|\bmaildelivery@|\bbounces?@|\bMAILER@",
    re.IGNORECASE,
)
VACATION = lazy(
    r"^(?:[\w!.-]+ )?(?:automatic reply|auto(?:matische)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|"
    r"abwesenheit|réponse automatique|absence|respuesta automática|fuera de la oficina|"
    r"risposta automatica|fuori sede|resposta automática|ausente|自動応答|自動返信|不在|"
    r"автоответ|автоматический ответ|自动回复|(?:e-?mail[ -])?(?:empfangs|eingangs)bestätigung|"
    r"accusé de réception automatique|acuse de recibo automático|"
    # Outlook's "Automatic reply:" in more of its languages (nl, sv, da/nb, pl, cs, zh, ko)
    r"automatisch antwoord|automatiskt svar|automatisk svar|automatyczna odpowiedź|"
    r"automatická odpověď|自动答复|自動回覆|자동 회신)",
    re.IGNORECASE,
)
VACATION_BODY = lazy(
    r"(?=[iwjesnf])(?:"  # what its alternatives start with: one look a place, not a try of each
    r"\b(?:i am|i'm|i will be) (?:currently )?(?:out of (?:the )?office|on (?:annual )?leave|"
    r"away from (?:the|my) office|on vacation|on holiday)|\bwith limited access to (?:e-?mail|my email)|"
    r"ich bin (?:bis|vom|derzeit|zurzeit) .{0,40}(?:abwesend|nicht im büro|im urlaub)|"
    r"je suis (?:absent|absente)|estoy fuera de la oficina|sono fuori (?:ufficio|sede)|"
    r"not checking (?:my )?e-?mail|filed for future reading"
    r")",
    re.IGNORECASE,
)
_VACATION_BODY = Folded(
    VACATION_BODY,
    guards=("i am", "i'm", "i will be", "with limited access", "ich bin", "je suis",
            "estoy fuera", "sono fuori", "not checking", "filed for future reading"),
)  # fmt: skip
FEEDBACK_SUBJECT = lazy(r"^complaint about message from\b", re.IGNORECASE)
"""Microsoft's junk-mail reports (JMRP) carry no report part, only this subject."""
FEEDBACK = lazy(
    r"^feedback-type:\s*\w+|this is an? (?:e-?mail )?abuse report|\barf report\b|"
    r"we (?:have )?received an? (?:spam |abuse )?complaint\b|"  # an abuse desk's own letter
    r"^report domain:.{1,200}submitter:|<feedback>\s*<report_metadata>|dmarc (?:forensic|failure) report",
    re.IGNORECASE | re.MULTILINE,
)
DELIVERED = lazy(
    r"(?=[drsym])(?:"  # what its alternatives start with: one look a place, not a try of each
    r"delivery status notification \((?:success|relay)\)|^delivered:|^relayed:|"
    r"delivery notification: delivery has been successful|"  # Sun's Internet Mail Server
    r"successful mail delivery report|successfully relayed to the following recipients|"
    r"your message (?:has been|was) (?:successfully )?delivered|"
    r"delivery to (?:these|the following) recipients or groups is complete|"
    r"message was delivered to the following recipient|^read:|"
    r"delivery to the following recipients? (?:was|has been) completed"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
_DELIVERED = Folded(DELIVERED, guards=("deliver", "relayed", "read:"))
_FEEDBACK_GUARDS = ("feedback-type", "abuse report", "arf report", "report domain", "<feedback>",
                    "forensic report", "failure report", "received a", "received an")  # fmt: skip
"""Lower-case words one of which FEEDBACK needs: the regex runs only when one is there."""


def _may_be_feedback(head: str) -> bool:
    lowered = head.lower()
    return any_in(lowered, _FEEDBACK_GUARDS)


SUCCESS_ACTIONS = frozenset({"delivered", "relayed", "expanded"})


_LIST_HELD = lazy(
    r"is\s+being\s+held\s+until\s+the\s+list\s+moderator|awaits\s+moderator\s+approval"
)
"""A list manager's notice that a post waits for its moderator (Mailman 2 and 3), in lower case:
nothing failed (yet)."""
_LIST_OWNER_NOTICE = lazy(
    r"your\s+authorization\s+is\s+requested|content\s+filtering\s+rules\s+and\s+was\s+prevented|"
    r"has\s+been\s+automatically\s+discarded|subscription\s+request\s+has\s+been\s+rejected|"
    r"results\s+of\s+your\s+email\s+command"
)
"""What a list's own address writes where nothing failed: requests to the owner, a discarded
post's note, a refused subscription, command results (Mailman 2 and 3), in lower case."""
_LIST_REJECTION = lazy(
    r"has\s+been\s+rejected\s+by\s+the\s+list\s+moderator|"
    r"mailing[- ]list\s+was\s+rejected\s+for\s+the\s+following|"
    r"your\s+message\s+has\s+been\s+rejected,\s+probably\s+because\s+you\s+are\s+not\s+subscribed|"
    r"you\s+are\s+not\s+allowed\s+to\s+post\s+to\s+this\s+mailing\s+list|"
    r"was\s+not\s+accepted\s+by\s+the\s+moderator|returned\s+post\s+for\s"
)
"""A list manager returning a post it refused (Mailman 2 and 3, ezmlm), in lower case."""
_LIST_ROLES = ("-owner@", "-bounces@", "-request@", "-admin@", "-help@")
"""A list's role addresses ("devel-owner@lists.x"): the list is the part before the role."""
_LIST_NAME = lazy(r"[\w.+]{1,64}$")
_LIST_DOMAIN = lazy(r"[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,8}")
MAX_BARE_REJECTION = 400
"""How long Mailman 2's bare return of a refused post (its reason alone) may be."""


def list_address(parsed: ParsedMessage) -> str | None:
    """The list a list manager's notice speaks for, from its sender ("devel-owner@x": devel@x)."""
    sender = parsed.sender.lower()
    for role in _LIST_ROLES if "-" in sender else ():
        at = sender.find(role)
        name = _LIST_NAME.search(sender, 0, at) if at > 0 else None
        domain = _LIST_DOMAIN.match(sender, at + len(role)) if name else None
        if name and domain:
            return f"{name.group(0)}@{domain.group(0)}"
    return None


def list_notice(parsed: ParsedMessage) -> bool | None:
    """True for a list manager returning a refused post, False for its notices where nothing
    failed (holds, owner requests), None for anything else."""
    if parsed.report_type:
        return None
    lowered = f"{parsed.subject}\n{parsed.text[:1500]}".lower()
    listed = list_address(parsed)
    if listed or "moderat" in lowered or "mailing" in lowered or "returned post" in lowered:
        if _LIST_HELD.search(lowered) or (listed and _LIST_OWNER_NOTICE.search(lowered)):
            return False
        if _LIST_REJECTION.search(lowered):
            return True
    # Mailman 2 returns a refused post with its reason alone, from the list's owner address
    return (
        True
        if parsed.attached
        and "-owner@" in parsed.sender.lower()
        and len(parsed.text.strip()) <= MAX_BARE_REJECTION
        and listed
        else None
    )


_WORM_DECOY = lazy(
    r"^(?:Mail transaction failed\. Partial message is available\.|"
    r"The message contains Unicode characters and has been sent as a binary attachment\.|"
    r"The message cannot be represented in 7-bit ASCII encoding and has been sent as a binary "
    r"attachment\.)\s*$",
    re.MULTILINE,
)
"""The whole body MyDoom-family worms send under a bounce-like subject (the worm is attached)."""
_WORM_DECOY_WORDS = ("Partial message is available.", "sent as a binary attachment.")
"""One of which every match of _WORM_DECOY holds: most texts are passed over without it."""


def message_kind(parsed: ParsedMessage, listed: bool | None) -> str:
    """One of: bounce, vacation, feedback, delivered, other (failures decide 'bounce' later).
    `listed`: what `list_notice` says of the message (its caller needs it too)."""
    head = parsed.text[:3000]
    if (
        parsed.report_type == "feedback-report"
        or (_may_be_feedback(head) and FEEDBACK.search(head))
        or FEEDBACK_SUBJECT.search(parsed.subject)
    ):
        return "feedback"
    failed = [f for f in parsed.failures if f.action not in SUCCESS_ACTIONS]
    if parsed.failures and not failed and all((f.status or "2")[0] == "2" for f in parsed.failures):
        return "delivered"
    if parsed.report_type == "disposition-notification":
        refused = any(f.action == "failed" for f in parsed.failures)  # a Sieve reject
        return "bounce" if refused else "delivered"  # (else a receipt)
    if (
        parsed.report_type != "delivery-status"
        and any_in(head, _WORM_DECOY_WORDS)
        and _WORM_DECOY.search(head)
    ):
        return "other"  # a mass-mailing worm's message dressed as a bounce, its copy attached
    subject = parsed.subject
    if listed is not None:
        return "bounce" if listed else "other"  # a list manager's refusal, or its other notices
    success_subject = _DELIVERED.search(subject) is not None
    reported = any(f.action in ("failed", "delayed") for f in parsed.failures)
    if success_subject and not (parsed.failed_header or reported or _has_failure_code(parsed)):
        return "delivered"  # a postmaster's "Delivery Status Notification (Relay)"
    if parsed.failed_header or says_bounce(subject):
        return "bounce"
    is_report = parsed.report_type == "delivery-status" or _has_failure_code(parsed)
    # Postfix marks its bounces auto-replied too, hence the report check.
    auto_reply = (
        parsed.auto_submitted.startswith("auto-replied") or parsed.autoreply_header
    ) and not is_report
    if auto_reply and VACATION.search(subject):
        return "vacation"  # relayed from a bounce address (Amazon SES forwards auto-replies so)
    if DAEMON.search(parsed.sender):
        return "bounce"
    if auto_reply:
        return "vacation"
    if VACATION.search(subject) or (not parsed.failures and VACATION.search(head.lstrip()[:200])):
        return "vacation"
    if not _has_failure_code(parsed) and _VACATION_BODY.search(head):
        return "vacation"
    if success_subject or (not _has_failure_code(parsed) and _DELIVERED.search(head)):
        return "delivered"
    if says_bounce(head[:600]) or has_bounce_structure(head):
        return "bounce"
    return "other"


def _has_failure_code(parsed: ParsedMessage) -> bool:
    return any(
        (f.status and f.status[0] in "45") or (f.reply_code and f.reply_code[0] in "45")
        for f in parsed.failures
    )
