"""Build RFC 3464 bounce messages for tests, byte by byte (so tests control every detail)."""

from __future__ import annotations

import base64
import quopri
from dataclasses import dataclass


@dataclass(frozen=True)
class Rcpt:
    address: str
    status: str
    diagnostic: str | None = None
    action: str = "failed"
    remote_mta: str = "mx.example.net"


def make_dsn(
    recipients: list[Rcpt],
    *,
    text: str = "Your message could not be delivered to one or more recipients.",
    charset: str = "utf-8",
    encoding: str | None = None,
    subject: str = "Undelivered Mail Returned to Sender",
    original_from: str = "alice@example.com",
    dkim: str | None = "v=1; a=rsa-sha256; d=example.com; s=s1; h=from:to; bh=x; b=y",
    crlf: bool = False,
) -> bytes:
    """A multipart/report; report-type=delivery-status message, as bytes."""
    boundary = "==ndrbot-test-boundary=="
    body = text.encode(charset)
    if encoding == "base64":
        encoded = base64.encodebytes(body)
    elif encoding == "quoted-printable":
        encoded = quopri.encodestring(body)
    else:
        encoding = "8bit"
        encoded = body
    blocks = ["Reporting-MTA: dns; mail.example.com", ""]
    for rcpt in recipients:
        blocks.append(f"Final-Recipient: rfc822; {rcpt.address}")
        blocks.append(f"Action: {rcpt.action}")
        blocks.append(f"Status: {rcpt.status}")
        blocks.append(f"Remote-MTA: dns; {rcpt.remote_mta}")
        if rcpt.diagnostic:
            lines = rcpt.diagnostic.split("\n")
            blocks.append("Diagnostic-Code: smtp; " + lines[0])
            blocks.extend("    " + line for line in lines[1:])
        blocks.append("")
    original = (
        f"From: {original_from}\nTo: {recipients[0].address if recipients else 'x@example.net'}\n"
    )
    if dkim:
        original += f"DKIM-Signature: {dkim}\n"
    original += "Subject: quarterly report\n"
    head = (
        "From: MAILER-DAEMON@mail.example.com (Mail Delivery System)\n"
        f"To: {original_from}\n"
        f"Subject: {subject}\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\n'
        "\n"
        "This is a MIME-encapsulated message.\n"
        f"\n--{boundary}\n"
        f"Content-Type: text/plain; charset={charset}\n"
        f"Content-Transfer-Encoding: {encoding}\n\n"
    ).encode()
    tail = (
        f"\n--{boundary}\n"
        "Content-Type: message/delivery-status\n\n" + "\n".join(blocks) + f"\n--{boundary}\n"
        "Content-Type: text/rfc822-headers\n\n" + original + f"\n--{boundary}--\n"
    ).encode()
    data = head + encoded + tail
    return data.replace(b"\n", b"\r\n") if crlf else data
