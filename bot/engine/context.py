"""What the whole report says around its failures, and whether the sending server still retries."""

from __future__ import annotations

import re

from bot.engine.extract import (
    is_final_report,
    says_gave_up,
    says_gave_up_retrying,
    says_retrying,
    smtp_stage,
)
from bot.engine.folded import Folded
from bot.engine.lazyre import lazy
from bot.engine.matcher import detect_providers
from bot.engine.parsed import Failure, ParsedMessage
from bot.engine.smtpcodes import EMAIL
from bot.record import once


class Context:
    """What the whole message says around its failures (each part worked out when first asked)."""

    def __init__(self, parsed: ParsedMessage) -> None:
        self.text = parsed.text
        self._parsed = parsed

    @once
    def reporting_domain(self) -> str:
        """The domain of the address the report came from (Mailer-Daemon@mx.example.net)."""
        found = EMAIL.search(self._parsed.sender)
        return found.group(0).rpartition("@")[2].lower() if found else ""

    @once
    def providers(self) -> frozenset[str]:
        parsed = self._parsed
        remotes = " ".join(f.remote_mta or "" for f in parsed.failures[:5])
        return detect_providers(f"{parsed.text[:5000]} {parsed.sender} {remotes}")

    @once
    def stage(self) -> str | None:
        return smtp_stage(self.text[:5000], only=True)

    @once
    def notice(self) -> str:
        """The subject and the text's start: where a notice says it retries or gave up."""
        return self._parsed.subject + "\n" + self.text[:5000]

    @once
    def quotes_another_server(self) -> bool:
        """Gmail's notice quoting the server it tried to deliver to: Gmail wrote the report, not
        the reply."""
        return _ANOTHER_SERVERS_FOLDED.search(self.text[:5000]) is not None

    @once
    def retrying(self) -> bool:
        return says_retrying(self.notice)

    @once
    def gave_up(self) -> bool:
        return says_gave_up(self.notice)

    @once
    def counted_tries(self) -> bool:
        """The report closes by counting the attempts made (hMailServer's "Tried 5 time(s)"): its
        server has stopped, whatever the quoted reply says of retrying."""
        return _TRIED_FOLDED.search(self.notice) is not None

    @once
    def expired(self) -> bool:
        """The report says the message waited in the queue until the sender gave up."""
        return says_gave_up_retrying(self.notice)

    @once
    def final(self) -> bool:
        """A final report (not a delay warning): the sending server stopped trying."""
        return is_final_report(self.notice)


_ANOTHER_SERVERS_REPLY = lazy(
    r"\bthe (?:error that the other server returned|response from the remote server) was\b",
    re.IGNORECASE,
)
_ANOTHER_SERVERS_FOLDED = Folded(
    _ANOTHER_SERVERS_REPLY,
    guards=("error that the other server returned", "response from the remote server"),
)
_TRIED = lazy(r"^tried \d+ time\(s\)[ \t]*$", re.IGNORECASE | re.MULTILINE)
_TRIED_FOLDED = Folded(_TRIED, guards=("time(s)",))
_HEADING = lazy(r"-{3,} [^-]{1,80} -{3,}")
"""A dashed section heading inside a diagnostic."""
USUALLY_TEMPORARY = frozenset({"speeding", "toomanyconn", "systemfull"})


_GREYLISTING = lazy(r"greylist\w*", re.IGNORECASE)


def is_temporary(failure: Failure, context: Context, text: str) -> bool | None:
    """Is the sending server still retrying? The report's Action, then wording, then codes."""
    if failure.action in ("failed", "delayed"):
        return failure.action == "delayed"
    # A report's own section heading ("----- The following addresses had fatal errors -----")
    # is the layout's, and some servers print it on delay notices too: the words of the notice
    # ("Message will be retried for 4 more days") decide then.
    if says_gave_up(_HEADING.sub(" ", text)):
        return False
    if context.counted_tries:
        return False
    code_class = (failure.reply_code or failure.status or "")[:1]
    retrying = context.retrying
    if code_class == "5" and "greylist" in text.lower():
        # A permanent refusal that mentions greylisting ("Greylisting in effect, sending server
        # blacklisted") is the receiver's word, not the sender's retrying.
        text = _GREYLISTING.sub(" ", text)
        retrying = retrying and says_retrying(_GREYLISTING.sub(" ", context.notice))
    if says_retrying(text) or retrying:
        return True
    if context.gave_up or context.final:
        return False
    if (failure.status or "")[1:] == ".4.7":
        return False  # "delivery time expired": the sender gave up (a delay notice's is above)
    if code_class in ("4", "5"):
        return code_class == "4"
    return None
