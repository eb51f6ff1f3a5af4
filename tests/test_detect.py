"""'Is this a pasted bounce?' — positives in many formats, and talk about email that is not one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.detect import looks_like_bounce
from bot.engine.matcher import Matcher
from tests.test_parse import EXCHANGE, EXIM, GMAIL_MULTILINE, POSTFIX, QMAIL, SENDMAIL

CORPUS = Path(__file__).parent / "data" / "corpus"

PASTES = [
    GMAIL_MULTILINE,
    POSTFIX,
    EXIM,
    SENDMAIL,
    QMAIL,
    EXCHANGE,
    "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown in virtual mailbox table",
    "Remote Server returned '554 5.7.1 Message rejected'",
    "Diagnostic-Code: smtp; 550 5.7.1 Blocked",
    "Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.1.1",
    "Sorry, no mailbox here by that name. (#5.1.1)",
    "Undeliverable: quarterly report",
    # a mail library's exception around the server's refusal, in a stack trace
    "org.springframework.mail.MailSendException: Failed messages:\n"
    "org.eclipse.angus.mail.smtp.SMTPSendFailedException: 553 Mail from must equal authorized user\n"
    "        at org.springframework.mail.javamail.JavaMailSenderImpl.doSend(JavaMailSenderImpl.java:453)\n",
    # Exim's delay warning, pasted with the indentation of a quote
    "    This message was created automatically by mail delivery software.\n"
    "    A message that you sent has not yet been delivered to one or more of its\n"
    "    recipients after more than 24 hours on the queue on mx.example.org.\n",
    "host mx.example.net[198.51.100.4] said: 554 5.7.1 rejected (in reply to RCPT TO command)",
    # a reply under a short label in the asker's language
    "邮件推送的投递记录里这个地址一直失败： zhou@example.net\n错误信息: 559 Invalid rcptto\n"
    "这是对方邮箱的问题吗？",
    "Fehlermeldung: 550 Mailbox unavailable or access denied",
]

CHAT = [
    "did my mail to bob bounce?",
    "the 5.7.1 meeting moved to 3pm",
    "can someone check SPF for example.com",
    "550 people signed up for the webinar",
    "our DMARC is p=none, should we go to reject?",
    "mailbox full again for the sales shared inbox lol",
    "version 4.2.1 of the agent is out",
    "I got a bounce from gmail saying unauthenticated, any idea why?",
    "ok",
    "",
    "Please send the report to alice@example.com by Friday",
    "we moved MX to Exchange Online last week, all good so far",
    "Note: 404 user not found on the old website",  # a web status, not a mail server's
    "Ticket: 550 recipients on the invite list",
]


@pytest.mark.parametrize("text", PASTES)
def test_pasted_bounces_are_detected(text: str, matcher: Matcher) -> None:
    assert looks_like_bounce(text, matcher)


@pytest.mark.parametrize("text", CHAT)
def test_talk_about_email_is_not_a_bounce(text: str, matcher: Matcher) -> None:
    assert not looks_like_bounce(text, matcher)


def test_known_bounce_sentence_without_any_code(matcher: Matcher) -> None:
    sentence = (
        "The email account that you tried to reach does not exist. Please try double-checking "
        "the recipient's email address for typos or unnecessary spaces."
    )
    assert looks_like_bounce(sentence, matcher)


def test_false_positive_rate_on_ordinary_chat(matcher: Matcher) -> None:
    lines_file = CORPUS / "chat_lines.txt"
    if not lines_file.exists():
        pytest.skip("chat corpus not present")
    lines = [line for line in lines_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    hits = [line for line in lines if looks_like_bounce(line, matcher)]
    assert len(hits) <= len(lines) * 0.01, hits[:20]


BOUNCE_WORDING = [
    "Undelivered Mail Returned to Sender",
    "Returned mail: see transcript for details",
    "Mail delivery failed: returning message to sender",
    "failure notice",
    "Delivery Status Notification (Delay)",
    "Warning: message 1abc-0002 delayed 24 hours",
    "Bounced mail",
    '{"notificationType" : "Bounce"}',
    "Non-Delivery Report",
    "Your message couldn't\tbe delivered",
    "Unzustellbar: Ihre Nachricht",
    "Non remis : test",
    "Échec de la remise",
    "No se pudo entregar",
    "Mancato recapito",
    "Não foi possível entregar",
    "配信不能",
    "Не доставлено",
    "konnte nicht zugestellt werden",
]
NOT_BOUNCE_WORDING = ["Re: lunch tomorrow?", "Automatic reply: away", "KELVIN \u212a ſ", ""]


@pytest.mark.parametrize("text", BOUNCE_WORDING + NOT_BOUNCE_WORDING)
def test_the_quicker_bounce_wording_search_changes_no_answer(text: str) -> None:
    """The quicker search finds what the pattern finds, in any case and spacing."""
    from bot.engine.kind import BOUNCE_SUBJECT, says_bounce

    for variant in (text, text.upper(), text.swapcase(), f"x {text}\n y", text.replace(" ", "  ")):
        assert says_bounce(variant) == (BOUNCE_SUBJECT.search(variant) is not None)
    assert says_bounce(text) == (text in BOUNCE_WORDING)
