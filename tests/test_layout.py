"""The code's layout rule: only bot/adapters/ talks to chat platforms' SDKs."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDKS = ("slack_bolt", "slack_sdk", "discord", "microsoft_teams", "fastapi", "uvicorn")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_adapters_import_platform_sdks() -> None:
    offenders = []
    for folder in ("bot", "intents"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "adapters" in path.relative_to(ROOT).parts:
                continue
            found = imported_modules(path) & set(SDKS)
            if found:
                offenders.append(f"{path.relative_to(ROOT)}: {sorted(found)}")
    assert offenders == []
    adapters = {m for p in (ROOT / "bot" / "adapters").glob("*.py") for m in imported_modules(p)}
    assert {"slack_bolt", "discord", "microsoft_teams"} <= adapters  # the rule checks something
