"""Organizational domains (RFC 7489 3.2) from the Public Suffix List bundled with `publicsuffixlist`.

The list takes ~45 ms to load (its ~10,000 rules are parsed): a one-shot command loads it when a
DMARC check first needs it, in a thread, while that check's first lookup is on its way; a service
loads it at start (`warm_up`). Either way it is never parsed on the event loop.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

_LIST: PublicSuffixList | None = None
_LOADING = threading.Lock()


def _psl() -> PublicSuffixList:
    global _LIST
    if _LIST is None:
        with _LOADING:  # threads that ask together wait for one load
            if _LIST is None:
                from publicsuffixlist import PublicSuffixList

                _LIST = PublicSuffixList()
    return _LIST


def warm_up() -> None:
    """Load the list now (for a service, at start)."""
    _psl()


def org_domain(domain: str) -> str:
    """The registrable domain ('mail.example.co.uk' -> 'example.co.uk'), or the name itself."""
    name = domain.lower().rstrip(".")
    return _psl().privatesuffix(name) or name


async def org_domain_off_loop(domain: str) -> str:
    """`org_domain`, the list loaded in a thread the first time (not on the event loop)."""
    if _LIST is None:
        import asyncio

        await asyncio.to_thread(_psl)
    return org_domain(domain)
