"""`ndrbot headers` with live DNS: PTR and blocklists for the sending IP, SPF and DMARC for the
From domain, from the test zones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dnsserver import ZoneServer

from bot.cli import main

HEADERS = """\
Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=ann@gw.test;
	dkim=pass header.d=gw.test; dmarc=pass header.from=gw.test
Received: from out.gw.test (out.gw.test [81.2.69.11])
	by mx.example.net (Postfix) with ESMTPS id 4Y9zQq
	for <bob@example.net>; Wed, 11 Dec 2024 09:00:02 +0000 (UTC)
Received: from laptop.gw.test (laptop.gw.test [192.168.1.20])
	by out.gw.test (Postfix) with ESMTPSA id 7A6B5C4D3E; Wed, 11 Dec 2024 09:00:01 +0000 (UTC)
From: Ann <ann@gw.test>
To: bob@example.net
"""


def test_headers_carry_live_checks_for_the_sender(
    dns_server: ZoneServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NDRBOT_DNSBLS", "bl.test")
    path = tmp_path / "headers.txt"
    path.write_text(HEADERS, encoding="utf-8")
    assert main(["headers", str(path), "--json", "--nameserver", dns_server.address]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sending_ip"] == "81.2.69.11"
    checks = {(c["name"], c["status"]) for c in data["checks"]}
    names = {name for name, _ in checks}
    assert {"ptr", "dnsbl", "spf", "dmarc"} <= names
    assert ("ptr", "fail") in checks  # 81.2.69.11 has no reverse name in the test zone
