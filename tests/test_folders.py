"""`ndrbot explain FOLDER`: every file under it, in path order, as a mailbox kept as files holds
them (a Maildir's cur/ and new/, not its tmp/ or hidden folders)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

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
