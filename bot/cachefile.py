"""Writing a file of the user's cache directory (the compiled knowledge, the compiled patterns):
atomically, so that a reader sees the old file or the new one, never half of one; a file that
cannot be written (a read-only home, a full disk) is simply not written.

Paths are strings here, as in the other modules a one-shot command loads (kbcache.py,
patterncache.py, knowledge.py): pathlib, with the URL parser it imports, costs ~3 ms of start-up."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import BinaryIO


def write_atomically(target: str, write: Callable[[BinaryIO], object]) -> None:
    """`write` the file's content to a temporary file beside `target`, then put it in its place."""
    import tempfile  # only when a cache is (re)written

    folder, name = os.path.split(target)
    stem = os.path.splitext(name)[0]
    try:
        os.makedirs(folder or ".", mode=0o700, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder or ".", prefix=f".{stem}-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temp, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
