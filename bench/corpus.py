"""Bench inputs: a directory of realistic .eml bounces and a list of ordinary chat lines."""

from __future__ import annotations

import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DIAGNOSTICS = [
    (
        "5.1.1",
        "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table",
    ),
    (
        "5.1.1",
        "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
        "550-5.1.1 double-checking the recipient's email address for typos or\n"
        "550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser a1si - gsmtp",
    ),
    (
        "5.7.26",
        "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\n"
        "550-5.7.26 DMARC policy. Please contact the administrator of example.com domain if\n"
        "550 5.7.26 this was a legitimate mail. - gsmtp",
    ),
    ("5.2.2", "552 5.2.2 <{rcpt}>: Mailbox full"),
    (
        "4.7.28",
        "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from\n"
        "421 4.7.28 your IP address 203.0.113.{n}. - gsmtp",
    ),
    (
        "5.7.1",
        "554 5.7.1 Service unavailable; Client host [203.0.113.{n}] blocked using zen.spamhaus.org",
    ),
    (
        "5.1.10",
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
    ),
    ("5.7.1", "550 5.7.1 Relaying denied"),
    ("5.4.7", "retry timeout exceeded"),
    ("5.3.4", "552 5.3.4 Message size exceeds fixed maximum message size"),
]

TEXT = """This is the mail system at host mail{n}.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<{rcpt}>: host mx.example.net[198.51.100.4] said: {diag_inline}
    (in reply to RCPT TO command)
"""

HEADERS = """Return-Path: <alice{n}@example.com>
Received: from client.example.com (client.example.com [192.0.2.{n}])
\tby mail{n}.example.com (Postfix) with ESMTPSA id 4Xy{n}
\tfor <{rcpt}>; Mon,  6 Jan 2025 10:{m:02d}:00 +0000 (UTC)
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s{n};
\th=from:to:subject:date:message-id; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;
\tb=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBidXQgaXQgbG9va3MgbGlrZSBvbmUgdG8gdGhlIHBhcnNlcg==
From: Alice <alice{n}@example.com>
To: <{rcpt}>
Subject: Quarterly numbers {n}
Date: Mon, 6 Jan 2025 10:{m:02d}:00 +0000
Message-ID: <{n}.{m}@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
"""


def make_eml(n: int, rng: random.Random) -> bytes:
    status, diag = DIAGNOSTICS[n % len(DIAGNOSTICS)]
    rcpt = f"user{n}@example.net"
    diag = diag.format(rcpt=rcpt, n=n % 250)
    boundary = f"=_{n}_{rng.randrange(10**9)}"
    fields = {"n": n % 250, "m": n % 60, "rcpt": rcpt}
    diag_lines = diag.split("\n")
    parts = [
        "From: MAILER-DAEMON@mail.example.com (Mail Delivery System)",
        f"To: alice{n % 250}@example.com",
        "Subject: Undelivered Mail Returned to Sender",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        "This is a MIME-encapsulated message.",
        "",
        f"--{boundary}",
        "Content-Description: Notification",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        TEXT.format(diag_inline=" ".join(diag_lines), **fields),
        f"--{boundary}",
        "Content-Description: Delivery report",
        "Content-Type: message/delivery-status",
        "",
        f"Reporting-MTA: dns; mail{n % 250}.example.com",
        f"Arrival-Date: Mon,  6 Jan 2025 10:{n % 60:02d}:00 +0000 (UTC)",
        "",
        f"Final-Recipient: rfc822; {rcpt}",
        f"Original-Recipient: rfc822;{rcpt}",
        "Action: failed",
        f"Status: {status}",
        "Remote-MTA: dns; mx.example.net",
        "Diagnostic-Code: smtp; " + diag_lines[0],
        *("    " + line for line in diag_lines[1:]),
        "",
        f"--{boundary}",
        "Content-Description: Undelivered Message Headers",
        "Content-Type: text/rfc822-headers",
        "",
        HEADERS.format(**fields),
        f"--{boundary}--",
        "",
    ]
    return "\n".join(parts).encode()


def eml_corpus(count: int = 1000, seed: int = 7) -> list[bytes]:
    """Generated bounces plus every real-format .eml shipped in examples/ and the test corpus."""
    rng = random.Random(seed)
    messages = [make_eml(i, rng) for i in range(count)]
    for folder in (ROOT / "examples", ROOT / "tests" / "data" / "corpus" / "bounces"):
        if folder.is_dir():
            messages.extend(p.read_bytes() for p in sorted(folder.glob("*.eml")))
    return messages


CHAT_TEMPLATES = [
    "did my mail to {name} bounce?",
    "the {v} meeting moved to {h}pm",
    "can someone check SPF for {d}",
    "{k} people signed up for the webinar",
    "our DMARC is p=none on {d}, should we go to reject?",
    "mailbox full again for the sales shared inbox lol",
    "deploying version {v} of the agent now",
    "anyone know why {name}'s laptop keeps dropping wifi?",
    "lunch?",
    "PR #{k} is ready for review :tada:",
    "ticket {k}: user cannot log in to the VPN, reset MFA",
    "I moved the MX for {d} to the new provider yesterday",
    "thanks {name}!",
    "the backup job failed again at {h}:00, looking into it",
    "who owns the {d} DNS zone?",
]


def chat_lines(count: int = 50_000, seed: int = 11) -> list[str]:
    """The test corpus's chat lines (when present) plus generated ones."""
    rng = random.Random(seed)
    lines: list[str] = []
    corpus = ROOT / "tests" / "data" / "corpus" / "chat_lines.txt"
    if corpus.exists():
        lines.extend(
            line for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()
        )
    names = ["bob", "alice", "carol", "dave", "erin"]
    domains = ["example.com", "example.net", "example.org"]
    while len(lines) < count:
        template = rng.choice(CHAT_TEMPLATES)
        lines.append(
            template.format(
                name=rng.choice(names),
                v=f"{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 30)}",
                h=rng.randint(1, 12),
                d=rng.choice(domains),
                k=rng.randint(10, 9999),
            )
        )
    return lines[:count]
