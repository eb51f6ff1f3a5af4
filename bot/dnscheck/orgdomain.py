"""Organizational domains (RFC 7489 3.2) from the Public Suffix List bundled with `publicsuffixlist`."""

from __future__ import annotations

import functools

from publicsuffixlist import PublicSuffixList


@functools.cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def warm_up() -> None:
    """Load the list now (it reads a file), so it never happens on the event loop."""
    _psl()


def org_domain(domain: str) -> str:
    """The registrable domain ('mail.example.co.uk' -> 'example.co.uk'), or the name itself."""
    name = domain.lower().rstrip(".")
    return _psl().privatesuffix(name) or name
