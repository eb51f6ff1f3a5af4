"""A diagnosed bounce carries the DNS facts its entry calls for, looked up on the bounce's own names."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.dnscheck import DnsChecker
from bot.explain import explain
from bot.intent import Deps
from bot.knowledge import KnowledgeStore
from tests.dns.dnsserver import ZoneServer
from tests.test_parseahead import parsed_in_parent  # noqa: F401 (a fixture)

PTR_BOUNCE = (
    "421-4.7.0 [81.2.69.11] The IP address sending this message does not have a PTR record, or\n"
    "421-4.7.0 the corresponding forward DNS entry does not point to the sending IP. To protect\n"
    "421 4.7.0 our users from spam, mail sent from your IP address has been temporarily rate limited. - gsmtp"
)
DMARC_BOUNCE = (
    "<bob@gw.test>: host aspmx.l.google.com[66.102.1.26] said: 421-4.7.26 This mail has been rate\n"
    "    limited because it is unauthenticated. Gmail requires all senders to authenticate with\n"
    "    either SPF or DKIM. Authentication results: DKIM = did not pass SPF [nodmarc.test] with ip:\n"
    "    [81.2.69.11] = did not pass - gsmtp (in reply to end of DATA command)\n"
)


@pytest.fixture
def dns_deps(store: KnowledgeStore, make_checker: Callable[..., DnsChecker]) -> Deps:
    return Deps(knowledge=store, settings=Settings(), dns=make_checker())


def by_name(checks: tuple) -> dict[str, list]:
    found: dict[str, list] = {}
    for check in checks:
        found.setdefault(check.name, []).append(check)
    return found


def test_ptr_complaint_shows_the_sending_ips_ptr(dns_deps: Deps) -> None:
    reply = asyncio.run(explain(PTR_BOUNCE, dns_deps))
    assert reply.findings[0].reason == "requireptr"
    checks = by_name(reply.checks)
    assert [c.target for c in checks["ptr"]] == ["81.2.69.11"]
    assert checks["ptr"][0].status in ("fail", "warn")


def test_auth_failure_checks_the_sender_domain_not_the_recipient(dns_deps: Deps) -> None:
    reply = asyncio.run(explain(DMARC_BOUNCE, dns_deps))
    assert reply.findings[0].reason == "authfailure"
    checks = by_name(reply.checks)
    assert {c.target for c in checks["spf"]} == {"nodmarc.test"}
    assert checks["dmarc"][0].status in ("fail", "warn")
    assert all(c.target != "gw.test" for c in reply.checks)


def test_dns_outage_is_reported_and_the_diagnosis_still_answers(
    store: KnowledgeStore, silent_port: int
) -> None:
    checker = DnsChecker([f"127.0.0.1:{silent_port}"], query_timeout=0.2, deadline=0.8)
    deps = Deps(knowledge=store, settings=Settings(), dns=checker)
    reply = asyncio.run(explain(DMARC_BOUNCE, deps))
    assert reply.findings[0].reason == "authfailure"
    assert reply.checks and all(c.status == "error" for c in reply.checks)


def test_cli_json_carries_the_checks(
    dns_server: ZoneServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NDRBOT_DNSBLS", "bl.test")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(PTR_BOUNCE.encode())))
    assert main(["explain", "--json", "--nameserver", dns_server.address]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["diagnoses"][0]["reason"] == "requireptr"
    names = {c["name"] for c in data["checks"]}
    assert "ptr" in names
    assert all(
        {"name", "status", "summary", "records", "details"} <= set(c) for c in data["checks"]
    )


def test_a_batch_asks_each_question_once_and_answers_like_single_runs(
    dns_server: ZoneServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("NDRBOT_DNSBLS", "bl.test")
    files = []
    for index in range(12):
        path = tmp_path / f"{index}.txt"
        path.write_text(PTR_BOUNCE if index % 2 else DMARC_BOUNCE, encoding="utf-8")
        files.append(str(path))
    single = []
    for name in files[:2]:
        assert main(["explain", "--json", "--nameserver", dns_server.address, name]) == 0
        single.append(json.loads(capsys.readouterr().out))
    asked_alone = dns_server.count()
    dns_server.log.clear()
    assert main(["explain", "--json", "--nameserver", dns_server.address, *files]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line.pop("file") for line in lines] == files
    assert lines[0] == single[0] and lines[1] == single[1]
    assert lines[2:] == lines[:2] * 5
    # Six copies of each bounce, yet no more questions than the two single runs asked (plus the
    # batch's one probe of the server).
    assert dns_server.count() <= asked_alone + 1


NO_DNS_BOUNCE = "550 5.2.2 <eva@ex.test>: Mailbox full"


@pytest.fixture
def mixed_folder(tmp_path: Path) -> list[str]:
    """Forty pastes (two that call for DNS checks, one that does not), an empty file and a
    missing one: enough for two processes to share."""
    files = []
    for index in range(40):
        path = tmp_path / f"{index:02}.txt"
        path.write_text((PTR_BOUNCE, DMARC_BOUNCE, NO_DNS_BOUNCE)[index % 3], encoding="utf-8")
        files.append(str(path))
    (tmp_path / "empty.txt").write_bytes(b"")
    files.insert(5, str(tmp_path / "empty.txt"))
    files.insert(17, str(tmp_path / "missing.txt"))
    return files


def _batch(
    capsys: pytest.CaptureFixture[str],
    server: ZoneServer,
    jobs: int,
    files: list[str],
    form: tuple[str, ...] = ("--json",),
) -> tuple[int, str, str, int]:
    server.log.clear()
    code = main(["explain", *form, "--jobs", str(jobs), "--nameserver", server.address, *files])
    out, err = capsys.readouterr()
    return code, out, err, server.count()


def test_analysing_processes_answer_as_one_and_ask_each_question_once(
    dns_server: ZoneServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mixed_folder: list[str],
) -> None:
    """With workers, children analyse and the parent alone asks the questions: the same bytes
    in the same order, and no more questions than one process asks."""
    monkeypatch.setenv("NDRBOT_DNSBLS", "bl.test")
    code, out, err, asked = _batch(capsys, dns_server, 1, mixed_folder)
    assert (code, err.count("ndrbot:")) == (2, 0)  # the two bad files are JSON error lines
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["file"] for line in lines] == mixed_folder
    assert sum(bool(line.get("checks")) for line in lines) >= 20
    assert _batch(capsys, dns_server, 3, mixed_folder)[:3] == (code, out, err)
    assert dns_server.count() <= asked
    text = _batch(capsys, dns_server, 1, mixed_folder, ())[:3]
    assert text[1].count("=== ") == 40 and text[2].count("ndrbot: ") == 2
    assert _batch(capsys, dns_server, 2, mixed_folder, ())[:3] == text


def test_the_files_of_an_analyser_that_fails_are_done_by_the_parent(
    dns_server: ZoneServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mixed_folder: list[str],
) -> None:
    import os

    import bot.batch_dns

    alone = _batch(capsys, dns_server, 1, mixed_folder)[:3]
    parent = os.getpid()
    analysed = bot.batch_dns._analysed
    calls = []

    def failing_in_children(*args: object) -> object:
        calls.append(1)
        if os.getpid() != parent and len(calls) > 3:
            raise RuntimeError("an analyser fails")
        return analysed(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.batch_dns, "_analysed", failing_in_children)
    assert _batch(capsys, dns_server, 2, mixed_folder)[:3] == alone


def test_a_batch_with_dns_takes_the_messages_parsed_ahead(
    dns_server: ZoneServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mixed_folder: list[str],
    parsed_in_parent: list[bytes],  # noqa: F811 (the fixture)
) -> None:
    """While the parent loads the DNS modules and the knowledge, the parse-ahead helper parses
    (bot/parseahead.py): the analysers explain from its messages, and answer as one process."""
    monkeypatch.setenv("NDRBOT_DNSBLS", "bl.test")
    for form in (("--json",), ()):
        alone = _batch(capsys, dns_server, 1, mixed_folder, form)[:3]
        parsed_in_parent.clear()
        assert _batch(capsys, dns_server, 2, mixed_folder, form)[:3] == alone
        contents = {Path(name).read_bytes() for name in mixed_folder if Path(name).exists()}
        assert not contents & set(parsed_in_parent)  # every file came parsed from the helper
