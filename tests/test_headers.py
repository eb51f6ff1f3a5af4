"""Header analysis: the path and its delays, the sending IP, the trusted verdicts, Microsoft's
spam verdict and the findings, on header blocks in the layouts real servers write
(tests/data/headers/), plus the CLI contract and hostile input."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.headers.analyze import HeaderReport, analyze_headers
from bot.headers.fields import MAX_BYTES
from bot.intent import Deps
from bot.model import Incoming
from bot.registry import Registry
from intents.headers import looks_like_headers

HEADERS = Path(__file__).parent / "data" / "headers"


def report_of(name: str) -> HeaderReport:
    report = analyze_headers((HEADERS / f"{name}.txt").read_text(encoding="utf-8"))
    assert report is not None
    return report


def texts(report: HeaderReport) -> str:
    return "\n".join(f.text for f in report.findings)


def test_gmail_to_exchange_online() -> None:
    report = report_of("gmail_to_exchange")
    assert [h.by_host for h in report.hops][:2] == [
        "mail-sor-f41.google.com",
        "bn8nam12ft012.mail.protection.outlook.com",
    ]
    assert report.sending_ip == "209.85.220.41"  # the hop into Exchange Online, not its inside
    auth = report.authentication
    assert auth is not None and auth.trusted
    assert auth.authserv_id == "sn6pr11mb5678.namprd11.prod.outlook.com"  # Microsoft omits it
    assert (auth.results.spf, auth.results.dmarc, auth.results.compauth) == ("pass", "pass", "pass")
    assert auth.aligned_spf and auth.aligned_dkim
    assert report.microsoft is not None and (report.microsoft.scl, report.microsoft.bcl) == (1, 0)
    assert "DMARC passed for gmail.com through SPF and DKIM" in texts(report)


def test_exchange_online_to_gmail() -> None:
    report = report_of("exchange_to_gmail")
    assert report.sending_ip == "40.107.22.100"
    assert report.receiving_org == "google.com"
    auth = report.authentication
    assert auth is not None and auth.trusted and auth.authserv_id == "mx.google.com"
    assert [(d.result, d.domain, d.selector) for d in auth.results.dkim] == [
        ("pass", "contoso.example", "selector1")
    ]
    assert auth.arc == "pass"
    assert report.hops[2].tls and report.hops[2].protocol == "esmtps"
    assert report.total_delay_s == 4


def test_postfix_to_postfix_through_a_relay() -> None:
    report = report_of("postfix_relay")
    assert [h.from_ip for h in report.hops] == [None, "10.20.30.40", "198.51.100.25"]
    assert report.sending_ip == "198.51.100.25"
    assert report.hops[2].tls and not report.hops[1].tls
    assert report.hops[0].from_host is None  # "(Postfix, from userid 1001)" is a comment
    assert "private address (10.20.30.40)" in texts(report)


def test_a_mailing_list_breaks_dkim_but_carries_arc() -> None:
    report = report_of("mailing_list_arc")
    auth = report.authentication
    assert auth is not None and auth.arc == "pass"
    assert [d.result for d in auth.results.dkim] == ["fail", "pass"]
    found = texts(report)
    assert "DKIM failed for d=ann.example" in found and "ARC passed" in found
    assert any(f.severity == "warn" and "DMARC failed" in f.text for f in report.findings)


def test_a_forged_lower_authentication_results_is_ignored() -> None:
    report = report_of("forged_lower_ar")
    auth = report.authentication
    assert auth is not None and auth.trusted and auth.untrusted == 1
    assert (auth.results.spf, auth.results.dmarc) == ("fail", "fail")  # not the forged passes
    assert report.findings[0].severity == "fail"
    assert "ignored" in texts(report)


def test_clock_skew_is_flagged_and_clamped() -> None:
    report = report_of("clock_skew")
    last = report.hops[-1]
    assert last.skew and last.delay_s == 0
    assert "clock is wrong" in texts(report)
    assert all((h.delay_s or 0) >= 0 for h in report.hops)


def test_a_message_delayed_for_hours() -> None:
    report = report_of("delayed_hours")
    slow = report.hops[1]
    assert slow.delay_s is not None and slow.delay_s > 6000
    finding = next(f for f in report.findings if "waited" in f.text)
    assert finding.severity == "warn"
    assert "1 h 52 min" in finding.text and "mx1.example.net" in finding.text
    assert finding.who_fixes == "recipients_admin"  # the wait ended at Exchange Online's door


def test_microsoft_spam_verdicts_in_plain_words() -> None:
    report = report_of("microsoft_spam")
    ms = report.microsoft
    assert ms is not None
    assert (ms.scl, ms.bcl, ms.sfv, ms.cat, ms.ctry) == (5, 7, "SPM", "SPM", "NL")
    found = texts(report)
    assert "SCL 5: Microsoft marked it as spam" in found
    assert "BCL 7" in found
    assert "compauth" in found and "reason 000" in found
    assert report.authentication is not None and report.authentication.results.spf == "softfail"


def test_cli_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    path = HEADERS / "gmail_to_exchange.txt"
    assert main(["headers", str(path), "--json", "--no-dns"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"hops", "total_delay_s", "sending_ip", "authentication", "findings"}
    hop = data["hops"][0]
    assert set(hop) == {"index", "from", "from_ip", "by", "with", "tls", "time", "delay_s"}
    assert hop["time"].endswith("Z")
    assert set(data["authentication"]) >= {"authserv_id", "trusted", "spf", "dkim", "aligned"}
    assert set(data["microsoft"]) == {"scl", "bcl", "sfv", "cat", "ipv", "ctry"}
    assert {f["severity"] for f in data["findings"]} <= {"info", "warn", "fail", "ok"}


def test_cli_refuses_text_without_headers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    note = tmp_path / "note.txt"
    note.write_text("lunch at noon?\n", encoding="utf-8")
    assert main(["headers", str(note), "--no-dns"]) == 2
    err = capsys.readouterr().err
    assert "no message header found" in err and err.count("\n") == 1


def test_pasted_headers_are_answered_as_headers_not_as_a_bounce(deps: Deps) -> None:
    text = "here are the headers:\n" + (HEADERS / "postfix_relay.txt").read_text(encoding="utf-8")
    assert looks_like_headers(text)
    reply = asyncio.run(Registry.default().handle(Incoming(text=text), deps))
    assert reply is not None and reply.title == "Message headers from shop.example.org"
    assert reply.sections[0].title == "Findings"
    assert any(s.title.startswith("Path") for s in reply.sections)


def test_a_bounce_is_not_taken_for_headers() -> None:
    bounce = (
        "Received: from mx.example.net by relay.example.org; Mon, 9 Dec 2024 10:00:00 +0000\n"
        "Received: from relay.example.org by mx.example.org; Mon, 9 Dec 2024 10:00:01 +0000\n"
        "Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.1.1\n"
    )
    assert not looks_like_headers(bounce)


def test_mentions_in_header_text_never_ping(deps: Deps) -> None:
    """Host names come from the paste: a forged one carrying a mention is escaped on the way out."""
    from bot.adapters.render_slack import render_slack

    text = (
        (HEADERS / "clock_skew.txt")
        .read_text(encoding="utf-8")
        .replace("from gw.example.org (gw.example.org", "from <!channel>@here (gw.example.org")
    )
    reply = asyncio.run(Registry.default().handle(Incoming(text=text, command="headers"), deps))
    assert reply is not None
    assert "<!channel>" in json.dumps(reply.data)  # the analysis keeps what the header said
    blocks, fallback = render_slack(reply)
    sent = json.dumps(blocks) + fallback
    assert "<!channel>" not in sent and "&lt;!channel&gt;" in sent


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="Received:fromby() ;[].:-\n\t 0123456789abcxyz@", max_size=3000))
def test_any_text_is_parsed_without_error(text: str) -> None:
    report = analyze_headers(text)
    if report is not None:
        json.dumps(report.to_json())
        assert len(report.hops) <= 100


def test_a_megabyte_of_hostile_headers_is_capped_and_linear() -> None:
    hop = "Received: from a (b [" + "(" * 50 + "1.2.3.4) by c with " + "x " * 40 + "; junk\n"
    block = hop * (MAX_BYTES // len(hop) + 10)
    started = time.perf_counter()
    report = analyze_headers(block)
    elapsed = time.perf_counter() - started
    assert report is not None and len(report.hops) == 100
    assert elapsed < 5  # a generous bound; bench/bench_headers.py measures it (about 0.1 s)


def test_explain_does_not_take_a_header_block_for_a_bounce(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Authentication-Results words are verdicts, not a refusal: no made-up authfailure."""
    path = HEADERS / "forged_lower_ar.txt"
    assert main(["explain", str(path), "--json", "--no-dns"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "is_bounce": False,
        "diagnoses": [],
        "checks": [],
    }


RETURNED = """\
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: grace@example.org
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status; boundary="rr"

--rr
Content-Type: text/plain

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<henry@example.net>: host mx.example.net[198.51.100.7] said: 550 5.1.1
    <henry@example.net>: Recipient address rejected: User unknown (in reply to
    RCPT TO command)

--rr
Content-Type: message/delivery-status

Reporting-MTA: dns; out.example.org

Final-Recipient: rfc822; henry@example.net
Action: failed
Status: 5.1.1

--rr
Content-Type: text/rfc822-headers

Received: from out.example.org (out.example.org [192.0.2.60])
	by relay.example.org (Postfix) with ESMTPS id 11AA; Thu, 12 Dec 2024 11:40:00 +0000 (UTC)
Received: from pc.example.org (pc.example.org [10.0.0.5])
	by out.example.org (Postfix) with ESMTPSA id 22BB; Thu, 12 Dec 2024 09:10:00 +0000 (UTC)
From: Grace <grace@example.org>
To: henry@example.net
Subject: Minutes

--rr--
"""


def test_a_bounce_with_returned_headers_gets_a_short_path_summary(deps: Deps) -> None:
    reply = asyncio.run(Registry.default().handle(Incoming(text=RETURNED), deps))
    assert reply is not None and reply.findings[0].reason == "userunknown"
    (section,) = [s for s in reply.sections if s.title == "The returned message's path"]
    assert section.lines[0].startswith("2 hops, from pc.example.org to relay.example.org")
    assert any("2 h 30 min" in line for line in section.lines)


def test_a_bounces_path_summary_loads_no_authentication_parsers(tmp_path: Path) -> None:
    """Explaining a bounce reads its returned headers' path only: the verdict parsers of
    `ndrbot headers` (Authentication-Results, Microsoft's stamps) stay unloaded."""
    import subprocess
    import sys

    bounce = tmp_path / "returned.eml"
    bounce.write_text(RETURNED, encoding="utf-8")
    code = (
        "import sys; from bot.cli import main; "
        f"main(['explain', '--no-dns', {str(bounce)!r}]); "
        "print(sorted(m for m in sys.modules if m.startswith('bot.headers.')), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "The returned message's path" in done.stdout
    loaded = done.stderr.strip()
    assert "bot.headers.path" in loaded
    for module in ("bot.headers.analyze", "bot.headers.authres", "bot.headers.microsoft"):
        assert module not in loaded


@pytest.mark.parametrize(
    "text",
    [
        "Mon, 1 Jan 2024 10:00:00 +0000",
        "Mon, 1 Jan 2024 10:00:00 -0000",
        "Tue, 2 Jan 2024 10:00:00 +0530 (IST)",
        "2 Jan 24 8:1:2 EST",
        "Wed, 3 Jan 2024 10:00:00",
        "Thu, 31 Feb 2024 10:00:00 +0100",
        "Fri, 5 Jan 2024 25:00:00 +0000",
        "Sat, 6 Jan 2024 10:00:00 +2400",
        "Sun, 7 Jan 99999 10:00:00 +0000",
        "(only a comment)",
        "not a date",
        "",
    ],
)
def test_a_hop_time_reads_as_email_utils_reads_it(text: str) -> None:
    import email.utils
    import re
    from datetime import UTC

    from bot.headers.hops import _when

    bare = re.sub(r"\([^)]{0,80}\)", " ", text).strip()  # comments go first, as in _when
    try:
        expected = email.utils.parsedate_to_datetime(bare) if bare else None
    except (TypeError, ValueError, IndexError, OverflowError):
        expected = None
    if expected is not None:
        expected = (
            expected.replace(tzinfo=UTC) if expected.tzinfo is None else expected
        ).astimezone(UTC)
    assert _when(text) == expected
