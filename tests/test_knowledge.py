"""knowledge.yaml: schema validation with file/line/entry in every error, and safe reloads."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, KnowledgeStore, load_knowledge, parse_knowledge
from bot.reasons import REASONS

GOOD_ENTRY = """\
  - id: demo-entry
    title: Demo
    reason: userunknown
    codes: ["550", "5.1.1"]
    patterns: ["Recipient address rejected: no such user here"]
    explain: The mailbox does not exist.
    who_fixes: sender
    fix:
      sender: [Check the address.]
"""


def kb_text(*entries: str) -> str:
    return "version: 1\nentries:\n" + "".join(entries)


def entry_with(**changes: str) -> str:
    """GOOD_ENTRY with some lines replaced (key -> full new line, '' to delete)."""
    lines = GOOD_ENTRY.splitlines(keepends=True)
    out = []
    for line in lines:
        key = line.strip().lstrip("- ").split(":", 1)[0]
        if key in changes:
            if changes[key]:
                out.append(changes[key] + "\n")
            continue
        out.append(line)
    return "".join(out)


def error_of(text: str) -> str:
    with pytest.raises(KnowledgeError) as info:
        parse_knowledge(text, source="kb.yaml")
    return str(info.value)


def test_good_entry_loads() -> None:
    kb = parse_knowledge(kb_text(GOOD_ENTRY))
    entry = kb.get("demo-entry")
    assert entry is not None
    assert entry.codes == ("550", "5.1.1")
    assert entry.normalized_patterns == ("recipient address rejected no such user here",)
    assert entry.line == 3


def test_invalid_yaml_names_file_and_line() -> None:
    message = error_of("version: 1\nentries:\n  - id: [unclosed\n")
    assert message.startswith("kb.yaml:")
    assert "invalid YAML" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"reason": "    reason: lost-in-space"}, "unknown reason 'lost-in-space'"),
        ({"title": ""}, "missing field 'title'"),
        ({"who_fixes": "    who_fixes: the-intern"}, "who_fixes must be one of"),
        ({"codes": '    codes: ["5.1"]'}, "code '5.1' is neither"),
        ({"patterns": '    patterns: ["user {nobody}@x here"]'}, "unknown placeholder {nobody}"),
        ({"patterns": '    patterns: ["too short"]'}, "too short"),
        ({"codes": "    codes: {a: 1}"}, "field 'codes' must be a list"),
    ],
)
def test_bad_entries_name_file_line_and_entry(changes: dict[str, str], expected: str) -> None:
    message = error_of(kb_text(entry_with(**changes)))
    assert message.startswith("kb.yaml:3 (entry 'demo-entry'): ")
    assert expected in message


def test_a_misspelt_reason_says_where_the_taxonomy_is_and_the_closest_name() -> None:
    message = error_of(kb_text(entry_with(reason="    reason: usrunknown")))
    assert "bot/reasons.py" in message
    assert "did you mean 'userunknown'?" in message


def test_unknown_field_names_its_line() -> None:
    text = kb_text(GOOD_ENTRY + "    colour: blue\n")
    message = error_of(text)
    assert "unknown field 'colour' (line 12)" in message


def test_duplicate_id_points_at_both() -> None:
    message = error_of(
        kb_text(GOOD_ENTRY, GOOD_ENTRY.replace("no such user here", "another text here"))
    )
    assert message.startswith(
        "kb.yaml:12 (entry 'demo-entry'): duplicate id (first defined on line 3)"
    )


def test_same_pattern_in_two_entries_is_refused() -> None:
    second = GOOD_ENTRY.replace("demo-entry", "demo-two")
    assert "repeats one of entry 'demo-entry'" in error_of(kb_text(GOOD_ENTRY, second))


def test_entry_without_codes_markers_or_patterns() -> None:
    message = error_of(kb_text(entry_with(codes="", patterns="")))
    assert "at least one of codes, markers or patterns" in message


def test_links_must_be_urls() -> None:
    entry = GOOD_ENTRY + "    links:\n      - {title: Docs, url: 'javascript:alert(1)'}\n"
    assert "not an http(s) URL" in error_of(kb_text(entry))


def test_not_a_mapping_and_empty() -> None:
    assert "expected a mapping" in error_of("- just\n- a list\n")
    assert "has no entries" in error_of("entries: []\n")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="knowledge file not found"):
        load_knowledge(tmp_path / "nope.yaml")


def test_store_keeps_last_good_knowledge_on_a_broken_edit(tmp_path: Path) -> None:
    path = tmp_path / "knowledge.yaml"
    path.write_text(kb_text(GOOD_ENTRY))
    store = KnowledgeStore(path)
    first = store.current
    path.write_text("entries:\n  - id: [broken\n")
    os.utime(path, (1, 1))
    assert store.reload_if_changed() is False
    assert store.current is first
    assert store.last_error is not None and "invalid YAML" in store.last_error
    path.write_text(kb_text(GOOD_ENTRY.replace("demo-entry", "demo-renamed")))
    os.utime(path, (2, 2))
    assert store.reload_if_changed() is True
    assert store.current.get("demo-renamed") is not None
    assert store.last_error is None


def test_derived_values_follow_reloads(tmp_path: Path) -> None:
    path = tmp_path / "knowledge.yaml"
    path.write_text(kb_text(GOOD_ENTRY))
    store = KnowledgeStore(path)
    first = store.derived("count", len)
    assert store.derived("count", lambda kb: 99) == first == 1
    path.write_text(
        kb_text(GOOD_ENTRY, GOOD_ENTRY.replace("demo-entry", "two").replace("here", "there"))
    )
    store.reload()
    assert store.derived("count", len) == 2


def test_shipped_knowledge_is_valid_and_uses_known_reasons(store: KnowledgeStore) -> None:
    kb = store.current
    assert len(kb) > 50
    assert {e.reason for e in kb.entries} <= set(REASONS)


def test_error_message_is_one_line() -> None:
    message = error_of(
        textwrap.dedent("""\
        version: 1
        entries:
          - id: x
            title: "unterminated
        """)
    )
    assert "\n" not in message


def test_hot_reload_through_the_pipeline(tmp_path: Path) -> None:
    from bot.engine.diagnose import analyze
    from bot.explain import matcher_for

    path = tmp_path / "knowledge.yaml"
    path.write_text(kb_text(GOOD_ENTRY))
    store = KnowledgeStore(path)
    text = "550 5.1.1 Recipient address rejected: no such user here"
    assert analyze(text, matcher_for(store)).diagnoses[0].id == "demo-entry"
    path.write_text(kb_text(GOOD_ENTRY.replace("demo-entry", "demo-edited")))
    os.utime(path, (5, 5))
    store._checked = 0.0  # as if the refresh interval had passed
    assert analyze(text, matcher_for(store)).diagnoses[0].id == "demo-edited"
    path.write_text("entries: [broken\n")
    os.utime(path, (6, 6))
    store._checked = 0.0
    assert analyze(text, matcher_for(store)).diagnoses[0].id == "demo-edited"
    assert store.last_error is not None and str(path) in store.last_error
