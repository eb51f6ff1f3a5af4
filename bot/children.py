"""Forked helper processes of a batch, seen from the parent: a child does one piece of work,
writes what it made to a pipe, and ends; its exit status tells whether the work returned.

Used by the batch workers (bot/batch.py, bot/batch_dns.py) and the parse-ahead helper
(bot/parseahead.py). Only what forking needs is imported here: the parse-ahead helper is forked
before the parent loads anything else.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

MIN_FILES_PER_WORKER = 16
"""Forking pays off only with this many files or more for each worker."""


def worker_count(files: int, jobs: int) -> int:
    """How many processes explain a batch of `files` when `jobs` may: one per
    MIN_FILES_PER_WORKER files at most, and one alone where the system cannot fork."""
    if not hasattr(os, "fork"):
        return 1
    return max(1, min(jobs, files // MIN_FILES_PER_WORKER))


PIPE_BYTES = 1 << 20
"""What a child's pipe holds (Linux: the most an unprivileged process may ask for): a child
writes what it made whole and ends while the parent still works, instead of waiting for the
parent to read it 64 kB at a time."""


def fork_child(work: Callable[[int], None]) -> Child:
    """Fork a child that does `work`, given the end of a pipe to write to, then ends (its exit
    status tells whether `work` returned). The parent reads the other end."""
    readable, writable = os.pipe()
    _widen(writable)
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller
        status = 1
        try:
            os.close(readable)
            work(writable)
            status = 0
        finally:
            os._exit(status)
    os.close(writable)
    return Child(pid, readable)


def _widen(pipe: int) -> None:
    """Let the pipe hold PIPE_BYTES where the system allows it (elsewhere it stays as it is)."""
    import fcntl

    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to a pipe (a write may take part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Child:
    """A forked child, seen from the parent: its process and the pipe it answers through."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid = pid
        self.pipe: int | None = pipe
        """Open until the answer is read."""
        self.running = True

    def read_all(self) -> bytes:
        """Everything the child writes, until it closes the pipe (it ends, or is ended)."""
        assert self.pipe is not None
        with os.fdopen(self.pipe, "rb") as pipe:
            self.pipe = None
            return pipe.read()

    def wait(self) -> int:
        """Wait for the child to end: its exit status (0: its work returned)."""
        _, status = os.waitpid(self.pid, 0)
        self.running = False
        return status

    def reap(self) -> None:
        """Wait for the child to end (once its pipe is read to the end, or it is killed)."""
        if self.running:
            with contextlib.suppress(ChildProcessError):
                self.wait()
            self.running = False

    def read_now(self) -> bytes:
        """What the child has written so far, without waiting for more; the pipe is closed."""
        assert self.pipe is not None
        pipe, self.pipe = self.pipe, None
        pieces = []
        try:
            os.set_blocking(pipe, False)
            while piece := os.read(pipe, PIPE_BYTES):
                pieces.append(piece)
        except BlockingIOError:  # nothing more for now
            pass
        finally:
            os.close(pipe)
        return b"".join(pieces)

    def kill(self, *, reap: bool = True) -> None:
        """End the child now, if it still runs. `reap`: wait until it is gone (else `reap` it
        later: its memory is freed meanwhile); its pipe stays open to be read."""
        if not self.running:
            return
        import signal  # only when a child is ended early

        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        if reap:
            self.reap()

    def stop(self) -> None:
        """Close the pipe, and end and reap the child if it still runs (the parent failed)."""
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        self.kill()
