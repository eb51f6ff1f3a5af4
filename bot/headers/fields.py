"""A pasted header block -> its fields, in order, unfolded; capped, linear, never raising.

Header text is attacker-controlled: the block is cut at MAX_BYTES, at most MAX_FIELDS fields are
kept, and every step is one pass over the lines.
"""

from __future__ import annotations

from bot.engine.lazyre import lazy
from bot.record import Frozen, set_field

MAX_BYTES = 1_000_000
MAX_FIELDS = 2_000
MAX_FIELD_CHARS = 8_000

_NAME = lazy(r"^([A-Za-z0-9][A-Za-z0-9-]{0,76}):[ \t]?(.*)$")
WANTED = frozenset(
    "received authentication-results arc-authentication-results arc-seal "
    "arc-message-signature dkim-signature from to subject date message-id return-path "
    "received-spf x-forefront-antispam-report x-microsoft-antispam "
    "x-ms-exchange-organization-scl x-ms-exchange-organization-authas "
    "x-ms-exchange-organization-authsource x-spam-status x-spam-flag x-gm-message-state "
    "x-google-dkim-signature x-original-authentication-results".split()
)


class Field(Frozen):
    name: str
    """Lower case."""
    value: str
    """Unfolded: continuation lines joined with one space."""

    __slots__ = ("name", "value")

    def __init__(
        self,
        name: str,
        value: str,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "value", value)


def header_fields(text: str) -> list[Field]:
    """The fields of the first header block in `text` (a pasted block, or an .eml's head).

    Lines before the first field (a chat message's "here are the headers:") are skipped; a blank
    line after fields ends the block. Only fields ndrbot reads are kept (WANTED)."""
    text = text[:MAX_BYTES].replace("\r\n", "\n").replace("\r", "\n")
    fields: list[Field] = []
    name: str | None = None
    parts: list[str] = []
    started = False

    def close() -> None:
        if name is not None and name in WANTED and len(fields) < MAX_FIELDS:
            fields.append(Field(name, " ".join(parts)[:MAX_FIELD_CHARS]))

    for line in text.split("\n"):
        if started and line[:1] in (" ", "\t") and name is not None:
            if sum(len(p) for p in parts) < MAX_FIELD_CHARS:
                parts.append(line.strip())
            continue
        match = _NAME.match(line.lstrip("> ") if not started else line)
        if match:
            close()
            started = True
            name, parts = match.group(1).lower(), [match.group(2).strip()]
            continue
        if started and not line.strip():
            if fields or name is not None:
                close()
                name = None
                break
        elif started:
            close()  # a line that is no field and no continuation: the paste's own words
            name = None
    else:
        close()
    return fields


def received_values(text: str, limit: int = 100) -> list[str]:
    """Just the Received fields of a header block, unfolded: a quicker pass than header_fields
    for a bounce's returned headers, where nothing else is read."""
    found: list[str] = []
    current: list[str] | None = None
    for line in text[:MAX_BYTES].split("\n"):
        if current is not None and line[:1] in (" ", "\t"):
            current.append(line.strip())
            continue
        if current is not None:
            found.append(" ".join(current)[:MAX_FIELD_CHARS])
            current = None
            if len(found) >= limit:
                break
        if not line.strip():
            if found:
                break
            continue
        if line[:9].lower() == "received:":
            current = [line[9:].strip()]
    if current is not None and len(found) < limit:
        found.append(" ".join(current)[:MAX_FIELD_CHARS])
    return found


def values(fields: list[Field], name: str) -> list[str]:
    return [f.value for f in fields if f.name == name]


def first(fields: list[Field], name: str) -> str | None:
    found = values(fields, name)
    return found[0] if found else None


SNIFF_CHARS = 20_000
_NOT_HEADERS = (
    "final-recipient:",
    "diagnostic-code:",
    "action: failed",
    "delivery-status",
    "mailer-daemon",
    "undeliver",
    "returned mail",
    "delivery status notification",
)
"""Words of a bounce: a bounce carries headers too, but is answered as a bounce."""


def looks_like_headers(text: str, *, max_body: int | None = None) -> bool:
    """A pasted header block: several Received / Authentication-Results fields, not a bounce.
    With `max_body`, only when at most that many characters of text follow the block (a whole
    message with a body of its own, a scanner's notice say, is not "just headers")."""
    head = text[:SNIFF_CHARS]
    lowered = head.lower()
    if "received:" not in lowered or any(mark in lowered for mark in _NOT_HEADERS):
        return False
    fields = header_fields(head)
    telling = sum(1 for f in fields if f.name in ("received", "authentication-results"))
    if telling < 2 or telling * 3 < len(fields):
        return False
    if max_body is not None:
        _, _, body = text.replace("\r\n", "\n").partition("\n\n")
        return len(body.strip()) <= max_body
    return True
