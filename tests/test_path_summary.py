"""The path a bounce shows of its returned message reads hosts and times as `ndrbot headers` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.headers.fields import received_values
from bot.headers.hops import hops_from
from bot.headers.path import path_summary

CORPUS = Path(__file__).parent / "data" / "realcorpus"


def header_blocks() -> list[str]:
    """The corpus files' text from their first Received field on (their own and returned ones)."""
    blocks = []
    for path in sorted(CORPUS.rglob("*.eml"))[:400]:
        text = path.read_bytes().decode("utf-8", "replace")
        at = text.find("\nReceived:")
        if at != -1:
            blocks.append(text[at + 1 :])
    return blocks


BLOCKS = header_blocks()


def test_the_corpus_has_paths_to_read() -> None:
    assert len(BLOCKS) > 100
    assert sum(1 for block in BLOCKS if len(path_summary(block)[0]) >= 2) > 50


@pytest.mark.parametrize("block", BLOCKS[:150], ids=range(len(BLOCKS[:150])))
def test_each_hop_has_the_hosts_and_times_the_headers_tool_reads(block: str) -> None:
    legs, _ = path_summary(block)
    received = received_values(block)
    if len(received) < 2:
        assert legs == []
        return
    hops = hops_from(received)
    assert [(leg.index, leg.from_host, leg.by_host, leg.time, leg.delay_s) for leg in legs] == [
        (hop.index, hop.from_host, hop.by_host, hop.time, hop.delay_s) for hop in hops
    ]


def test_a_long_wait_is_told() -> None:
    block = (
        "Received: from b.example.net by c.example.org; Mon, 1 Jan 2024 12:00:00 +0000\n"
        "Received: from a.example.com by b.example.net; Mon, 1 Jan 2024 10:00:00 +0000\n"
        "Received: from pc by a.example.com; Mon, 1 Jan 2024 09:59:00 +0000\n\n"
    )
    legs, wait = path_summary(block)
    assert [leg.by_host for leg in legs] == ["a.example.com", "b.example.net", "c.example.org"]
    assert wait == "It waited 2 h between b.example.net and c.example.org (hop 3)."
