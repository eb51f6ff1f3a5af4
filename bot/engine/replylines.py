"""The server's words out of a report's lines: boilerplate, transcripts' arrows and commands, and
the asker's own words below a pasted reply are left out."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.engine.detect import is_talk
from bot.engine.folded import Folded
from bot.engine.lazyre import lazy
from bot.engine.smtpcodes import find_codes

CODE_LINE = lazy(r"[245](?<![\w.].)(?:\.\d{1,3}\.\d{1,3}|(?<=[45])\d\d[ -])")
"""A line with a reply or status code ("550 ", "5.1.1") that no word character or dot precedes.
It starts with the digit it takes and looks back past it, so that a search skips to the next such
digit instead of trying every place."""


_BOILERPLATE = lazy(
    r"(?=[tifyahsrxcmp-])(?:"  # what its alternatives start with: one look, not a try of each
    r"^(?:this is the mail system at host|this is the [\w .-]{1,60} at [\w-]+(?:\.[\w-]+)+\.?$|"
    r"i'm sorry to have to inform you|for further assistance|"
    r"please reply to \S+@\S+$|if you feel this message to be in error|"  # Post.Office's footer
    r"if you do so, please include|you can delete your own text|the mail system$|"
    r"this message was created automatically|a message that you sent could not be delivered|"
    r"the following address\(es\) failed|hi\. this is the qmail-send program|"
    r"i'm afraid i wasn't able to deliver|this is a permanent error; i've given up|"
    r"sorry it didn't work out|reporting-mta:|arrival-date:|received-from-mta:|x-postfix-|"
    r"content-(?:type|transfer-encoding|description):|mime-version:|--[=_\w.-]{10,}$)"
    r")",
    re.IGNORECASE,
)
_NOISE_LINE = lazy(r"^[\s*=_-]*$")
_NOISE_STARTS = "*=_-"
"""What a stripped line _NOISE_LINE matches starts with: other lines are not searched."""


FINDING_LABEL = r"(?:report|virus(?: name)?):[ \t]*(?=\S)"
"""A virus scanner's finding, one line ("Report: ClamAV: x.pif contains Worm.Mydoom.M")."""
LABELLED_LINE = lazy(
    r"^[ \t>]*(?:reported error|the response (?:from the remote server )?was|"
    r"remote server returned|error:\s*(?=[245]\d\d[ -])|"
    rf"{FINDING_LABEL})",
    re.IGNORECASE | re.MULTILINE,
)
"""A line where a report quotes the server's reply: Exchange Online's "Reported error:" (and its
newer "Error: 550 ..."), Gmail's "The response from the remote server was:", older Exchange's
"Remote Server returned"."""
LABELLED_FOLDED = Folded(
    LABELLED_LINE,
    guards=(
        "the response",
        "remote server returned",
        "error:",
        "report",
        "virus",
    ),
)


@lru_cache(maxsize=1024)
def diagnostic_lines(text: str, limit: int = 1500) -> str:
    """The server's words from a block: drop boilerplate and blank lines, fold into one string
    (cached: a text report's blocks are read once to find those with codes, then again)."""
    kept: list[str] = []
    size = 0
    after_blank = False
    lines = text.split("\n")
    spaced: bool | None = None  # worked out when first needed
    labelled = False  # a line that introduces the reply ("The response was:") was kept
    coded = _CodeSeen(kept)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            after_blank = True
            continue
        if after_blank and kept:
            if spaced is None:
                spaced = _double_spaced(lines)
            alone = not spaced and (i + 1 == len(lines) or not lines[i + 1].strip())
            if (is_talk(stripped) or (alone and _is_aside(stripped))) and (labelled or coded()):
                break  # the asker's own words below the pasted reply ("what does this mean?")
        elif stripped[-1] in "?？" and kept and not CODE_LINE.search(stripped) and coded():
            break  # the asker's question right below the reply's last line ("is it our server?")
        after_blank = False
        noise = stripped[0] in _NOISE_STARTS and _NOISE_LINE.match(stripped)
        if noise or _BOILERPLATE.match(stripped):
            continue
        # ">>> ", "<<< ", "--> " and "<-- " each hold one of these three
        transcript = "> " in stripped or "< " in stripped or "-- " in stripped
        arrow = _TRANSCRIPT_ARROW.match(stripped) if transcript else None
        if arrow:  # a session transcript (Courier's, MDaemon's): commands sent, replies received
            stripped = stripped[arrow.end() :].lstrip()
            if _SMTP_COMMAND.match(stripped):
                continue  # the command (the failure's context still names the stage)
        elif stripped[:2] == "--" and _TRANSCRIPT_END.match(stripped) and coded():
            break
        if stripped.lower().startswith("diagnostic-code:"):
            stripped = stripped.split(":", 1)[1].strip()
            if stripped.lower().startswith(("smtp;", "x-postfix;", "x-unix;", "x-local;")):
                stripped = stripped.split(";", 1)[1].strip()
        kept.append(stripped)
        labelled = labelled or (
            stripped[:1] in _LABEL_STARTS and bool(LABELLED_LINE.match(stripped))
        )
        size += len(stripped) + 1
        if size >= limit:
            break
    return " ".join(kept)[:limit]


class _CodeSeen:
    """Whether the lines kept so far hold a reply or status code, each line read once."""

    __slots__ = ("checked", "found", "lines")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.checked = 0
        self.found = False

    def __call__(self) -> bool:
        if not self.found and self.checked < len(self.lines):
            self.found = _has_code(self.lines[self.checked :])
            self.checked = len(self.lines)
        return self.found


_LABEL_STARTS = frozenset("RrTtEe> \t")
"""The first characters of LABELLED_LINE's matches (a cheap test before the pattern)."""
_TRANSCRIPT_ARROW = lazy(r"(?:[^<>]{0,40}: )?(?:>>>|<<<|-->|<--) ")
"""A transcript line's direction, maybe after its time stamp ("Mon 2025-03-03 10:12:05.241: ")."""
_TRANSCRIPT_END = lazy(r"-{2,40} ?end (?:of )?(?:session )?transcript ?-{2,40}$", re.IGNORECASE)
_SMTP_COMMAND = lazy(
    r"(?:mail from|rcpt to|data|bdat|helo|ehlo|quit|rset|starttls|auth|noop|vrfy)\b", re.IGNORECASE
)


def _is_aside(line: str) -> bool:
    """A short line of its own below a reply that holds no code, address or field: the asker's
    words ("gracias!", "(our IP starred out)") or a mail app's ("View entire message")."""
    return (
        len(line) <= ASIDE_CHARS
        and "@" not in line
        and not CODE_LINE.search(line)
        and not _FIELD_LINE.match(line)
    )


def _double_spaced(lines: list[str]) -> bool:
    """Nearly every line stands between blank lines (a paste that doubled every line break): a
    line alone then says nothing of who wrote it."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 4:
        return False
    alone = sum(1 for i in filled if i + 1 == len(lines) or not lines[i + 1].strip())
    return alone * 5 >= len(filled) * 4  # four lines in five or more


ASIDE_CHARS = 120
_FIELD_LINE = lazy(r"[\w -]{1,40}:(?:\s|$)")
"""A "Label: value" line (a report's field, "Reporting-MTA:", "Generating server:")."""


def _has_code(lines: list[str]) -> bool:
    codes = find_codes(" ".join(lines))
    return bool(codes.reply_code or codes.status)
