"""The files `ndrbot explain` is given, a folder standing for every file under it: a mailbox kept
as files (a Maildir's cur/ and new/, a folder of saved bounces) is explained without a shell
glob, which fails past the system's limit on the length of a command line."""

from __future__ import annotations

import os
from collections.abc import Sequence

MAILDIR = frozenset({"cur", "new"})
"""The folders that make a folder a Maildir, whose tmp/ holds messages still being delivered."""


class FolderError(Exception):
    """A folder that cannot be read, or that holds no file; the message names it."""


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
        raise FolderError(f"{problem.filename or folder}: cannot read ({reason})")
    if not found:
        raise FolderError(f"{folder}: no files in this folder")
    return found


def expand(names: Sequence[str]) -> tuple[list[str], bool]:
    """The files to explain, each folder replaced by the files under it (in the order given),
    and whether there was a folder (then each file is named in the output, even one alone)."""
    files: list[str] = []
    folder_given = False
    for name in names:
        if name != "-" and _is_folder(name):
            files += files_under(name)
            folder_given = True
        else:
            files.append(name)
    return files, folder_given


def _is_folder(name: str) -> bool:
    """A name with "/" after it exists only if it is a folder: asking the system that alone is
    quicker than a stat of each of a batch's files."""
    try:
        return os.access(f"{name}/", os.F_OK)
    except ValueError:  # a NUL byte in the name: reading it tells what is wrong
        return False
