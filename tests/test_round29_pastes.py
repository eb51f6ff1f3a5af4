"""Pastes met in the twenty-ninth fixture round (log lines and library errors people posted in
forums and issue threads). The texts are written here in the shape those programs print; their
fixed wordings (Postfix's fields, nodemailer's wrapper, providers' replies) are facts."""

from __future__ import annotations

import pytest

from bot.engine.classify import names_blocklist
from bot.engine.detect import looks_like_bounce
from bot.engine.diagnose import analyze
from bot.engine.matcher import Matcher


def test_a_soft_bounced_refusal_is_still_in_the_queue(matcher: Matcher) -> None:
    # `soft_bounce = yes` keeps a refused message queued: Postfix logs it as SOFTBOUNCE.
    line = (
        "Mar 18 20:49:43 mx1 postfix/smtp[10076]: 4BAF83CC22D: to=<ann@example.net>, "
        "relay=mx.example.net[192.0.2.20]:25, delay=3, dsn=4.0.0, status=SOFTBOUNCE (host "
        "mx.example.net[192.0.2.20] said: 550 5.1.1 <ann@example.net>: Recipient address "
        "rejected: User unknown (in reply to RCPT TO command))"
    )
    diagnosis = analyze(line, matcher).diagnoses[0]
    assert (diagnosis.reason, diagnosis.temporary) == ("userunknown", True)


def test_a_reject_log_line_a_forum_wrapped_keeps_its_reply(matcher: Matcher) -> None:
    log = (
        "Mar  4 13:25:20 gw postfix/smtpd[2965]: NOQUEUE: reject: RCPT from unknown\n"
        "[192.0.2.7]: 450 4.7.1 <relay.example.org>: Helo command rejected: Host not found; "
        "from=<web@relay.example.org> to=<ann@example.net> proto=ESMTP helo=<relay.example.org>\n"
    )
    diagnosis = analyze(log, matcher).diagnoses[0]
    assert diagnosis.recipient == "ann@example.net"
    assert diagnosis.diagnostic.startswith("450 4.7.1")
    assert (diagnosis.reason, diagnosis.temporary) == ("blocked", True)


def test_a_librarys_refused_command_above_a_persons_note_is_a_bounce(matcher: Matcher) -> None:
    # nodemailer names the command the server refused; one "Word:" line above a note is no header.
    paste = (
        "Error: Mail command failed: 553 Local user only,163 smtp3,AbCdEf 1630777785\n\n"
        "Hi,\n\nI changed the user name and password but still get this. Any idea?\n"
    )
    found = analyze(paste.encode(), matcher)
    assert found.is_bounce
    diagnosis = found.diagnoses[0]
    assert diagnosis.reply_code == "553"
    assert diagnosis.reason == "securityerror"


def test_one_message_field_above_a_body_is_still_a_header_block(matcher: Matcher) -> None:
    mail = b"Subject: Undelivered Mail Returned to Sender\n\n<ann@example.net>: host mx said: "
    mail += b"550 5.1.1 User unknown (in reply to RCPT TO command)\n"
    found = analyze(mail, matcher)
    assert found.parsed.subject == "Undelivered Mail Returned to Sender"
    assert found.diagnoses[0].reason == "userunknown"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        # Verizon: the anti-spam system blocks the sending host, removal is asked for
        (
            "571 Email from 192.0.2.7 is currently blocked by Verizon Online's anti-spam system. "
            "The email sender may request removal of the block.",
            "blocked",
        ),
        ("554 RCPT (ann@example.net) dosn't exist", "userunknown"),  # Aliyun's own spelling
        ("550 mail from your domain is not accepted", "rejected"),
        ("550 The recipient's mailbox is no longer active", "suspend"),
        ("550 The domain example.net is currently suspended. Try later.", "suspend"),
    ],
)
def test_replies_name_their_reason(reply: str, reason: str, matcher: Matcher) -> None:
    assert analyze(reply, matcher, asked=True).diagnoses[0].reason == reason


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        # a filtering service that does not (or no longer) handle the recipient's domain
        ("Your domain is not configured to use this MX host.", "norelaying"),
        (
            "Message rejected because the recipient's domain isn't an Example Email protected "
            "domain.",
            "norelaying",
        ),
        ("Your sender domain is required to send via an encrypted SMTP session", "failedstarttls"),
        # NetEase names the cause, then advises checking for users sending viruses or spam
        (
            "421 HL:ICC 该IP同时并发连接数过大,超过了网易的限制,被临时禁止连接。"
            "请检查是否有用户发送病毒或者垃圾邮件,并降低IP并发连接数量;",
            "toomanyconn",
        ),
        (
            "421 HL:IFC 该IP短期内发送了大量信件,超过了网易的限制,被临时禁止连接。"
            "请检查是否有用户发送病毒或者垃圾邮件,并降低发送频率;",
            "speeding",
        ),
        ("450 WM:BLI 该IP不在网易允许的发送地址列表里;", "blocked"),
    ],
)
def test_filtering_services_and_providers_replies(
    reply: str, reason: str, matcher: Matcher
) -> None:
    assert analyze(reply, matcher, asked=True).diagnoses[0].reason == reason


def test_a_contracted_negation_is_read_as_the_written_out_one(matcher: Matcher) -> None:
    written = "Message rejected because the recipient's email address does not exist here."
    contracted = written.replace("does not", "doesn't")
    found = [analyze(text.encode(), matcher).diagnoses for text in (written, contracted)]
    assert [d[0].reason for d in found] == ["userunknown", "userunknown"]
    assert found[0][0].confidence == found[1][0].confidence


def test_the_address_before_sender_address_rejected_is_not_the_recipient(
    matcher: Matcher,
) -> None:
    reply = "550 5.1.8 <alice@example.org>: Sender address rejected: Domain not found"
    diagnosis = analyze(reply.encode(), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == (None, "rejected")
    report = f"<ann@example.net>: host mx.example.net[192.0.2.5] said: {reply}"
    diagnosis = analyze(report.encode(), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("ann@example.net", "rejected")


def test_a_refusal_is_explained_by_the_entry_of_its_own_course(matcher: Matcher) -> None:
    # Gmail's 4.7.26 deferral and 5.7.26 refusal quote one sentence; a refusal is not a deferral.
    bounce = (
        "Remote server returned '554 5.0.0 <mx.google.com #5.0.0 smtp;550-5.7.26 Your email has "
        "been blocked because the sender is unauthenticated. Gmail requires all senders to "
        "authenticate with either SPF or DKIM.'"
    )
    diagnosis = analyze(bounce, matcher, asked=True).diagnoses[0]
    assert (diagnosis.reason, diagnosis.temporary) == ("authfailure", False)
    assert "rate limit" not in diagnosis.title.lower()


def test_gmails_notice_of_another_servers_refusal_is_not_googles_refusal(
    matcher: Matcher,
) -> None:
    notice = (
        "When I send from my gmail account I get this error:\n"
        "> The error that the other server returned was: 554 554 5.7.1 <ann@example.net>: "
        "Relay access denied (state 14).\n"
    )
    diagnosis = analyze(notice.encode(), matcher).diagnoses[0]
    assert diagnosis.reason == "norelaying"
    assert "google" not in diagnosis.title.lower()


# -- rounds 31 and 32: mail filters' own replies, and bounces found by their exact words -------
@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            "550 5.7.1 <ann@example.net>: Recipient address rejected: Message rejected due to: "
            "domain owner discourages use of this host.",
            "authfailure",
        ),
        ("552 DomainKeys signature validation failed", "authfailure"),
        ("450 4.7.1 mail from example.org blocked by reputation of example.org", "badreputation"),
        ("550 Message contains non-unique 'Subject' header", "notcompliantrfc"),
        ("552 Headers are missing", "notcompliantrfc"),
        ("552 We do not accept password-protected zip files!", "virusdetected"),
        ("550 sorry, your recipient address is not in my local list", "userunknown"),
    ],
)
def test_filters_replies_name_their_reason(reply: str, reason: str, matcher: Matcher) -> None:
    assert analyze(reply, matcher, asked=True).diagnoses[0].reason == reason


def test_a_link_to_the_spf_why_page_is_an_spf_failure_and_its_address_no_recipient(
    matcher: Matcher,
) -> None:
    reply = b"550 5.7.1 http://www.openspf.org/Why?s=mfrom&id=ann@example.net&ip=192.0.2.10\n"
    diagnosis = analyze(reply, matcher).diagnoses[0]
    assert (diagnosis.reason, diagnosis.recipient) == ("authfailure", None)


def test_an_address_to_forward_the_report_to_is_no_recipient_across_a_line_break(
    matcher: Matcher,
) -> None:
    report = (
        "This is the mail system at host mail.example.org.\n\n"
        ": host mx.example.net[192.0.2.5]\nsaid: 550 5.7.1 Service unavailable; Client host "
        "[192.0.2.9] blocked\nusing Blocklist 1; To request removal from this list please "
        "forward this\nmessage to delist@example.net (in reply to RCPT TO command)\n"
    )
    diagnosis = analyze(report.encode(), matcher).diagnoses[0]
    assert (diagnosis.reason, diagnosis.recipient) == ("blocked", None)


def test_postfix_logging_a_refused_greeting_is_a_bounce_in_chat(matcher: Matcher) -> None:
    line = (
        "E77201FB641: host mx.example.net[192.0.2.5] refused to talk to me: 421 Service not "
        "available"
    )
    assert looks_like_bounce(line, matcher)


def test_delivery_attempts_used_up_mean_the_message_expired(matcher: Matcher) -> None:
    notice = (
        "The following message to <ann@example.net> was undeliverable.\nThe reason for the "
        "problem:\n5.x.1 - Maximum number of delivery attempts exceeded. [Default] 450-'4.7.25 "
        "Client host rejected: cannot find your hostname, [192.0.2.9]'\n"
    )
    diagnosis = analyze(notice.encode(), matcher).diagnoses[0]
    assert (diagnosis.reason, diagnosis.temporary) == ("expired", False)


def test_an_exim_log_lines_multiline_reply_is_read_whole(matcher: Matcher) -> None:
    log = (
        "2014-08-31 08:43:16 1XO5PX-0006SC-Qa ** ann@example.net R=lookuphost T=remote_smtp: "
        "SMTP error from remote mail server after RCPT TO:<ann@example.net>: host mx.example.net "
        "[192.0.2.5]: 550-Verification failed for <alice@example.org>\n"
        "550-The mail server could not deliver mail to alice@example.org. The account or domain "
        "may not exist, they may be blacklisted, or missing the proper dns entries.\n"
        "550 Sender verify failed\n"
    )
    diagnosis = analyze(log.encode(), matcher).diagnoses[0]
    assert "Sender verify failed" in diagnosis.diagnostic
    assert (diagnosis.recipient, diagnosis.reason) == ("ann@example.net", "rejected")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ('550 "REJECTED - Bad HELO - Host impersonating [mail.example.org]"', "blocked"),
        ("451 Please try again later - temperror (public key: DNS query timed out)", "authfailure"),
    ],
)
def test_helo_and_check_result_words(reply: str, reason: str, matcher: Matcher) -> None:
    assert analyze(reply, matcher, asked=True).diagnoses[0].reason == reason


# -- rounds 33 and 34: servers' own strings, and notices in other languages --------------------
def test_a_refusal_that_mentions_greylisting_is_still_permanent(matcher: Matcher) -> None:
    reply = (
        "554 5.7.1 <ann@example.net>: Recipient address rejected: Greylisting in effect, "
        "sending server blacklisted"
    )
    assert analyze(reply.encode(), matcher).diagnoses[0].temporary is False


def test_a_blocklist_that_could_not_be_asked_is_no_listing() -> None:
    assert names_blocklist("550 5.7.1 Rejected: 192.0.2.10 listed at zen.spamhaus.org")
    assert not names_blocklist(
        "451 4.7.1 Temporary lookup failure of 192.0.2.10 at zen.spamhaus.org"
    )


def test_the_address_a_reply_calls_the_senders_is_no_recipient(matcher: Matcher) -> None:
    reply = (
        b"553 5.1.8 <ann@example.org>... Domain of sender address ann@example.org does not exist"
    )
    diagnosis = analyze(reply, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == (None, "rejected")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("550 Sender address must be specified.", "rejected"),
        ("550 You must log in to send mail from example.net", "securityerror"),
        ("英文说明:Can not connect to example.net:192.0.2.7:25", "networkerror"),
        ("退信原因：网络不给力，我们无法与收信方联络上。", "networkerror"),
        (
            "550 5.1.8 Accès refusé, expéditeur sortant incorrect. AS(42004)",
            "securityerror",
        ),
    ],
)
def test_servers_strings_in_several_languages(reply: str, reason: str, matcher: Matcher) -> None:
    assert analyze(reply, matcher, asked=True).diagnoses[0].reason == reason
