"""Parse-ahead: the second core's share of a batch's start.

Before the workers of `ndrbot explain` can start, the parent loads the knowledge, the classifier
and the fuzzy matcher and warms up (~45 ms; with DNS on, the DNS modules too: ~150 ms); the other
core is idle meanwhile. Parsing a message (MIME, the delivery-status fields, the text's failures)
needs none of that, and is about a third of explaining it. So a helper process is forked first:
it parses the batch's files in order and writes each parsed message, pickled, to a file in
memory (Linux; elsewhere to a pipe, which holds ~1 MB at most). When the parent is ready it ends
the helper and takes the messages written whole; the workers explain those files from them
instead of parsing again (reading a pickle back costs a twentieth of parsing).

A parsed message from the helper is exactly what parsing gives (tests/test_parseahead.py
explains every corpus file both ways), and it comes with the checksum of the bytes it was parsed
from: a file changed since is parsed again from what the worker reads. Whatever the helper does
not finish, or gets wrong by failing, is parsed by the worker as usual.
"""

from __future__ import annotations

import binascii
import os
import pickle
import stat
import struct
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING

from bot.children import Child, fork_child, write_all
from bot.engine.parsed import ParsedMessage

if TYPE_CHECKING:
    import mmap

Parsed = tuple[int, memoryview]
"""A parsed message as the helper sends it: the checksum (CRC-32) of the bytes it was parsed
from, and its pickle."""
Reader = Callable[[str], "bytes | None"]
"""A file's bytes for the helper, or None for an item it must not read: stdin and pipes, whose
bytes would then be gone for the worker that explains the item."""

_HEAD = struct.Struct(">III")
"""A frame's head, before its pickle: the file's index, the checksum, the pickle's length."""


class ParseAhead:
    """The helper of one batch, from its start until its messages are taken."""

    def __init__(self, names: Sequence[str], read: Reader) -> None:
        self._file = _memory_file()
        """Where the helper writes (Linux): a file in memory, which holds as much as the helper
        parses. Elsewhere the pipe, which holds what it holds (the helper then waits)."""
        target, parent = self._file, os.getpid()
        try:
            self._helper: Child | None = fork_child(
                lambda pipe: _parse_ahead(names, read, pipe if target is None else target, parent)
            )
        except OSError:  # (no process to spare)
            if target is not None:
                os.close(target)
            raise
        self._ended: Child | None = None
        """The helper once ended early, until it is reaped."""

    @property
    def pid(self) -> int | None:
        """The helper's process, until its messages are taken."""
        return self._helper.pid if self._helper is not None else None

    def take(self, *, wait: bool = False) -> dict[int, Parsed]:
        """The messages the helper has parsed, by file index; the helper is ended first (and
        reaped by `stop`, so that no one waits while its memory is freed). `wait`: let it parse
        every file it may first."""
        helper, self._helper = self._helper, None
        if helper is None:
            return {}
        sent: bytes | mmap.mmap
        if wait:
            sent = helper.read_all()  # (until it ends)
            helper.reap()
        else:
            helper.kill(reap=False)
            sent = helper.read_now()  # (the frame it was writing may be cut short: left out)
            self._ended = helper
        if self._file is not None:
            sent = _written(self._file)  # (here too, a frame cut short is left out)
            os.close(self._file)
            self._file = None
        return frames(sent)

    def stop(self) -> None:
        """End the helper if it still runs (its messages unused) and reap it."""
        self.take()
        if self._ended is not None:
            self._ended.reap()
            self._ended = None


def _memory_file() -> int | None:
    """A file in memory for the helper to write to (Linux), or None."""
    try:
        return os.memfd_create("ndrbot-parse-ahead", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        return None


def _written(file: int) -> bytes | mmap.mmap:
    """All that is written in the file so far: mapped, not copied (nothing to copy but the
    messages the workers read back)."""
    import mmap  # (when taken: the helper, forked before, never needs it)

    size = os.fstat(file).st_size
    return mmap.mmap(file, size, access=mmap.ACCESS_READ) if size else b""


def rereadable(read: Callable[[str], bytes], held: Container[str]) -> Reader:
    """`read` for the helper: an item held in memory (an mbox's message) or a regular file;
    never stdin ("-") or a pipe, whose bytes would then be gone for the worker."""

    def read_again(name: str) -> bytes | None:
        if name in held:
            return read(name)
        if name == "-" or not stat.S_ISREG(os.stat(name).st_mode):
            return None
        return read(name)

    return read_again


def _parse_ahead(names: Sequence[str], read: Reader, pipe: int, parent: int) -> None:
    """The helper's work: parse the files in order, each message a frame written to `pipe` (a
    pipe or a file). A full pipe holds the helper until it is ended; a parent gone without ending
    it (killed) ends it before the next file."""
    from bot.engine.parse import parse  # (loaded here: the parent loads its own later)

    for index, name in enumerate(names):
        if os.getppid() != parent:
            return
        try:
            data = read(name)
        except Exception:  # the worker that explains the file says why it cannot be read
            continue
        if data is None:
            continue
        sent = pickle.dumps(parse(data), protocol=pickle.HIGHEST_PROTOCOL)
        write_all(pipe, _HEAD.pack(index, binascii.crc32(data), len(sent)) + sent)


def frames(sent: bytes | mmap.mmap) -> dict[int, Parsed]:
    """The whole frames of what a helper sent, by file index (a frame cut short is left out)."""
    view = memoryview(sent)
    found: dict[int, Parsed] = {}
    at = 0
    while at + _HEAD.size <= len(view):
        index, checksum, size = _HEAD.unpack_from(view, at)
        start = at + _HEAD.size
        if start + size > len(view):
            break
        found[index] = (checksum, view[start : start + size])
        at = start + size
    return found


def parsed_message(parsed: Parsed | None, data: bytes | str) -> ParsedMessage | None:
    """The message the helper parsed from `data`, or None: none, one parsed from other bytes (the
    file changed), or one that does not read back. The file is then parsed again."""
    if parsed is None or isinstance(data, str) or binascii.crc32(data) != parsed[0]:
        return None
    try:
        message = pickle.loads(parsed[1])
    except Exception:
        return None
    return message if isinstance(message, ParsedMessage) else None
