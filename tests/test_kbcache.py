"""The compiled knowledge cache: used when current, rebuilt when stale or broken, never wrong."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.kbcache import cache_file, load_cached
from bot.knowledge import KnowledgeBase, KnowledgeError, KnowledgeStore, load_knowledge
from tests.conftest import DATA


def same(first: KnowledgeBase, second: KnowledgeBase) -> bool:
    """Entries compare by identity, so compare what they hold."""
    return (
        [(repr(e), e.normalized_patterns) for e in first.entries]
        == [(repr(e), e.normalized_patterns) for e in second.entries]
        and first.lexicon == second.lexicon
        and first.source == second.source
    )


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    path = tmp_path / "knowledge.yaml"
    shutil.copy(DATA / "mini_knowledge.yaml", path)
    return path


def test_the_cache_holds_what_the_yaml_says(knowledge: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_cached(knowledge, cache)
    assert cache_file(cache, knowledge.resolve()).is_file()
    second = load_cached(knowledge, cache)
    assert second is not first  # read back from the cache, not parsed
    assert same(second, load_knowledge(knowledge.resolve()))
    assert same(second, first)


def test_an_edited_file_is_parsed_again(knowledge: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first_id = load_cached(knowledge, cache).entries[0].id
    stat = knowledge.stat()
    text = knowledge.read_text(encoding="utf-8")
    knowledge.write_text(text.replace(f"id: {first_id}", "id: renamed-entry", 1), encoding="utf-8")
    os.utime(knowledge, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    assert load_cached(knowledge, cache).entries[0].id == "renamed-entry"


def test_a_corrupt_cache_is_ignored_and_rewritten(knowledge: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = load_cached(knowledge, cache)
    target = cache_file(cache, knowledge.resolve())
    target.write_bytes(b"\x80\x05 not a pickle at all")
    assert same(load_cached(knowledge, cache), expected)
    assert target.read_bytes().startswith(b"\x80")
    assert same(load_cached(knowledge, cache), expected)  # and the rewritten one reads back


def test_an_unwritable_cache_dir_still_loads(knowledge: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    assert same(load_cached(knowledge, blocker / "cache"), load_knowledge(knowledge.resolve()))


def test_a_broken_file_is_refused_even_with_a_cache(knowledge: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_cached(knowledge, cache)
    knowledge.write_text("entries: [", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="invalid YAML"):
        load_cached(knowledge, cache)


def test_the_store_uses_the_cache_it_is_given(knowledge: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    store = KnowledgeStore(knowledge, cache_dir=cache)
    assert cache_file(cache, knowledge.resolve()).is_file()
    assert same(store.current, load_knowledge(knowledge.resolve()))


def test_a_one_shot_bounce_loads_nothing_it_does_not_need(tmp_path: Path) -> None:
    """Start-up stays small: with the knowledge cache warm, `bounce 5.7.1 --no-dns` imports no
    YAML parser, event loop, DNS library, metrics client, fuzzy matcher or chat SDK."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from bot.cli import main\n"
        "main(['bounce', '5.7.1', '--no-dns'])\n"
        "heavy = ('asyncio', 'dns', 'yaml', 'prometheus_client', 'rapidfuzz', 'slack_bolt',"
        " 'discord', 'aiohttp')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}))\n"
    )
    env = {**os.environ, "NDRBOT_CACHE_DIR": str(tmp_path)}
    env.pop("NDRBOT_KNOWLEDGE", None)
    root = Path(__file__).resolve().parent.parent
    for _ in range(2):  # the first run writes the cache, the second reads it
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
