"""Organizational domains (RFC 7489 3.2) from the Public Suffix List bundled with `publicsuffixlist`.

The list takes ~45 ms to load (its ~10,000 rules are parsed): a one-shot command loads it when a
DMARC check first needs it (a run without one never does), a service at start (`warm_up`), so that
it never stalls a service's event loop. (Loaded in a thread instead, it made the one-shot slower:
each socket call of the event loop then waited for the loading thread to let go of the GIL.)
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList


@functools.cache
def _psl() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def warm_up() -> None:
    """Load the list now (for a service, at start)."""
    _psl()


def org_domain(domain: str) -> str:
    """The registrable domain ('mail.example.co.uk' -> 'example.co.uk'), or the name itself."""
    name = domain.lower().rstrip(".")
    return _psl().privatesuffix(name) or name
