"""What `ndrbot explain` is given, as the items it explains: a file is one, a folder stands for
every file under it (a Maildir's cur/ and new/, a folder of saved bounces), and an mbox file
(named `*.mbox`, `*.mbx` or `mbox`, or any file with `--mbox`) for each message it holds. A
mailbox is explained without a shell glob, which fails past the system's limit on the length of
a command line.

An mbox is split where a line starts with "From " (its writer escapes such lines inside a
message as ">From "). That rule is only sound for a file known to be an mbox: a single bounce
saved with its envelope line may quote its original's "From " line unescaped, so other files are
never split.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence

from bot.record import Record

MAILDIR = frozenset({"cur", "new"})
"""The folders that make a folder a Maildir, whose tmp/ holds messages still being delivered."""
MBOX_SUFFIXES = (".mbox", ".mbx")
MAX_MBOX_BYTES = 200_000_000
"""A larger mbox is refused (split it, or explain its bounces folder alone): it is held in
memory whole while its messages are explained."""
_SEPARATOR = re.compile(rb"^From [^\n]*\n?", re.MULTILINE)


class MailboxError(Exception):
    """A folder or mbox that cannot be read, or that holds nothing; the message names it."""


class Items(Record):
    """The names to explain, in order, and the messages of mbox files by their names."""

    names: list[str]
    messages: dict[str, bytes]
    many: bool
    """Each is named in the output, even one alone (a folder or mbox was given, or several)."""

    __slots__ = ("many", "messages", "names")

    def __init__(self, names: list[str], messages: dict[str, bytes], many: bool) -> None:
        self.names = names
        self.messages = messages
        self.many = many

    def reader(self, read_file: Callable[[str], bytes]) -> Callable[[str], bytes]:
        """How an item's bytes are read: an mbox message from memory, a file by `read_file`."""
        messages = self.messages
        if not messages:
            return read_file

        def read(name: str) -> bytes:
            found = messages.get(name)
            return read_file(name) if found is None else found

        return read


def expand(names: Sequence[str], read_mbox: Callable[[str], bytes], *, mbox: bool = False) -> Items:
    """The items named, in the order given: a folder's files in its place, an mbox's messages
    in its place (an mbox found in a folder too). `mbox`: every file given is one, and stdin.
    `read_mbox` reads a whole mbox (up to MAX_MBOX_BYTES and a byte more)."""
    found: list[str] = []
    messages: dict[str, bytes] = {}
    opened = False
    for given in names:
        folder = given != "-" and _is_folder(given)
        for name in files_under(given) if folder else (given,):
            if (mbox and not folder) or (name != "-" and is_mbox_name(name)):
                held = _split(name, read_mbox(name))
                messages.update(held)
                found += held
                opened = True
            else:
                found.append(name)
        opened = opened or folder
    return Items(found, messages, many=opened or len(found) > 1)


def is_mbox_name(name: str) -> bool:
    base = os.path.basename(name).lower()
    return base == "mbox" or base.endswith(MBOX_SUFFIXES)


def files_under(folder: str) -> list[str]:
    """Every file under `folder`, sorted by path. Hidden files and folders are left out (a
    Maildir++ keeps its other folders as ".Sent", ".Trash"), and a Maildir's tmp/."""
    found: list[str] = []
    problems: list[OSError] = []
    for top, folders, files in os.walk(folder, onerror=problems.append):
        maildir = set(folders) >= MAILDIR
        folders[:] = sorted(
            name for name in folders if name[0] != "." and not (maildir and name == "tmp")
        )
        found += [os.path.join(top, name) for name in sorted(files) if name[0] != "."]
    if problems:
        problem = problems[0]
        reason = problem.strerror or str(problem)
        raise MailboxError(f"{problem.filename or folder}: cannot read ({reason})")
    if not found:
        raise MailboxError(f"{folder}: no files in this folder")
    return found


def messages_in(data: bytes) -> list[bytes]:
    """The messages of an mbox, each without its "From " line (text before the first such line,
    none in a well-formed mbox, is one too; nothing but white space is none)."""
    return [piece for piece in _SEPARATOR.split(data) if piece.strip()]


def _split(name: str, data: bytes) -> dict[str, bytes]:
    if len(data) > MAX_MBOX_BYTES:
        raise MailboxError(
            f"{name}: an mbox larger than {MAX_MBOX_BYTES // 1_000_000} MB; split it first"
        )
    found = messages_in(data)
    if not found:
        raise MailboxError(f"{name}: no messages in this mbox")
    return {f"{name}#{number}": message for number, message in enumerate(found, 1)}


def _is_folder(name: str) -> bool:
    """A name with "/" after it exists only if it is a folder: asking the system that alone is
    quicker than a stat of each of a batch's files."""
    try:
        return os.access(f"{name}/", os.F_OK)
    except ValueError:  # a NUL byte in the name: reading it tells what is wrong
        return False
