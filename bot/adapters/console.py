"""`ndrbot shell`: the bot in a terminal. Paste a bounce and it answers, as in a channel thread.

Lines starting with "/" are commands (/bounce 5.7.1, /checkmx example.com, /help, /quit); a line
that starts with a command's name is one too, slash or not ("bounce 5.7.1", "help"). Anything
else is a message: a paste arrives all at once, so the message ends when input pauses (on a
terminal) or at a blank line followed by a command, or at the end of input (when piped).
"""

from __future__ import annotations

import asyncio
import os
import select
import shutil
from collections.abc import Iterator
from typing import TextIO

from bot.adapters.render_text import render_text
from bot.intent import Deps
from bot.model import Incoming, Reply
from bot.registry import Registry

PASTE_PAUSE_SECONDS = 0.25
QUIT = frozenset({"quit", "exit", "q"})
PROMPT = "you> "
BANNER = (
    "ndrbot shell: paste a bounce (NDR / DSN) and I'll explain it.\n"
    "Commands: /bounce CODE_OR_TEXT, /checkmx DOMAIN, /help, /quit. End a paste with a blank pause."
)


class ConsoleChat:
    def __init__(self, registry: Registry, deps: Deps, *, color: bool = False) -> None:
        self.registry = registry
        self.deps = deps
        self.color = color

    def run(self, stdin: TextIO, stdout: TextIO) -> int:
        interactive = stdin.isatty()
        if interactive:
            stdout.write(BANNER + "\n\n")
        with asyncio.Runner() as runner:
            commands = frozenset(self.registry.commands) | QUIT
            for message in _messages(stdin, interactive, stdout, commands):
                if message.strip().lstrip("/") in QUIT:
                    break
                reply = runner.run(self.registry.handle(self._incoming(message), self.deps))
                stdout.write(self._render(reply))
                stdout.flush()
        return 0

    @staticmethod
    def _incoming(message: str) -> Incoming:
        stripped = message.strip()
        if stripped.startswith("/"):
            command, _, rest = stripped[1:].partition(" ")
            return Incoming(
                text=rest.strip(), command=command.lower(), user="you", channel="console"
            )
        return Incoming(text=message, user="you", channel="console")

    def _render(self, reply: Reply | None) -> str:
        if reply is None:
            return "ndrbot: (stays quiet: that does not look like a bounce; use /bounce to ask anyway)\n\n"
        width = shutil.get_terminal_size((88, 24)).columns - 4
        body = render_text(reply, color=self.color, width=width)
        threaded = "\n".join(
            ("  │ " + line) if line else "  │" for line in body.rstrip("\n").split("\n")
        )
        return f"ndrbot (in thread):\n{threaded}\n\n"


class _Lines:
    """Line reader that knows whether more input is already waiting (pastes arrive in bursts).

    On a terminal it reads the file descriptor directly, so no line hides in Python's buffer
    while select() says nothing is waiting.
    """

    def __init__(self, stdin: TextIO, interactive: bool) -> None:
        self.stdin = stdin
        self.raw = interactive and os.name != "nt"
        self.pending: list[str] = []
        self.partial = b""

    def readline(self) -> str | None:
        if not self.raw:
            line = self.stdin.readline()
            return line.rstrip("\n") if line else None
        while not self.pending:
            chunk = os.read(self.stdin.fileno(), 65536)
            if not chunk:
                if self.partial:
                    last, self.partial = self.partial, b""
                    return last.decode("utf-8", "replace")
                return None
            *lines, self.partial = (self.partial + chunk).split(b"\n")
            self.pending.extend(line.decode("utf-8", "replace").rstrip("\r") for line in lines)
        return self.pending.pop(0)

    def more_waiting(self) -> bool:
        if self.pending or self.partial:
            return True
        if not self.raw:
            return False
        try:
            ready, _, _ = select.select([self.stdin], [], [], PASTE_PAUSE_SECONDS)
        except (OSError, ValueError):
            return False
        return bool(ready)


def _as_command(line: str, commands: frozenset[str]) -> str | None:
    """The line as a slash command when it is one, written with or without the slash."""
    if line.startswith("/"):
        return line
    first = line.split(" ", 1)[0].lower()
    return f"/{line}" if first in commands else None


def _messages(
    stdin: TextIO, interactive: bool, stdout: TextIO, commands: frozenset[str] = frozenset()
) -> Iterator[str]:
    """Yield one message at a time: a command line, or a block of pasted lines."""
    reader = _Lines(stdin, interactive)
    buffer: list[str] = []
    while True:
        if interactive and not buffer:
            stdout.write(PROMPT)
            stdout.flush()
        line = reader.readline()
        if line is None:
            break
        command = _as_command(line, commands)
        if not buffer and command:
            yield command
            continue
        if not buffer and not line.strip():
            continue
        # In piped input a paste ends at a slash command, or at a blank line and a command name.
        if not interactive and command and (line.startswith("/") or not buffer[-1].strip()):
            yield "\n".join(buffer)
            buffer = []
            yield command
            continue
        buffer.append(line)
        if interactive and not reader.more_waiting():
            yield "\n".join(buffer)
            buffer = []
    if buffer:
        yield "\n".join(buffer)
