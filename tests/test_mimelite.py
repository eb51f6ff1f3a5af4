"""The lenient MIME reader's header block: names, unfolded values, and the lines it leaves out."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.engine.mimelite import split_headers


def former_split_headers(raw: bytes) -> tuple[dict[str, list[str]], bytes]:
    """The reader as first written (one `setdefault` a line, the name stripped twice)."""
    if raw.startswith(b"\n"):
        return {}, raw[1:]
    end = re.search(rb"\n[ \t]*\n", raw)
    head, body = (raw[: end.start()], raw[end.end() :]) if end else (raw, b"")
    headers: dict[str, list[str]] = {}
    name = None
    for line in head.decode("utf-8", "replace").split("\n"):
        if line[:1] in (" ", "\t"):
            if name is not None:
                headers[name][-1] += " " + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key.strip():
            if line.startswith("From "):
                continue
            if name is not None and line.strip():
                headers[name][-1] += " " + line.strip()
            continue
        name = key.strip().lower()
        headers.setdefault(name, []).append(value.strip())
    return headers, body


def test_a_header_block() -> None:
    raw = (
        b"From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n"
        b"Received: from a.example.net\n\tby b.example.net; Mon, 1 Jan 2024\n"
        b'Content-Type: multipart/report;\nboundary="b"\n'
        b"X-Seen: one\nx-seen: two\n :no name\nbad line\n\nbody\n"
    )
    headers, body = split_headers(raw)
    assert headers == {
        "received": ["from a.example.net by b.example.net; Mon, 1 Jan 2024"],
        "content-type": ['multipart/report; boundary="b"'],
        "x-seen": ["one", "two :no name bad line"],
    }
    assert body == b"body\n"


@given(st.text(alphabet=st.sampled_from("ab: \t\nXF-rom\u00e9"), max_size=80))
def test_any_block_reads_as_before(text: str) -> None:
    raw = text.encode("utf-8")
    assert split_headers(raw) == former_split_headers(raw)
