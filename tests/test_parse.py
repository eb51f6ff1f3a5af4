"""Bounce parsing: MIME reports, MTA text formats, quoting, line ends, charsets, many recipients."""

from __future__ import annotations

import pytest

from bot.engine.parse import parse
from tests.bounce_factory import Rcpt, make_dsn

GMAIL_MULTILINE = """\
550-5.7.26 This mail has been blocked because the sender is unauthenticated.
550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.
550-5.7.26
550-5.7.26  Authentication results:
550-5.7.26  DKIM = did not pass
550-5.7.26  SPF [example.com] with ip: [203.0.113.5] = did not pass
550-5.7.26
550-5.7.26  For instructions on setting up authentication, go to
550 5.7.26  https://support.google.com/mail/answer/81126#authentication d2e1a72fcca58-7c6 - gsmtp"""

POSTFIX = """\
This is the mail system at host mail.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<bob@example.net>: host mx.example.net[198.51.100.4] said: 550 5.1.1
    <bob@example.net>: Recipient address rejected: User unknown in virtual
    mailbox table (in reply to RCPT TO command)

<carol@example.org>: host aspmx.l.google.com[192.0.2.27] said: 452-4.2.2 The
    email account that you tried to reach is over quota. 452 4.2.2 Please direct
    the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp
    (in reply to RCPT TO command)
"""

EXIM = """\
This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  bob@example.net
    host mx.example.net [198.51.100.4]
    SMTP error from remote mail server after RCPT TO:<bob@example.net>:
    550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown
"""

SENDMAIL = """\
   ----- The following addresses had permanent fatal errors -----
<bob@example.net>
    (reason: 550 5.1.1 <bob@example.net>... User unknown)

   ----- Transcript of session follows -----
... while talking to mx.example.net.:
>>> RCPT To:<bob@example.net>
<<< 550 5.1.1 <bob@example.net>... User unknown
550 5.1.1 <bob@example.net>... User unknown
"""

QMAIL = """\
Hi. This is the qmail-send program at mail.example.com.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<carol@example.net>:
Sorry, no mailbox here by that name. (#5.1.1)
"""

EXCHANGE = """\
Delivery has failed to these recipients or groups:

bob@example.net
The email address you entered couldn't be found. Please check the recipient's email address.

Diagnostic information for administrators:

Generating server: BN8PR12MB1234.namprd12.prod.outlook.com

bob@example.net
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'

Original message headers:

From: Alice <alice@example.com>
DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=selector1; h=from; bh=x; b=y
Received: from [192.0.2.99] by example.com
"""


def test_gmail_continuation_lines_become_one_reply() -> None:
    parsed = parse(GMAIL_MULTILINE)
    assert len(parsed.failures) == 1
    failure = parsed.failures[0]
    assert (failure.reply_code, failure.status) == ("550", "5.7.26")
    assert "550-5.7.26" not in failure.diagnostic
    assert "unauthenticated. Gmail requires all senders" in failure.diagnostic
    assert "203.0.113.5" in parsed.sending_ips
    assert parsed.sender_hints == ["example.com"]


def test_postfix_report_gives_one_failure_per_recipient() -> None:
    parsed = parse(POSTFIX)
    by_rcpt = {f.recipient: f for f in parsed.failures}
    assert set(by_rcpt) == {"bob@example.net", "carol@example.org"}
    assert by_rcpt["bob@example.net"].status == "5.1.1"
    assert "User unknown in virtual mailbox table" in by_rcpt["bob@example.net"].diagnostic
    assert (by_rcpt["carol@example.org"].reply_code, by_rcpt["carol@example.org"].status) == (
        "452",
        "4.2.2",
    )
    assert by_rcpt["carol@example.org"].remote_mta == "aspmx.l.google.com"
    assert "over quota" in by_rcpt["carol@example.org"].diagnostic
    assert "192.0.2.27" not in parsed.sending_ips  # the receiving host is not the sender


@pytest.mark.parametrize(
    ("text", "recipient", "status"),
    [
        (EXIM, "bob@example.net", "5.1.1"),
        (SENDMAIL, "bob@example.net", "5.1.1"),
        (QMAIL, "carol@example.net", "5.1.1"),
    ],
    ids=["exim", "sendmail", "qmail"],
)
def test_mta_formats(text: str, recipient: str, status: str) -> None:
    parsed = parse(text)
    assert [f.recipient for f in parsed.failures] == [recipient]
    assert parsed.failures[0].status == status


def test_exchange_ndr_merges_the_two_mentions_and_reads_original_headers() -> None:
    parsed = parse(EXCHANGE)
    assert len(parsed.failures) == 1
    failure = parsed.failures[0]
    assert failure.recipient == "bob@example.net"
    assert (failure.reply_code, failure.status) == ("550", "5.1.10")
    assert "RESOLVER.ADR.RecipientNotFound" in failure.diagnostic
    assert parsed.original_from == "alice@example.com"
    assert parsed.sender_domain == "example.com"
    assert parsed.dkim_selectors == ["selector1"]
    assert "192.0.2.99" not in parsed.sending_ips  # headers of the original are not the evidence


def test_quoted_paste_and_line_ends() -> None:
    quoted = "\n".join("> " + line for line in POSTFIX.splitlines())
    for variant in (quoted, POSTFIX.replace("\n", "\r\n"), POSTFIX.replace("\n", "\r")):
        parsed = parse(variant)
        assert {f.recipient for f in parsed.failures} == {"bob@example.net", "carol@example.org"}


def test_single_line_from_a_chat() -> None:
    parsed = parse(
        "550 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org"
    )
    assert len(parsed.failures) == 1
    assert parsed.failures[0].status == "5.7.1"
    assert parsed.sending_ips == ["203.0.113.9"]


def test_slack_escaped_paste_is_unescaped() -> None:
    parsed = parse(
        "&lt;<mailto:bob@example.net|bob@example.net>&gt;: host mx.example.net[198.51.100.4] said: 550 5.1.1 no such user"
    )
    assert parsed.failures[0].recipient == "bob@example.net"


def test_mime_dsn_with_several_recipients() -> None:
    data = make_dsn(
        [
            Rcpt("bob@example.net", "5.1.1", "550 5.1.1 <bob@example.net>: User unknown"),
            Rcpt("carol@example.org", "4.2.2", "452 4.2.2 Mailbox full", action="delayed"),
            Rcpt(
                "dave@example.org",
                "5.0.0",
                "554 5.7.1 Client host [203.0.113.9] blocked using zen.spamhaus.org",
            ),
            Rcpt("erin@example.org", "2.0.0", "250 2.0.0 OK", action="delivered"),
        ]
    )
    parsed = parse(data)
    assert parsed.is_mime and parsed.report_type == "delivery-status"
    statuses = {f.recipient: (f.status, f.action) for f in parsed.failures}
    assert statuses["bob@example.net"] == ("5.1.1", "failed")
    assert statuses["carol@example.org"] == ("4.2.2", "delayed")
    assert statuses["dave@example.org"] == ("5.7.1", "failed")  # the server's code beats 5.0.0
    assert statuses["erin@example.org"] == ("2.0.0", "delivered")
    assert parsed.original_from == "alice@example.com"
    assert parsed.dkim_domains == ["example.com"] and parsed.dkim_selectors == ["s1"]
    assert parsed.sending_ips == ["203.0.113.9"]


def test_dsn_diagnostic_with_gmail_continuations() -> None:
    data = make_dsn([Rcpt("bob@gmail.example", "5.7.26", GMAIL_MULTILINE)])
    failure = parse(data).failures[0]
    assert failure.reply_code == "550"
    assert failure.diagnostic.count("5.7.26") == 1
    assert "Gmail requires all senders" in failure.diagnostic


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable"])
@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("iso-2022-jp", "宛先のメールアドレスが見つかりません。"),
        ("koi8-r", "Сообщение не доставлено: адрес не существует."),
        ("iso-8859-1", "Die Nachricht konnte nicht zugestellt werden: Empfänger unbekannt."),
    ],
)
def test_text_parts_in_legacy_charsets(charset: str, text: str, encoding: str) -> None:
    data = make_dsn(
        [Rcpt("bob@example.net", "5.1.1", "550 5.1.1 unknown")],
        text=text,
        charset=charset,
        encoding=encoding,
    )
    parsed = parse(data)
    assert text in parsed.text
    assert parsed.failures[0].status == "5.1.1"


def test_crlf_mime_message() -> None:
    data = make_dsn([Rcpt("bob@example.net", "5.1.1", "550 5.1.1 unknown")], crlf=True)
    assert parse(data).failures[0].recipient == "bob@example.net"


def test_plain_text_without_recipient_blocks_uses_the_sentence() -> None:
    text = (
        "Your message to bob@example.net couldn't be delivered.\n"
        "Reported error: 550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required\n"
    )
    failure = parse(text).failures[0]
    assert failure.recipient == "bob@example.net"
    assert failure.status == "5.7.133"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01\x02\xff" * 1000,
        b'Content-Type: multipart/report; boundary="x"\n\n--x\nContent-Type: message/delivery-status\n\n',
        b"From: a\nContent-Type: multipart/mixed; boundary=\n\n--\n--\n",
        b"Subject: =?utf-8?B?broken?=\nContent-Transfer-Encoding: base64\n\n!!!notbase64!!!",
        "x" * 10,
        "\u200b\u200b 550 \u202e 5.1.1",
    ],
)
def test_bad_input_never_raises(data: bytes | str) -> None:
    parse(data)


def test_binary_is_flagged() -> None:
    parsed = parse(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10)
    assert parsed.binary and not parsed.failures


def test_huge_input_is_truncated_with_a_note() -> None:
    parsed = parse("550 5.1.1 user unknown\n" + "filler line\n" * 2_000_000)
    assert parsed.failures and parsed.failures[0].status == "5.1.1"
    assert any("were read" in note for note in parsed.notes)


def test_a_truncated_utf8_paste_keeps_its_characters() -> None:
    paste = "550 5.1.1 Empfänger unbekannt: bob@example.net\n" + "ü" * 700_000
    parsed = parse(paste)
    assert "Empfänger" in parsed.text
    assert any("were read" in note for note in parsed.notes)


def test_sending_ips_and_sender_domains_are_read_from_the_failures_as_parsed() -> None:
    """They are looked for only when asked, in the failures' words as the parse left them: a
    failure added later (as `analyze` adds one for bare wording), or a copy, changes nothing."""
    import copy
    import pickle

    from bot.engine.parsed import Failure

    parsed = parse(GMAIL_MULTILINE)
    parsed.failures.append(Failure(None, "550 denied: SPF [other.example] from 198.51.100.7"))
    assert parsed.sending_ips == ["203.0.113.5"]
    assert parsed.sender_hints == ["example.com"]
    for again in (pickle.loads(pickle.dumps(parse(GMAIL_MULTILINE))), copy.copy(parsed)):
        assert (again.sending_ips, again.sender_hints) == (["203.0.113.5"], ["example.com"])
    assert parse("").sending_ips == parse(b"\x00\x01\x02" * 100).sender_hints == []


def test_zohos_error_code_line_names_its_recipient() -> None:
    text = (
        "Undelivered Mail Returned to Sender\nFrom: mailer-daemon@zoho.com\nTo: olga@example.com\n\n"
        "This message was created automatically by mail delivery software.\n"
        "A message that you sent could not be delivered to one or more of its recipients.\n\n"
        "pavel@example.net, ERROR CODE :550 - 5.1.1 User does not exist - pavel@example.net\n"
    )
    (failure,) = parse(text).failures
    assert (failure.recipient, failure.reply_code, failure.status) == (
        "pavel@example.net",
        "550",
        "5.1.1",
    )
