"""A non-editable install works on its own: the wheel carries the knowledge base."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_wheel_ships_the_knowledge_base_and_runs_from_it(tmp_path: Path) -> None:
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(tmp_path.glob("ndrbot-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "bot/data/knowledge.yaml" in names
        assert "bot/data/teams-manifest.json" in names
        assert "intents/bounce.py" in names
        assert not any(name.startswith("tests/") for name in names)
        archive.extractall(site)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NDRBOT_")}
    env["PYTHONPATH"] = str(site)
    probe = "import bot, bot.knowledge as k; print(bot.__file__); print(k.default_path())"
    where = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    module_file, knowledge_path = where.stdout.split()
    assert module_file.startswith(str(site))
    assert knowledge_path == str(site / "bot" / "data" / "knowledge.yaml")
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "bounce", "5.7.129", "--json", "--no-dns"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["diagnoses"][0]["id"] == "exchange-5.7.129"
