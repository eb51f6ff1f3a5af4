"""A compiled copy of knowledge.yaml in the user's cache directory, so start-up skips YAML.

`knowledge.yaml` stays the source of truth. The cache holds the validated KnowledgeBase, keyed by
the file's absolute path, size, modification time and the ndrbot and Python versions; any change
of those, or a cache that cannot be read, means the file is parsed again and the cache rewritten.
Nothing here ever fails a load: a cache that cannot be written is simply not written.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import zlib
from pathlib import Path

from bot import __version__
from bot.knowledge import KnowledgeBase, load_knowledge

FORMAT = 2
"""Bumped when the cached objects change shape in a way the version does not capture."""


def _key(path: Path) -> tuple[object, ...] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (FORMAT, __version__, sys.version_info[:2], str(path), stat.st_size, stat.st_mtime_ns)


def cache_file(cache_dir: Path, path: Path) -> Path:
    name = str(path).encode("utf-8", "surrogatepass")
    digest = f"{zlib.crc32(name):08x}{len(name):04x}"  # a name per file (the key inside decides)
    return cache_dir / f"knowledge-{digest}.pickle"


def load_cached(path: Path, cache_dir: Path | None) -> KnowledgeBase:
    """The knowledge base of `path`: from the cache when it is current, else parsed (and cached).

    Raises KnowledgeError as `load_knowledge` does when the file itself is broken.
    """
    path = path.resolve()
    key = _key(path)
    if cache_dir is None or key is None:
        return load_knowledge(path)
    target = cache_file(cache_dir, path)
    cached = _read(target, key)
    if cached is not None:
        return cached
    kb = load_knowledge(path)
    if _key(path) == key:  # not edited while it was parsed
        _write(target, key, kb)
    return kb


def _read(target: Path, key: tuple[object, ...]) -> KnowledgeBase | None:
    try:
        with target.open("rb") as handle:
            stored_key, kb = pickle.load(handle)
    except Exception:  # missing, truncated, from another version: parse the YAML instead
        return None
    if stored_key != key or not isinstance(kb, KnowledgeBase):
        return None
    return kb


def _write(target: Path, key: tuple[object, ...], kb: KnowledgeBase) -> None:
    import tempfile  # only when the cache is (re)written

    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".knowledge-", suffix=".tmp")
    except OSError:
        return  # a read-only home, a full disk: run without a cache
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump((key, kb), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, target)  # atomic: a reader sees the old cache or the new, never half
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
