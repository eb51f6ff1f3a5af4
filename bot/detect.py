"""Is this chat message a pasted bounce? Cheap enough to run on every message in a channel.

Three stages, cheapest first: structural markers that only bounce reports carry (a reply code with
an enhanced code, DSN fields, MTA boilerplate); then, for longer prose only, a few words servers use
when they refuse mail, which admit a knowledge lookup of the text itself (Gmail's sentences are
pasted without their code). Talk *about* email ("did my mail bounce?", "the 5.7.1 meeting") passes
none of them.
"""

from __future__ import annotations

import re

from bot.matcher import Matcher

STRUCTURE = re.compile(
    r"(?<![\w.])[245]\d\d[ -]#?[245]\.\d{1,3}\.\d{1,3}(?![\w.]*\d)|"
    r"^\s*(?:diagnostic-code|final-recipient|original-recipient|remote-mta|reporting-mta)\s*:|"
    r"^\s*status:\s*[45]\.\d|^\s*action:\s*(?:failed|delayed)|"
    r"remote server returned|\bsaid:\s*[45]\d\d|\(in reply to (?:rcpt to|end of data|mail from) command\)|"
    r"smtp error from remote mail server|delivery has failed to these recipients|"
    r"mail delivery (?:subsystem|failed)|mailer-daemon@|undelivered mail returned to sender|"
    r"delivery status notification \((?:failure|delay|success)\)|the response from the remote server|"
    r"this is the mail system at host|\b(?:resolver\.adr|resolver\.rst|storedrv)\.|"
    r"does not like recipient|\(#[45]\.\d\.\d{1,3}\)|[-–] gsmtp\b|^\s*undeliverable:|"
    r"couldn't be delivered to|wasn't delivered to|could not be delivered to one or more|"
    r"permanent fatal errors|retry (?:timeout|time not reached)|^\s*(?:<<<|>>>)\s*[45]\d\d\b|"
    r"^\s*[45]\d\d[ -](?=.{0,120}\b(?:user|mailbox|recipient|relay|denied|rejected|blocked|"
    r"spam|policy|unknown|refused|quota|address)\b)|"
    r"^(?:automatic reply|auto(?:matische)?[ -]?(?:reply|antwort)|out of office)\s*:|"
    r"^feedback-type:|nicht zustellbar|unzustellbar|non remis|配信不能|未送達|退信|не доставлено",
    re.IGNORECASE | re.MULTILINE,
)
REFUSAL_WORDS = re.compile(
    r"does ?n[o']t exist|not exist|rejected|not accepted|denied|rate limited|blocked|"
    r"could ?n[o']t be delivered|could not be delivered|undeliverable|not found|unknown user|"
    r"user unknown|quota|mailbox (?:is )?full|refused|prohibit|unauthenticated|authenticat|"
    r"reputation|suspicious|exceeded|too large|size limit|relay|permission|not (?:permitted|allowed)|"
    r"temporarily|deferred|greylist|try again later|blocklist|blacklist|spam|policy|"
    r"existiert nicht|unbekannt|abgelehnt|n'existe pas|inconnu|rechaz|no existe|inesistente|"
    r"não existe|存在しません|見つかりません|不存在|не существует|отклонено",
    re.IGNORECASE,
)
MIN_PROSE_CHARS = 40
TEXT_MATCH_MIN = 0.8


def looks_like_bounce(text: str, matcher: Matcher | None = None) -> bool:
    """True when the message is (part of) a bounce report worth explaining unasked."""
    if len(text) < 12:
        return False
    head = text[:20_000]
    if STRUCTURE.search(head):
        return True
    if matcher is None or len(head) < MIN_PROSE_CHARS or head.rstrip().endswith("?"):
        return False
    if not REFUSAL_WORDS.search(head):
        return False
    candidates = matcher.text_candidates(head[:3000])
    return bool(candidates) and candidates[0][1] >= TEXT_MATCH_MIN
