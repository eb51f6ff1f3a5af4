"""The engine on a small fixed knowledge base: text, codes, both, markers, and unsure answers."""

from __future__ import annotations

from bot.engine.codes import is_bare_code
from bot.engine.diagnose import analyze
from bot.engine.matcher import TEXT_MIN, Matcher, detect_providers


def top(
    matcher: Matcher, text: str, status: str | None = None, reply: str | None = None
) -> str | None:
    best = matcher.match(text, status, reply).best
    return best.entry.id if best else None


def test_text_without_code(mini_matcher: Matcher) -> None:
    text = "The email account that you tried to reach does not exist. Please try double-checking"
    assert top(mini_matcher, text) == "gmail-nosuchuser"


def test_code_without_text_uses_the_generic_entry(mini_matcher: Matcher) -> None:
    result = mini_matcher.match("", "5.1.1", "550")
    assert result.best is not None and result.best.entry.id == "code-x.1.1"
    assert result.best.via == "code"


def test_provider_text_wins_over_a_bare_code(mini_matcher: Matcher) -> None:
    text = "Unauthenticated email from example.com is not accepted due to domain's DMARC policy."
    assert top(mini_matcher, text, "5.7.1", "550") == "gmail-unauthenticated"


def test_codes_that_lie_text_decides(mini_matcher: Matcher) -> None:
    # A full mailbox reported with 5.1.1: the text says what happened.
    text = "550 5.1.1 The email account that you tried to reach is over quota."
    assert top(mini_matcher, text, "5.1.1", "550") == "full-mailbox-as-5.1.1"


def test_marker_identifies_exchange_5_1_10(mini_matcher: Matcher) -> None:
    text = "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found'"
    result = mini_matcher.match(text, "5.1.10", "550")
    assert result.best is not None
    assert result.best.entry.id == "exo-recipient-not-found"
    assert result.best.entry.reason == "userunknown"  # not the RFC's null-MX meaning
    assert result.best.via == "marker"


def test_placeholders_match_any_domain_and_ip(mini_matcher: Matcher) -> None:
    text = (
        "554 5.7.1 Service unavailable; Client host [198.51.100.77] blocked using zen.spamhaus.org"
    )
    assert top(mini_matcher, text, "5.7.1", "554") == "spamhaus-zen"


def test_unknown_text_and_code_give_nothing(mini_matcher: Matcher) -> None:
    assert mini_matcher.match("the weather is lovely today in the office", None, None).best is None


def test_unsure_answers_list_the_closest(mini_matcher: Matcher) -> None:
    result = mini_matcher.match("", None, "550")
    assert result.best is not None
    assert result.best.entry.id == "reply-550"
    analysis = analyze("550", mini_matcher)
    assert analysis.diagnoses[0].id == "reply-550"


def test_matches_are_cached_and_stable(mini_matcher: Matcher) -> None:
    text = "The email account that you tried to reach does not exist."
    assert mini_matcher.match(text) is mini_matcher.match(text)


def test_detect_providers() -> None:
    assert detect_providers("... - gsmtp") == {"google"}
    assert "microsoft" in detect_providers("BN8PR12MB1234.namprd12.prod.outlook.com")
    assert detect_providers("hello") == frozenset()


def test_bare_codes() -> None:
    for code in ("5.7.1", "550", "550 5.7.1", "550-5.7.26", " 4.2.2 "):
        assert is_bare_code(code)
    for text in ("5.7.1 meeting", "hello", "", "5.7"):
        assert not is_bare_code(text)


def test_several_recipients_give_one_diagnosis_each(mini_matcher: Matcher) -> None:
    text = (
        "<bob@example.net>: host mx.example.net[198.51.100.4] said: 550 5.1.1 Recipient address "
        "rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)\n\n"
        "<carol@example.org>: host mx.example.org[198.51.100.5] said: 552 5.2.2 Mailbox full "
        "(in reply to RCPT TO command)\n"
    )
    analysis = analyze(text, mini_matcher)
    assert analysis.is_bounce
    got = {d.recipient: (d.id, d.reason) for d in analysis.diagnoses}
    assert got == {
        "bob@example.net": ("postfix-user-unknown-virtual", "userunknown"),
        "carol@example.org": ("code-x.2.2", "mailboxfull"),
    }


def test_temporary_follows_the_code_class_for_generic_entries(mini_matcher: Matcher) -> None:
    assert analyze("452 4.2.2", mini_matcher).diagnoses[0].temporary is True
    assert analyze("552 5.2.2", mini_matcher).diagnoses[0].temporary is False


def test_success_code_is_delivered(mini_matcher: Matcher) -> None:
    analysis = analyze("2.1.1", mini_matcher)
    assert not analysis.is_bounce
    assert analysis.diagnoses[0].reason == "delivered"


def test_a_delivery_report_says_whether_retrying_goes_on(matcher: Matcher) -> None:
    from tests.bounce_factory import Rcpt, make_dsn

    report = make_dsn(
        [
            Rcpt("a@example.net", "4.4.7", "451 4.3.0 Temporary lookup failure", action="failed"),
            Rcpt("b@example.net", "4.2.2", "452 4.2.2 Mailbox full", action="delayed"),
        ]
    )
    got = {
        d.recipient: (d.temporary, d.status, d.reason) for d in analyze(report, matcher).diagnoses
    }
    # The sending server gave up: its X.4.7 (delivery time expired) is kept over the last reply.
    assert got["a@example.net"] == (False, "4.4.7", "expired")
    assert got["b@example.net"][0] is True


def test_a_score_floor_leaves_out_exactly_the_candidates_below_it(matcher: Matcher) -> None:
    """Matching asks the fuzzy scorer to skip what cannot reach the text threshold: the same
    candidates with the same scores as scoring them all and dropping those below it."""
    texts = [text for entry in matcher.kb.entries for text in (*entry.examples, *entry.patterns)]
    texts += [text[: len(text) // 2] for text in texts]  # fragments score lower
    assert len(texts) > 500
    for floor in (TEXT_MIN, 0.5, 0.8):
        for text in texts:
            every = matcher._text_candidates(text)
            assert matcher._text_candidates(text, floor) == [c for c in every if c[1] >= floor]
