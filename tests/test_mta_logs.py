"""What admins paste from their own MTA instead of a bounce: log lines, queue listings,
accounting records. Written here in the formats those programs print."""

from __future__ import annotations

import pytest

from bot.engine.diagnose import analyze
from bot.engine.matcher import Matcher
from tests.test_classify import top

POSTQUEUE = """\
-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
4C7D8E9F0A     1533 Wed Jun  5 10:01:12  billing@example.org
(connect to mail.example.net[192.0.2.52]:25: Connection refused)
                                         quinn@example.net

5E6F7A8B9C*    2210 Wed Jun  5 10:03:40  billing@example.org
(host mx.example.com[192.0.2.60] said: 452 4.2.2 <ruth@example.com>: Mailbox full (in reply to RCPT TO command))
                                         ruth@example.com
                                         sam@example.com

-- 4 Kbytes in 2 Requests.
why are these stuck?
"""


def test_a_queue_listing_pairs_each_recipient_with_the_reason_above_it(matcher: Matcher) -> None:
    found = {d.recipient: d for d in analyze(POSTQUEUE, matcher).diagnoses}
    assert {r: (d.reason, d.temporary) for r, d in found.items()} == {
        "quinn@example.net": ("networkerror", True),
        "ruth@example.com": ("mailboxfull", True),
        "sam@example.com": ("mailboxfull", True),
    }
    assert found["quinn@example.net"].diagnostic == (
        "connect to mail.example.net[192.0.2.52]:25: Connection refused"
    )


def test_a_queue_listing_pasted_without_its_heading_is_known_by_its_footer(
    matcher: Matcher,
) -> None:
    listing = POSTQUEUE.split("\n", 1)[1]
    found = {d.recipient: d.reason for d in analyze(listing, matcher).diagnoses}
    assert found == {
        "quinn@example.net": "networkerror",
        "ruth@example.com": "mailboxfull",
        "sam@example.com": "mailboxfull",
    }


ACCOUNTING = (
    "type,timeLogged,orig,rcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat\n"
    "d,2024-06-07 11:20:30+0000,news@example.org,ok@example.net,relayed,2.0.0 (success),"
    '"smtp;250 2.0.0 OK",mx.example.net (192.0.2.27),\n'
    "b,2024-06-07 11:20:31+0000,news@example.org,yan@example.net,failed,5.1.1 (bad mailbox),"
    '"smtp;550 5.1.1 <yan@example.net>: Recipient address rejected: User unknown",'
    "mx.example.net (192.0.2.27),bad-mailbox\n"
)


def test_accounting_records_give_a_failure_per_failed_record(matcher: Matcher) -> None:
    diagnoses = analyze(f"what does this mean?\n{ACCOUNTING}", matcher, asked=True).diagnoses
    assert [(d.recipient, d.reason, d.temporary) for d in diagnoses] == [
        ("yan@example.net", "userunknown", False)
    ]


@pytest.mark.parametrize(
    ("log", "reason", "temporary"),
    [
        # Postfix's queue manager gives up on a message it kept deferring
        (
            "Jun  9 08:00:11 mx postfix/smtp[9911]: 2B7C0E1A4F: to=<ops@example.net>, relay=none, "
            "delay=432001, dsn=4.4.1, status=deferred (connect to mx.example.net[192.0.2.30]:25: "
            "Connection refused)\n"
            "Jun  9 08:00:11 mx postfix/qmgr[812]: 2B7C0E1A4F: from=<a@example.org>, "
            "status=expired, returned to sender\n",
            "expired",
            False,
        ),
        # Exim: a cause, then "waiting for the retry time" lines, which name none
        (
            "2024-06-04 09:00:14 1s6mQr-0003Ef-4G == dan@example.net R=dnslookup T=remote_smtp "
            "defer (110): Connection timed out H=mx.example.net [192.0.2.11]\n"
            "2024-06-04 09:15:02 1s6mQr-0003Ef-4G == dan@example.net R=dnslookup T=remote_smtp "
            "defer (-54): retry time not reached for any host for 'example.net'\n",
            "networkerror",
            True,
        ),
        (
            "2024-06-08 07:10:02 1s5xAa-0005Ij-6K ** frank@example.net: retry timeout exceeded\n",
            "expired",
            False,
        ),
        # qmail-send writes spaces as "_" and line breaks as "/"
        (
            "@40000000666a0b4f0a1b2c3d delivery 4410: failure: Sorry,_I_wasn't_able_to_establish"
            "_an_SMTP_connection._(#4.4.1)/I'm_not_going_to_try_again;_this_message_has_been_in_"
            "the_queue_too_long./\n",
            "expired",
            False,
        ),
        (
            "Jun  7 09:00:00 obsd smtpd[71234]: 0c1d mta delivery evpid=2b3c from=<a@example.org> "
            'to=<tess@example.net> rcpt=<-> source="-" relay="example.net" delay=4h2m '
            'result="TempFail" stat="Network error on destination MXs"\n',
            "networkerror",
            True,
        ),
        (
            "Identity        : EX01\\41205\nDeliveryType    : DnsConnectorDelivery\n"
            "Status          : Retry\nLastError       : 451 4.4.0 Primary target IP address "
            'responded with: "421 4.4.2 Connection dropped due to SocketError." Attempted '
            "failover to alternate host, but that did not succeed.\n",
            "networkerror",
            True,
        ),
    ],
)
def test_log_lines(log: str, reason: str, temporary: bool, matcher: Matcher) -> None:
    diagnosis = top(log, matcher, asked=True)
    assert (diagnosis.reason, diagnosis.temporary) == (reason, temporary)


def test_the_askers_words_after_log_lines_are_not_the_servers(matcher: Matcher) -> None:
    log = (
        "Jun  3 14:02:51 relay1 postfix/smtp[10221]: 7C3B51A0F2: to=<info@example.net>, "
        "relay=mx.example.net[192.0.2.25]:25, dsn=5.3.4, status=bounced (host mx.example.net"
        "[192.0.2.25] said: 552 5.3.4 Message size exceeds fixed limit (in reply to end of DATA "
        "command))\nit was only a 30MB pdf, why?\n"
    )
    diagnosis = top(log, matcher, asked=True)
    assert diagnosis.diagnostic.endswith("(in reply to end of DATA command)")
    exim = (
        "2024-06-05 10:00:01 1sAbCd-0001Xy-2Z ** gina@example.net R=localuser "
        "T=local_delivery: mailbox is full (MTA-imposed quota exceeded while writing to "
        "/var/mail/gina)\ndoes that mean her quota or the disk?\n"
    )
    assert top(exim, matcher, asked=True).diagnostic == (
        "mailbox is full (MTA-imposed quota exceeded while writing to /var/mail/gina)"
    )


def test_a_wrapped_log_line_still_belongs_to_its_recipient(matcher: Matcher) -> None:
    log = (
        "Jan  9 06:57:18 mx postfix/smtp[4775]: BA82A150571: to=<ron@example.net>, relay=127.0"
        ".0.1[127.0.0.1]:10024, delays=145171/53/0/2.\n1, dsn=4.5.0, status=deferred (host 127"
        ".0.0.1[127.0.0.1] said: 451 4.5.0 Error in processing, id=04801-01-3, temporarily "
        "unable to quarant\nine: Local delivery failed (in reply to end of DATA command))\n"
    )
    diagnosis = top(log, matcher, asked=True)
    assert diagnosis.recipient == "ron@example.net"
    assert "Error in processing" in diagnosis.diagnostic


def test_a_tracking_logs_recipient_field_is_read_without_its_braces(matcher: Matcher) -> None:
    log = (
        "EventId         : FAIL\nSource          : SMTP\nSender          : a@example.org\n"
        "Recipients      : {tina@example.net}\n"
        "RecipientStatus : {[{LRT=};{LED=550 5.1.1 RESOLVER.ADR.RecipNotFound; not found};"
        "{FQDN=};{IP=}]}\nMessageSubject  : Invoice\n"
    )
    diagnosis = top(log, matcher, asked=True)
    assert (diagnosis.recipient, diagnosis.reason) == ("tina@example.net", "userunknown")
    assert diagnosis.diagnostic == "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"


def test_hostile_accounting_records_are_answered_not_raised(matcher: Matcher) -> None:
    header = "type,rcpt,dsnAction,dsnStatus,dsnDiag\n"
    huge_field = header + 'b,a@example.net,failed,5.1.1,"' + "x" * 200_000 + '"\n'
    many = header + 'b,a@example.net,failed,5.1.1,"550 5.1.1 no such user"\n' * 5000
    for text in (huge_field, many):
        analysis = analyze(text, matcher, asked=True)
        assert len(analysis.diagnoses) <= 500
