"""Layouts and wordings met in the ninth and tenth fixture rounds: old gateways, list servers, mail
clients' own error boxes, national providers. The texts are written here in the shape those
programs use (their fixed wordings are facts)."""

from __future__ import annotations

import pytest

from bot.engine.diagnose import analyze
from bot.engine.extract import server_reply
from bot.engine.matcher import Matcher
from tests.test_classify import top


@pytest.mark.parametrize(
    ("text", "reason", "temporary"),
    [
        # A filtering service gives up after hours of failed look-ups or connections.
        (
            "550 5.4.7 <ann@example.net>: MX records inaccessible for too long for domain "
            "example.net",
            "expired",
            False,
        ),
        ("550 MTA inaccessible for too long for domain example.net", "expired", False),
        # Exchange's X.400 time-out, quoted after the cause it kept meeting.
        (
            "There was a communications failure with the remote server. Could not deliver the "
            "message in the time limit specified. Please retry or contact your administrator. "
            "<mail.example.org #4.4.7>",
            "expired",
            False,
        ),
        # Yahoo's volume deferral is about pace; a deferral for complaints alone is about standing.
        (
            "421 4.7.0 [TSS04] Messages from 192.0.2.8 temporarily deferred due to unexpected "
            "volume or user complaints - 4.16.55.1",
            "speeding",
            True,
        ),
        (
            "421 4.7.0 [TS01] Messages from 192.0.2.8 temporarily deferred due to user complaints",
            "badreputation",
            True,
        ),
        # Gmail's older wording that says the IP is blocked, not slowed.
        (
            "421 4.7.0 Our system has detected an unusual rate of unsolicited mail originating "
            "from your IP address. To protect our users from spam, mail sent from your IP address "
            "has been temporarily blocked.",
            "blocked",
            True,
        ),
        (
            "550 5.1.1 <ann@example.net>: Recipient address rejected: Address disabled",
            "suspend",
            False,
        ),
        (
            "550 <ann@example.net>: Recipient address rejected: Address locked or deactivated",
            "suspend",
            False,
        ),
        ("550 5.7.1 <ann@example.net>... Reencaminhamento Recusado", "norelaying", False),
        ("554 Security failure", "failedstarttls", False),  # Exim, after a failed TLS handshake
        ("550 5.1.1 收件人并不存在", "userunknown", False),
        # the sender refused for the many invalid addresses it tried: no unknown recipient here
        ("550 Too many invalid recipients", "policyviolation", False),
        # Google's localized "IP not in the allow list of the RCPT domain", read as the English is
        ("421 4.7.0 IP 未列入 RCPT 网域的白名单,正在断开连接。", "blocked", True),
        (
            "553 sorry, esse domínio não faz parte da minha lista de anfitriões rcpt",
            "norelaying",
            False,
        ),
        ("450 4.2.1 ユーザーが非常に速いペースでメールを受信しています", "speeding", True),
        # content refused, and the cause named: spam
        ("558 5.7.1 Message content rejected due to suspected spam. IB704x", "spamdetected", False),
        # a section of an RFC is not a status code (2.1.1 would read as a success)
        ("550 Maximum line length exceeded (see RFC 5322 2.1.1).", "notcompliantrfc", False),
        # "rfc822;" opens every DSN address field: no hint of an RFC violation
        (
            "Delivery to the following recipients has been delayed. Final-Recipient: "
            "rfc822;ann@example.net Action: delayed Status: 4.4.7",
            "expired",
            True,
        ),
        # Windows' socket error, as a client or a .NET program reports a connection time-out.
        (
            "Unable to connect to the remote server: A connection attempt failed because the "
            "connected party did not properly respond after a period of time, or established "
            "connection failed because connected host has failed to respond 192.0.2.25:25",
            "networkerror",
            None,
        ),
    ],
)
def test_wordings(text: str, reason: str, temporary: bool | None, matcher: Matcher) -> None:
    diagnosis = top(text, matcher, asked=True)
    assert diagnosis.reason == reason
    if temporary is not None:
        assert diagnosis.temporary is temporary


def test_retrying_words_outweigh_a_fatal_errors_heading(matcher: Matcher) -> None:
    notice = (
        "From: mailer-daemon@mx.example.org\nSubject: Delayed Mail (still being retried)\n\n"
        "We are unable to deliver your message to the following recipient(s) yet.\n\n"
        "----- The following addresses had fatal errors -----\n"
        "[Status: Error, Address: <ann@example.net>, ResponseCode 421, , 4.7.0 Try again later, "
        "closing connection.]\n\n"
        "Message will be retried for 4 more day(s)\n"
    )
    diagnosis = top(notice, matcher)
    assert diagnosis.temporary is True


@pytest.mark.parametrize(
    "opening",
    [
        "Your message did not reach some or all of the intended recipients.",
        "Uw bericht heeft enkele of alle geadresseerden niet bereikt.",
    ],
)
def test_an_exchange_2003_notice_is_final_whatever_code_it_quotes(
    opening: str, matcher: Matcher
) -> None:
    notice = (
        f"{opening}\n\n      Subject:\tQuarterly report\n\n"
        "The following recipient(s) could not be reached:\n\n"
        "      ann@example.net on 3/3/2025 10:34 AM\n"
        "            421 4.5.1 Connection Rate - see the help desk's page\n"
    )
    diagnosis = top(notice, matcher)
    assert (diagnosis.recipient, diagnosis.temporary) == ("ann@example.net", False)


def test_a_delay_whose_reply_says_blocked_names_that_cause(matcher: Matcher) -> None:
    notice = (
        "Subject: Delayed Mail (still being retried)\n\n"
        "This is the mail system at host mail.example.org.\n\n"
        "####################################################################\n"
        "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
        "####################################################################\n\n"
        "<ann@example.net>: host mx.example.net[192.0.2.5] refused to talk to me: 554\n"
        "    mx.example.net cmsmtp 198.51.100.7 blocked.\n"
    )
    diagnosis = top(notice, matcher)
    assert (diagnosis.reason, diagnosis.temporary) == ("blocked", True)


@pytest.mark.parametrize(
    ("box", "recipient", "reply"),
    [
        (
            "The message could not be sent because one of the recipients was rejected by the "
            "server. The rejected e-mail address was 'ann@example.net'. Subject 'Report', "
            "Account: 'mail.example.org', Server: 'smtp.example.org', Protocol: SMTP, Server "
            "Response: '550 5.7.1 Unable to relay for ann@example.net', Port: 25, Secure(SSL): No, "
            "Server Error: 550, Error Number: 0x800CCC79",
            "ann@example.net",
            "550 5.7.1 Unable to relay for ann@example.net",
        ),
        (
            "A mensagem não pôde ser enviada porque um de seus destinatários foi recusado pelo "
            "servidor. O endereço de email recusado era 'ann@example.net'. Assunto: 'Report', "
            "Conta: 'alice@example.org', Servidor: 'smtp.example.org', Protocolo: SMTP, Resposta "
            "do Servidor: '553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)', "
            "Porta: 25, Secure Sockets Layer (SSL): Não, Erro do Servidor: 553, Número do Erro: "
            "0x800CCC79.",
            "ann@example.net",
            "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
        ),
    ],
)
def test_a_mail_clients_error_box_names_the_refused_address_and_the_servers_reply(
    box: str, recipient: str, reply: str, matcher: Matcher
) -> None:
    diagnosis = top(box, matcher, asked=True)
    assert diagnosis.recipient == recipient
    assert diagnosis.reason == "norelaying"
    assert diagnosis.diagnostic == reply


def test_a_list_server_refusing_a_non_member_names_no_recipient(matcher: Matcher) -> None:
    notice = (
        "From: L-Soft list server <LISTSERV@LISTSERV.EXAMPLE.ORG>\n"
        "To: Alice <alice@example.org>\nSubject: Message rejected\n\n"
        "You are not authorized to send mail to the STAFF-L list from your alice@example.org\n"
        "account. Please contact the list owners: STAFF-L-request@LISTSERV.EXAMPLE.ORG.\n"
    )
    analysis = analyze(notice, matcher, asked=True)
    diagnosis = analysis.diagnoses[0]
    assert diagnosis.reason == "filtered"
    assert diagnosis.entry is not None and diagnosis.entry.id == "list-members-only"
    assert diagnosis.recipient != "alice@example.org"


def test_an_address_opening_with_a_quote_mark_is_read_without_it(matcher: Matcher) -> None:
    diagnosis = top("550 5.1.1 'ann@example.net' User unknown", matcher, asked=True)
    assert diagnosis.recipient == "ann@example.net"
    assert top("550 5.1.1 o'brien@example.net: User unknown", matcher).recipient == (
        "o'brien@example.net"
    )


@pytest.mark.parametrize(
    ("diagnostic", "quoted"),
    [
        # an error line and the same line of the transcript below it
        (
            "550 <bob@example.net>... User unknown 550 <bob@example.net>... User unknown",
            "550 <bob@example.net>... User unknown",
        ),
        (
            "550 5.1.1 <bob@example.net>... User unknown <bob@example.net>... User unknown",
            "550 5.1.1 <bob@example.net>... User unknown",
        ),
        # a proxy's phrase and the server's behind it, both printed: not a repeat of the reply
        (
            "550 unknown user (in reply to RCPT TO command) (in reply to RCPT TO command)",
            "550 unknown user (in reply to RCPT TO command) (in reply to RCPT TO command)",
        ),
        # Exchange 2007's marks around its reply
        (
            "#550 5.2.2 STOREDRV.Deliver: mailbox full ##",
            "550 5.2.2 STOREDRV.Deliver: mailbox full",
        ),
        (
            "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##rfc822;bob@example.net",
            "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
        ),
        # Domino's and a webmail's labels before a reply without a code
        (
            "because: User's mail file is full (the database has reached its quota).",
            "User's mail file is full (the database has reached its quota).",
        ),
        ("Error Description: Inbox is full.", "Inbox is full."),
    ],
)
def test_server_said_quotes_the_reply_once_without_its_layout(diagnostic: str, quoted: str) -> None:
    assert server_reply(diagnostic) == quoted


@pytest.mark.parametrize(
    "separator",
    [
        "---------- Forwarded message ----------",
        "---------- İletilen ileti ----------",
        "---------- Weitergeleitete Nachricht ----------",
        "---------- Mensaje reenviado ----------",
    ],
)
def test_a_rejection_forwarded_under_a_note_is_the_report(separator: str, matcher: Matcher) -> None:
    text = (
        "Hi, this came back when I wrote to Zeynep. Is the problem on our side?\n\n"
        f"{separator}\n"
        "From: Mail Delivery System <MAILER-DAEMON@example.net>\n"
        "Subject: Automatically rejected mail\n\n"
        "Your message to <zeynep@example.net> was automatically rejected:\n"
        "Quota exceeded (mailbox for user is full)\n"
    )
    diagnosis = top(text, matcher, asked=True)
    assert diagnosis.reason == "mailboxfull"
    assert diagnosis.diagnostic.startswith("Your message to <zeynep@example.net>")


def test_qmail_sends_logged_reply_is_quoted_as_words(matcher: Matcher) -> None:
    log = (
        "@400000006778a1c52b3c4d14 starting delivery 4711: msg 1183462 to remote ola@example.net\n"
        "@400000006778a1c72f1e2a3c delivery 4711: failure: 192.0.2.48_does_not_like_recipient./"
        "Remote_host_said:_550_No_such_user/Giving_up_on_192.0.2.48./\n"
    )
    diagnosis = top(log, matcher, asked=True)
    assert (diagnosis.recipient, diagnosis.reason) == ("ola@example.net", "userunknown")
    assert diagnosis.diagnostic == "550 No such user"


def test_a_reply_under_a_chinese_server_response_label_is_a_bounce(matcher: Matcher) -> None:
    paste = (
        "群发通知的时候发到一半就失败了，客户端提示：\n"
        "服务器回应：504 the number of RCPT attempts is achieved the maximum threshold\n"
    )
    analysis = analyze(paste, matcher)
    assert analysis.is_bounce
    diagnosis = analysis.diagnoses[0]
    assert (diagnosis.reply_code, diagnosis.reason) == ("504", "speeding")


def test_a_multipart_whose_boundary_never_appears_is_read_as_text(matcher: Matcher) -> None:
    message = (
        "From: Mail Administrator <Postmaster@mail.example.net>\nSubject: Returned Mail\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; Boundary="====_ _= \n'
        '              2283630(16235)"\n\n'
        "--====_ _= \n              2283630(16235)\nContent-type: text/plain\n\n"
        'The delivery program "/usr/local/bin/import.pl" produced the following output:\n'
        '     Can\'t exec "/usr/sbin/sendmail": No such file or directory\n'
        "The program exited with an unknown value of 141 while delivering the message to\n"
        "     pnet@example.net\n"
    )
    diagnosis = analyze(message, matcher).diagnoses[0]
    assert diagnosis.reason == "mailererror"


def test_a_webmails_refused_recipient_error_is_a_bounce(matcher: Matcher) -> None:
    paste = (
        'Failed to add recipient "web@example.net": 550-"Your IP: 192.0.2.3 : Your domain '
        'example.net is not allowed in\n\n550 header From"\n'
    )
    analysis = analyze(paste, matcher)
    assert analysis.is_bounce
    assert analysis.diagnoses[0].reason == "securityerror"


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Automatisch antwoord: Quarterly report", "vacation"),
        ("自动答复: Quarterly report", "vacation"),
        ("Automatyczna odpowiedź: Quarterly report", "vacation"),
    ],
)
def test_outlooks_automatic_reply_in_more_languages(
    subject: str, kind: str, matcher: Matcher
) -> None:
    message = (
        f"From: Bob <bob@example.net>\nTo: alice@example.org\nSubject: {subject}\n"
        "Auto-Submitted: auto-generated\n\nThank you for your message.\n"
    )
    analysis = analyze(message.encode(), matcher)
    assert not analysis.is_bounce
    assert analysis.diagnoses[0].reason == kind


def test_an_abuse_desks_complaint_letter_is_a_complaint(matcher: Matcher) -> None:
    message = (
        "From: Abuse Team <abuse@example.net>\nTo: abuse@example.org\n"
        "Subject: [ABUSE-1] Spam complaint regarding 192.0.2.10\n\n"
        "We have received a complaint from one of our users about unsolicited e-mail sent from "
        "your network (IP 192.0.2.10, envelope sender alice@example.org).\n"
    )
    analysis = analyze(message.encode(), matcher)
    assert (analysis.is_bounce, analysis.diagnoses[0].reason) == (False, "feedback")


QMAIL_REFUSAL = """\
Hi. This is the qmail-send program at mail.example.org.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<tina@example.net>:
192.0.2.31 does not like recipient.
Remote host said: 511 sorry, can't find a valid MX for {whose} domain (#5.1.1 - chkuser)
Giving up on 192.0.2.31.
"""


@pytest.mark.parametrize(("whose", "reason"), [("rcpt", "hostunknown"), ("sender", "rejected")])
def test_qmail_giving_up_on_a_host_is_no_expiry(whose: str, reason: str, matcher: Matcher) -> None:
    diagnosis = analyze(QMAIL_REFUSAL.format(whose=whose), matcher).diagnoses[0]
    assert (diagnosis.reason, diagnosis.temporary) == (reason, False)


def test_citadels_give_up_notice_is_expired(matcher: Matcher) -> None:
    notice = (
        "A message you sent could not be delivered to some or all of its recipients\n"
        "due to prolonged unavailability of its destination(s).\n"
        "Giving up on the following addresses:\n\n"
        " leo@example.net: 1) Timeout while connecting mx.example.net [192.0.2.40]:25 ; "
        "2) Timeout while connecting mx.example.net [192.0.2.40]:25 ;\n"
    )
    diagnosis = analyze(notice, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("leo@example.net", "expired")


def test_zmailers_final_recipient_field_with_a_space(matcher: Matcher) -> None:
    message = (
        "From: MAILER-DAEMON@mail.example.org\nSubject: Delivery failure\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="z"\n\n'
        "--z\nContent-Type: text/plain\n\nFAILED: gail@example.net\n\n"
        "--z\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mail.example.org\n\n"
        "Final Recipient: RFC822;gail@example.net\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 (5.1.1 <gail@example.net>... User unknown)\n--z--\n"
    )
    diagnosis = analyze(message.encode(), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("gail@example.net", "userunknown")


@pytest.mark.parametrize(
    ("diagnostic", "quoted"),
    [
        ("*** No such domain.", "No such domain."),  # Courier's mark on its own failures
        (
            "Network error on destination MXs Please note that this is only a temporary failure "
            "report.",
            "Network error on destination MXs",
        ),
    ],
)
def test_an_mtas_own_marks_around_its_words_are_not_quoted(diagnostic: str, quoted: str) -> None:
    assert server_reply(diagnostic) == quoted


def test_a_gateways_notice_relaying_an_attached_report_is_read_from_the_report(
    matcher: Matcher,
) -> None:
    inner = (
        "From: System Administrator <postmaster@example.net>\nSubject: Undeliverable: report\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="in"\n\n'
        "--in\nContent-Type: text/plain\n\nDelivery has failed to these recipients or "
        "distribution lists:\n\nann@example.net\nThis message was rejected by the recipient's "
        "e-mail system.\n\n--in\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.net\n\nFinal-recipient: RFC822; ann@example.net\n"
        "Action: failed\nStatus: 5.1.1\n--in--\n"
    )
    outer = (
        "From: System Administrator <postmaster@example.net>\nSubject: Undeliverable: report\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="out"\n\n'
        "--out\nContent-Type: text/plain\n\nCompany footer\n\n"
        f"--out\nContent-Type: message/rfc822\n\n{inner}\n--out--\n"
    )
    diagnosis = analyze(outer.encode(), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("ann@example.net", "userunknown")


def test_recipients_not_accepting_mail_from_the_sender_filtered_it(matcher: Matcher) -> None:
    notice = (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@aol.example>\nSubject: Mail Delivery "
        "Problem\n\nYour mail to the following recipients could not be delivered because they "
        "are not accepting mail from alice@example.org:\n\n\tann\n"
    )
    assert analyze(notice, matcher).diagnoses[0].reason == "filtered"


def test_a_deferral_by_a_reputation_list_is_temporary(matcher: Matcher) -> None:
    line = "Mail from 192.0.2.10 deferred using Trend Micro Email Reputation database."
    assert top(line, matcher, asked=True).temporary is True


def test_a_chinese_providers_could_not_be_delivered_notice_is_a_bounce(matcher: Matcher) -> None:
    notice = "您好：很抱歉通知您，您发送到“bob@example.net”的邮件无法被正确投递。"
    assert analyze(notice, matcher).is_bounce
