"""Composition root: Settings -> Deps (knowledge, DNS) -> Registry. Adapters start from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.intent import Deps
from bot.knowledge import KnowledgeStore

if TYPE_CHECKING:
    from bot.registry import Registry


def build_deps(
    settings: Settings, *, knowledge: KnowledgeStore | None = None, service: bool = False
) -> Deps:
    """Load knowledge (raises KnowledgeError) and set up the DNS checker when DNS is on.

    `service`: a long-running bot, which loads now what a one-shot command loads when first
    needed (the public suffix list, dnspython's DNSSEC module), so that no answer waits for it.
    """
    store = knowledge or KnowledgeStore(settings.knowledge_path, cache_dir=settings.cache_dir)
    dns = None
    if settings.dns_enabled:
        from bot.dnscheck import DnsChecker

        shared = None
        if settings.redis_url:  # replicas share DNS answers too
            from bot.dnscheck.sharedcache import SharedDnsCache

            shared = SharedDnsCache(settings.redis_url)
        dns = DnsChecker(
            settings.nameservers,
            dnsbls=settings.dnsbls,
            deadline=settings.dns_deadline,
            shared_cache=shared,
        )
    if service:
        from bot.dnscheck import load_everything

        load_everything()
    from bot.store import RateLimiter, make_store  # here: one-shot commands start faster

    state = make_store(settings.redis_url or None)
    limiter = RateLimiter(state, per_user=settings.rate_user, per_channel=settings.rate_channel)
    return Deps(knowledge=store, settings=settings, dns=dns, store=state, limiter=limiter)


def build_registry() -> Registry:
    from bot.registry import Registry

    return Registry.default()
