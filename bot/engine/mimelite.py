"""A small, lenient MIME reader for bounce reports: several times faster than the email package.

It reads what bounce analysis needs — headers (unfolded), content types with parameters, multipart
bodies, base64 and quoted-printable — and tolerates what broken generators produce (missing closing
boundaries, bad base64, stray bytes). Limits on part count and depth keep hostile input cheap.
"""

from __future__ import annotations

import binascii
import re

from bot.engine.lazyre import lazy
from bot.record import Record

MAX_PARTS = 200
MAX_DEPTH = 8

_HEADER_END = lazy(rb"\n[ \t]*\n")
_PARAM = lazy(r';\s*([\w.*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')
_BASE64_JUNK = lazy(rb"[^A-Za-z0-9+/=]")
_BASE64_LINE = lazy(rb"[A-Za-z0-9+/]{40,}={0,2}")
_TEXT_BYTES = frozenset(b"\t\n\r") | frozenset(range(32, 127)) | frozenset(range(128, 256))


class Part(Record):
    headers: dict[str, list[str]]
    body: bytes
    children: list[Part]
    content_type: str
    params: dict[str, str]

    __slots__ = ("body", "children", "content_type", "headers", "params")

    def __init__(
        self,
        headers: dict[str, list[str]],
        body: bytes,
        children: list[Part] | None = None,
        content_type: str = "text/plain",
        params: dict[str, str] | None = None,
    ) -> None:
        self.headers = headers
        self.body = body
        self.children = [] if children is None else children
        self.content_type = content_type
        self.params = {} if params is None else params

    def get(self, name: str, default: str = "") -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        return self.headers.get(name.lower(), [])

    @property
    def charset(self) -> str:
        return self.params.get("charset", "").strip().lower()

    def decoded(self) -> bytes:
        """The body with its Content-Transfer-Encoding undone (leniently)."""
        encoding = self.get("content-transfer-encoding").strip().lower()
        if encoding == "base64":
            cleaned = _BASE64_JUNK.sub(b"", self.body)
            cleaned = cleaned[: len(cleaned) - len(cleaned) % 4]
            try:
                return binascii.a2b_base64(cleaned)
            except (binascii.Error, ValueError):
                return b""
        if encoding == "quoted-printable":
            return binascii.a2b_qp(self.body)
        if not encoding and not self.headers.get("content-type"):
            return _unlabelled_base64(self.body) or self.body
        return self.body


def _unlabelled_base64(body: bytes) -> bytes | None:
    """The text of a body that is base64 though no header says so (a list archive keeps a message's
    body but drops its MIME headers): lines of one width, all base64, decoding to text."""
    first = body[:200].lstrip().split(b"\n", 1)[0].rstrip(b"\r")
    if not _BASE64_LINE.fullmatch(first):
        return None  # (the usual case, decided without copying or splitting the whole body)
    lines = body.strip().splitlines()
    if len(lines) < 2:
        return None
    width = len(lines[0])
    if any(len(line) != width for line in lines[1:-1]) or len(lines[-1]) > width:
        return None
    if not all(_BASE64_LINE.fullmatch(line) or len(line) < 40 for line in lines[1:]):
        return None
    try:
        text = binascii.a2b_base64(b"".join(lines), strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    return text if text and all(byte in _TEXT_BYTES for byte in text) else None


class Budget:
    """Counts parts so a hostile message cannot make the reader do unbounded work."""

    def __init__(self) -> None:
        self.parts = 0
        self.exhausted = False

    def take(self) -> bool:
        self.parts += 1
        if self.parts > MAX_PARTS:
            self.exhausted = True
        return not self.exhausted


def split_headers(raw: bytes) -> tuple[dict[str, list[str]], bytes]:
    """Headers (lower-case names, unfolded values) and the body. Expects "\\n" line ends."""
    if raw.startswith(b"\n"):
        return {}, raw[1:]
    match = _HEADER_END.search(raw)
    head, body = (raw[: match.start()], raw[match.end() :]) if match else (raw, b"")
    headers: dict[str, list[str]] = {}
    name = None
    for line in head.decode("utf-8", "replace").split("\n"):
        if line[:1] in (" ", "\t"):
            if name is not None:
                headers[name][-1] += " " + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep or not key or " " in (stripped := key.strip()):
            if line.startswith("From "):  # mbox separator
                continue
            if name is not None and line.strip():
                # a folded line that lost its indent (a message kept in code or pasted):
                # `boundary="..."` below Content-Type, the date below a Received line
                headers[name][-1] += " " + line.strip()
            continue
        name = stripped.lower()
        values = headers.get(name)
        if values is None:
            headers[name] = [value.strip()]
        else:
            values.append(value.strip())
    return headers, body


def content_type(value: str) -> tuple[str, dict[str, str]]:
    main, _, rest = value.partition(";")
    ctype = main.strip().lower() or "text/plain"
    if "/" not in ctype:
        ctype = "text/plain"
    params = {}
    for match in _PARAM.finditer(";" + rest) if "=" in rest else ():
        params[match.group(1).lower()] = (
            match.group(2) if match.group(2) is not None else match.group(3)
        )
    return ctype, params


def parse_message(raw: bytes, budget: Budget | None = None, depth: int = 0) -> Part:
    """Parse a whole message (line ends already normalised to "\\n")."""
    budget = budget or Budget()
    headers, body = split_headers(raw)
    return _part(headers, body, budget, depth)


def _part(headers: dict[str, list[str]], body: bytes, budget: Budget, depth: int) -> Part:
    values = headers.get("content-type")
    ctype, params = content_type(values[0]) if values else ("text/plain", {})
    if not values and depth == 0:
        boundary = _unlabelled_boundary(body)
        if boundary is not None:
            ctype, params = "multipart/mixed", {"boundary": boundary}
    part = Part(headers, body, content_type=ctype, params=params)
    if not budget.take() or depth >= MAX_DEPTH:
        return part
    if ctype.startswith("multipart/"):
        boundary = params.get("boundary")
        chunks = _split_multipart(body, boundary.encode("utf-8", "replace")) if boundary else []
        if not chunks:  # no boundary, or one the body never uses (folded over two lines): text
            return Part(headers, body, content_type="text/plain", params={})
        for chunk in chunks:
            if budget.exhausted:
                break
            child_headers, child_body = split_headers(chunk)
            part.children.append(_part(child_headers, child_body, budget, depth + 1))
    elif ctype in ("message/rfc822", "message/global"):
        part.children.append(_enclosed(part.decoded(), budget))
    return part


MAX_PREAMBLE = 300
_DELIMITER = lazy(rb"^--([^\s-][^\s]{9,69})[ \t]*$", re.MULTILINE)


def _unlabelled_boundary(body: bytes) -> str | None:
    """The boundary of a multipart body whose headers a list archive dropped: a delimiter line
    after a preamble of a line or two ("This is a MIME-encapsulated message."), a part's
    Content-Type under it, and the same delimiter closing the body. (A bounce whose own text
    comes first and quotes a multipart original further down is no such body.)"""
    opening = _DELIMITER.search(body, 0, MAX_PREAMBLE)
    if opening is None:
        return None
    boundary = opening.group(1)
    rest = body[opening.end() : opening.end() + 300].lower()
    if b"content-" not in rest or b"\n--" + boundary + b"--" not in body:
        return None
    return boundary.decode("ascii", "replace")


def _enclosed(raw: bytes, budget: Budget) -> Part:
    """A message inside another (a bounce's returned original): its headers are read, its body is
    kept whole and not split into parts (nothing reads them)."""
    headers, body = split_headers(raw)
    budget.take()
    values = headers.get("content-type")
    ctype, params = content_type(values[0]) if values else ("text/plain", {})
    return Part(headers, body, content_type=ctype, params=params)


def _split_multipart(body: bytes, boundary: bytes) -> list[bytes]:
    delimiter = b"--" + boundary
    chunks = []
    # The body may start with the delimiter or with a preamble.
    pieces = (b"\n" + body).split(b"\n" + delimiter)
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break  # closing delimiter; the rest is epilogue
        newline = piece.find(b"\n")
        chunks.append(piece[newline + 1 :] if newline >= 0 else b"")
    return chunks
