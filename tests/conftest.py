"""Shared fixtures: knowledge stores (the real one and a small fixed one) and DNS-free Deps."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.explain import matcher_for
from bot.intent import Deps
from bot.knowledge import KnowledgeStore
from bot.matcher import Matcher

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def store() -> KnowledgeStore:
    """The shipped knowledge.yaml."""
    return KnowledgeStore(ROOT / "knowledge.yaml")


@pytest.fixture(scope="session")
def matcher(store: KnowledgeStore) -> Matcher:
    return matcher_for(store)


@pytest.fixture(scope="session")
def mini_store() -> KnowledgeStore:
    """A small fixed knowledge base, so engine tests do not move when content grows."""
    return KnowledgeStore(DATA / "mini_knowledge.yaml")


@pytest.fixture(scope="session")
def mini_matcher(mini_store: KnowledgeStore) -> Matcher:
    return matcher_for(mini_store)


@pytest.fixture
def deps(store: KnowledgeStore) -> Deps:
    return Deps(knowledge=store, settings=Settings(dns_enabled=False))


@pytest.fixture
def mini_deps(mini_store: KnowledgeStore) -> Deps:
    return Deps(knowledge=mini_store, settings=Settings(dns_enabled=False))
