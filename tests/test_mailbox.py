"""`ndrbot explain` over a mailbox: a folder stands for every file under it, in path order (a
Maildir's cur/ and new/, not its tmp/ or hidden folders); an mbox file for each of its messages."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import bot.mailbox
from tests.bounce_factory import Rcpt, make_dsn
from tests.test_cli import run


def _bounce(path: Path, address: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    reply = f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
    path.write_bytes(make_dsn([Rcpt(address, "5.1.1", reply)]))


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    """A Maildir++ with two messages read, one new, one still being delivered, another folder
    (.Trash) and a hidden file."""
    box = tmp_path / "Maildir"
    _bounce(box / "cur" / "1700000001.M1.host:2,S", "ann@example.net")
    _bounce(box / "cur" / "1700000002.M2.host:2,S", "bob@example.net")
    _bounce(box / "new" / "1700000003.M3.host", "cy@example.net")
    _bounce(box / "tmp" / "1700000004.M4.host", "dee@example.net")
    _bounce(box / ".Trash" / "cur" / "1700000005.M5.host:2,S", "eve@example.net")
    (box / "cur" / ".lock").write_text("")
    return box


def test_a_maildir_is_explained_message_by_message(
    maildir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "explain", "--no-dns", str(maildir))
    assert (code, err) == (0, "")
    headers = [line[4:] for line in out.splitlines() if line.startswith("=== ")]
    assert headers == [
        str(maildir / "cur" / "1700000001.M1.host:2,S"),
        str(maildir / "cur" / "1700000002.M2.host:2,S"),
        str(maildir / "new" / "1700000003.M3.host"),
    ]
    assert out.count("Recipient:    ") == 3


def test_files_and_folders_keep_the_order_given(
    maildir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alone = tmp_path / "alone.eml"
    _bounce(alone, "fay@example.net")
    code, out, _ = run(capsys, "explain", "--no-dns", "--json", str(maildir / "new"), str(alone))
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["file"] for line in lines] == [
        str(maildir / "new" / "1700000003.M3.host"),
        str(alone),
    ]
    assert [line["diagnoses"][0]["recipient"] for line in lines] == [
        "cy@example.net",
        "fay@example.net",
    ]


def test_a_folder_of_one_file_still_names_it(
    maildir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "explain", "--no-dns", str(maildir / "new"))
    assert code == 0
    assert out.startswith(f"=== {maildir / 'new' / '1700000003.M3.host'}\n")


def test_an_empty_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty" / ".hidden").mkdir(parents=True)
    code, out, err = run(capsys, "explain", "--no-dns", str(tmp_path / "empty"))
    assert (code, out) == (2, "")
    assert err == f"ndrbot: {tmp_path / 'empty'}: no files in this folder\n"


def test_a_folder_that_cannot_be_read_is_named(
    maildir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = os.scandir
    refused = str(maildir / "new")

    def scandir(path: str) -> object:  # as for another user's folder (the tests run as root)
        if str(path) == refused:
            raise PermissionError(13, "Permission denied", refused)
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = run(capsys, "explain", "--no-dns", str(maildir))
    assert (code, out) == (2, "")
    assert err == f"ndrbot: {refused}: cannot read (Permission denied)\n"


def test_a_name_that_is_no_file_is_told_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "explain", "--no-dns", "a\0b", str(tmp_path / "missing.eml"))
    assert code == 2
    assert "'a\\x00b' is not a valid file name" in err
    assert f"{tmp_path / 'missing.eml'}: no such file" in err


ENVELOPE = b"From MAILER-DAEMON Mon Jan  1 10:00:00 2024\n"
"""An mbox's line before each message."""


def _dsn(address: str) -> bytes:
    reply = f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
    return make_dsn([Rcpt(address, "5.1.1", reply)])


def _mbox(addresses: list[str]) -> bytes:
    return b"".join(ENVELOPE + _dsn(address) + b"\n" for address in addresses)


def test_an_mbox_is_explained_message_by_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box = tmp_path / "Bounces.mbox"
    out_of_office = b"From: ann@example.net\nSubject: Out of office\n\nI am away until Monday.\n"
    box.write_bytes(_mbox(["bob@example.net"]) + ENVELOPE + out_of_office + _mbox(["cy@x.org"]))
    code, out, err = run(capsys, "explain", "--no-dns", "--json", str(box))
    assert (code, err) == (0, "")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["file"] for line in lines] == [f"{box}#1", f"{box}#2", f"{box}#3"]
    assert [line["is_bounce"] for line in lines] == [True, False, True]
    assert lines[2]["diagnoses"][0]["recipient"] == "cy@x.org"


def test_a_line_starting_with_from_splits_only_a_file_known_to_be_an_mbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bounce saved with its envelope line may quote its original's "From " line unescaped
    (as in tests/data/realcorpus/apache__spamassassin/0007.eml): it stays one message."""
    saved = tmp_path / "bounce.eml"
    saved.write_bytes(ENVELOPE + _dsn("bob@example.net") + b"\n" + ENVELOPE + b"Subject: hi\n")
    code, out, _ = run(capsys, "explain", "--no-dns", str(saved))
    assert code == 0
    assert "===" not in out and "bob@example.net" in out
    code, out, _ = run(capsys, "explain", "--no-dns", "--mbox", str(saved))
    assert code == 0
    assert [line for line in out.splitlines() if line.startswith("===")] == [
        f"=== {saved}#1",
        f"=== {saved}#2",
    ]


def test_an_mbox_on_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    data = _mbox(["bob@example.net", "cy@example.org"])
    code, out, _ = run(capsys, "explain", "--no-dns", "--json", "--mbox", stdin=data)
    assert code == 0
    assert [json.loads(line)["file"] for line in out.splitlines()] == ["-#1", "-#2"]


def test_workers_read_an_mbox_alike(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = tmp_path / "mbox"
    box.write_bytes(_mbox([f"user{n}@example.net" for n in range(40)]))
    alone = run(capsys, "explain", "--no-dns", "--jobs", "1", str(box))
    forked = run(capsys, "explain", "--no-dns", "--jobs", "2", str(box))
    assert alone == forked
    assert alone[1].count("=== ") == 40


def test_an_mbox_with_no_message_or_too_large_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"\n\n")
    assert run(capsys, "explain", "--no-dns", str(empty)) == (
        2,
        "",
        f"ndrbot: {empty}: no messages in this mbox\n",
    )
    big = tmp_path / "big.mbx"
    big.write_bytes(_mbox(["bob@example.net"]))
    monkeypatch.setattr(bot.mailbox, "MAX_MBOX_BYTES", 100)
    code, _, err = run(capsys, "explain", "--no-dns", str(big))
    assert code == 2
    assert err == f"ndrbot: {big}: an mbox larger than 0 MB; split it first\n"


def test_an_mbox_in_a_folder_is_read_message_by_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mail app's export: a folder "Bounces.mbox" holding a file "mbox"."""
    export = tmp_path / "Bounces.mbox"
    export.mkdir()
    (export / "mbox").write_bytes(_mbox(["bob@example.net", "cy@example.org"]))
    _bounce(tmp_path / "Bounces.mbox" / "saved.eml", "dee@example.net")
    code, out, _ = run(capsys, "explain", "--no-dns", "--json", str(export))
    assert code == 0
    assert [json.loads(line)["file"] for line in out.splitlines()] == [
        f"{export / 'mbox'}#1",
        f"{export / 'mbox'}#2",
        str(export / "saved.eml"),
    ]


def test_a_mailbox_in_a_few_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = tmp_path / "Bounces.mbox"
    reply = "452 4.2.2 <dee@example.net>: Mailbox full"
    full = make_dsn(
        [Rcpt("dee@example.net", "4.2.2", reply, action="delayed")],
        text="Your message is delayed; the server will keep trying.",
    )
    box.write_bytes(
        _mbox(["bob@example.net", "cy@example.org"])
        + ENVELOPE
        + b"From: ann@example.net\nSubject: Out of office\n\nI am away until Monday.\n"
        + ENVELOPE
        + full
        + ENVELOPE
        + bytes(range(256)) * 8  # an image, say: not a message
    )
    code, out, _ = run(capsys, "explain", "--summary", "--json", str(box))
    assert code == 2  # one message could not be explained
    summary = json.loads(out)
    assert summary == {
        "files": 5,
        "bounces": 3,
        "not_bounces": {"vacation": 1},
        "errors": 1,
        "reasons": [
            {"reason": "userunknown", "count": 2, "permanent": 2, "temporary": 0},
            {"reason": "mailboxfull", "count": 1, "permanent": 0, "temporary": 1},
        ],
        "domains": [
            {"domain": "example.net", "count": 2, "reasons": {"userunknown": 1, "mailboxfull": 1}},
            {"domain": "example.org", "count": 1, "reasons": {"userunknown": 1}},
        ],
        "addresses_gone": ["bob@example.net", "cy@example.org"],
    }
    code, out, _ = run(capsys, "explain", "--summary", str(box))
    assert out.splitlines()[0] == (
        "5 messages: 3 bounces, 1 not a bounce (1 vacation), 1 could not be explained (run without"
        " --summary to see why)"
    )
    assert "  userunknown                 2          2          0   The recipient's" in out
    assert "  example.net                       2   userunknown 1, mailboxfull 1\n" in out
    assert out.endswith(
        "Addresses that no longer take mail (take them off your lists): 2\n"
        "  bob@example.net\n  cy@example.org\n"
    )
