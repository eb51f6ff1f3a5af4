"""Settings: the only place that reads the environment. Validated once, frozen, clear errors."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from bot.engine.lazyre import lazy
from bot.record import Frozen, set_field

_ZONE = lazy(
    r"^(?=.{1,253}$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$"
)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


class Settings(Frozen):
    nameservers: tuple[str, ...]
    dnsbls: tuple[str, ...] | None
    """None means the built-in default blocklists."""
    knowledge_path: str | None
    cache_dir: str | None
    """Where the compiled knowledge cache lives; None: no cache (always parse the YAML)."""
    deny_domains: tuple[str, ...]
    """Zones /checkmx refuses in chat (internal names), besides the built-in private ones."""
    dns_enabled: bool
    dns_deadline: float
    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str
    slack_api_url: str
    teams_client_id: str
    teams_client_secret: str
    teams_tenant_id: str
    teams_no_auth: bool
    """Tests only: accept unauthenticated requests (refused unless bound to a loopback address)."""
    discord_token: str
    discord_channels: tuple[str, ...]
    auto_reply: bool
    redis_url: str
    rate_user: tuple[int, float]
    """Requests a user may make per window (count, seconds)."""
    rate_channel: tuple[int, float]
    slack_http: bool
    """Serve Slack over HTTP (Events API) instead of Socket Mode."""
    http_host: str
    http_port: int
    drain_seconds: float
    """After SIGTERM, how long work in flight may take (Docker waits 10 s, then kills)."""
    health_host: str
    health_port: int
    """0: no separate /healthz and /metrics server (Slack's HTTP mode serves them anyway)."""
    log_level: str
    log_format: str
    secrets: tuple[str, ...]

    _unshown = ("secrets",)
    __slots__ = (
        "auto_reply",
        "cache_dir",
        "deny_domains",
        "discord_channels",
        "discord_token",
        "dns_deadline",
        "dns_enabled",
        "dnsbls",
        "drain_seconds",
        "health_host",
        "health_port",
        "http_host",
        "http_port",
        "knowledge_path",
        "log_format",
        "log_level",
        "nameservers",
        "rate_channel",
        "rate_user",
        "redis_url",
        "secrets",
        "slack_api_url",
        "slack_app_token",
        "slack_bot_token",
        "slack_http",
        "slack_signing_secret",
        "teams_client_id",
        "teams_client_secret",
        "teams_no_auth",
        "teams_tenant_id",
    )

    def __init__(
        self,
        nameservers: tuple[str, ...] = (),
        dnsbls: tuple[str, ...] | None = None,
        knowledge_path: str | None = None,
        cache_dir: str | None = None,
        deny_domains: tuple[str, ...] = (),
        dns_enabled: bool = True,
        dns_deadline: float = 5.0,
        slack_bot_token: str = "",
        slack_signing_secret: str = "",
        slack_app_token: str = "",
        slack_api_url: str = "",
        teams_client_id: str = "",
        teams_client_secret: str = "",
        teams_tenant_id: str = "",
        teams_no_auth: bool = False,
        discord_token: str = "",
        discord_channels: tuple[str, ...] = (),
        auto_reply: bool = True,
        redis_url: str = "",
        rate_user: tuple[int, float] = (20, 60.0),
        rate_channel: tuple[int, float] = (60, 60.0),
        slack_http: bool = False,
        http_host: str = "127.0.0.1",
        http_port: int = 3000,
        drain_seconds: float = 8.0,
        health_host: str = "127.0.0.1",
        health_port: int = 0,
        log_level: str = "INFO",
        log_format: str = "text",
        secrets: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "nameservers", nameservers)
        set_field(self, "dnsbls", dnsbls)
        set_field(self, "knowledge_path", knowledge_path)
        set_field(self, "cache_dir", cache_dir)
        set_field(self, "deny_domains", deny_domains)
        set_field(self, "dns_enabled", dns_enabled)
        set_field(self, "dns_deadline", dns_deadline)
        set_field(self, "slack_bot_token", slack_bot_token)
        set_field(self, "slack_signing_secret", slack_signing_secret)
        set_field(self, "slack_app_token", slack_app_token)
        set_field(self, "slack_api_url", slack_api_url)
        set_field(self, "teams_client_id", teams_client_id)
        set_field(self, "teams_client_secret", teams_client_secret)
        set_field(self, "teams_tenant_id", teams_tenant_id)
        set_field(self, "teams_no_auth", teams_no_auth)
        set_field(self, "discord_token", discord_token)
        set_field(self, "discord_channels", discord_channels)
        set_field(self, "auto_reply", auto_reply)
        set_field(self, "redis_url", redis_url)
        set_field(self, "rate_user", rate_user)
        set_field(self, "rate_channel", rate_channel)
        set_field(self, "slack_http", slack_http)
        set_field(self, "http_host", http_host)
        set_field(self, "http_port", http_port)
        set_field(self, "drain_seconds", drain_seconds)
        set_field(self, "health_host", health_host)
        set_field(self, "health_port", health_port)
        set_field(self, "log_level", log_level)
        set_field(self, "log_format", log_format)
        set_field(self, "secrets", secrets)

    def with_overrides(self, **changes: object) -> Settings:
        return self.replace(**changes)


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a yes/no value (use true or false)")


def check_nameservers(values: Sequence[str], origin: str = "--nameserver") -> tuple[str, ...]:
    if not values:
        return ()
    from bot.dnscheck.resolver import parse_nameserver  # only when there is one to check

    for value in values:
        try:
            parse_nameserver(value)
        except ValueError as exc:
            raise ConfigError(f"{origin}: {exc}") from None
    return tuple(values)


def check_dnsbls(values: Sequence[str], origin: str = "--dnsbl") -> tuple[str, ...]:
    for value in values:
        if not _ZONE.match(value):
            raise ConfigError(f"{origin}: {value!r} is not a DNS zone name (e.g. zen.spamhaus.org)")
    return tuple(v.rstrip(".").lower() for v in values)


def cache_dir(env: Mapping[str, str]) -> str | None:
    """NDRBOT_CACHE_DIR (off: none), else the XDG cache directory's ndrbot folder."""
    raw = env.get("NDRBOT_CACHE_DIR", "").strip()
    if raw.lower() in ("off", "none", "0", "false", "no"):
        return None
    if raw:
        return raw
    base = env.get("XDG_CACHE_HOME", "").strip()
    if not base:
        home = env.get("HOME", "").strip()
        if not home:
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "ndrbot")


def _port(env: Mapping[str, str], name: str) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return 0
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name}={raw!r} is not a TCP port (1-65535)")
    return int(raw)


def _seconds(env: Mapping[str, str], name: str, default: str, low: float, high: float) -> float:
    raw = env.get(name, default)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g} seconds")
    return value


def _redis_url(raw: str) -> str:
    raw = raw.strip()
    if raw and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"REDIS_URL={raw!r}: use redis://HOST:PORT/DB (or rediss://, unix://)")
    return raw


def _rate(env: Mapping[str, str], name: str, default: tuple[int, float]) -> tuple[int, float]:
    raw = env.get(name)
    if not raw:
        return default
    count, _, seconds = raw.partition("/")
    try:
        parsed = (int(count), float(seconds or 60))
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: use COUNT/SECONDS, e.g. 20/60") from None
    if parsed[0] < 1 or parsed[1] <= 0:
        raise ConfigError(f"{name}={raw!r}: the count and the seconds must be positive")
    return parsed


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read NDRBOT_*, SLACK_* and DISCORD_* variables; raise ConfigError on bad values."""
    env = os.environ if env is None else env
    log_format = env.get("NDRBOT_LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in ("text", "json"):
        raise ConfigError(f"NDRBOT_LOG_FORMAT={log_format!r}: use text or json")
    log_level = env.get("NDRBOT_LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"NDRBOT_LOG_LEVEL={log_level!r}: use DEBUG, INFO, WARNING or ERROR")
    deadline = _seconds(env, "NDRBOT_DNS_DEADLINE", "5", 0.1, 60)
    drain = _seconds(env, "NDRBOT_DRAIN_SECONDS", "8", 0, 300)
    dnsbls_raw = env.get("NDRBOT_DNSBLS")
    secrets = tuple(
        v
        for v in (
            env.get("SLACK_BOT_TOKEN"),
            env.get("SLACK_SIGNING_SECRET"),
            env.get("SLACK_APP_TOKEN"),
            env.get("DISCORD_TOKEN"),
            env.get("TEAMS_CLIENT_SECRET"),
            _password_of(env.get("REDIS_URL", "")),
        )
        if v
    )
    return Settings(
        nameservers=check_nameservers(_list(env.get("NDRBOT_NAMESERVERS")), "NDRBOT_NAMESERVERS"),
        dnsbls=None if dnsbls_raw is None else check_dnsbls(_list(dnsbls_raw), "NDRBOT_DNSBLS"),
        knowledge_path=env.get("NDRBOT_KNOWLEDGE") or None,
        cache_dir=cache_dir(env),
        deny_domains=tuple(d.lower().strip(".") for d in _list(env.get("NDRBOT_DENY_DOMAINS"))),
        dns_enabled=_bool(env, "NDRBOT_DNS", True),
        dns_deadline=deadline,
        slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
        slack_app_token=env.get("SLACK_APP_TOKEN", ""),
        slack_api_url=env.get("SLACK_API_URL", ""),
        teams_client_id=env.get("TEAMS_CLIENT_ID", "").strip(),
        teams_client_secret=env.get("TEAMS_CLIENT_SECRET", ""),
        teams_tenant_id=env.get("TEAMS_TENANT_ID", "").strip(),
        teams_no_auth=_bool(env, "NDRBOT_TEAMS_NO_AUTH", False),
        discord_token=env.get("DISCORD_TOKEN", ""),
        discord_channels=_list(env.get("NDRBOT_DISCORD_CHANNELS")),
        auto_reply=_bool(env, "NDRBOT_AUTO_REPLY", True),
        redis_url=_redis_url(env.get("REDIS_URL", "")),
        rate_user=_rate(env, "NDRBOT_RATE_USER", (20, 60.0)),
        rate_channel=_rate(env, "NDRBOT_RATE_CHANNEL", (60, 60.0)),
        slack_http=_bool(env, "NDRBOT_SLACK_HTTP", False),
        http_host=env.get("NDRBOT_HTTP_HOST", "127.0.0.1").strip() or "127.0.0.1",
        http_port=_port(env, "NDRBOT_HTTP_PORT") or 3000,
        drain_seconds=drain,
        health_host=env.get("NDRBOT_HEALTH_HOST", "127.0.0.1").strip() or "127.0.0.1",
        health_port=_port(env, "NDRBOT_HEALTH_PORT"),
        log_level=log_level,
        log_format=log_format,
        secrets=secrets,
    )


def _password_of(url: str) -> str:
    """The password part of a redis:// URL, so logs and `config check` can hide it."""
    if "@" not in url or ":" not in url.split("@")[0]:
        return ""
    return url.split("@")[0].rsplit(":", 1)[1]


def read_env_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """KEY=VALUE lines as docker compose reads an env file: # comments, blank lines, optional
    quotes around the value. Raises ConfigError naming the line that is none of those."""
    values: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not _ENV_NAME.match(name):
            raise ConfigError(f"{path}:{number}: expected NAME=value, got {raw.strip()[:40]!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


_ENV_NAME = lazy(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VARIABLE = lazy(r"^(?:[\w./-]+: )?((?:NDRBOT|SLACK|DISCORD|REDIS)_[A-Z_]+)")
_DISCORD_TOKEN = lazy(r"^[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
_SNOWFLAKE = lazy(r"^\d{15,21}$")


def settings_problems(env: Mapping[str, str]) -> tuple[Settings | None, list[str]]:
    """Every problem of these settings, one line each (not only the first), and the settings
    when there are none. Token kinds are checked too: what `serve` would refuse later."""
    env = dict(env)
    problems: list[str] = []
    for _ in range(len(env) + 1):
        try:
            settings = load_settings(env)
            break
        except ConfigError as exc:
            problems.append(str(exc))
            match = _VARIABLE.match(str(exc))
            if match is None or match.group(1) not in env:
                return None, problems
            del env[match.group(1)]  # drop it and look for the next problem
    else:  # pragma: no cover - each round removes one variable
        return None, problems
    problems.extend(token_problems(settings))
    return (None if problems else settings), problems


def token_problems(settings: Settings) -> list[str]:
    """Tokens of the wrong kind or shape, and channel ids that are not ids."""
    problems = []
    bot, app = settings.slack_bot_token, settings.slack_app_token
    if bot and not bot.startswith("xoxb-"):
        kind = " (that is a user token)" if bot.startswith("xoxp-") else ""
        kind = " (that is an app-level token)" if bot.startswith("xapp-") else kind
        problems.append(f"SLACK_BOT_TOKEN must be a bot token starting with xoxb-{kind}")
    if app and not app.startswith("xapp-"):
        kind = " (that is the bot token)" if app.startswith("xoxb-") else ""
        problems.append(f"SLACK_APP_TOKEN must be an app-level token starting with xapp-{kind}")
    token = settings.discord_token
    if token and not _DISCORD_TOKEN.match(token.removeprefix("Bot ")):
        problems.append(
            "DISCORD_TOKEN does not look like a bot token (three dot-separated parts, from the "
            "Developer Portal > Bot > Reset Token)"
        )
    for channel in settings.discord_channels:
        if not _SNOWFLAKE.match(channel):
            problems.append(
                f"NDRBOT_DISCORD_CHANNELS: {channel!r} is not a channel id (a number like "
                "123456789012345678: Developer Mode on, right-click the channel > Copy Channel ID)"
            )
    return problems
