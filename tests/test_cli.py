"""The `ndrbot` console contract: commands, --json shapes, exit codes, bad input."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.bounce_factory import Rcpt, make_dsn
from tests.conftest import DATA

DIAGNOSIS_KEYS = {
    "id",
    "reason",
    "status",
    "reply_code",
    "confidence",
    "title",
    "who_fixes",
    "temporary",
    "recipient",
}


@pytest.fixture(autouse=True)
def mini_knowledge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NDRBOT_KNOWLEDGE", str(DATA / "mini_knowledge.yaml"))
    monkeypatch.setenv("NDRBOT_DNS", "off")
    monkeypatch.delenv("NDRBOT_NAMESERVERS", raising=False)


def run(
    capsys: pytest.CaptureFixture[str], *args: str, stdin: bytes | None = None
) -> tuple[int, str, str]:
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        code = main(list(args))
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return code, out, err


def test_bounce_code_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bounce", "5.7.1", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"is_bounce", "diagnoses", "checks"}
    assert data["is_bounce"] is True
    assert set(data["diagnoses"][0]) == DIAGNOSIS_KEYS
    assert data["diagnoses"][0]["status"] == "5.7.1"
    assert 0 <= data["diagnoses"][0]["confidence"] <= 1


def test_bounce_text_human(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "bounce",
        "550",
        "5.1.1",
        "The",
        "email",
        "account",
        "that",
        "you",
        "tried",
        "to",
        "reach",
        "does",
        "not",
        "exist.",
        "-",
        "gsmtp",  # Gmail's signature: without it the title names no provider
    )
    assert code == 0
    assert "The Gmail account does not exist" in out
    assert "Who fixes it" in out and "the sender" in out


def test_bounce_names_the_refused_smtp_step(capsys: pytest.CaptureFixture[str]) -> None:
    text = "550 5.1.1 <bob@example.net>: User unknown (in reply to RCPT TO command)"
    code, out, _ = run(capsys, "bounce", text)
    assert code == 0
    assert "Refused at" in out and "RCPT TO" in out


def test_explain_stdin_and_ordinary_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "--json", stdin=b"lunch at noon?")
    assert code == 0
    assert json.loads(out) == {"is_bounce": False, "diagnoses": [], "checks": []}


def test_explain_many_files_gives_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = tmp_path / "one.eml"
    one.write_bytes(make_dsn([Rcpt("bob@example.net", "5.1.1", "550 5.1.1 user unknown")]))
    two = tmp_path / "two.eml"
    two.write_bytes(
        make_dsn(
            [
                Rcpt("a@example.net", "5.2.2", "552 5.2.2 mailbox full"),
                Rcpt("b@example.net", "5.1.1", "550 5.1.1 user unknown"),
            ]
        )
    )
    code, out, _ = run(capsys, "explain", str(one), str(two), "--json")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["file"] for line in lines] == [str(one), str(two)]
    assert len(lines[1]["diagnoses"]) == 2
    assert {d["recipient"] for d in lines[1]["diagnoses"]} == {"a@example.net", "b@example.net"}


def test_vacation_is_not_a_bounce(capsys: pytest.CaptureFixture[str]) -> None:
    message = b"From: bob@example.net\nSubject: Automatic reply: report\nAuto-Submitted: auto-replied\n\nI am out of the office until Monday.\n"
    code, out, _ = run(capsys, "explain", "--json", stdin=message)
    data = json.loads(out)
    assert code == 0
    assert data["is_bounce"] is False
    assert [d["reason"] for d in data["diagnoses"]] == ["vacation"]


@pytest.mark.parametrize(
    ("stdin", "message"),
    [(b"", "empty"), (b"   \n\n", "empty"), (b"\x00\x01\x02PK\x03\x04" * 100, "binary")],
)
def test_bad_input_exits_2_with_one_line(
    stdin: bytes, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "explain", stdin=stdin)
    assert code == 2
    assert out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "explain", str(tmp_path / "missing.eml"))
    assert code == 2 and "no such file" in err


def test_huge_paste_is_answered_with_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    paste = b"550 5.1.1 <bob@example.net>: user unknown\n" + b"x" * 20_000_000
    code, out, _ = run(capsys, "explain", stdin=paste)
    assert code == 0
    assert "were read" in out


def test_broken_mime_is_answered(capsys: pytest.CaptureFixture[str]) -> None:
    broken = b'Content-Type: multipart/report; boundary="b"\nSubject: Undeliverable: x\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; bob@example.net\nStatus: 5.1.1\n--b'
    code, out, _ = run(capsys, "explain", "--json", stdin=broken)
    assert code == 0
    assert json.loads(out)["diagnoses"][0]["recipient"] == "bob@example.net"


def test_invalid_knowledge_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "knowledge.yaml"
    bad.write_text("entries:\n  - id: [oops\n")
    monkeypatch.setenv("NDRBOT_KNOWLEDGE", str(bad))
    code, _, err = run(capsys, "bounce", "5.7.1")
    assert code == 2
    assert err.startswith(f"ndrbot: {bad}:") and "invalid YAML" in err
    assert err.count("\n") == 1


def test_bad_nameserver_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "bounce", "5.7.1", "--nameserver", "not-an-ip")
    assert code == 2 and "--nameserver" in err


def test_unknown_code_is_still_answered(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bounce", "5.9.9", "--json")
    assert code == 0
    assert json.loads(out)["is_bounce"] in (True, False)


def test_shell_answers_like_a_channel(capsys: pytest.CaptureFixture[str]) -> None:
    script = (
        "hello there, anyone around?\n"
        "/bounce 5.1.1\n"
        "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown in virtual mailbox table\n"
        "/nosuchcommand\n"
        "/quit\n"
    )
    code, out, _ = run(capsys, "shell", stdin=script.encode())
    assert code == 0
    answers = out.split("ndrbot")
    assert "stays quiet" in out
    assert "Bad destination mailbox address" in out
    assert "No such user (Postfix virtual mailbox table)" in out
    assert "Unknown command" in out
    assert len(answers) >= 4


def test_shell_takes_commands_with_or_without_the_slash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    script = "help\nbounce 5.1.1\n/nosuchcommand\nquit\n/bounce 5.2.2\n"
    code, out, _ = run(capsys, "shell", stdin=script.encode())
    assert code == 0
    assert "stays quiet" not in out
    assert "What you can ask" in out  # help, typed without the slash
    assert "Bad destination mailbox address" in out  # bounce 5.1.1
    assert "The commands are: /bounce, /checkmx," in out
    assert out.count("ndrbot (in thread)") == 3  # 'quit' ended the session before /bounce 5.2.2


def test_a_paste_that_starts_with_a_command_word_is_still_a_paste(
    capsys: pytest.CaptureFixture[str],
) -> None:
    script = "Bounces happen. This one said:\n550 5.1.1 <bob@example.net>: User unknown\n"
    code, out, _ = run(capsys, "shell", stdin=script.encode())
    assert code == 0
    assert "Unknown command" not in out


def test_shell_answers_pasted_headers_in_a_thread(capsys: pytest.CaptureFixture[str]) -> None:
    headers = (DATA / "headers" / "microsoft_spam.txt").read_bytes()
    code, out, _ = run(capsys, "shell", stdin=headers)
    assert code == 0
    assert "ndrbot (in thread)" in out
    assert out.index("Findings") < out.index("Path, oldest first")
    assert "SCL 5" in out


@pytest.mark.parametrize("size", [0, 5, 9, 10, 11, 25])
def test_read_file_gives_the_first_bytes_up_to_the_limit_and_one_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    import bot.cli

    monkeypatch.setattr(bot.cli, "MAX_FILE_BYTES", 10)
    data = bytes(range(65, 65 + size))
    path = tmp_path / "f.eml"
    path.write_bytes(data)
    assert bot.cli.read_file(str(path)) == data[:11]


def test_read_file_reads_past_a_size_the_file_does_not_tell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pipe's size reads as 0: what it holds is read all the same, up to the limit."""
    import os
    import threading

    import bot.cli

    monkeypatch.setattr(bot.cli, "MAX_FILE_BYTES", 10)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(b"x" * 25,))
    writer.start()
    try:
        assert bot.cli.read_file(str(fifo)) == b"x" * 11
    finally:
        writer.join()


def test_read_file_tells_what_it_cannot_read(tmp_path: Path) -> None:
    from bot.cli import UsageError, read_file

    with pytest.raises(UsageError, match="is a directory"):
        read_file(str(tmp_path))
    with pytest.raises(UsageError, match="no such file"):
        read_file(str(tmp_path / "missing.eml"))
    with pytest.raises(UsageError, match="not a valid file name"):
        read_file("a\0b")


def test_explaining_without_dns_loads_no_logging(tmp_path: Path) -> None:
    """`logging` (~5 ms of start-up) waits until something is about to log."""
    import subprocess

    bounce = tmp_path / "bounce.eml"
    bounce.write_bytes(make_dsn([Rcpt("bob@example.net", "5.1.1", "550 5.1.1 no such user")]))
    code = (
        "import sys; from bot.cli import main; "
        f"main(['explain', '--no-dns', {str(bounce)!r}]); main(['bounce', '--no-dns', '5.7.1']); "
        "print('logging' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "False"


def test_a_deferred_command_logs_as_ever_when_the_knowledge_breaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    from bot import clilog
    from bot.knowledge import KnowledgeStore

    path = tmp_path / "knowledge.yaml"
    path.write_text((DATA / "mini_knowledge.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    store = KnowledgeStore(path)
    path.write_text("entries: [oops", encoding="utf-8")
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()  # as in a one-shot command (pytest adds its own)
    try:
        clilog.setup(defer=True)
        assert not store.reload()
        err = capsys.readouterr().err
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        root.handlers[:] = saved
    assert err.startswith("ndrbot: ERROR: knowledge reload failed, keeping the previous knowledge:")
