"""Running it for real: settings validation, `config check`, redacted logs, the metrics page."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.logsetup import JsonFormatter, RedactingFilter, mask_emails
from bot.metrics import Metrics

ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def away_from_any_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`config check` reads ./.env: run where a developer's own .env cannot leak in."""
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NDRBOT_NAMESERVERS": "1.2.3"}, "NDRBOT_NAMESERVERS"),
        ({"NDRBOT_DNSBLS": "not a zone"}, "not a DNS zone name"),
        ({"NDRBOT_LOG_FORMAT": "xml"}, "use text or json"),
        ({"NDRBOT_DNS": "maybe"}, "not a yes/no value"),
        ({"NDRBOT_DNS_DEADLINE": "soon"}, "not a number of seconds"),
        ({"NDRBOT_RATE_USER": "0/60"}, "must be positive"),
        ({"REDIS_URL": "127.0.0.1:6379"}, "use redis://"),
    ],
)
def test_bad_settings_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_good_settings() -> None:
    settings = load_settings(
        {
            "NDRBOT_NAMESERVERS": "127.0.0.1:5353, [::1]:53",
            "NDRBOT_DNSBLS": "zen.spamhaus.org,bl.spamcop.net.",
            "NDRBOT_RATE_USER": "5/30",
            "SLACK_BOT_TOKEN": "xoxb-token-value",
            "REDIS_URL": "redis://:pw-secret-1@127.0.0.1:6379/0",
        }
    )
    assert settings.nameservers == ("127.0.0.1:5353", "[::1]:53")
    assert settings.dnsbls == ("zen.spamhaus.org", "bl.spamcop.net")
    assert settings.rate_user == (5, 30.0)
    assert "xoxb-token-value" in settings.secrets and "pw-secret-1" in settings.secrets


def test_config_check_masks_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-111-222-very-secret")
    monkeypatch.setenv("REDIS_URL", "redis://:hunter22@127.0.0.1:6379/0")
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "very-secret" not in out and "hunter22" not in out
    assert "slack_bot_token" in out and "entries" in out


def test_config_check_fails_fast(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NDRBOT_LOG_FORMAT", "yaml")
    assert main(["config", "check"]) == 2
    assert "NDRBOT_LOG_FORMAT" in capsys.readouterr().err


def test_logs_mask_addresses_and_secrets() -> None:
    assert (
        mask_emails("to bob.smith@example.net and a@b.example.org")
        == "to b***@example.net and a***@b.example.org"
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(["xoxb-very-secret-token"]))
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("ndrbot.test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning(
        "reply to %s failed with token %s", "carol@example.org", "xoxb-very-secret-token"
    )
    record = json.loads(stream.getvalue())
    assert record["level"] == "warning"
    assert record["msg"] == "reply to c***@example.org failed with token ***"


def test_metrics_exposition() -> None:
    metrics = Metrics()
    metrics.describe("ndrbot_diagnoses_total", "counter", "Diagnoses given")
    metrics.inc("ndrbot_diagnoses_total", reason="userunknown")
    metrics.inc("ndrbot_diagnoses_total", reason="userunknown")
    metrics.observe("ndrbot_dns_seconds", 0.03)
    metrics.observe("ndrbot_dns_seconds", 7.0)
    page = metrics.render()
    assert "# TYPE ndrbot_diagnoses_total counter" in page
    assert 'ndrbot_diagnoses_total{reason="userunknown"} 2' in page
    assert 'ndrbot_dns_seconds_bucket{le="0.05"} 1' in page
    assert 'ndrbot_dns_seconds_bucket{le="+Inf"} 2' in page
    assert "ndrbot_dns_seconds_count 2" in page
    assert metrics.value("ndrbot_diagnoses_total", reason="userunknown") == 2


def test_the_metrics_page_carries_the_standard_process_metrics() -> None:
    page = Metrics().render()
    for name in ("process_resident_memory_bytes", "process_cpu_seconds_total", "python_gc"):
        assert name in page


def test_one_shot_commands_count_nothing() -> None:
    quiet = Metrics(enabled=False)
    quiet.inc("ndrbot_requests_total", platform="console", intent="bounce")
    assert quiet.value("ndrbot_requests_total", platform="console", intent="bounce") == 0
    quiet.enable()
    quiet.inc("ndrbot_requests_total", platform="console", intent="bounce")
    assert quiet.value("ndrbot_requests_total", platform="console", intent="bounce") == 1


def test_health_side_server_answers_healthz_and_metrics() -> None:
    import urllib.error
    import urllib.request

    from bot.adapters.health import start_health_server
    from bot.metrics import METRICS

    METRICS.inc("ndrbot_diagnoses_total", reason="userunknown")
    server = start_health_server("127.0.0.1", 0, lambda: {"ok": True, "platform": "discord"})
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
            assert response.status == 200 and json.loads(response.read())["platform"] == "discord"
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
            assert "# TYPE ndrbot_diagnoses_total counter" in response.read().decode()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/other", timeout=5)
        assert missing.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_unhealthy_probe_gives_503() -> None:
    from bot.adapters.health import health_response

    status, _, body = health_response("/healthz", lambda: {"ok": False, "why": "knowledge"})  # type: ignore[misc]
    assert status == 503 and b"knowledge" in body


def test_config_check_reads_the_env_file_and_names_every_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After `cp .env.example .env`, the file is what gets checked, as compose would read it."""
    monkeypatch.chdir(tmp_path)
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    (tmp_path / ".env").write_text(
        example
        + "NDRBOT_RATE_USER=banana\n"
        + 'SLACK_BOT_TOKEN="xoxp-1-2-3"\n'
        + "SLACK_APP_TOKEN=xoxb-4-5-6\n"
        + "NDRBOT_DISCORD_CHANNELS=#general\n",
        encoding="utf-8",
    )
    assert main(["config", "check"]) == 2
    problems = capsys.readouterr().err.splitlines()
    assert len(problems) == 4
    assert any("NDRBOT_RATE_USER" in line for line in problems)
    assert any("SLACK_BOT_TOKEN" in line and "user token" in line for line in problems)
    assert any("SLACK_APP_TOKEN" in line and "xapp-" in line for line in problems)
    assert any("'#general' is not a channel id" in line for line in problems)


def test_config_check_passes_the_example_and_reads_a_named_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = tmp_path / "prod.env"
    settings.write_text(
        (ROOT / ".env.example").read_text(encoding="utf-8")
        + "NDRBOT_RATE_USER=5/30\nDISCORD_TOKEN=MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz012\n",
        encoding="utf-8",
    )
    assert main(["config", "check", "--env-file", str(settings)]) == 0
    out = capsys.readouterr().out
    assert "prod.env" in out and "(5, 30.0)" in out
    assert "abcdefghijklmnopqrstuvwxyz" not in out  # the token is masked


def test_a_broken_env_file_line_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "broken.env"
    settings.write_text("NDRBOT_DNS=on\nthis is not a setting\n", encoding="utf-8")
    assert main(["config", "check", "--env-file", str(settings)]) == 2
    err = capsys.readouterr().err
    assert "broken.env:2" in err and err.count("\n") == 1
