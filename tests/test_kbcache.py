"""The compiled knowledge cache: used when current, rebuilt when stale or broken, never wrong."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import bot.kbcache
from bot.engine.matcher import STORE_KEY, Matcher
from bot.kbcache import cache_file, load_cached
from bot.knowledge import KnowledgeBase, KnowledgeError, KnowledgeStore, load_knowledge
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parent.parent


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
    assert Path(cache_file(cache, knowledge.resolve())).is_file()
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
    target = Path(cache_file(cache, knowledge.resolve()))
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
    assert Path(cache_file(cache, knowledge.resolve())).is_file()
    assert same(store.current, load_knowledge(knowledge.resolve()))


@pytest.fixture
def real_knowledge(tmp_path: Path) -> Path:
    """The shipped knowledge (it has a lexicon), copied: the cache is keyed by the path."""
    path = tmp_path / "real" / "knowledge.yaml"
    path.parent.mkdir()
    shutil.copy(ROOT / "knowledge.yaml", path)
    return path


TEXTS = [
    ("550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown", "5.1.1", "550"),
    ("552 5.2.2 Mailbox full: quota exceeded", "5.2.2", "552"),
    ("554 5.7.1 Client host [192.0.2.7] blocked using zen.spamhaus.org", "5.7.1", "554"),
    ("421 4.7.0 Try again later, closing connection", "4.7.0", "421"),
    ("Das Postfach ist voll", None, None),
    ("Message rejected as spam by Content Filtering", None, "550"),
]


def verdicts(matcher: Matcher) -> list[tuple[object, ...]]:
    out = []
    for text, status, reply in TEXTS:
        ranked = matcher.match(text, status, reply)
        verdict = matcher.classifier.classify(text, status, reply, ranked, reply=text)
        out.append(
            (
                [(m.entry.id, m.rank, m.via, m.evidence, m.pattern_words) for m in ranked.ranked],
                ranked.certain,
                verdict.reason,
                verdict.step,
                verdict.confidence,
                verdict.hit.phrase if verdict.hit else None,
            )
        )
    return out


def test_the_store_takes_the_indexes_from_the_cache(real_knowledge: Path, tmp_path: Path) -> None:
    """The matcher and the classifier come out of the cache, sharing the knowledge base's own
    entries and phrases, and decide exactly as freshly built ones."""
    cache = tmp_path / "cache"
    writer = KnowledgeStore(real_knowledge, cache_dir=cache)
    store = KnowledgeStore(real_knowledge, cache_dir=cache)
    kb = store.current
    assert kb is not writer.current  # read back from the cache, not parsed

    def build(_: KnowledgeBase) -> Matcher:
        raise AssertionError("the matcher was built again")

    matcher = store.derived(STORE_KEY, build)
    assert matcher.kb is kb
    assert {id(e) for e in matcher.entries_for_code("5.1.1")} <= {id(e) for e in kb.entries}
    classifier = matcher.classifier
    assert classifier.kb is kb
    assert all(a is b for a, b in zip(classifier.lexicon.phrases, kb.lexicon, strict=True))
    fresh = Matcher(load_knowledge(real_knowledge.resolve()))
    assert verdicts(matcher) == verdicts(fresh) == verdicts(writer.derived(STORE_KEY, build))


def test_editing_the_code_that_builds_the_indexes_makes_the_cache_stale(
    knowledge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = tmp_path / "builder.py"
    builder.write_text("# one\n", encoding="utf-8")
    monkeypatch.setattr(bot.kbcache, "BUILDERS", (str(builder),))
    parsed = []
    monkeypatch.setattr(
        bot.kbcache, "load_knowledge", lambda path: parsed.append(path) or load_knowledge(path)
    )
    cache = tmp_path / "cache"
    load_cached(knowledge, cache)
    load_cached(knowledge, cache)
    assert len(parsed) == 1
    builder.write_text("# one more\n", encoding="utf-8")
    load_cached(knowledge, cache)
    assert len(parsed) == 2


def test_a_classifier_that_does_not_read_back_is_built_again(
    real_knowledge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    expected = verdicts(KnowledgeStore(real_knowledge, cache_dir=cache).derived(STORE_KEY, Matcher))

    (written,) = cache.iterdir()
    written.write_bytes(written.read_bytes()[:-1000])  # the classifier's pickle, cut short

    def refuse(path: Path) -> object:
        raise AssertionError("the knowledge base itself reads back: no YAML to parse")

    monkeypatch.setattr(bot.kbcache, "load_knowledge", refuse)
    store = KnowledgeStore(real_knowledge, cache_dir=cache)
    assert verdicts(store.derived(STORE_KEY, Matcher)) == expected


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
