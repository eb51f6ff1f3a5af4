"""Property tests: whatever is pasted or uploaded, nothing raises and every answer is well-formed."""

from __future__ import annotations

import asyncio
import contextlib
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.dnscheck.target import validate_target
from bot.engine.detect import looks_like_bounce
from bot.engine.diagnose import analyze
from bot.engine.matcher import Matcher
from bot.engine.parse import parse
from bot.explain import explain
from bot.intent import Deps
from bot.reasons import REASONS

# Generous per-example deadline: a guard against runaway work, not a speed test (see bench/).
BOUNDED = settings(
    max_examples=150, deadline=3000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

PIECES = [
    "550 5.1.1 ",
    "550-5.7.26 ",
    "421 4.7.28 ",
    "<bob@example.net>: ",
    "Final-Recipient: rfc822; a@example.org\n",
    "Status: 5.2.2\n",
    "Action: failed\n",
    "Diagnostic-Code: smtp; ",
    'Content-Type: multipart/report; boundary="b"\n',
    "--b\n",
    "Content-Transfer-Encoding: base64\n",
    "=?utf-8?B?w6k=?=",
    "> ",
    "\r",
    "\n",
    "\u200b",
    "\u202e",
    "\ufeff",
    "ｍａｉｌ",
    "é",
    "宛先",
    "host mx.example.net[198.51.100.4] said: ",
    "to=<x@example.net>, status=bounced (",
    " ** a@example.com ",
    "@",
    "<",
    "(#5.1.1)",
    "RESOLVER.ADR.RecipNotFound",
]
bounce_like = st.lists(st.sampled_from(PIECES) | st.text(max_size=40), max_size=60).map("".join)


def nested_mime(depth: int, recipients: int) -> bytes:
    parts = ["Content-Type: text/plain\n\nleaf\n"]
    for level in range(depth):
        boundary = f"b{level}"
        parts = [
            f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'
            + "".join(f"--{boundary}\n{part}\n" for part in parts * 2)
            + f"--{boundary}--\n"
        ]
    dsn = "".join(
        f"Final-Recipient: rfc822; user{n}@example.net\nAction: failed\nStatus: 5.1.1\n\n"
        for n in range(recipients)
    )
    return (
        'Content-Type: multipart/report; report-type=delivery-status; boundary="top"\n\n'
        f"--top\n{parts[0]}\n--top\nContent-Type: message/delivery-status\n\n{dsn}--top--\n"
    ).encode()


@BOUNDED
@given(st.binary(max_size=5000))
def test_any_bytes_parse(data: bytes) -> None:
    parse(data)


@BOUNDED
@given(bounce_like)
def test_bounce_like_text_gives_a_well_formed_analysis(matcher: Matcher, text: str) -> None:
    analysis = analyze(text, matcher)
    for diagnosis in analysis.diagnoses:
        assert diagnosis.reason in REASONS
        assert 0.0 <= diagnosis.confidence <= 1.0
    assert isinstance(analysis.to_json()["is_bounce"], bool)


@BOUNDED
@given(st.text(max_size=3000))
def test_detector_answers_a_bool(matcher: Matcher, text: str) -> None:
    assert looks_like_bounce(text, matcher) in (True, False)


@BOUNDED
@given(bounce_like)
def test_the_whole_pipeline_never_raises(deps: Deps, text: str) -> None:
    reply = asyncio.run(explain(text, deps))
    assert reply.title


@settings(
    max_examples=25, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 12), st.integers(0, 3000))
def test_deep_mime_and_many_recipients_are_capped(
    matcher: Matcher, depth: int, recipients: int
) -> None:
    analysis = analyze(nested_mime(depth, recipients), matcher)
    assert len(analysis.diagnoses) <= 100
    if recipients > 100:  # either the recipients were capped, or the parts before them were
        assert any("recipients" in note or "MIME parts" in note for note in analysis.notes)


@pytest.mark.parametrize(
    "text",
    [
        "a" * 1_000_000,
        "@" * 200_000,
        "to=<a@b>status=x(" * 5000,
        " ** a@b " * 20_000,
        "550-5.7.1 " * 50_000,
        ("<" * 1000 + "|") * 100,
        "x\n" * 500_000,
        "> " * 300_000,
        "a@" * 100_000,
        "1." * 100_000,
    ],
    ids=[
        "letters",
        "ats",
        "postfix-logs",
        "exim-logs",
        "continuations",
        "slack-links",
        "lines",
        "quotes",
        "addresses",
        "dots",
    ],
)
def test_adversarial_pastes_finish(matcher: Matcher, text: str) -> None:
    analyze(text, matcher)
    looks_like_bounce(text, matcher)


@BOUNDED
@given(st.text(max_size=300))
def test_checkmx_input_is_accepted_or_refused_cleanly(text: str) -> None:
    try:
        target = validate_target(text)
    except ValueError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert target.value


@settings(max_examples=60, deadline=5000)
@given(
    st.lists(
        st.sampled_from(
            [
                "bounce",
                "explain",
                "--json",
                "--no-dns",
                "-",
                "5.7.1",
                "x",
                "--nameserver",
                "",
                "\x00",
                "--bogus",
            ]
        ),
        max_size=6,
    )
)
def test_command_line_never_shows_a_traceback(args: list[str]) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(b"550 5.1.1 user unknown"))
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        import sys

        saved, sys.stdin = sys.stdin, stdin
        try:
            code = main(
                ["bounce", *args]
                if args and args[0] not in ("bounce", "explain")
                else args or ["bounce", "x"]
            )
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
        finally:
            sys.stdin = saved
    assert code in (0, 2)
    assert "Traceback" not in stderr.getvalue()
