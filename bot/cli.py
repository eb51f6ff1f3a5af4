"""`ndrbot` command line: bounce, explain, headers, checkmx, shell, serve, kb (design notes §5).

`bounce` and `explain` live here; the rarer commands in bot/commands.py, loaded only when asked for.
"""

from __future__ import annotations

import argparse
import gc
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from bot import __version__, clilog

if TYPE_CHECKING:
    from bot.batch import Outcome, Style
    from bot.config import Settings
    from bot.intent import Deps
    from bot.mailbox import Items
    from bot.model import Reply
    from bot.parseahead import ParseAhead

MAX_FILE_BYTES = 50_000_000


class UsageError(Exception):
    """Bad input or configuration: exit code 2 with a one-line message."""


def add_dns_options(p: argparse.ArgumentParser) -> None:
    """--nameserver and --no-dns, for every command that may ask DNS."""
    p.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help="DNS server to ask (repeatable; default: the system's; env NDRBOT_NAMESERVERS)",
    )
    p.add_argument("--no-dns", action="store_true", help="skip the live DNS checks")


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; for `bounce` or `explain` given first, with only that command's subparser.

    Whatever it holds, a command's parsing, help and errors read the same: the top-level usage
    names no command, and an unknown command gets the whole parser.
    """
    parser = argparse.ArgumentParser(
        prog="ndrbot",
        formatter_class=_HelpFormatter,
        description="Explain bounced email (NDRs / DSNs) and check the DNS behind them.",
        epilog="Run with no command to chat with ndrbot in the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"ndrbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command in (None, "bounce"):
        p = sub.add_parser(
            "bounce",
            help="explain a status code or a pasted bounce",
            formatter_class=_HelpFormatter,
        )
        p.add_argument(
            "text",
            nargs="+",
            metavar="CODE_OR_TEXT",
            help="a code (5.7.1), bounce text, or - for stdin",
        )
        p.add_argument("--json", action="store_true", help="machine-readable output")
        add_dns_options(p)
    if command in (None, "explain"):
        p = sub.add_parser(
            "explain",
            help="explain bounce files (.eml) or text from stdin",
            formatter_class=_HelpFormatter,
        )
        p.add_argument(
            "files",
            nargs="*",
            metavar="FILE",
            help="files to explain (a folder: every file under it; an mbox file, *.mbox: every"
            " message in it); - or nothing for stdin",
        )
        p.add_argument(
            "--mbox",
            action="store_true",
            help="read each file (and stdin) as an mbox, whatever its name",
        )
        p.add_argument(
            "--summary",
            action="store_true",
            help="instead of each bounce: how many failed for each reason, and the addresses"
            " that no longer take mail (no DNS checks)",
        )
        p.add_argument(
            "--json",
            action="store_true",
            help="machine-readable output (JSON Lines for several files)",
        )
        p.add_argument(
            "--jobs",
            type=int,
            default=None,
            metavar="N",
            help="processes that explain many files (default: one per CPU core)",
        )
        add_dns_options(p)
    if command is None:
        from bot.commands import add_parsers

        add_parsers(sub)
    return parser


def settings_for(args: argparse.Namespace) -> Settings:
    from bot.config import check_dnsbls, check_nameservers, load_settings

    settings = load_settings()
    changes: dict[str, Any] = {}
    if getattr(args, "nameserver", None):
        changes["nameservers"] = check_nameservers(args.nameserver)
    if getattr(args, "dnsbl", None):
        changes["dnsbls"] = check_dnsbls(args.dnsbl)
    if getattr(args, "no_dns", False):
        changes["dns_enabled"] = False
    return settings.with_overrides(**changes) if changes else settings


def _terminal_width(fallback: int = 88) -> int:
    """COLUMNS, else the terminal's width, else `fallback` (shutil's rule, without loading it)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or fallback  # type: ignore[union-attr]
    except (OSError, ValueError, AttributeError):
        return fallback


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's own layout, as wide as it would make it (the terminal's width, else 80, less 2),
    found without the shutil import argparse does for every parser and argument."""

    def __init__(self, prog: str, **options: Any) -> None:
        options.setdefault("width", _terminal_width(80) - 2)
        super().__init__(prog, **options)


def use_color(stream: Any) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def print_reply(reply: Reply) -> None:
    from bot.adapters.render_text import render_text

    width = _terminal_width()
    sys.stdout.write(render_text(reply, color=use_color(sys.stdout), width=width))


def _read_stdin(limit: int | None = None) -> bytes:
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("nothing to explain: give a file, or pipe a bounce into stdin")
    return sys.stdin.buffer.read((MAX_FILE_BYTES if limit is None else limit) + 1)


def _read_limited(fd: int, name: str, limit: int) -> bytes:
    """The first `limit` + 1 bytes of an open file. A regular file is asked for what its
    size says it holds, and one byte more (to see whether it grew): one read, with no buffer
    larger than the file (asked for the limit at once, a read makes a buffer that large first).
    A pipe is read in pieces until it ends or the limit is reached."""
    wanted = limit + 1
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{name}: is a directory")
    regular = stat.S_ISREG(info.st_mode)
    data = os.read(fd, min(info.st_size + 1, wanted) if regular else min(_PIPE_PIECE, wanted))
    if regular and len(data) <= info.st_size:
        return data  # the whole file (a short read of a regular file is its end)
    pieces = [data]
    got = len(data)
    while data and got < wanted:
        data = os.read(fd, min(_PIPE_PIECE, wanted - got))
        pieces.append(data)
        got += len(data)
    return b"".join(pieces)


_PIPE_PIECE = 1 << 16
"""What one read of a pipe (or a file that grew) asks for."""
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def read_file(name: str, limit: int | None = None) -> bytes:
    """A file's bytes (up to `limit`, by default MAX_FILE_BYTES, and one more), or a UsageError
    that says why not. Read through the file descriptor alone: a file object costs more than the
    read of a bounce."""
    if name == "-":
        return _read_stdin(limit)
    try:
        fd = os.open(name, _OPEN_FLAGS)
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except PermissionError:
        raise UsageError(f"{name}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read ({exc.strerror or exc})") from None
    except ValueError:  # a NUL byte in the name
        raise UsageError(f"{name!r} is not a valid file name") from None
    try:
        return _read_limited(fd, name, MAX_FILE_BYTES if limit is None else limit)
    except IsADirectoryError:
        raise UsageError(f"{name}: is a directory") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def _explain_one(
    data: bytes | str, deps: Deps, name: str = "input", *, asked: bool = False
) -> Reply:
    """Explain, refusing input that cannot be a bounce (empty, binary) with a usage error."""
    from bot.batch import refusal
    from bot.explain import explain_full, explain_offline

    if deps.dns is None:
        analysis, reply = explain_offline(data, deps, asked=asked)
    else:
        import asyncio

        analysis, reply = asyncio.run(explain_full(data, deps, asked=asked))
    refused = refusal(analysis, name)
    if refused:
        raise UsageError(refused)
    return reply


def cmd_bounce(args: argparse.Namespace) -> int:
    from bot.app import build_deps
    from bot.batch import format_reply

    text = " ".join(args.text)
    data: bytes | str = _read_stdin() if text == "-" else text
    deps = build_deps(settings_for(args))
    reply = _explain_one(data, deps, asked=True)
    sys.stdout.write(format_reply("input", reply, _style(args, many=False)))
    return 0


def _style(args: argparse.Namespace, *, many: bool) -> Style:
    from bot.adapters.render_text import render_text
    from bot.batch import Style

    color = use_color(sys.stdout)
    width = _terminal_width()
    return Style(json=args.json, many=many, render=partial(render_text, color=color, width=width))


def _read_for_batch(name: str) -> bytes:
    from bot.batch import FileError

    try:
        return read_file(name)
    except UsageError as exc:
        raise FileError(str(exc)) from None


def cmd_explain(args: argparse.Namespace) -> int:
    from bot.mailbox import MAX_MBOX_BYTES, MailboxError, expand

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    try:
        items = expand(
            args.files or ["-"], partial(read_file, limit=MAX_MBOX_BYTES), mbox=args.mbox
        )
    except MailboxError as exc:
        raise UsageError(str(exc)) from None
    if args.summary:
        args.no_dns = True  # DNS evidence belongs to one bounce: a summary has no place for it
    jobs = args.jobs or os.cpu_count() or 1
    ahead = _parse_ahead(items, jobs)  # (first: the settings may load the DNS modules)
    try:
        return _explain_items(args, items, settings_for(args), jobs, ahead)
    finally:
        if ahead is not None:
            ahead.stop()


def _parse_ahead(items: Items, jobs: int) -> ParseAhead | None:
    """For a batch that forks workers, the helper that parses its first files while the
    knowledge (and with DNS, the DNS modules) loads (bot/parseahead.py): forked before the
    modules the parent loads next."""
    from bot.children import worker_count

    if not items.many or worker_count(len(items.names), jobs) < 2:
        return None
    from bot.parseahead import ParseAhead, rereadable

    try:
        return ParseAhead(items.names, rereadable(items.reader(read_file), items.messages))
    except OSError:  # no process to spare (a limit): the workers parse every file
        return None


def _explain_items(
    args: argparse.Namespace,
    items: Items,
    settings: Settings,
    jobs: int,
    ahead: ParseAhead | None,
) -> int:
    from bot.app import build_deps
    from bot.batch import Style, explain_files, format_reply

    deps = build_deps(settings)
    files = items.names
    if not items.many and not args.summary:
        reply = _explain_one(read_file(files[0]), deps, files[0])
        sys.stdout.write(format_reply(files[0], reply, _style(args, many=False)))
        return 0
    # A summary is made of each item's JSON answer (its text rendering is never asked for).
    style = Style(json=True, many=True, render=str) if args.summary else _style(args, many=True)
    outcomes = explain_files(files, deps, style, items.reader(_read_for_batch), jobs, ahead)
    if args.summary:
        return _print_summary(outcomes, as_json=args.json)
    for outcome in outcomes:
        if outcome.to_stderr:
            sys.stdout.flush()
            sys.stderr.write(outcome.out)
        else:
            sys.stdout.write(outcome.out)
    return 2 if any(o.error for o in outcomes) else 0


def _print_summary(outcomes: Sequence[Outcome], *, as_json: bool) -> int:
    """`explain --summary`: every item's JSON answer, summed up (bot/summary.py)."""
    import json

    from bot.summary import render_summary, summarise

    summary = summarise(json.loads(outcome.out) for outcome in outcomes)
    if as_json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_summary(summary))
    return 2 if summary["errors"] else 0


CORE_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "bounce": cmd_bounce,
    "explain": cmd_explain,
}
"""The one-shot commands, run with few garbage collections (see `_collect_seldom`)."""


@contextmanager
def _collect_seldom(*, exiting: bool) -> Iterator[None]:
    """A one-shot command allocates much and frees little: scanning for cycles every 700 new
    objects (Python's default) costs a tenth of its time, so scan seldom while it runs.

    `exiting`: the process ends with the command, so what it leaves is not scanned again at exit.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 50)
    try:
        yield
    finally:
        if exiting:
            gc.freeze()
        gc.set_threshold(*thresholds)


@contextmanager
def _patterns_kept(*, whole_process: bool) -> Iterator[None]:
    """A one-shot command's patterns compile from the programs the last runs kept (see
    bot/patterncache.py). Only for the whole process: a caller of `main` keeps its own."""
    if not whole_process:
        yield
        return
    from bot.config import cache_dir
    from bot.patterncache import kept_in

    with kept_in(cache_dir(os.environ)):
        yield


def _end_process(code: int) -> None:
    """End a one-shot command's process now, its output flushed: the interpreter's own ending
    would free every object one by one first (~15 ms after a batch), which nobody waits for.
    Returns (and the interpreter ends as usual) when something is left to finish: output that
    cannot be flushed, or another thread."""
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # a closed pipe: let the interpreter's ending deal with it as ever
        return
    os._exit(code)


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    from bot.commands import COMMANDS

    return COMMANDS[name]


def _user_errors() -> tuple[type[Exception], ...]:
    """What is told as one line with exit code 2: bad input, settings or knowledge file."""
    from bot.config import ConfigError
    from bot.knowledge import KnowledgeError

    return (UsageError, ConfigError, KnowledgeError)


def _parse(argv: list[str]) -> argparse.Namespace:
    return _parser(argv[0] if argv and argv[0] in CORE_COMMANDS else None).parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; without `argv`, as the whole process (the arguments from sys.argv)."""
    args = _parse(sys.argv[1:] if argv is None else list(argv))
    if args.command is None:
        args = _parse(["shell"] if sys.stdin.isatty() else ["explain", "-"])
    # Without DNS, bounce and explain log nothing on their usual path (see bot/clilog.py).
    clilog.setup(defer=args.command in CORE_COMMANDS and args.no_dns)
    try:
        if args.command in CORE_COMMANDS:
            with _collect_seldom(exiting=argv is None), _patterns_kept(whole_process=argv is None):
                code = CORE_COMMANDS[args.command](args)
            if argv is None:
                _end_process(code)
            return code
        return _command(args.command)(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the modules that define the usual errors load with the command
        if not isinstance(exc, _user_errors()):
            raise
        print(f"ndrbot: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
