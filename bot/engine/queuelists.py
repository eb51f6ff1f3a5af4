"""What admins paste from their MTA's queue and logs rather than a bounce: Postfix's queue listing
(`postqueue -p`, `mailq`), PowerMTA's CSV accounting records, qmail-send's log lines."""

from __future__ import annotations

import itertools
import re

from bot.engine.lazyre import lazy
from bot.engine.parsed import Failure
from bot.engine.smtpcodes import EMAIL, find_codes

_QUEUE_HEADER = "-Queue ID-"
_QUEUE_FOOTER = lazy(r"^-- \d+ Kbytes in \d+ Requests?\.", re.MULTILINE)
_QUEUE_ENTRY = lazy(r"^[0-9A-Za-z]{6,20}[*!]?\s+\d+\s+\w{3} \w{3}\s+\d", re.MULTILINE)
"""An entry's first line: queue ID (with `*` active or `!` held), size, arrival time, sender."""
_RECIPIENT_LINE = lazy(r"^\s{8,}(\S+@\S+)\s*$")
MAX_QUEUE_CHARS = 200_000


def looks_like_queue_listing(text: str) -> bool:
    head = text[:20_000]
    listed = _QUEUE_HEADER in head or (
        " Kbytes in " in head and _QUEUE_FOOTER.search(head) is not None  # (what it holds)
    )
    return listed and bool(_QUEUE_ENTRY.search(head))


def queue_listing_failures(text: str) -> list[Failure]:
    """Each recipient still queued, with the reason printed above it: a message in the queue is
    waiting for its next attempt, so every failure is a delay."""
    failures: list[Failure] = []
    reason = ""
    for line in text[:MAX_QUEUE_CHARS].splitlines():
        if _QUEUE_ENTRY.match(line):
            reason = ""  # a new message: its reasons follow
        elif line.startswith("(") and line.rstrip().endswith(")"):
            reason = line.strip()[1:-1].strip()
        elif (found := _RECIPIENT_LINE.match(line)) and EMAIL.fullmatch(found.group(1)):
            codes = find_codes(reason)
            failures.append(
                Failure(
                    recipient=found.group(1).lower(),
                    diagnostic=reason,
                    status=codes.status,
                    reply_code=codes.reply_code,
                    action="delayed",
                )
            )
    return failures


_ACCOUNTING_COLUMNS = ("rcpt", "dsnAction", "dsnStatus", "dsnDiag")
MAX_RECORDS = 500


def looks_like_accounting(text: str) -> bool:
    head = text[:5000]
    return all(f"{column}," in head or f",{column}" in head for column in _ACCOUNTING_COLUMNS)


def accounting_failures(text: str) -> list[Failure]:
    """PowerMTA's accounting CSV: a header line naming its columns, then one record per attempt
    (`b` bounced, `t` transient); delivered records (`d`) are not failures."""
    import csv  # only for these records (the csv module costs a start-up otherwise)

    lines = text[:MAX_QUEUE_CHARS].splitlines()
    start = next((i for i, line in enumerate(lines) if "dsnDiag" in line and "rcpt" in line), None)
    if start is None:
        return []
    failures: list[Failure] = []
    try:
        records = list(itertools.islice(csv.DictReader(lines[start:]), MAX_RECORDS))
    except csv.Error:  # a NUL byte, a field over the csv module's limit: not a record file
        return []
    for record in records:
        action = (record.get("dsnAction") or "").strip().lower()
        if action not in ("failed", "delayed") or not EMAIL.fullmatch(record.get("rcpt") or ""):
            continue
        diagnostic = (record.get("dsnDiag") or "").strip()
        if diagnostic.lower().startswith("smtp;"):
            diagnostic = diagnostic[5:].strip()
        codes = find_codes(f"{record.get('dsnStatus') or ''} {diagnostic}")
        failures.append(
            Failure(
                recipient=(record.get("rcpt") or "").lower(),
                diagnostic=diagnostic,
                status=codes.status,
                reply_code=codes.reply_code,
                action=action,
                remote_mta=(record.get("dsnMta") or "").split(" ")[0] or None,
            )
        )
    return failures


_QMAIL_OUTCOME = lazy(r"(\bdelivery \d+: (?:failure|deferral): )(\S+)")
_QMAIL_BREAK = lazy(r"(?<=[.:\s])/|/(?=[A-Z\s]|$)")
"""A logged line break; a slash inside a word or a URL's path stays."""


def _qmail_words(logged: str) -> str:
    """qmail-send's logged reply as words: it writes a space as "_" and a line break as "/"
    ("does_not_like_recipient./Remote_host_said:_550_No_such_user/")."""
    return " ".join(_QMAIL_BREAK.sub(" ", logged.replace("_", " ")).split())


def with_qmail_words(text: str) -> str:
    """The text with each qmail-send outcome line's reply written out as words."""
    if ": failure: " not in text and ": deferral: " not in text:
        return text
    return _QMAIL_OUTCOME.sub(lambda m: m.group(1) + _qmail_words(m.group(2)), text)
