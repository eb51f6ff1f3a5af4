"""Reply -> terminal text (pure). Colour only when asked; wraps to the given width."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from bot.engine.contains import any_in
from bot.engine.lazyre import lazy
from bot.model import CheckResult, Finding, Reply, Section
from bot.reasons import NOT_FAILURES

_ICONS = {"fail": "✖", "warn": "▲", "ok": "✔", "info": "•", "error": "?"}
_COLORS = {"fail": "31", "warn": "33", "ok": "32", "info": "36", "error": "35"}


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def bold(self, text: str) -> str:
        return self.paint(text, "1")

    def dim(self, text: str) -> str:
        return self.paint(text, "2")

    def status(self, status: str, text: str | None = None) -> str:
        return self.paint(text or _ICONS.get(status, "•"), _COLORS.get(status, "0"))


def render_text(reply: Reply, *, color: bool = False, width: int = 88) -> str:
    style = _Style(color)
    width = max(40, min(width, 120))
    out: list[str] = []
    out.append(
        style.status(reply.severity, f"{_ICONS.get(reply.severity, '•')} ")
        + style.bold(reply.title)
    )
    if reply.text:
        out.extend(_wrap(reply.text, width, "  "))
    for index, finding in enumerate(reply.findings):
        if len(reply.findings) > 1:
            out.append("")
            out.append(style.bold(f"── Recipient {index + 1} of {len(reply.findings)} ──"))
        out.extend(_finding(finding, style, width, show_title=len(reply.findings) > 1))
    for section in reply.sections:
        out.extend(_section(section, style, width))
    if reply.checks:
        out.append("")
        out.append(style.bold("DNS evidence"))
        out.extend(_checks(reply.checks, style, width))
    for note in reply.notes:
        out.append("")
        out.extend(_wrap(f"Note: {note}", width, "  "))
    return "\n".join(out).rstrip() + "\n"


def _finding(finding: Finding, style: _Style, width: int, *, show_title: bool) -> list[str]:
    out: list[str] = []
    if finding.reason in NOT_FAILURES:  # an automatic reply or a notice: say so briefly
        return ["", *_wrap(finding.summary, width, "  ")]
    if show_title:
        out.append(
            style.status(finding.severity, f"{_ICONS[finding.severity]} ")
            + style.bold(finding.title)
        )
    facts = []
    if finding.recipient:
        facts.append(("Recipient", finding.recipient))
    code = " ".join(c for c in (finding.reply_code, finding.status) if c)
    if code:
        facts.append(("Code", code))
    reason = finding.reason
    if finding.temporary is not None:
        reason += (
            " (temporary: the sending server retries)" if finding.temporary else " (permanent)"
        )
    facts.append(("Reason", reason))
    facts.append(("Who fixes it", finding.who_fixes))
    if finding.refused_at:
        facts.append(("Refused at", finding.refused_at))
    if not finding.certain:
        facts.append(("Confidence", f"{finding.confidence:.0%}: not sure, see the closest matches"))
    out.append("")
    for label, value in facts:
        out.extend(_wrap(value, width, "  " + style.dim(f"{label + ':':<14}"), indent_len=16))
    if finding.quote:
        out.append("")
        out.append("  " + style.dim("Server said:"))
        out.extend(_wrap(f"“{finding.quote}”", width, "    "))
    out.extend(_explanation(finding.summary, finding.steps, style, width))
    if finding.alternatives:
        out.append("")
        out.append("  " + style.bold("Closest matches"))
        out.extend(f"    - {title}" for title in finding.alternatives)
    if finding.links:
        out.append("")
        out.append("  " + style.bold("More"))
        out.extend(f"    {link.title}: {style.dim(link.url)}" for link in finding.links)
    return out


_EXPLANATIONS: dict[tuple[int, int, int, bool], tuple[str, tuple[Section, ...], list[str]]] = {}
"""Rendered explanations by the identity of their words and steps (kept beside the lines): the
knowledge's own, the same in every reply that names the entry (bot/present.py shares them)."""


def _explanation(summary: str, steps: tuple[Section, ...], style: _Style, width: int) -> list[str]:
    """What happened, and the steps to take."""
    key = (id(summary), id(steps), width, style.color)
    made = _EXPLANATIONS.get(key)
    if made is not None and made[0] is summary and made[1] is steps:
        return made[2]
    out = ["", "  " + style.bold("What happened"), *_wrap(summary, width, "    ")]
    for section in steps:
        out.append("")
        out.append("  " + style.bold(section.title[:1].upper() + section.title[1:]))
        for number, line in enumerate(section.lines, 1):
            out.extend(_wrap(line, width, f"    {number}. ", indent_len=7))
    if len(_EXPLANATIONS) >= 4096:  # a knowledge base reloaded many times: start again
        _EXPLANATIONS.clear()
    _EXPLANATIONS[key] = (summary, steps, out)
    return out


def _section(section: Section, style: _Style, width: int) -> list[str]:
    out = ["", style.bold(section.title)]
    for line in section.lines:
        out.extend(_wrap(line, width, "  - ", indent_len=4))
    return out


def _checks(checks: tuple[CheckResult, ...], style: _Style, width: int) -> list[str]:
    out: list[str] = []
    name_width = max(len(c.name) for c in checks)
    for check in checks:
        target = f" [{check.target}]" if check.target else ""
        head = f"  {style.status(check.status)} {check.name:<{name_width}}  "
        out.extend(_wrap(f"{check.summary}{target}", width, head, indent_len=name_width + 6))
        for detail in check.details[:6]:
            out.extend(
                _wrap(
                    detail,
                    width,
                    " " * (name_width + 6) + style.dim("· "),
                    indent_len=name_width + 8,
                )
            )
    return out


_WRAP_WHITESPACE = lazy(r"[\t\n\x0b\x0c\r]")
"""White space textwrap rewrites: text without it and shorter than a line passes unchanged.
(Printable text has none: `str.isprintable` tells that sooner.)"""


def _wrap(text: str, width: int, prefix: str, *, indent_len: int | None = None) -> tuple[str, ...]:
    """The text's lines, the first after `prefix`, the others indented to `indent_len`."""
    return _wrapped(text, width, prefix, indent_len)


@lru_cache(maxsize=4096)
def _wrapped(text: str, width: int, prefix: str, indent_len: int | None) -> tuple[str, ...]:
    """`_wrap`, remembered: most lines are the knowledge's own (an entry's explanation and steps),
    the same in every reply that names the entry."""
    indent = " " * (indent_len if indent_len is not None else len(prefix))
    room = width - len(indent)
    lines: Sequence[str]
    if len(text) <= room and (text.isprintable() or not _WRAP_WHITESPACE.search(text)):
        lines = [text.rstrip(" ")] if text.strip(" ") else []  # what textwrap gives, sooner
    else:
        lines = _wrapped_words(text, room)
    if not lines:
        return (prefix.rstrip(),)
    if len(lines) == 1:
        return (prefix + lines[0],)
    return (prefix + lines[0], *[indent + line for line in lines[1:]])


_SPACE_RUNS = lazy(r"( +)")
_TO_SPACE = str.maketrans("\t\n\x0b\x0c\r", "     ")
_ODD_SPACE = lazy(r"[^\S ]|  ")
"""White space other than single spaces: such text takes the chunk-by-chunk way."""
_ASCII_ODD_SPACE = ("  ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f")
"""What _ODD_SPACE finds in ASCII text: two spaces, or ASCII white space other than a space."""


def _odd_space(text: str) -> bool:
    if text.isascii():  # substring tests, quicker than the regex
        return any_in(text, _ASCII_ODD_SPACE)
    return _ODD_SPACE.search(text) is not None


@lru_cache(maxsize=2048)
def _wrapped_words(text: str, width: int) -> tuple[str, ...]:
    """`wrap_words`, remembered: most paragraphs are the knowledge's own, the same in every reply
    that names the entry."""
    return tuple(wrap_words(text, width))


def wrap_words(text: str, width: int) -> list[str]:
    """The lines of textwrap.wrap(text, width, break_on_hyphens=False), without its overhead.

    Tabs expand and other ASCII white space becomes spaces; lines take whole words greedily; a
    word longer than a line is cut; white space (anything str.strip removes) is dropped where a
    line ends and where a later line would start with it.
    """
    text = text.expandtabs().translate(_TO_SPACE)
    if _odd_space(text):
        return _wrap_chunks(text, width)
    lines: list[str] = []
    start, end = 0, len(text)
    while start < end:  # words and single spaces: find each line's end by position
        if lines and text[start] == " ":
            start += 1
        limit = start + width
        keep_space = False
        if limit >= end:
            stop = end
        elif text[limit] == " ":
            stop = limit  # the line ends where a word does
        else:  # a word crosses or starts at the limit: the line ends before it, or it is cut
            word_start = max(text.rfind(" ", start, limit) + 1, start)
            word_end = text.find(" ", limit)
            too_long = (word_end if word_end != -1 else end) - word_start > width
            stop = limit if too_long else word_start
            keep_space = too_long  # textwrap drops the word's empty first piece, not the space
        line = text[start:stop]
        if line.endswith(" ") and not keep_space:
            line = line[:-1]
        if line:
            lines.append(line)
        start = stop
    return lines


def _wrap_chunks(text: str, width: int) -> list[str]:
    """wrap_words for any white space: words and runs of spaces, one chunk at a time."""
    chunks = [chunk for chunk in _SPACE_RUNS.split(text) if chunk]
    lines: list[str] = []
    i, count = 0, len(chunks)
    while i < count:
        if lines and not chunks[i].strip():
            i += 1
        line: list[str] = []
        size = 0
        while i < count and size + len(chunks[i]) <= width:
            line.append(chunks[i])
            size += len(chunks[i])
            i += 1
        if i < count and len(chunks[i]) > width:
            cut = width - size
            line.append(chunks[i][:cut])
            chunks[i] = chunks[i][cut:]
        if line and not line[-1].strip():
            line.pop()
        if line:
            lines.append("".join(line))
    return lines
