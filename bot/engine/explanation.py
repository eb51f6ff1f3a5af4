"""Which knowledge entry explains a decided reason: the matching specific entry when it agrees and
its provider is evidenced, else the reason's own generic entry."""

from __future__ import annotations

from bot.engine.matcher import Match, MatchResult
from bot.knowledge import Entry, KnowledgeBase

OWN_SENTENCE = 0.9
"""A text match this close to a long pattern is the provider's own sentence: evidence enough."""
OWN_SENTENCE_WORDS = 7
SHOWN_TEXT_MIN = 0.7
"""A specific entry found by text is shown only when its words match at least this well."""
REPORTERS_OWN = frozenset({"expired", "networkerror", "failedstarttls", "mailererror"})
"""Reasons the sending server decides itself (it gave up, could not connect): the MTA that wrote
the report is the provider in question, not the server it tried to reach."""


def own_code(entry: Entry, status: str | None, kb: KnowledgeBase) -> bool:
    """The status is a code outside the IANA registry (no `code-x.*` entry) that this entry lists:
    only its provider sends it."""
    if status is None or status not in entry.codes:
        return False
    return kb.get(f"code-x.{status.split('.', 1)[1]}") is None


def provider_evidenced(match: Match, providers: frozenset[str], own_code: bool = False) -> bool:
    """May this entry (and the provider name in its title) be shown for this bounce?

    Yes when nothing names a provider, when the bounce carries one of its markers or host names,
    when the text is the provider's own long sentence, or when the status is a code only this
    provider uses (not in the IANA registry, listed by the entry).
    """
    entry = match.entry
    if not entry.providers or match.via == "marker" or own_code:
        return True
    if providers.intersection(entry.providers):
        return True
    return match.evidence >= OWN_SENTENCE and match.pattern_words >= OWN_SENTENCE_WORDS


def _course_first(ranked: MatchResult, temporary: bool | None) -> list[Match]:
    """The matches, those whose entry says the other course (a 4.7.26 deferral for a 5.7.26
    refusal, both quoting the same sentence) after the rest."""
    if temporary is None:
        return list(ranked.ranked)
    other = [m for m in ranked.ranked if m.entry.temporary is (not temporary)]
    return [m for m in ranked.ranked if m.entry.temporary is not (not temporary)] + other


CODE_SAYS_WHICH = frozenset({"securityerror"})
"""Reasons that gather unlike cases (a failed login, a sender not allowed to send, a bare 5.7.x):
the entry of a reply code that agrees with the reason (530, 534, 535 and 454 answer a login, RFC
4954) says which case it is, where the reason's own entry cannot. (Enhanced codes do not: providers
give 5.7.3 or 5.7.12 meanings of their own.)"""


def _reply_code_entry(reason: str, ranked: MatchResult, reply_code: str | None) -> Entry | None:
    """The reply code's own entry ("535": the login failed), found by the code and agreeing with
    the reason."""
    if reply_code is None:
        return None
    for match in ranked.ranked:
        entry = match.entry
        found_by_code = match.via == "code" and entry.fallback
        if found_by_code and entry.reason == reason and reply_code in entry.codes:
            return entry
    return None


WHILE_RETRYING_ENTRY = {"expired": "delay-notice-no-cause"}
"""The generic entry for a reason whose notice is still being retried, where the reason's own
("the sending server gave up") would say the opposite."""


def explanation_entry(
    reason: str,
    ranked: MatchResult,
    kb: KnowledgeBase,
    providers: frozenset[str],
    status: str | None = None,
    replying: frozenset[str] | None = None,
    temporary: bool | None = None,
    reply_code: str | None = None,
) -> Entry | None:
    """The entry whose explanation and steps are shown for this reason. `replying` are the
    providers the reply itself points to (its words, its host) when a remote server gave it: a
    provider that only wrote the report does not make its own entries apply (an Exim report
    quoting another server's "552 5.2.2 Mailbox full" is not about Exim's quota)."""
    repliers = providers if replying is None or reason in REPORTERS_OWN else replying
    for match in _course_first(ranked, temporary):
        entry = match.entry
        if entry.reason != reason or (entry.fallback and match.via == "code"):
            continue
        if match.via == "code":
            # Found by its code alone: an entry naming no provider that lists this very code,
            # or a provider's entry whose provider is evidenced.
            if not entry.providers and status is not None and status in entry.codes:
                return entry
            if entry.providers and (
                repliers.intersection(entry.providers) or own_code(entry, status, kb)
            ):
                return entry
            continue
        if match.evidence >= SHOWN_TEXT_MIN and provider_evidenced(
            match, repliers, own_code(entry, status, kb)
        ):
            return entry
    if reason in CODE_SAYS_WHICH:
        login = _reply_code_entry(reason, ranked, reply_code)
        if login is not None:
            return login
    generic = kb.get(f"reason-{reason}")
    if temporary and reason in WHILE_RETRYING_ENTRY:
        generic = kb.get(WHILE_RETRYING_ENTRY[reason]) or generic
    if generic is not None:
        return generic
    # A knowledge file without generic entries: the code's registry entry, if it agrees.
    for match in ranked.ranked:
        if match.entry.fallback and match.entry.reason == reason:
            return match.entry
    return None
