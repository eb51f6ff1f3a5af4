"""Shared fixtures: knowledge stores (the real one and a small fixed one) and DNS-free Deps."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.engine.matcher import Matcher
from bot.explain import matcher_for
from bot.intent import Deps
from bot.knowledge import KnowledgeStore

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True, scope="session")
def metrics_on() -> None:
    """Tests look at the counters a serving process keeps."""
    from bot.metrics import METRICS

    METRICS.enable()


@pytest.fixture(autouse=True, scope="session")
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Commands run by tests keep their knowledge cache here, never in the user's home."""
    folder = tmp_path_factory.mktemp("cache")
    before = os.environ.get("NDRBOT_CACHE_DIR")
    os.environ["NDRBOT_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("NDRBOT_CACHE_DIR", None)
    else:
        os.environ["NDRBOT_CACHE_DIR"] = before


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


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a free loopback port, for the shared-store tests."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "redis-server is not installed, so the Redis-backed store is not tested here "
            "(.ci/run installs it; locally: apt-get install redis-server)"
        )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=5)
