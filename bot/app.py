"""Composition root: Settings -> Deps (knowledge, DNS) -> Registry. Adapters start from here."""

from __future__ import annotations

from bot.config import Settings
from bot.intent import Deps
from bot.knowledge import KnowledgeStore
from bot.registry import Registry


def build_deps(settings: Settings, *, knowledge: KnowledgeStore | None = None) -> Deps:
    """Load knowledge (raises KnowledgeError) and set up the DNS checker when DNS is on."""
    store = knowledge or KnowledgeStore(settings.knowledge_path)
    dns = None
    if settings.dns_enabled:
        from bot.dnscheck import DnsChecker

        dns = DnsChecker(
            settings.nameservers, dnsbls=settings.dnsbls, deadline=settings.dns_deadline
        )
    return Deps(knowledge=store, settings=settings, dns=dns)


def build_registry() -> Registry:
    return Registry.default()
