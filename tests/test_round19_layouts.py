"""Layouts and wordings met in the nineteenth fixture round: Windows and commercial mail servers
(MailEnable, CommuniGate Pro, Domino in German) and localized Gmail and Exchange notices. The texts
are written here in the shape those programs use (their fixed wordings are facts)."""

from __future__ import annotations

import pytest

from bot.engine.diagnose import analyze
from bot.engine.extract import server_reply
from bot.engine.matcher import Matcher

MAILENABLE = (
    'From: "Delivery Subsystem" <postmaster@mail.example.org>\n'
    "Subject: Message Delivery Failure\nContent-Type: text/plain\n\n"
    "MailEnable: Message could not be delivered to some recipients.\n"
    "The following recipient(s) could not be reached:\n\n"
    "\tRecipient: [SMTP:ann@example.net]\n"
    "\tReason: Remote SMTP Server Returned: 552 5.2.2 Mailbox full\n\n"
    "\tRecipient: [SMTP:ben@example.net]\n"
    "\tReason: Remote SMTP Server Returned: 550 5.1.1 No such user here\n\n"
    "Message headers follow:\n\n"
    "Return-Path: <alice@example.org>\nTo: <ann@example.net>\nSubject: Minutes\n"
)


def test_mailenables_recipient_lines_name_each_address_without_its_wrapper(
    matcher: Matcher,
) -> None:
    found = [(d.recipient, d.reason) for d in analyze(MAILENABLE, matcher).diagnoses]
    assert found == [("ann@example.net", "mailboxfull"), ("ben@example.net", "userunknown")]


def test_mailenables_copy_of_the_headers_is_not_part_of_the_reply(matcher: Matcher) -> None:
    last = analyze(MAILENABLE, matcher).diagnoses[1]
    assert "Return-Path" not in (last.diagnostic or "")
    assert "headers follow" not in (last.diagnostic or "")


@pytest.mark.parametrize(
    ("report", "quoted", "reason"),
    [
        (
            "SMTP module(domain example.net) reports:\n"
            " host mx.example.net says: 550 5.1.1 <ann@example.net>: User unknown",
            "550 5.1.1 <ann@example.net>: User unknown",
            "userunknown",
        ),
        (
            "SMTP module(domain example.net) reports:\n connection with mx.example.net is broken",
            "connection with mx.example.net is broken",
            "networkerror",
        ),
    ],
)
def test_communigates_module_report_quotes_only_the_remote_words(
    report: str, quoted: str, reason: str, matcher: Matcher
) -> None:
    notice = (
        "From: MAILER-DAEMON@mail.example.org\nSubject: Undeliverable mail: Minutes\n\n"
        f"Failed to deliver to '<ann@example.net>'\n{report}\n"
    )
    diagnosis = analyze(notice, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("ann@example.net", reason)
    assert diagnosis.diagnostic == quoted


def test_a_german_domino_notice_names_the_unknown_user(matcher: Matcher) -> None:
    notice = (
        "From: Postmaster <postmaster@example.net>\nSubject: Zustellungsfehler\n\n"
        "Ihre Nachricht\n\n  Betreff: Minutes\n\nwurde nicht zugestellt an:\n\n"
        "  ann@example.net\n\nweil:\n\n"
        "  Benutzer ann (ann@example.net) ist nicht im Domino-Verzeichnis aufgeführt\n"
    )
    diagnosis = analyze(notice, matcher).diagnoses[0]
    assert diagnosis.reason == "userunknown"
    assert (diagnosis.diagnostic or "").startswith("Benutzer ann")


@pytest.mark.parametrize(
    "label",
    [
        "La respuesta del servidor remoto fue:",
        "La réponse du serveur distant était :",
        "Die Antwort des Remote-Servers lautete:",
        "A resposta do servidor remoto foi:",
    ],
)
def test_gmails_localized_label_leads_to_the_reply(label: str, matcher: Matcher) -> None:
    notice = (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: Delivery Status "
        "Notification (Failure)\n\n** Address not found **\n\n"
        "Your message wasn't delivered to ann@example.net because the domain could not be "
        f"found.\n\n{label}\n\nDNS Error: DNS type 'mx' lookup of example.net responded with "
        "code NXDOMAIN\n"
    )
    diagnosis = analyze(notice, matcher).diagnoses[0]
    assert (diagnosis.diagnostic or "").startswith("DNS Error:")


def test_a_reply_ends_where_the_returned_headers_begin(matcher: Matcher) -> None:
    notice = (
        "From: postmaster@example.org\nSubject: Viestin toimitus viivästyi\n\n"
        "Toimitus on viivästynyt näille vastaanottajille:\n\nann@example.net\n\n"
        "Etäpalvelin palautti '451 4.4.0 DNS query failed'\n"
        "Alkuperäiset viestin otsikot:\n\nReturn-Path: <alice@example.org>\nSubject: Minutes\n"
    )
    diagnosis = analyze(notice, matcher).diagnoses[0]
    assert diagnosis.diagnostic == "451 4.4.0 DNS query failed"


def test_postgreys_refusal_is_explained_as_greylisting_without_naming_postfix(
    matcher: Matcher,
) -> None:
    line = "450 4.2.0 <ann@example.net>: Recipient address rejected: Greylisted"
    diagnosis = analyze(line, matcher, asked=True).diagnoses[0]
    assert diagnosis.entry is not None and "greylisting" in diagnosis.entry.title.lower()
    assert diagnosis.temporary is True


def test_an_on_premises_exchange_report_is_not_titled_exchange_online(matcher: Matcher) -> None:
    report = (
        "From: Microsoft Outlook <postmaster@corp.example.org>\nSubject: Undeliverable: Minutes\n\n"
        "Delivery has failed to these recipients or groups:\n\nann@corp.example.org\n\n"
        "Diagnostic information for administrators:\n\nGenerating server: EX16.corp.example.org\n\n"
        "ann@corp.example.org\nRemote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
        "Recipient not found by SMTP address lookup'\n"
    )
    diagnosis = analyze(report, matcher).diagnoses[0]
    assert diagnosis.reason == "userunknown"
    assert diagnosis.entry is not None and "Online" not in diagnosis.entry.title


# -- hosting panels' and policy services' refusals ----------------------------------------------
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # the HELO name's form is faulted: RFC 5321 fixes it (LABELLING.md)
        ("501 5.5.2 <mail_server>: Helo command rejected: Invalid name", "syntaxerror"),
        (
            "554 5.7.1 <ann@example.net>: Recipient address rejected: Invalid HELO/EHLO; Must be "
            "a FQDN or an address literal, not 'localhost'",
            "syntaxerror",
        ),
        # a well-formed name refused for what it is
        ("450 4.7.1 <mail.example.org>: Helo command rejected: Host not found", "blocked"),
        # a policy service's verdict after Postfix's "Recipient address rejected:" decides
        (
            "554 5.7.1 <ann@example.net>: Recipient address rejected: Failed SPF check",
            "authfailure",
        ),
        ("550 Blacklisted file extension detected", "virusdetected"),
        (
            "550 sender envelope address alice@example.org is locally blacklisted here.",
            "rejected",
        ),
        ("550 Message headers fail syntax check", "contenterror"),
        (
            "Domain example.org has exceeded the max emails per hour (100/100 (100%)) allowed.",
            "speeding",
        ),
        ("Domain example.org has an outgoing mail suspension.", "rejected"),
    ],
)
def test_panels_and_policy_services_refusals(text: str, reason: str, matcher: Matcher) -> None:
    assert analyze(text, matcher, asked=True).diagnoses[0].reason == reason


@pytest.mark.parametrize(
    ("ending", "temporary"),
    [("Message discarded.", False), ("Message will be reattempted later.", True)],
)
def test_a_sending_caps_own_words_say_whether_it_retries(
    ending: str, temporary: bool, matcher: Matcher
) -> None:
    text = (
        f"Domain example.org has exceeded the max emails per hour (51/50 (102%)) allowed. {ending}"
    )
    assert analyze(text, matcher, asked=True).diagnoses[0].temporary is temporary


def test_an_exim_log_failure_naming_only_its_router_is_a_bounce(matcher: Matcher) -> None:
    line = (
        "2025-03-03 10:12:05 1tp2Xp-000000004a9-3e4f ** erik@example.net "
        "R=enforce_mail_permissions: Domain example.org has exceeded the max defers and failures "
        "per hour (7/5 (20%)) allowed. Message discarded."
    )
    diagnosis = analyze(line, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason, diagnosis.temporary) == (
        "erik@example.net",
        "speeding",
        False,
    )


def test_a_php_mailers_label_is_not_a_delivery_programs_failure(matcher: Matcher) -> None:
    paste = (
        "2025-03-03 10:12:04\tCLIENT -> SERVER: RCPT TO:<ann@example.net>\n"
        "2025-03-03 10:12:04\tSERVER -> CLIENT: 550 5.7.1 Daily sending quota exceeded\n"
        "2025-03-03 10:12:04\tSMTP ERROR: RCPT TO command failed: 550 5.7.1 Daily sending quota "
        "exceeded\n"
        "Mailer Error: SMTP Error: The following recipients failed: ann@example.net: Daily "
        "sending quota exceeded\n"
    )
    diagnosis = analyze(paste, matcher).diagnoses[0]
    assert diagnosis.reason != "mailererror"
    assert diagnosis.diagnostic == "550 5.7.1 Daily sending quota exceeded"


def test_a_report_whose_folded_header_lines_lost_their_indent_is_read(matcher: Matcher) -> None:
    report = (
        "Received: from mx.example.net ([192.0.2.7])\nThu, 6 Jun 2013 10:16:54 -0700\n"
        "From: postmaster@example.net\nSubject: Delivery Status Notification (Failure)\n"
        "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n"
        'boundary="cut"\n\n'
        "--cut\nContent-Type: text/plain\n\nDelivery to the following recipients failed.\n"
        "--cut\nContent-Type: message/delivery-status\n\nReporting-MTA: dns;mx.example.net\n\n"
        "Final-Recipient: rfc822;ann@example.net\nAction: failed\nStatus: 5.5.0\n"
        "Diagnostic-Code: smtp;550 Requested action not taken: mailbox unavailable\n--cut--\n"
    )
    diagnosis = analyze(report.encode(), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("ann@example.net", "userunknown")


def test_a_multipart_without_a_boundary_is_read_as_text(matcher: Matcher) -> None:
    report = (
        "From: postmaster@example.net\nSubject: Undeliverable\nContent-Type: multipart/report\n\n"
        "Final-Recipient: rfc822;ann@example.net\nAction: failed\nStatus: 5.2.2\n"
        "Diagnostic-Code: smtp;552 5.2.2 Mailbox full\n"
    )
    diagnosis = analyze(report.encode(), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("ann@example.net", "mailboxfull")


def test_a_final_report_counting_its_tries_is_not_a_delay(matcher: Matcher) -> None:
    notice = (
        "From: mailer-daemon@mail.example.org\nSubject: Message undeliverable: Minutes\n\n"
        "Your message did not reach some or all of the intended recipients.\n\n"
        "The following recipient(s) could not be reached:\n\nann@example.net\n"
        "   Error Type: SMTP\n   Remote server (192.0.2.9) issued an error.\n"
        "   Remote server replied: 451 4.7.1 <ann@example.net>: Recipient address rejected: "
        "Greylisted for 5 minutes\n\nTried 5 time(s)\n"
    )
    diagnosis = analyze(notice, matcher).diagnoses[0]
    assert (diagnosis.reason, diagnosis.temporary) == ("policyviolation", False)


def test_an_exim_log_refusal_of_a_local_submission_names_no_recipient(matcher: Matcher) -> None:
    line = (
        "2025-03-03 10:12:05 1tp2Xp-000000004a9-3e4f F=<admin@example.org> rejected by non-SMTP "
        "ACL: Website of user admin is sending too many emails - rate overlimit = 212.4 / 1h"
    )
    diagnosis = analyze(line, matcher, asked=True).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason, diagnosis.temporary) == (
        None,
        "speeding",
        False,
    )


# -- old servers' layouts and virus scanners' notices (rounds legacy20, backscatter21) ------------
def test_exchange_55_lists_each_recipient_with_its_weekday_date(matcher: Matcher) -> None:
    notice = (
        "From: System Administrator <postmaster@example.net>\nSubject: Undeliverable: Minutes\n\n"
        "Your message\n\n  To:      ann@example.net, ben@example.net\n  Subject: Minutes\n\n"
        "did not reach the following recipient(s):\n\n"
        "ann@example.net on Thu, 29 Apr 2004 16:51:51 -0500\n"
        "    The recipient name is not recognized\n"
        "    MSEXCH:IMS:Example:HQ:MAIL01 0 (000C05A6) Unknown Recipient\n"
        "ben@example.net on Thu, 29 Apr 2004 16:51:51 -0500\n"
        "    The recipient name is not recognized\n"
        "    MSEXCH:IMS:Example:HQ:MAIL01 0 (000C05A6) Unknown Recipient\n"
    )
    found = [(d.recipient, d.reason) for d in analyze(notice, matcher).diagnoses]
    assert found == [("ann@example.net", "userunknown"), ("ben@example.net", "userunknown")]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("The recipient could not be processed due to congestion in the message transfer service.",
         "systemerror"),
        ("The message could not be delivered because you do not have create permissions on this "
         "folder or it is only available to folder owners at this time", "securityerror"),
        ("<5550100@example.net> has restricted SMS e-mail", "filtered"),
    ],
)  # fmt: skip
def test_old_servers_wordings(text: str, reason: str, matcher: Matcher) -> None:
    assert analyze(text, matcher, asked=True).diagnoses[0].reason == reason


@pytest.mark.parametrize(
    ("finding", "quoted"),
    [
        ("Report: ClamAV: offer.pif contains Worm.Mydoom.M", "Report: ClamAV: offer.pif contains"),
        ("Virus name: WORM_NETSKY.P", "Virus name: WORM_NETSKY.P"),
    ],
)
def test_a_virus_scanners_finding_is_quoted_alone(
    finding: str, quoted: str, matcher: Matcher
) -> None:
    notice = (
        "From: MailScanner <postmaster@example.net>\nSubject: Warning: E-mail viruses detected\n\n"
        "Our virus detector has just been triggered by a message you sent:-\n"
        "  To: ann@example.net\n  Subject: Minutes\nAny infected parts of the message have not "
        f"been delivered.\n\nThe virus detector said this about the message:\n{finding}\n\n"
        "-- \nMailScanner\nEmail Virus Scanner\nwww.example.net\n"
    )
    diagnosis = analyze(notice, matcher).diagnoses[0]
    assert diagnosis.reason == "virusdetected"
    assert (diagnosis.diagnostic or "").startswith(quoted)
    assert "www.example.net" not in (diagnosis.diagnostic or "")


@pytest.mark.parametrize(
    "body",
    [
        "Mail transaction failed. Partial message is available.",
        "The message contains Unicode characters and has been sent as a binary attachment.",
        "The message cannot be represented in 7-bit ASCII encoding and has been sent as a binary"
        " attachment.",
    ],
)
def test_a_worms_message_dressed_as_a_bounce_is_not_one(matcher: Matcher, body: str) -> None:
    message = (
        'From: "mailer-daemon" <mailer-daemon@example.com>\nSubject: Delivery failure\n'
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        f"--b\nContent-Type: text/plain\n\n{body}\n"
        "--b\nContent-Type: application/octet-stream; name=document.zip\n"
        "Content-Transfer-Encoding: base64\n\nUEsDBBQAAAAIAA==\n--b--\n"
    )
    assert not analyze(message.encode(), matcher).is_bounce


def test_a_japanese_notices_sender_address_is_not_the_recipient(matcher: Matcher) -> None:
    notice = (
        "From: virus-notice@example.net\nSubject: ウイルス検出のお知らせ\n\n"
        "お客さまが送信されたメールにて、ウイルスが検出されました。\n"
        "■ウイルス名 :W32.Netsky.P@MM\n■ウイルス送信元メールアドレス :alice@example.org\n"
    )
    diagnosis = analyze(notice.encode(), matcher).diagnoses[0]
    assert diagnosis.recipient is None


def test_post_offices_footer_is_not_the_reply(matcher: Matcher) -> None:
    notice = (
        "From: Mail Administrator <Postmaster@example.net>\nSubject: Mail System Error - Returned "
        "Mail\n\nThis Message was undeliverable due to the following reason:\n\n"
        "The user(s) account is temporarily over quota.\n\n<kai@example.net>\n\n"
        "Please reply to Postmaster@example.net\nif you feel this message to be in error.\n"
    )
    diagnosis = analyze(notice, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("kai@example.net", "mailboxfull")
    assert "Please reply" not in (diagnosis.diagnostic or "")


def test_qmails_chinese_notice_says_it_gave_up(matcher: Matcher) -> None:
    notice = (
        "您好！这是 mx.example.net 上的 qmail-send 程序。\n"
        "很抱歉，您的邮件无法投递到下列地址。这是永久性错误，系统已放弃投递。\n\n"
        "<ann@example.net>:\n192.0.2.8 does not like recipient.\n"
        "Remote host said: 450 4.2.1 Mailbox busy, try later\n"
    )
    assert analyze(notice, matcher).diagnoses[0].temporary is False


# -- list managers' notices (round lists23) ------------------------------------------------------
def _list_notice(subject: str, body: str, attached: bool = False) -> bytes:
    head = f"From: devel-owner@lists.example.net\nTo: alice@example.org\nSubject: {subject}\n"
    if not attached:
        return f"{head}\n{body}".encode()
    return (
        f'{head}MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="m"\n\n'
        f"--m\nContent-Type: text/plain\n\n{body}\n"
        "--m\nContent-Type: message/rfc822\n\nFrom: alice@example.org\n"
        "To: devel@lists.example.net\nSubject: Minutes\n\nHello list.\n--m--\n"
    ).encode()


@pytest.mark.parametrize(
    ("reason_given", "reason"),
    [
        ("This list is restricted; your message was not approved.", "filtered"),
        ("Blind carbon copies or other implicit destinations are not allowed.", "policyviolation"),
        ("Your message was too big; please trim it to less than 40 KB in size.", "mesgtoobig"),
        ("[No reason given]", "policyviolation"),
    ],
)
def test_a_list_moderators_refusal_is_the_lists_bounce(
    reason_given: str, reason: str, matcher: Matcher
) -> None:
    body = (
        "Your request to the Devel mailing list\n\n    Posting of your message titled "
        '"Minutes"\n\nhas been rejected by the list moderator.  The moderator gave the\n'
        f'following reason for rejecting your request:\n\n"{reason_given}"\n'
    )
    diagnosis = analyze(_list_notice("Request to mailing list Devel rejected", body), matcher)
    assert [(d.recipient, d.reason) for d in diagnosis.diagnoses] == [
        ("devel@lists.example.net", reason)
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "Your message to the Devel mailing-list was rejected for the following\nreasons:\n\n"
            "The message is not from a list member\n",
            "filtered",
        ),
        ("The message's file extension was explicitly disallowed\n", "virusdetected"),
    ],
)
def test_a_list_returning_a_refused_post_names_the_list(
    body: str, reason: str, matcher: Matcher
) -> None:
    diagnosis = analyze(_list_notice("Minutes", body, attached=True), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("devel@lists.example.net", reason)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Your message to Devel awaits moderator approval",
            "Your mail to 'Devel' with the subject\n\n    Minutes\n\nIs being held until the list "
            "moderator can review it for approval.\n\nThe reason it is being held:\n\n"
            "    Post by non-member to a members-only list\n",
        ),
        (
            "Devel post from alice@example.org requires approval",
            "As list administrator, your authorization is requested for the\nfollowing mailing "
            "list posting:\n\n    List:    devel@lists.example.net\n    From:    alice@example.org\n"
            "    Reason:  Post by non-member to a members-only list\n",
        ),
    ],
)
def test_a_list_managers_notice_where_nothing_failed_is_no_bounce(
    subject: str, body: str, matcher: Matcher
) -> None:
    assert not analyze(_list_notice(subject, body), matcher).is_bounce


# -- mails and list posts quoting a bounce (round quoted22) -------------------------------------
def test_a_lists_footer_under_a_quoted_bounce_names_no_recipient(matcher: Matcher) -> None:
    post = (
        "From: Bob <bob@example.org>\nTo: users@lists.example.org\nSubject: Gmail bounce?\n\n"
        "Anyone else seeing this?\n\n"
        "> <ann@example.net>: host mx.example.net[192.0.2.5] said: 550 5.1.1 <ann@example.net>:\n"
        ">     Recipient address rejected: User unknown (in reply to RCPT TO command)\n\n"
        "_______________________________________________\nusers mailing list\n"
        "users@lists.example.org\nhttps://lists.example.org/mailman/listinfo/users\n"
    )
    diagnoses = analyze(post.encode(), matcher).diagnoses
    assert [(d.recipient, d.reason) for d in diagnoses] == [("ann@example.net", "userunknown")]


def test_a_code_in_the_persons_note_does_not_outrank_the_attached_bounce(
    matcher: Matcher,
) -> None:
    bounce = (
        "From: MAILER-DAEMON@example.net\nSubject: Failure Notice\n\n"
        "Sorry, we were unable to deliver your message to the following address.\n\n"
        "<ann@example.net>:\nRemote host said: 554 5.7.9 Message not accepted for policy reasons.\n"
    )
    mail = (
        "From: Alice <alice@example.org>\nTo: it@example.org\nSubject: Fwd: Failure Notice\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="n"\n\n'
        "--n\nContent-Type: text/plain\n\nMy mail to ann@example.net came back (attached). We "
        "had a\n552 from another customer last month, is it the same thing?\n\n"
        f"--n\nContent-Type: message/rfc822\n\n{bounce}\n--n--\n"
    )
    diagnosis = analyze(mail.encode(), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("ann@example.net", "policyviolation")


def test_a_delay_notice_forwarded_under_a_question_is_the_report(matcher: Matcher) -> None:
    mail = (
        "From: Alice <alice@example.org>\nTo: it@example.org\nSubject: Fwd: Delayed Mail\n\n"
        "Is something wrong with their server?\n\n"
        "---------- Forwarded message ---------\nFrom: Mail Delivery System "
        "<MAILER-DAEMON@mail.example.org>\nSubject: Delayed Mail (still being retried)\n\n"
        "This is the mail system at host mail.example.org.\n\n"
        "Your message could not be delivered for more than 4 hour(s).\n"
        "It will be retried until it is 5 day(s) old.\n\n"
        "<ann@example.net>: connect to mx.example.net[192.0.2.55]:25: Connection refused\n"
    )
    diagnosis = analyze(mail.encode(), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason, diagnosis.temporary) == (
        "ann@example.net",
        "networkerror",
        True,
    )


# -- modern open-source MTAs' own failures (round modern24) --------------------------------------
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "connection to 'mx.example.net' failed: I/O error: Connection refused (os error 111)",
            "networkerror",
        ),
        (
            "451 5.4.0 No usable MXs, last err: Recipient server TLS certificate is not trusted but "
            "authentication is required by MTA-STS",
            "failedstarttls",
        ),
    ],
)
def test_modern_mtas_own_failures(text: str, reason: str, matcher: Matcher) -> None:
    assert analyze(text, matcher, asked=True).diagnoses[0].reason == reason


def test_chasquids_repeated_failures_until_timeout_expired(matcher: Matcher) -> None:
    notice = (
        "From: Mail Delivery System <postmaster@mail.example.org>\nSubject: Failed to deliver "
        "your message\n\nDelivery of your message to the following recipient(s) failed "
        "repeatedly and timed out, last error:\n\n  ann@example.net: Connection to "
        "mx.example.net failed: dial tcp 192.0.2.7:25: connect: connection refused\n"
    )
    diagnosis = analyze(notice, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason, diagnosis.temporary) == (
        "ann@example.net",
        "expired",
        False,
    )


def test_moxs_own_lead_in_is_not_quoted(matcher: Matcher) -> None:
    notice = (
        "From: postmaster@mail.example.org\nSubject: mail delivery failed\n\n"
        "Delivery has failed permanently for your email to:\n\n\tann@example.net\n\n"
        "No further deliveries will be attempted.\n\n"
        "Error during the last delivery attempt:\n\n"
        "\tdialing smtp server: dial tcp 192.0.2.25:25: i/o timeout\n"
    )
    diagnosis = analyze(notice, matcher).diagnoses[0]
    assert (diagnosis.diagnostic or "").startswith("dialing smtp server")


def test_gmails_final_refusal_of_unauthenticated_mail_is_not_a_rate_limit(
    matcher: Matcher,
) -> None:
    line = (
        "550-5.7.27 Your email has been blocked because the sender is unauthenticated. "
        "550-5.7.27 Gmail requires all senders to authenticate with either SPF or DKIM."
    )
    diagnosis = analyze(line, matcher, asked=True).diagnoses[0]
    assert (diagnosis.reason, diagnosis.temporary) == ("authfailure", False)
    assert diagnosis.entry is not None and "rate" not in diagnosis.entry.title


def test_an_address_ending_a_sentence_on_its_own_line_opens_no_block(matcher: Matcher) -> None:
    bounce = (
        "From: MAILER-DAEMON@mail.lists.example.net\nSubject: Undelivered Mail Returned to Sender\n"
        "\n<ann@example.net>: host mx.example.net[192.0.2.5] said: 554 5.7.1 Service unavailable;"
        "\n    Client host [203.0.113.5] blocked using zen.spamhaus.org\n"
    )
    notice = (
        "From: nfc-bounces@lists.example.net\nSubject: ann@example.net's subscription disabled\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="d"\n\n'
        "--d\nContent-Type: text/plain\n\nann@example.net's subscription has been disabled due "
        "to their bounce score.\n\nThe triggering bounce notice is attached below.\n\n"
        "Questions?\nContact the Mailman site administrator at\nmailman@lists.example.net.\n\n"
        f"--d\nContent-Type: message/rfc822\n\n{bounce}\n--d--\n"
    )
    diagnosis = analyze(notice.encode(), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("ann@example.net", "blocked")


# -- bounces people quoted in public threads (round threads27) ------------------------------------
def test_a_markdown_link_around_the_failed_address_is_read_as_the_address(
    matcher: Matcher,
) -> None:
    paste = (
        "Hotmail returns my mail:\n\nThis is the mail system at host mail.example.org.\n\n"
        "[<ann@hotmail.example>](mailto:ann@hotmail.example): host\n"
        "    mx.hotmail.example[192.0.2.9] said: 550 5.7.1 Unfortunately, messages from\n"
        "    [192.0.2.20] weren't sent. Please contact your Internet service provider since "
        "part of\n    their network is on our block list (S3150). (in reply to MAIL FROM command)\n"
    )
    diagnosis = analyze(paste, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("ann@hotmail.example", "blocked")


def test_a_refusal_of_a_spoofed_sender_is_an_authentication_failure(matcher: Matcher) -> None:
    line = "550 Rejected by header based Anti-Spoofing policy"
    assert analyze(line, matcher, asked=True).diagnoses[0].reason == "authfailure"


def test_attempts_left_in_portuguese_mean_still_retrying(matcher: Matcher) -> None:
    line = (
        "Atenção: um e-mail não foi entregue para ann@example.net com mais 4 tentativas "
        "restantes. Erro: SMTP Error: data not accepted. SMTP code: 552 Detail: Error: message "
        "file too big"
    )
    assert analyze(line, matcher, asked=True).diagnoses[0].temporary is True


def test_a_python_refused_map_names_the_address_without_its_quotes(matcher: Matcher) -> None:
    paste = (
        "SMTPRecipientsRefused at /signup/\n{'ann@gmail.example': (550, '5.7.1 Unable to relay')}\n"
    )
    diagnosis = analyze(paste, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("ann@gmail.example", "norelaying")


def test_a_recipient_at_a_provider_is_no_evidence_the_provider_refused(matcher: Matcher) -> None:
    paste = "SMTPRecipientsRefused: {'ann@gmail.com': (550, '5.7.1 Unable to relay')}"
    diagnosis = analyze(paste, matcher, asked=True).diagnoses[0]
    assert diagnosis.reason == "norelaying"
    assert diagnosis.entry is not None and not diagnosis.entry.providers


def test_outlooks_domain_owner_policy_refusal_is_dmarc(matcher: Matcher) -> None:
    line = (
        "550 5.7.0 (COL0-MC6-F31) Unfortunately, messages from (192.0.2.4) on behalf of "
        "(example.org) could not be delivered due to domain owner policy restrictions."
    )
    assert analyze(line, matcher, asked=True).diagnoses[0].reason == "authfailure"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("550 This message scored 9.8 points. Congratulations!", "spamdetected"),
        ("550-192.0.2.53 is not allowed to send mail from lists.example.org", "authfailure"),
    ],
)
def test_a_spam_score_and_an_spf_verdict_in_their_own_words(
    line: str, reason: str, matcher: Matcher
) -> None:
    assert analyze(line, matcher, asked=True).diagnoses[0].reason == reason


@pytest.mark.parametrize(
    ("diagnostic", "quoted"),
    [
        # a Postfix log line whose address was masked: the reply, not the dsn= field
        (
            "postfix/smtp[1336]: 0157C346021: to=<ann(at)example.net>, relay=mx.example.net"
            "[192.0.2.5]:25, delay=0.19, dsn=4.3.1, status=deferred (host mx.example.net"
            "[192.0.2.5] said: 452 4.3.1 Insufficient system storage (in reply to MAIL FROM "
            "command))",
            "452 4.3.1 Insufficient system storage (in reply to MAIL FROM command)",
        ),
        # a mail library's error object pasted as JSON: the field's value alone
        (
            '{ "name": "RecipientError", "data": "550 Administrative prohibition", '
            '"stage": "rcpt" }',
            "550 Administrative prohibition",
        ),
    ],
)
def test_server_said_stops_where_the_pasted_reply_does(diagnostic: str, quoted: str) -> None:
    assert server_reply(diagnostic) == quoted
