"""Word cues: the reason a text's words lean to when no lexicon phrase is found whole."""

from __future__ import annotations

from bot.engine.cues import WordCues
from bot.engine.diagnose import analyze
from bot.engine.matcher import Matcher
from bot.engine.textnorm import normalize

# A small lexicon's worth of (reason, words) pairs, as phrases would give them.
PHRASES = [
    ("mailboxfull", "mailbox is full".split()),
    ("mailboxfull", "mailbox quota exceeded".split()),
    ("mailboxfull", "over quota".split()),
    ("mailboxfull", "storage quota full".split()),
    ("spamdetected", "phishing attempt".split()),
    ("spamdetected", "looks like phishing".split()),
    ("spamdetected", "spam detected".split()),
    ("speeding", "sending quota exceeded".split()),
]


def test_words_vote_for_the_reason_their_phrases_carry() -> None:
    cues = WordCues(PHRASES)
    cue = cues.vote(normalize("Suspected phishing attempt, message dropped"))
    assert cue is not None
    assert cue.reason == "spamdetected"
    assert cue.words == ("phishing", "attempt")
    assert cues.vote(normalize("phishing")) is None  # one word seen twice is not enough


def test_words_shared_by_reasons_do_not_decide() -> None:
    cues = WordCues(PHRASES)
    # "quota" and "exceeded" appear under mailboxfull and speeding alike.
    assert cues.vote(normalize("quota exceeded")) is None
    assert cues.vote(normalize("the weather is nice today")) is None


def test_a_clear_winner_needs_a_margin() -> None:
    cues = WordCues(PHRASES)
    assert cues.vote(normalize("storage full, phishing attempt")) is None
    assert cues.vote(normalize("storage full")).reason == "mailboxfull"  # type: ignore[union-attr]


def test_a_reply_in_words_no_phrase_holds_gets_an_unsure_reason(matcher: Matcher) -> None:
    """The shipped lexicon's words carry a reply nobody wrote down, marked unsure."""
    analysis = analyze("550 Recipient inbox storage exhausted", matcher, asked=True)
    top = analysis.diagnoses[0]
    assert top.reason == "mailboxfull"
    assert top.step == "hint"
    assert top.confidence < 0.5


def test_cues_read_the_servers_reply_not_a_whole_report(matcher: Matcher) -> None:
    """A report with no diagnostic is not judged by the words of its headers and preamble."""
    report = (
        b"From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail Returned to Sender\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n"
        b"Content-Type: text/plain\n\nRecipient inbox storage exhausted? Ask us about bigger "
        b"plans.\n\n--b\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; bob@example.net\n"
        b"Action: failed\nStatus: 5.0.0\n\n--b--\n"
    )
    assert (
        analyze("550 Recipient inbox storage exhausted", matcher, asked=True).diagnoses[0].reason
        == "mailboxfull"
    )  # the same words as a reply lean to a full mailbox
    assert analyze(report, matcher).diagnoses[0].reason != "mailboxfull"
