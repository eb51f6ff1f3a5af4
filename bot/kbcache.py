"""A compiled copy of knowledge.yaml in the user's cache directory, so start-up skips YAML.

`knowledge.yaml` stays the source of truth. The cache holds the validated KnowledgeBase and the
indexes built from it (the matcher's, and after them the reason classifier's, read only when a
text is classified), keyed by the file's absolute path, size and modification time, the ndrbot
and Python versions, and the size and modification time of the modules that build what it holds;
any change of those, or a cache that cannot be read, means the file is parsed again and the cache
rewritten. Nothing here ever fails a load: a cache that cannot be written is simply not written.
"""

from __future__ import annotations

import binascii
import io
import os
import pickle
import sys
from typing import TYPE_CHECKING, Any, BinaryIO

from bot import __version__
from bot.cachefile import write_atomically
from bot.engine.matcher import STORE_KEY, Matcher
from bot.knowledge import KnowledgeBase, load_knowledge

if TYPE_CHECKING:
    from bot.engine.classify import ReasonClassifier

FORMAT = 4
"""Bumped when the cached objects change shape in a way the key does not capture."""
BUILDERS = (
    "knowledge.py",
    "engine/textnorm.py",
    "engine/lexicon.py",
    "engine/cues.py",
    "engine/classify.py",
    "engine/matcher.py",
    "model.py",
    "record.py",
)
"""The modules (below bot/) whose code builds what the cache holds: editing one makes it stale."""


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _key(path: str) -> tuple[object, ...] | None:
    stamp = _stamp(path)
    if stamp is None:
        return None
    here = os.path.dirname(__file__)
    code = tuple(_stamp(os.path.join(here, name)) for name in BUILDERS)
    return (FORMAT, __version__, sys.version_info[:2], path, *stamp, code)


def cache_file(cache_dir: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    name = os.fspath(path).encode("utf-8", "surrogatepass")
    digest = (
        f"{binascii.crc32(name):08x}{len(name):04x}"  # a name per file (the key inside decides)
    )
    return os.path.join(cache_dir, f"knowledge-{digest}.pickle")


def load_cached(
    path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None
) -> KnowledgeBase:
    """The knowledge base of `path`: from the cache when it is current, else parsed (and cached).

    Raises KnowledgeError as `load_knowledge` does when the file itself is broken.
    """
    return load_compiled(path, cache_dir)[0]


def load_compiled(
    path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None
) -> tuple[KnowledgeBase, dict[str, Any]]:
    """`load_cached`, and the values derived from the knowledge base that came with it, by the
    names `KnowledgeStore.derived` knows them by (none without a cache directory)."""
    resolved = os.path.realpath(path)
    key = _key(resolved)
    if cache_dir is None or key is None:
        return load_knowledge(resolved), {}
    target = cache_file(cache_dir, resolved)
    cached = _read(target, key)
    if cached is not None:
        return cached
    kb = load_knowledge(resolved)
    matcher = Matcher(kb)
    if _key(resolved) == key:  # not edited while it was parsed
        _write(target, key, kb, matcher)
    return kb, {STORE_KEY: matcher}


def _read(target: str, key: tuple[object, ...]) -> tuple[KnowledgeBase, dict[str, Any]] | None:
    try:
        # In memory, not an open file: a forked worker must not move the parent's file offset.
        with open(target, "rb") as stored:
            reader = pickle.Unpickler(io.BytesIO(stored.read()))
        stored_key, kb, matcher = reader.load()
    except Exception:  # missing, truncated, from another version: parse the YAML instead
        return None
    if stored_key != key or not isinstance(kb, KnowledgeBase) or not isinstance(matcher, Matcher):
        return None
    matcher.classifier_from(lambda: _classifier(reader, kb))
    return kb, {STORE_KEY: matcher}


def _write(target: str, key: tuple[object, ...], kb: KnowledgeBase, matcher: Matcher) -> None:
    def dump(out: BinaryIO) -> None:
        # Two pickles from one pickler: the classifier's refers to the knowledge base, its
        # entries and phrases already written, and reading it back shares them.
        pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dump((key, kb, matcher))
        pickler.dump(matcher.classifier)

    write_atomically(target, dump)


def _classifier(reader: pickle.Unpickler, kb: KnowledgeBase) -> ReasonClassifier:
    """The cached classifier, read on first use (by the unpickler that read the knowledge base:
    it knows the objects the classifier shares); built again should it not read back."""
    from bot.engine.classify import ReasonClassifier

    try:
        classifier = reader.load()
    except Exception:
        return ReasonClassifier(kb)
    return classifier if isinstance(classifier, ReasonClassifier) else ReasonClassifier(kb)
