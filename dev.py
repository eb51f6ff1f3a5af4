#!/usr/bin/env python3
"""One entry point for a fresh clone: sets up .venv on first use, then runs what you ask.

python3 dev.py ndrbot ARGS...   run ndrbot (e.g. explain examples/gmail-unauthenticated.eml)
python3 dev.py test [ARGS...]    ruff check, ruff format --check, mypy, then the whole pytest suite
python3 dev.py bench             run every benchmark and print a table
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_env() -> None:
    """Create .venv and install ndrbot with its dev tools, again only when pyproject.toml changes."""
    stamp = VENV / ".ndrbot-installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if _python().exists() and stamp.exists() and stamp.read_text() == want:
        return
    if not _python().exists():
        print("dev.py: creating .venv ...", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    print("dev.py: installing ndrbot and its dependencies into .venv ...", file=sys.stderr)
    subprocess.run(
        [
            _python(),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            ".[dev]",
        ],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(want)


def run(args: list[str]) -> int:
    return subprocess.run(args, cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command not in ("ndrbot", "test", "bench"):
        print(f"dev.py: unknown command {command!r}; see python3 dev.py --help", file=sys.stderr)
        return 2
    try:
        ensure_env()
    except subprocess.CalledProcessError as exc:
        print(f"dev.py: set-up failed ({exc})", file=sys.stderr)
        return 2
    if command == "ndrbot":
        return run([str(BIN / "ndrbot"), *rest])
    if command == "bench":
        return run([str(_python()), "bench/run.py", *rest])
    for step in (
        [str(_python()), "-m", "ruff", "check", "."],
        [str(_python()), "-m", "ruff", "format", "--check", "."],
        [str(_python()), "-m", "mypy", "bot", "intents"],
    ):
        if run(step) != 0:
            print(
                "dev.py: lint failed (ruff format . fixes formatting; mypy names type errors)",
                file=sys.stderr,
            )
            return 1
    return run([str(_python()), "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
