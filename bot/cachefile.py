"""Writing a file of the user's cache directory (the compiled knowledge, the compiled patterns):
atomically, so that a reader sees the old file or the new one, never half of one; a file that
cannot be written (a read-only home, a full disk) is simply not written."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomically(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """`write` the file's content to a temporary file beside `target`, then put it in its place."""
    import tempfile  # only when a cache is (re)written

    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temp, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
