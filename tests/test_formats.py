"""Layouts beyond RFC 3464: JSON notifications, binary bytes in returned originals, legacy charsets,
vendor plain-text layouts. The messages are written here in each format's shape."""

from __future__ import annotations

import json

from bot.engine.diagnose import analyze
from bot.engine.matcher import Matcher
from bot.engine.parse import looks_binary, parse
from tests.bounce_factory import Rcpt, make_dsn

SES = {
    "notificationType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {
                "emailAddress": "bob@example.net",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
            }
        ],
        "remoteMtaIp": "192.0.2.8",
    },
    "mail": {"source": "news@example.org"},
}


def test_ses_notification_inside_an_email_body(matcher: Matcher) -> None:
    sns = {"Type": "Notification", "Message": json.dumps(SES)}
    message = (
        "From: no-reply@sns.example.com\nSubject: Amazon SES Email Event Notification\n"
        "Content-Type: text/plain; charset=UTF-8\n\n" + json.dumps(sns)
    ).encode()
    analysis = analyze(message, matcher)
    assert analysis.is_bounce
    (diagnosis,) = analysis.diagnoses
    assert (diagnosis.recipient, diagnosis.reason, diagnosis.status) == (
        "bob@example.net",
        "userunknown",
        "5.1.1",
    )
    assert diagnosis.diagnostic == "550 5.1.1 user unknown"


def test_ses_suppression_and_complaints(matcher: Matcher) -> None:
    suppressed = json.loads(json.dumps(SES))
    suppressed["bounce"]["bounceSubType"] = "Suppressed"
    del suppressed["bounce"]["bouncedRecipients"][0]["diagnosticCode"]
    del suppressed["bounce"]["bouncedRecipients"][0]["status"]
    assert analyze(json.dumps(suppressed), matcher).diagnoses[0].reason == "suppressed"
    complaint = {"notificationType": "Complaint", "complaint": {"complainedRecipients": []}}
    analysis = analyze(json.dumps(complaint), matcher)
    assert (analysis.is_bounce, analysis.diagnoses[0].reason) == (False, "feedback")


def test_event_webhooks_of_sending_services(matcher: Matcher) -> None:
    sendgrid = [
        {
            "email": "bob@example.net",
            "event": "bounce",
            "reason": "550 5.2.2 <bob@example.net>: Mailbox full",
            "status": "5.2.2",
        }
    ]
    diagnosis = analyze(json.dumps(sendgrid), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("bob@example.net", "mailboxfull")
    postmark = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "Email": "ann@example.net",
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    }
    diagnosis = analyze(json.dumps(postmark), matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("ann@example.net", "userunknown")


QMAIL_WITH_BINARY = (
    b"From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n"
    b"Hi. This is the qmail-send program at mx.example.net.\n"
    b"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    b"This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
    b"<bob@example.net>:\nuser is over quota\n\n"
    b"--- Below this line is a copy of the message.\n\n"
    b"Content-Type: application/octet-stream\n\n" + bytes(range(256)) * 4
)


def test_binary_bytes_in_the_returned_original_do_not_hide_the_report(matcher: Matcher) -> None:
    assert not looks_binary(QMAIL_WITH_BINARY)
    diagnosis = analyze(QMAIL_WITH_BINARY, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason, diagnosis.temporary) == (
        "bob@example.net",
        "mailboxfull",
        False,
    )


def test_real_binary_is_still_refused(matcher: Matcher) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    assert looks_binary(png)
    assert analyze(png, matcher).kind == "binary"


def test_a_japanese_domino_report_in_iso_2022_jp(matcher: Matcher) -> None:
    body = (
        "メッセージは次の宛先に配信されませんでした:\n\n  bob@example.jp\n\n理由:\n\n"
        "  User bob (bob@example.jp) not listed in Domino Directory\n"
    )
    message = (
        b"From: Postmaster <postmaster@mail.example.jp>\nSubject: DELIVERY FAILURE\n"
        b"MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\n"
        b"Content-Transfer-Encoding: 7bit\n\n" + body.encode("iso-2022-jp")
    )
    parsed = parse(message)
    assert "配信されませんでした" in parsed.text
    diagnosis = analyze(message, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason) == ("bob@example.jp", "userunknown")


def test_google_groups_refusal(matcher: Matcher) -> None:
    message = (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
        "Subject: Address not found\n\n"
        "We're writing to let you know that the group you tried to contact (staff) may not exist, "
        "or you may not have permission to post messages to the group. A few more details on why "
        "you weren't able to post:\n\n * You might have spelled or formatted the group name "
        "incorrectly.\n * The owner of the group may have removed this group.\n"
        " * You may need to join the group before receiving permission to post.\n"
    )
    diagnosis = analyze(message, matcher).diagnoses[0]
    assert diagnosis.reason == "filtered"


def test_exchange_2003_layout(matcher: Matcher) -> None:
    message = (
        "From: System Administrator <postmaster@example.org>\n"
        "Subject: Undeliverable: quarterly report\n\n"
        "Your message did not reach some or all of the intended recipients.\n\n"
        "      Subject:\tquarterly report\n      Sent:\t1/2/2007 10:22 AM\n\n"
        "The following recipient(s) cannot be reached:\n\n"
        "      'bob@example.net' on 1/2/2007 10:22 AM\n"
        "            The e-mail account does not exist at the organization this message was "
        "sent to.  Check the e-mail address, or contact the recipient directly to find out the "
        "correct address.\n"
        "            <mx.example.net #5.1.1>\n"
    )
    diagnosis = analyze(message, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason, diagnosis.status) == (
        "bob@example.net",
        "userunknown",
        "5.1.1",
    )


def test_messaging_server_layout_names_its_recipient(matcher: Matcher) -> None:
    """Sun / Oracle Messaging Server writes one "Recipient address:" block per recipient."""
    message = (
        "From: Internet Mail Delivery <postmaster@example.org>\n"
        "To: ann@example.com\n"
        "Subject: Delivery Notification: Delivery has failed\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n'
        "--b1\nContent-Type: text/plain; charset=us-ascii\n\n"
        "This report relates to a message you sent with the following header fields:\n\n"
        "  Message-id: <1@example.com>\n  Date: Mon, 01 Jun 2020 10:00:00 +0000\n"
        "  From: ann@example.com\n  To: bob@example.net\n  Subject: minutes\n\n"
        "Your message cannot be delivered to the following recipients:\n\n"
        "  Recipient address: bob@example.net\n"
        "  Reason: Remote SMTP server has rejected address\n"
        "  Diagnostic code: smtp;550 5.1.1 unknown or illegal alias: bob@example.net\n"
        "  Remote system: dns;mx.example.net (TCP|192.0.2.1|40000|192.0.2.5|25)\n\n"
        "--b1--\n"
    )
    diagnosis = analyze(message, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason, diagnosis.status) == (
        "bob@example.net",
        "userunknown",
        "5.1.1",
    )


def test_a_dsn_diagnostic_in_the_parts_charset(matcher: Matcher) -> None:
    status = (
        "Reporting-MTA: dns; mx.example.de\n\nFinal-Recipient: rfc822; anna@example.de\n"
        "Action: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 Postfach voll, "
        "Größe überschritten\n"
    )
    message = (
        b"From: MAILER-DAEMON@mx.example.de\nSubject: Unzustellbar\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nUnzustellbar.\n\n--b\n"
        b"Content-Type: message/delivery-status; charset=iso-8859-1\n\n"
        + status.encode("iso-8859-1")
        + b"\n--b--\n"
    )
    diagnosis = analyze(message, matcher).diagnoses[0]
    assert "Größe überschritten" in diagnosis.diagnostic
    assert diagnosis.reason == "mailboxfull"


def test_a_gateway_layout_with_the_recipients_after_the_reason(matcher: Matcher) -> None:
    """MailMarshal-style: the reason first, the affected recipients listed below it."""
    message = (
        "From: MailMarshal@gateway.example.org\nSubject: Undeliverable Mail\n\n"
        "Your message:\n\n   From:    ann@example.org\n   Subject: invoices\n\n"
        "Could not be delivered because of\n\n550 5.1.1 <bob@example.net>... User unknown\n\n"
        "The following recipients were affected:\n    bob@example.net\n"
    )
    diagnosis = analyze(message, matcher).diagnoses[0]
    assert (diagnosis.recipient, diagnosis.reason, diagnosis.status) == (
        "bob@example.net",
        "userunknown",
        "5.1.1",
    )


def test_odd_json_never_raises(matcher: Matcher) -> None:
    for doc in (
        {"notificationType": "Bounce", "bounce": "gone"},
        {"notificationType": "Bounce", "bounce": {"bouncedRecipients": 5}},
        {"notificationType": "Bounce", "bounce": {"bouncedRecipients": ["x", {"status": "5.x"}]}},
        {"event": "bounce", "reason": 550, "status": "banana", "email": ["a"]},
        [{"RecordType": "Bounce", "Details": None, "Description": "x"}],
    ):
        analysis = analyze(json.dumps(doc), matcher)
        assert analysis.kind in ("bounce", "other")


def test_a_junk_mail_report_without_a_report_part_is_a_complaint(matcher: Matcher) -> None:
    """Microsoft's junk-mail reports forward the message with only this subject to say so."""
    message = (
        b"From: staff@hotmail.example\nTo: abuse@example.org\n"
        b"Subject: complaint about message from 192.0.2.44\nContent-Type: message/rfc822\n\n"
        b"From: news@example.org\nSubject: Our spring offers\n\nBuy now.\n"
    )
    analysis = analyze(message, matcher)
    assert analysis.kind == "feedback"
    assert not analysis.is_bounce


def test_an_auto_response_named_after_its_provider_is_an_automatic_reply(
    matcher: Matcher,
) -> None:
    message = (
        b"From: ann@example.net\nTo: bob@example.org\nSubject: Example! Auto Response\n\n"
        b"Thanks for your mail. I read my mail once a week.\n"
    )
    assert analyze(message, matcher).kind == "vacation"


def test_an_out_of_office_reply_relayed_from_a_bounce_address_is_an_automatic_reply(
    matcher: Matcher,
) -> None:
    """Amazon SES passes recipients' auto-replies on from its MAILER-DAEMON address."""
    reply = (
        b"From: MAILER-DAEMON@ses.example.com\nTo: bounces@example.org\n"
        b"Subject: Out of Office Re: Weekly report\nAuto-Submitted: auto-replied\n"
        b"X-Autoreply: yes\n\nPlease send all questions to Jane: jane@example.edu\n"
    )
    assert analyze(reply, matcher).kind == "vacation"
    bounce = reply.replace(b"Out of Office Re", b"Undeliverable")
    assert analyze(bounce, matcher).kind == "bounce"


def _sieve_receipt(notice: str, disposition: str) -> bytes:
    """A disposition notification (RFC 8098) as Dovecot's and Cyrus's Sieve `reject` send it."""
    return (
        "From: Mail Sieve Subsystem <postmaster@example.net>\nTo: <alice@example.org>\n"
        "Subject: Automatically rejected mail\nAuto-Submitted: auto-replied (rejected)\n"
        "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=disposition-notification;"
        ' boundary="b1"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\n'
        f"{notice}\n\n--b1\nContent-Type: message/disposition-notification\n\n"
        "Reporting-UA: imap.example.net; Sieve\nFinal-Recipient: rfc822; victor@example.net\n"
        f"Disposition: {disposition}\n\n--b1--\n"
    ).encode()


def test_a_sieve_reject_is_a_failure_of_its_recipient(matcher: Matcher) -> None:
    notice = (
        "Your message was automatically rejected by Sieve, a mail\nfiltering language.\n\n"
        "The following reason was given:\nI no longer accept messages from this address."
    )
    analysis = analyze(
        _sieve_receipt(notice, "automatic-action/MDN-sent-automatically; deleted"), matcher
    )
    assert analysis.is_bounce
    (diagnosis,) = analysis.diagnoses
    assert (diagnosis.recipient, diagnosis.reason, diagnosis.temporary) == (
        "victor@example.net",
        "filtered",
        False,
    )
    assert "no longer accept messages" in diagnosis.diagnostic


def test_a_read_receipt_is_still_a_delivery(matcher: Matcher) -> None:
    notice = "The message you sent was displayed on the recipient's screen."
    receipt = _sieve_receipt(notice, "manual-action/MDN-sent-manually; displayed")
    analysis = analyze(receipt, matcher)
    assert not analysis.is_bounce


def test_a_mailgun_webhook_forwarded_as_mail(matcher: Matcher) -> None:
    """Mailgun wraps its event in "event-data"; the reply is delivery-status' message and code."""
    event = {
        "signature": {"timestamp": "1741000329", "token": "t", "signature": "s"},
        "event-data": {
            "event": "failed",
            "severity": "temporary",
            "reason": "generic",
            "recipient": "amy@example.net",
            "delivery-status": {
                "code": 452,
                "message": "4.2.2 The email account that you tried to reach is over quota.",
                "description": "",
            },
        },
    }
    message = (
        "From: hooks@example.org\nSubject: [mailgun-events] failed for amy@example.net\n\n"
        "Mailgun webhook POST received:\n\n" + json.dumps(event, indent=2)
    ).encode()
    (diagnosis,) = analyze(message, matcher).diagnoses
    assert (diagnosis.recipient, diagnosis.reason, diagnosis.reply_code, diagnosis.temporary) == (
        "amy@example.net",
        "mailboxfull",
        "452",
        True,
    )
    assert diagnosis.diagnostic.startswith("4.2.2 The email account")


POSTAL_NOTICE = (
    "This is the mail delivery service.\n\n"
    "The message you've sent cannot be delivered. Your original message is attached.\n\n"
    "Orginal Message ID: 20250303091201.4F2A1C@mail.example.org\n"  # (sic)
    "Mail from: alice@example.org\nRcpt To: support@example.net\n"
)


def test_postals_notice_names_its_recipient_in_a_field(matcher: Matcher) -> None:
    """Postal gives no reason, and sends from the very address that failed; "Rcpt To:" names it."""
    headers = "From: Mail Delivery Service <support@example.net>\nSubject: Mail Delivery Failed\n\n"
    analysis = analyze((headers + POSTAL_NOTICE).encode(), matcher)
    assert analysis.is_bounce
    assert analysis.diagnoses[0].recipient == "support@example.net"


def test_postals_notice_pasted_alone_is_a_bounce(matcher: Matcher) -> None:
    assert analyze(POSTAL_NOTICE, matcher).is_bounce


def _forward(attachment: bytes, *, as_file: bool = False, subject: bytes = b"Fwd: bounce") -> bytes:
    """A person's mail to the help desk with a bounce attached, as mail programs send it."""
    part = (
        b'Content-Type: application/octet-stream; name="bounce.eml"\n'
        b'Content-Disposition: attachment; filename="bounce.eml"\n'
        if as_file
        else b"Content-Type: message/rfc822\n"
    )
    return (
        b"From: Alice <alice@example.org>\nTo: helpdesk@example.org\n"
        b"Subject: " + subject + b"\n"
        b'Content-Type: multipart/mixed; boundary="fwd"\n\n--fwd\nContent-Type: text/plain\n\n'
        b"Hi, can you have a look at this one?\n\n--fwd\n"
        + part
        + b"\n"
        + attachment
        + b"\n--fwd--\n"
    )


def test_a_bounce_forwarded_as_an_attachment_is_read(matcher: Matcher) -> None:
    bounce = make_dsn([Rcpt("tom@example.net", "5.2.2", "552 5.2.2 Mailbox full")])
    for message in (_forward(bounce), _forward(bounce, as_file=True)):
        analysis = analyze(message, matcher)
        (diagnosis,) = analysis.diagnoses
        assert (diagnosis.recipient, diagnosis.reason) == ("tom@example.net", "mailboxfull")
        assert any("attached" in note for note in analysis.notes)


def test_a_person_forwarding_an_ordinary_message_is_not_a_bounce(matcher: Matcher) -> None:
    ordinary = b"From: bob@example.net\nTo: alice@example.org\nSubject: lunch\n\nNoon?\n"
    assert not analyze(_forward(ordinary, subject=b"Fwd: lunch"), matcher).is_bounce


def test_an_empty_text_version_leaves_the_html_one_to_be_read(matcher: Matcher) -> None:
    message = (
        b"From: Mail Delivery Subsystem <mailer-daemon@example.org>\n"
        b"Subject: Delivery Status Notification (Failure)\n"
        b'Content-Type: multipart/alternative; boundary="alt"\n\n--alt\n'
        b"Content-Type: text/plain\n\n\n--alt\nContent-Type: text/html\n\n"
        b"<p>Your message wasn't delivered to <b>pia@example.net</b>.</p><p>The response was: "
        b"552 5.2.2 The email account that you tried to reach is over quota.</p>\n--alt--\n"
    )
    (diagnosis,) = analyze(message, matcher).diagnoses
    assert (diagnosis.recipient, diagnosis.reason) == ("pia@example.net", "mailboxfull")
