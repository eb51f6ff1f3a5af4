"""Load and validate knowledge.yaml into a KnowledgeBase; errors name the file, line and entry.

Schema (one mapping `entries:`, each entry a mapping):

  id          required  lower-case slug, unique
  title       required  one line: what happened
  reason      required  a name from the reason taxonomy (bot.reasons.REASONS)
  explain     required  plain words: what it means
  who_fixes   required  sender | senders_admin | recipient | recipients_admin | either_admin | nobody
  fix         required  {audience: [steps]} (audiences as in who_fixes, minus nobody)
  codes       optional  reply codes ("550"), enhanced codes ("5.7.26"), class-free codes ("X.7.26")
  markers     optional  exact, case-insensitive tokens that identify the entry ("RESOLVER.ADR.RecipNotFound")
  patterns    optional  the server's text, with {domain} {ip} {email} {n} {text} placeholders
  examples    optional  whole bounce lines as servers emit them; each must be diagnosed as this entry
  providers   optional  who emits it (google, microsoft, postfix ...)
  languages   optional  ISO 639-1 codes of the patterns' languages (default [en])
  temporary   optional  true / false; omitted means "from the status code's class"
  checks      optional  DNS checks worth running (mx, spf, dmarc, dkim, ptr, dnsbl, mta-sts, ...)
  links       optional  [{title, url}]
  fallback    optional  true for a generic entry (a code's registry meaning, an MTA's wrapper
                        text): it answers only when nothing more specific matches

An entry needs at least one of codes, markers or patterns, except a reason's generic entry (id
`reason-<reason>`, fallback: true), which the engine picks by reason alone.

A second top-level key, `lexicon:`, lists the reason lexicon (see bot/engine/lexicon.py), groups of:

  reason      required  a failure reason of the taxonomy
  weight      required  0 < weight <= 1: how decisive a hit is (1.0 decisive ... 0.4 a hint)
  phrases     required  normalised words with `..` (a gap) and `word*` (a prefix)
  stage       optional  connect | helo | mail | rcpt | data: only counts at this SMTP stage
  languages   optional  ISO 639-1 codes (default [en])

A knowledge file without `lexicon:` has an empty lexicon: reasons then come from entries and codes.
"""

from __future__ import annotations

import _thread
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from bot.engine.lazyre import lazy
from bot.engine.lexicon import STAGES, Phrase, parse_phrase
from bot.engine.textnorm import CJK_RUN, normalize_pattern
from bot.model import Link
from bot.reasons import AUDIENCES, CHECK_NAMES, NOT_FAILURES, REASONS
from bot.record import Frozen, set_field

if TYPE_CHECKING:
    import yaml


def _loader_class() -> Any:
    """PyYAML's C loader (much faster), else its Python one. Imported only to parse the file:
    a start-up from the compiled cache (bot/kbcache.py) never loads yaml."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_ID = lazy(r"^[a-z0-9][a-z0-9._-]{1,79}$")
_CODE = lazy(r"^(?:[245X]\.\d{1,3}\.\d{1,3}|[2345]\d\d)$")
_LANG = lazy(r"^[a-z]{2}$")
_URL = lazy(r"^https?://[^\s/$.?#][^\s]*$")
_PLACEHOLDER = lazy(r"\{([^{}]*)\}")
_KNOWN_PLACEHOLDERS = {"domain", "ip", "email", "n", "text"}
MIN_PATTERN_CHARS = 12

_FIELDS = {
    "id": str,
    "title": str,
    "reason": str,
    "explain": str,
    "who_fixes": str,
    "fix": dict,
    "codes": list,
    "markers": list,
    "patterns": list,
    "examples": list,
    "providers": list,
    "languages": list,
    "temporary": bool,
    "checks": list,
    "links": list,
    "fallback": bool,
}
_REQUIRED = ("id", "title", "reason", "explain", "who_fixes", "fix")


class KnowledgeError(ValueError):
    """knowledge.yaml could not be used; the message names file, line and entry."""


class Entry(Frozen):
    """One knowledge entry. Compared by identity: ids are unique within a knowledge base."""

    id: str
    title: str
    reason: str
    explain: str
    who_fixes: str
    fix: tuple[tuple[str, tuple[str, ...]], ...]
    codes: tuple[str, ...]
    markers: tuple[str, ...]
    patterns: tuple[str, ...]
    examples: tuple[str, ...]
    providers: tuple[str, ...]
    languages: tuple[str, ...]
    temporary: bool | None
    checks: tuple[str, ...]
    links: tuple[Link, ...]
    fallback: bool
    line: int
    normalized_patterns: tuple[str, ...]

    __slots__ = (
        "checks",
        "codes",
        "examples",
        "explain",
        "fallback",
        "fix",
        "id",
        "languages",
        "line",
        "links",
        "markers",
        "normalized_patterns",
        "patterns",
        "providers",
        "reason",
        "temporary",
        "title",
        "who_fixes",
    )

    def __init__(
        self,
        id: str,
        title: str,
        reason: str,
        explain: str,
        who_fixes: str,
        fix: tuple[tuple[str, tuple[str, ...]], ...],
        codes: tuple[str, ...] = (),
        markers: tuple[str, ...] = (),
        patterns: tuple[str, ...] = (),
        examples: tuple[str, ...] = (),
        providers: tuple[str, ...] = (),
        languages: tuple[str, ...] = ("en",),
        temporary: bool | None = None,
        checks: tuple[str, ...] = (),
        links: tuple[Link, ...] = (),
        fallback: bool = False,
        line: int = 0,
        normalized_patterns: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "id", id)
        set_field(self, "title", title)
        set_field(self, "reason", reason)
        set_field(self, "explain", explain)
        set_field(self, "who_fixes", who_fixes)
        set_field(self, "fix", fix)
        set_field(self, "codes", codes)
        set_field(self, "markers", markers)
        set_field(self, "patterns", patterns)
        set_field(self, "examples", examples)
        set_field(self, "providers", providers)
        set_field(self, "languages", languages)
        set_field(self, "temporary", temporary)
        set_field(self, "checks", checks)
        set_field(self, "links", links)
        set_field(self, "fallback", fallback)
        set_field(self, "line", line)
        set_field(self, "normalized_patterns", normalized_patterns)

    _unshown = ("normalized_patterns",)  # derived from the patterns
    __eq__ = object.__eq__  # the same entry, not an equal one
    __hash__ = object.__hash__


class KnowledgeBase(Frozen):
    entries: tuple[Entry, ...]
    source: str
    lexicon: tuple[Phrase, ...]
    by_id: dict[str, Entry]

    _unshown = _uncompared = ("by_id",)  # an index of the entries
    __slots__ = ("by_id", "entries", "lexicon", "source")

    def __init__(
        self,
        entries: tuple[Entry, ...],
        source: str,
        lexicon: tuple[Phrase, ...] = (),
        by_id: dict[str, Entry] | None = None,
    ) -> None:
        set_field(self, "entries", entries)
        set_field(self, "source", source)
        set_field(self, "lexicon", lexicon)
        set_field(self, "by_id", {} if by_id is None else by_id)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)


def _fail(source: str, line: int, entry_id: str | None, message: str) -> KnowledgeError:
    where = f"{source}:{line}" if line else source
    who = f" (entry {entry_id!r})" if entry_id else ""
    return KnowledgeError(f"{where}{who}: {message}")


def _strings(value: list[Any], what: str) -> tuple[str, ...]:
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f"every item of {what!r} must be a non-empty string")
    return tuple(item.strip() for item in value)


def _field_lines(node: yaml.MappingNode) -> dict[str, int]:
    return {key.value: key.start_mark.line + 1 for key, _ in node.value if hasattr(key, "value")}


def _check_pattern(pattern: str) -> None:
    for name in _PLACEHOLDER.findall(pattern):
        if name not in _KNOWN_PLACEHOLDERS:
            raise ValueError(f"pattern {pattern!r} uses unknown placeholder {{{name}}}")
    # What is compared is the normalised text (numbers and punctuation gone), so measure that.
    # A CJK character carries about as much as a short word: count it three times.
    words = normalize_pattern(_PLACEHOLDER.sub(" ", pattern))
    cjk_chars = sum(len(run) for run in CJK_RUN.findall(words))  # textnorm's (slow to compile)
    if len(words) + 2 * cjk_chars < MIN_PATTERN_CHARS:
        raise ValueError(f"pattern {pattern!r} is too short to match reliably")


def _unknown_reason(reason: object) -> str:
    """Name the taxonomy's home and the closest real name ("usrunknown" -> "userunknown")."""
    import difflib

    close = difflib.get_close_matches(str(reason), list(REASONS), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown reason {reason!r} (the taxonomy is REASONS in bot/reasons.py){hint}"


def _build_entry(raw: dict[str, Any], lines: dict[str, int], line: int) -> Entry:
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (line {lines.get(unknown[0], line)})")
    missing = [name for name in _REQUIRED if name not in raw]
    if missing:
        raise ValueError(f"missing field {missing[0]!r}")
    for name, kind in _FIELDS.items():
        if name in raw and not isinstance(raw[name], kind):
            raise ValueError(
                f"field {name!r} must be a {kind.__name__} (line {lines.get(name, line)})"
            )
    for name in ("title", "explain"):
        if not raw[name].strip():
            raise ValueError(f"field {name!r} is empty")
    if not _ID.match(raw["id"]):
        raise ValueError("id must be a lower-case slug (a-z, 0-9, '.', '_', '-')")
    if raw["reason"] not in REASONS:
        raise ValueError(_unknown_reason(raw["reason"]))
    if raw["who_fixes"] not in AUDIENCES:
        raise ValueError(f"who_fixes must be one of {', '.join(AUDIENCES)}")
    fix: list[tuple[str, tuple[str, ...]]] = []
    for audience, steps in raw["fix"].items():
        if audience not in AUDIENCES or audience == "nobody":
            raise ValueError(f"fix has unknown audience {audience!r}")
        if not isinstance(steps, list) or not steps:
            raise ValueError(f"fix.{audience} must be a non-empty list of steps")
        fix.append((audience, _strings(steps, f"fix.{audience}")))
    codes = _strings(raw.get("codes", []), "codes")
    for code in codes:
        if not _CODE.match(code):
            raise ValueError(
                f"code {code!r} is neither a reply code (550) nor an enhanced code (5.7.1)"
            )
    patterns = _strings(raw.get("patterns", []), "patterns")
    for pattern in patterns:
        _check_pattern(pattern)
    markers = _strings(raw.get("markers", []), "markers")
    generic = raw["id"] == f"reason-{raw['reason']}" and raw.get("fallback") is True
    if not (codes or patterns or markers or generic):
        raise ValueError("an entry needs at least one of codes, markers or patterns")
    checks = _strings(raw.get("checks", []), "checks")
    for check in checks:
        if check not in CHECK_NAMES:
            raise ValueError(f"unknown check {check!r} (one of {', '.join(CHECK_NAMES)})")
    languages = _strings(raw.get("languages", ["en"]), "languages")
    for lang in languages:
        if not _LANG.match(lang):
            raise ValueError(f"language {lang!r} is not a two-letter code")
    links: list[Link] = []
    for item in raw.get("links", []):
        if not isinstance(item, dict) or set(item) != {"title", "url"}:
            raise ValueError("each link needs exactly a title and a url")
        if not _URL.match(str(item["url"])):
            raise ValueError(f"link {item['url']!r} is not an http(s) URL")
        links.append(Link(str(item["title"]), str(item["url"])))
    return Entry(
        id=raw["id"],
        title=raw["title"].strip(),
        reason=raw["reason"],
        explain=" ".join(raw["explain"].split()),
        who_fixes=raw["who_fixes"],
        fix=tuple(fix),
        codes=codes,
        markers=markers,
        patterns=patterns,
        examples=_strings(raw.get("examples", []), "examples"),
        providers=_strings(raw.get("providers", []), "providers"),
        languages=languages,
        temporary=raw.get("temporary"),
        checks=checks,
        links=tuple(links),
        fallback=bool(raw.get("fallback", False)),
        line=line,
        normalized_patterns=tuple(normalize_pattern(p) for p in patterns),
    )


def parse_knowledge(text: str, source: str = "knowledge.yaml") -> KnowledgeBase:
    """Parse and validate knowledge text. Raises KnowledgeError naming file, line and entry."""
    import yaml

    loader = _loader_class()(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _fail(source, line, None, f"invalid YAML: {problem}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise _fail(source, 1, None, "expected a mapping with a list under 'entries'")
    entries_node = next(v for k, v in root.value if k.value == "entries")
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    pattern_owner: dict[str, str] = {}
    for raw, node in zip(data["entries"], entries_node.value, strict=True):
        line = node.start_mark.line + 1
        entry_id = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(raw, dict) or not isinstance(node, yaml.MappingNode):
            raise _fail(source, line, None, "each entry must be a mapping")
        try:
            entry = _build_entry(raw, _field_lines(node), line)
        except ValueError as exc:
            raise _fail(
                source, line, entry_id if isinstance(entry_id, str) else None, str(exc)
            ) from None
        if entry.id in seen:
            raise _fail(
                source, line, entry.id, f"duplicate id (first defined on line {seen[entry.id]})"
            )
        seen[entry.id] = line
        for norm in entry.normalized_patterns:
            owner = pattern_owner.setdefault(norm, entry.id)
            if owner != entry.id:
                raise _fail(source, line, entry.id, f"a pattern repeats one of entry {owner!r}")
        entries.append(entry)
    if not entries:
        raise _fail(source, 1, None, "the knowledge base has no entries")
    lexicon: tuple[Phrase, ...] = ()
    if "lexicon" in data:
        lexicon_node = next(v for k, v in root.value if k.value == "lexicon")
        lexicon = _build_lexicon(data["lexicon"], lexicon_node, source)
    return KnowledgeBase(
        entries=tuple(entries),
        source=source,
        lexicon=lexicon,
        by_id={e.id: e for e in entries},
    )


_GROUP_FIELDS = {"reason", "weight", "phrases", "stage", "languages"}


def _build_lexicon(groups: Any, node: yaml.Node, source: str) -> tuple[Phrase, ...]:
    """Validate the `lexicon:` section; errors name the line and the group's reason."""
    import yaml

    if not isinstance(groups, list) or not isinstance(node, yaml.SequenceNode):
        raise _fail(source, node.start_mark.line + 1, None, "'lexicon' must be a list of groups")
    phrases: list[Phrase] = []
    seen: dict[tuple[str, ...], int] = {}
    for raw, group_node in zip(groups, node.value, strict=True):
        line = group_node.start_mark.line + 1
        where = f"{source}:{line}"
        if not isinstance(raw, dict):
            raise KnowledgeError(f"{where}: each lexicon group must be a mapping")
        unknown = sorted(set(raw) - _GROUP_FIELDS)
        missing = sorted({"reason", "weight", "phrases"} - set(raw))
        reason = raw.get("reason")
        label = f"{where} (lexicon group {reason!r})"
        if unknown or missing:
            what = f"unknown field {unknown[0]!r}" if unknown else f"missing field {missing[0]!r}"
            raise KnowledgeError(f"{label}: {what}")
        if reason not in REASONS:
            raise KnowledgeError(f"{label}: {_unknown_reason(reason)}")
        if reason in NOT_FAILURES:
            raise KnowledgeError(f"{label}: not a failure reason of the taxonomy")
        weight = raw["weight"]
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1:
            raise KnowledgeError(f"{label}: weight must be a number in (0, 1]")
        stage = raw.get("stage")
        if stage is not None and stage not in STAGES:
            raise KnowledgeError(f"{label}: stage must be one of {', '.join(STAGES)}")
        languages = raw.get("languages", ["en"])
        if not isinstance(languages, list) or not all(
            isinstance(lang, str) and _LANG.match(lang) for lang in languages
        ):
            raise KnowledgeError(f"{label}: languages must be a list of two-letter codes")
        # One value for the group's phrases, and words interned: the compiled cache stores
        # each once, and reads back faster.
        weight, languages = float(weight), tuple(languages)
        items = raw["phrases"]
        if not isinstance(items, list) or not items:
            raise KnowledgeError(f"{label}: phrases must be a non-empty list")
        for text in items:
            if not isinstance(text, str):
                raise KnowledgeError(f"{label}: every phrase must be a string")
            try:
                words = tuple(sys.intern(word) for word in parse_phrase(text))
            except ValueError as exc:
                raise KnowledgeError(f"{label}: {exc}") from None
            key = (*words, stage or "")
            if key in seen:
                raise KnowledgeError(
                    f"{label}: phrase {text!r} repeats the one of the group on line {seen[key]}"
                )
            seen[key] = line
            phrases.append(Phrase(reason, weight, words, stage, text, languages))
    return tuple(phrases)


def default_path() -> str:
    """knowledge.yaml beside the source tree when run from a checkout, else the packaged copy.
    (Paths are strings here: see bot/cachefile.py.)"""
    override = os.environ.get("NDRBOT_KNOWLEDGE")
    if override:
        return override
    checkout = os.path.join(
        os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "knowledge.yaml"
    )
    if os.path.isfile(checkout):
        return checkout
    from importlib import resources  # the installed package's copy (not a checkout)

    return str(resources.files("bot") / "data" / "knowledge.yaml")


def load_knowledge(path: str | os.PathLike[str] | None = None) -> KnowledgeBase:
    path = os.fspath(path) if path is not None else default_path()
    try:
        with open(path, encoding="utf-8") as source:
            text = source.read()
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: knowledge file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path}: cannot read knowledge file ({exc})") from None
    return parse_knowledge(text, source=str(path))


class KnowledgeStore:
    """The knowledge base in use. A broken edit keeps the last good one and records why."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        base: KnowledgeBase | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.path = os.fspath(path) if path is not None else default_path()
        self.cache_dir = os.fspath(cache_dir) if cache_dir is not None else None
        self._lock = _thread.allocate_lock()  # threading.Lock (whose module is ~1 ms to import)
        self._mtime = self._stat()
        self.last_error: str | None = None
        self._derived: dict[str, Any] = {}
        self._kb = base if base is not None else self._load()
        self._checked = time.monotonic()

    def _load(self) -> KnowledgeBase:
        if self.cache_dir is None:
            return load_knowledge(self.path)
        from bot.kbcache import load_compiled  # it imports this module

        kb, derived = load_compiled(self.path, self.cache_dir)
        self._derived.update((key, (kb, value)) for key, value in derived.items())
        return kb

    def _stat(self) -> float | None:
        try:
            return os.stat(self.path).st_mtime
        except OSError:
            return None

    @property
    def current(self) -> KnowledgeBase:
        return self._kb

    def derived(self, key: str, build: Any) -> Any:
        """A value computed from the current knowledge base (an index), rebuilt after a reload."""
        cached = self._derived.get(key)
        if cached is None or cached[0] is not self._kb:
            cached = (self._kb, build(self._kb))
            self._derived[key] = cached
        return cached[1]

    def reload(self) -> bool:
        """Load the file again. Returns True when the new knowledge is in use."""
        with self._lock:
            self._mtime = self._stat()
            try:
                kb = self._load()
            except KnowledgeError as exc:
                self.last_error = str(exc)
                _log_reload_failure(exc)
                return False
            self._kb = kb
            self.last_error = None
            return True

    def reload_if_changed(self) -> bool:
        """Reload when the file's modification time changed (cheap: one stat)."""
        if self._stat() == self._mtime:
            return False
        return self.reload()

    def refresh(self, min_interval: float = 2.0) -> None:
        """Hot reload for running bots: look at the file at most every `min_interval` seconds."""
        now = time.monotonic()
        if now - self._checked < min_interval:
            return
        self._checked = now
        self.reload_if_changed()


def _log_reload_failure(exc: KnowledgeError) -> None:
    import logging  # only here: explaining without DNS logs nothing else (see bot/clilog.py)

    from bot.clilog import before_logging

    before_logging()
    logging.getLogger(__name__).error(
        "knowledge reload failed, keeping the previous knowledge: %s", exc
    )
