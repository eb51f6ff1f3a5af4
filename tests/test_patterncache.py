"""Patterns compiled from the programs kept between runs answer as `re.compile`'s do, and no
damaged, foreign or unwritable cache ever fails a run."""

from __future__ import annotations

import marshal
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bot.engine.diagnose  # imports every parsing module: their patterns are made
import bot.patterncache
from bot.engine import folded, lazyre
from bot.engine.lazyre import source_and_flags
from bot.patterncache import PatternCodes, cache_path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "realcorpus"


def _project_patterns() -> list[tuple[str | bytes, int]]:
    """Every lazy pattern's source and flags, and every case-folded one's lower-case twin."""
    found = {source_and_flags(p) for p in lazyre._MADE}  # type: ignore[arg-type]
    for twin in folded._MADE:
        if twin.lowerable:
            lower = folded._lower_pattern(twin._source)
            found.add((lower, twin._flags & ~re.IGNORECASE))
    return sorted(found, key=repr)


def _texts() -> list[str]:
    files = sorted(p for p in CORPUS.glob("*/*") if p.suffix in (".eml", ".txt"))[::25]
    return [p.read_bytes().decode("utf-8", "replace") for p in files]


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[object, ...]]]:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


def test_a_pattern_from_the_cache_is_the_pattern_compiled(tmp_path: Path) -> None:
    patterns = _project_patterns()
    assert len(patterns) > 150
    first = PatternCodes(cache_path(tmp_path))
    for source, flags in patterns:
        first.compile(source, flags)
    first.save()
    again = PatternCodes(cache_path(tmp_path))
    texts = _texts()
    for source, flags in patterns:
        cached, fresh = again.compile(source, flags), re.compile(source, flags)
        assert (cached.pattern, cached.flags, cached.groups, cached.groupindex) == (
            fresh.pattern,
            fresh.flags,
            fresh.groups,
            fresh.groupindex,
        )
        if isinstance(source, str):
            for text in texts:
                assert _found(cached, text) == _found(fresh, text), source
    assert again.used == set(again.stored) and len(again.used) == len(patterns)
    assert not again.added  # every one from the file: nothing compiled afresh


def test_a_damaged_or_foreign_cache_is_ignored_and_rewritten(tmp_path: Path) -> None:
    path = Path(cache_path(tmp_path))
    for content in (b"\x00garbage", marshal.dumps(((0, "another python"), {}))):
        path.write_bytes(content)
        codes = PatternCodes(path)
        assert codes.stored == {}
        assert codes.compile(r"5\.1\.(\d)").search("550 5.1.1").group(1) == "1"
        codes.save()
        assert (r"5\.1\.(\d)", 0) in PatternCodes(path).stored


def test_a_program_the_engine_refuses_is_compiled_afresh(tmp_path: Path) -> None:
    path = Path(cache_path(tmp_path))
    codes = PatternCodes(path)
    codes.compile(r"user (unknown)", re.IGNORECASE)
    codes.save()
    key, entries = marshal.loads(path.read_bytes())
    flags, _, *rest = entries[(r"user (unknown)", re.IGNORECASE)]
    entries[(r"user (unknown)", re.IGNORECASE)] = (flags, [12345, 0, 1], *rest)
    path.write_bytes(marshal.dumps((key, entries)))
    damaged = PatternCodes(path)
    assert damaged.compile(r"user (unknown)", re.IGNORECASE).search("USER Unknown") is not None
    damaged.save()
    assert PatternCodes(path).stored[(r"user (unknown)", re.IGNORECASE)][1] != [12345, 0, 1]


def test_an_invalid_pattern_raises_as_re_compile_does(tmp_path: Path) -> None:
    codes = PatternCodes(cache_path(tmp_path))
    with pytest.raises(re.error):
        codes.compile("(unclosed")
    assert not codes.added


def test_without_python_s_internals_patterns_compile_as_ever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def moved(source: object, flags: int) -> object:
        raise AttributeError("module 're._compiler' has no attribute '_code'")

    monkeypatch.setattr(bot.patterncache, "_program", moved)  # as if a Python moved them
    codes = PatternCodes(cache_path(tmp_path))
    assert codes.compile(rb"\n[ \t]*\n").search(b"a\n \nb") is not None
    codes.save()
    assert not codes.added and not Path(cache_path(tmp_path)).exists()


def test_an_unwritable_cache_directory_is_left_alone(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    codes = PatternCodes(cache_path(blocked))
    assert codes.compile("x+").match("xx") is not None
    codes.save()  # no error
    assert blocked.read_text() == "not a directory"


def test_past_the_limit_only_the_patterns_used_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = PatternCodes(cache_path(tmp_path))
    for n in range(5):
        old.compile(f"old{n}")
    old.save()
    monkeypatch.setattr(bot.patterncache, "MAX_ENTRIES", 4)
    now = PatternCodes(cache_path(tmp_path))
    now.compile("old0")
    now.compile("new")
    now.save()
    assert set(PatternCodes(cache_path(tmp_path)).stored) == {("old0", 0), ("new", 0)}


def _explain(env: dict[str, str], files: list[str]) -> bytes:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "explain", "--no-dns", *files],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
    ).stdout


def test_a_run_keeps_its_patterns_and_the_next_finds_them_all(tmp_path: Path) -> None:
    files = [str(p) for p in sorted(CORPUS.glob("*/*.eml"))[::40]]
    env = {**os.environ, "NDRBOT_CACHE_DIR": str(tmp_path)}
    cold = _explain(env, files)
    kept = Path(cache_path(tmp_path))
    written = kept.stat().st_mtime_ns
    assert len(PatternCodes(kept).stored) > 100
    warm = _explain(env, files)
    assert kept.stat().st_mtime_ns == written  # nothing new to add: every pattern came from it
    off = _explain({**env, "NDRBOT_CACHE_DIR": "off"}, files)
    assert cold == warm == off
