"""The rarer `ndrbot` commands: headers, checkmx, shell, serve, config, discord, teams, kb.

Kept apart from bot/cli.py so that `bounce` and `explain`, the commands run most, neither compile
nor build these parsers at start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.app import build_deps, build_registry
from bot.cli import (
    UsageError,
    add_dns_options,
    print_reply,
    read_file,
    settings_for,
    use_color,
)
from bot.config import Settings, load_settings

EXIT_NOT_CHECKED = 3
"""`checkmx`: the checks could not run at all (the DNS server did not answer)."""


def add_parsers(sub: Any) -> None:
    """Add these commands' parsers, after bounce and explain, in the order `--help` lists them."""
    p = sub.add_parser("headers", help="analyse a message's headers: path, delays, verdicts")
    p.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="headers or .eml; - for stdin"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_dns_options(p)

    p = sub.add_parser("checkmx", help="check a domain's mail DNS (MX, SPF, DMARC, DKIM ...)")
    p.add_argument("domain", metavar="DOMAIN")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--selector", action="append", default=[], help="DKIM selector to check (repeatable)"
    )
    p.add_argument(
        "--ip", action="append", default=[], help="sending IP to check PTR and blocklists for"
    )
    p.add_argument(
        "--dnsbl", action="append", default=[], metavar="ZONE", help="blocklist zone (repeatable)"
    )
    p.add_argument(
        "--nameserver", action="append", default=[], metavar="IP[:PORT]", help="DNS server to ask"
    )

    p = sub.add_parser("shell", help="chat with ndrbot in the terminal, as in a channel")
    add_dns_options(p)

    p = sub.add_parser("serve", help="run the bot on a chat platform")
    p.add_argument("platform", choices=("slack", "discord", "teams"))
    p.add_argument(
        "--http",
        action="store_true",
        help="Slack: serve HTTP instead of Socket Mode (env NDRBOT_SLACK_HTTP)",
    )
    p.add_argument(
        "--host", default=None, help="Slack HTTP: address to bind (env NDRBOT_HTTP_HOST; 127.0.0.1)"
    )
    p.add_argument(
        "--port", type=int, default=None, help="Slack HTTP: port (env NDRBOT_HTTP_PORT; 3000)"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="connect once to check the token, then exit (2 with one line if it fails)",
    )
    add_dns_options(p)

    p = sub.add_parser("config", help="configuration tools")
    config_sub = p.add_subparsers(dest="config_command", metavar="CONFIG_COMMAND", required=True)
    p = config_sub.add_parser(
        "check",
        help="validate the settings (the environment and .env) and print them, secrets masked",
    )
    p.add_argument(
        "--env-file",
        default=None,
        metavar="PATH",
        help="settings file to check, as docker compose reads it (default: ./.env when it exists)",
    )
    p.add_argument(
        "--online", action="store_true", help="also ask Slack and Discord whether the tokens work"
    )

    p = sub.add_parser("discord", help="Discord tools")
    discord_sub = p.add_subparsers(dest="discord_command", metavar="DISCORD_COMMAND", required=True)
    p = discord_sub.add_parser("sync-commands", help="publish the slash and context-menu commands")
    p.add_argument(
        "--guild", type=int, default=None, help="only this server (instant; else global)"
    )

    p = sub.add_parser("teams", help="Microsoft Teams tools")
    teams_sub = p.add_subparsers(dest="teams_command", metavar="TEAMS_COMMAND", required=True)
    p = teams_sub.add_parser("package", help="zip the Teams app package (manifest and icons)")
    p.add_argument("--app-id", required=True, help="the bot's Application (client) ID")
    p.add_argument("--developer", default="Your IT team", help="the developer name Teams shows")
    p.add_argument("--website", default="https://example.com", help="https:// address Teams shows")
    p.add_argument("--out", default="ndrbot-teams.zip", help="where to write the package")

    p = sub.add_parser("kb", help="knowledge base tools")
    kb_sub = p.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    kb_sub.add_parser("check", help="load and validate knowledge.yaml")
    p = kb_sub.add_parser("lint", help="check examples, pattern collisions, markers and links")
    p.add_argument("--warnings", action="store_true", help="also list warnings")
    kb_sub.add_parser("stats", help="entries per provider, reason and language")


def cmd_headers(args: argparse.Namespace) -> int:
    from bot.headers.analyze import analyze_headers
    from intents.headers import dns_checks, reply_for_report

    text = read_file(args.file).decode("utf-8", "replace")
    report = analyze_headers(text)
    if report is None:
        raise UsageError(
            f"{args.file if args.file != '-' else 'input'}: no message header found (paste the "
            "Received:, Authentication-Results: and From: lines)"
        )
    deps = build_deps(settings_for(args))
    checks: tuple = ()
    if deps.dns is not None:
        import asyncio

        checks = asyncio.run(dns_checks(report, deps))
    if args.json:
        print(json.dumps(report.to_json([c.to_json() for c in checks]), ensure_ascii=False))
    else:
        print_reply(reply_for_report(report, checks))
    return 0


def cmd_checkmx(args: argparse.Namespace) -> int:
    import asyncio

    from bot.dnscheck import DnsChecker
    from bot.dnscheck.target import validate_target

    settings = settings_for(args)
    try:
        validate_target(args.domain)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    checker = DnsChecker(
        settings.nameservers, dnsbls=settings.dnsbls, deadline=settings.dns_deadline
    )
    try:
        report = asyncio.run(
            checker.checkmx(
                args.domain,
                selectors=tuple(args.selector),
                ips=tuple(args.ip),
                dnsbls=settings.dnsbls,
            )
        )
    except ValueError as exc:  # a bad --ip, --selector or --dnsbl
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    if report.resolver_unreachable:
        servers = ", ".join(f"{ip}:{port}" for ip, port in checker.resolver.nameservers)
        print(
            f"ndrbot: could not check {args.domain}: the DNS server did not answer ({servers})",
            file=sys.stderr,
        )
        return EXIT_NOT_CHECKED
    if args.json:
        return 0
    from intents.checkmx import reply_for_report

    print_reply(reply_for_report(report))
    return 0


def cmd_shell(args: argparse.Namespace) -> int:
    from bot.adapters.console import ConsoleChat

    deps = build_deps(settings_for(args))
    chat = ConsoleChat(build_registry(), deps, color=use_color(sys.stdout))
    return chat.run(sys.stdin, sys.stdout)


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.logsetup import setup_logging
    from bot.metrics import METRICS

    METRICS.enable()  # a serving process is scraped; one-shot commands count nothing
    settings = settings_for(args)
    setup_logging(settings.log_level, settings.log_format, settings.secrets)
    if settings.health_port:
        from bot.adapters.health import start_health_server

        started = time.monotonic()
        start_health_server(
            settings.health_host,
            settings.health_port,
            lambda: {
                "ok": True,
                "platform": args.platform,
                "uptime_s": int(time.monotonic() - started),
            },
        )
    if args.platform == "slack":
        from bot.adapters.slack_app import serve_slack

        return serve_slack(
            settings,
            http=args.http or settings.slack_http,
            host=args.host if args.host is not None else settings.http_host,
            port=args.port if args.port is not None else settings.http_port,
            check=args.check,
        )
    if args.platform == "teams":
        from bot.adapters.teams_app import serve_teams

        return serve_teams(
            settings,
            host=args.host if args.host is not None else settings.http_host,
            port=args.port if args.port is not None else 3978,
        )
    from bot.adapters.discord_app import serve_discord

    return serve_discord(settings, check=args.check)


def cmd_config(args: argparse.Namespace) -> int:
    from bot.config import read_env_file, settings_problems

    env = dict(os.environ)
    env_file = args.env_file or (".env" if Path(".env").is_file() else None)
    if env_file:
        env.update(read_env_file(env_file))  # its values win, as in the container
        print(f"{'settings file':<22} {env_file}")
    settings, problems = settings_problems(env)
    if settings is not None and args.online:
        problems = _online_problems(settings)
        settings = None if problems else settings
    if settings is None:
        for problem in problems:
            print(f"ndrbot: {problem}", file=sys.stderr)
        return 2
    for name in settings.field_names():
        if name == "secrets":
            continue
        value = getattr(settings, name)
        shown = mask_secret(value) if _is_secret(name) else value
        if name == "redis_url" and value:
            shown = mask_url_password(value)
        print(f"{name:<22} {shown!r}" if shown != "" else f"{name:<22} (not set)")
    from bot.knowledge import load_knowledge

    kb = load_knowledge(settings.knowledge_path)
    print(f"{'knowledge':<22} {kb.source} ({len(kb)} entries)")
    return 0


def _online_problems(settings: Settings) -> list[str]:
    problems = []
    if settings.slack_bot_token or settings.slack_app_token:
        from bot.adapters.slack_app import online_problems as slack_problems

        problems += slack_problems(settings)
    if settings.discord_token:
        from bot.adapters.discord_app import online_problems as discord_problems

        problems += discord_problems(settings)
    return problems


def cmd_teams(args: argparse.Namespace) -> int:
    from bot.teams_package import build_package

    try:
        out = build_package(
            args.app_id, Path(args.out), developer=args.developer, website=args.website
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot write ({exc.strerror or exc})") from None
    print(f"Wrote {out}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    return 0


def _is_secret(name: str) -> bool:
    return name.endswith(("_token", "_secret"))


def mask_secret(value: object) -> str:
    text = str(value or "")
    return f"{text[:4]}…({len(text)} chars)" if len(text) > 8 else ("***" if text else "")


def mask_url_password(url: str) -> str:
    head, at, tail = url.partition("@")
    if not at or ":" not in head.split("//", 1)[-1]:
        return url
    scheme_user, _, _ = head.rpartition(":")
    return f"{scheme_user}:***@{tail}"


def cmd_discord(args: argparse.Namespace) -> int:
    from bot.adapters.discord_app import sync_commands

    return sync_commands(load_settings(), args.guild)


def cmd_kb(args: argparse.Namespace) -> int:
    from bot.knowledge import load_knowledge

    kb = load_knowledge(load_settings().knowledge_path)
    if args.kb_command == "check":
        print(f"{kb.source}: {len(kb)} entries, {len(kb.lexicon)} lexicon phrases, valid")
        return 0
    if args.kb_command == "stats":
        from collections import Counter

        for label, counter in (
            ("providers", Counter(p for e in kb.entries for p in e.providers or ("(generic)",))),
            ("reasons", Counter(e.reason for e in kb.entries)),
            ("languages", Counter(lang for e in kb.entries for lang in e.languages)),
            ("lexicon reasons", Counter(p.reason for p in kb.lexicon)),
            ("lexicon languages", Counter(lang for p in kb.lexicon for lang in p.languages)),
        ):
            print(f"{label}: " + ", ".join(f"{k} {v}" for k, v in counter.most_common()))
        print(f"entries: {len(kb)}, lexicon phrases: {len(kb.lexicon)}")
        return 0
    from bot.kblint import lint

    findings = lint(kb)
    errors = [f for f in findings if f.level == "error"]
    for finding in findings:
        if finding.level == "error" or args.warnings:
            print(finding)
    warnings = len(findings) - len(errors)
    print(f"{kb.source}: {len(kb)} entries, {len(errors)} errors, {warnings} warnings")
    return 1 if errors else 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "headers": cmd_headers,
    "checkmx": cmd_checkmx,
    "shell": cmd_shell,
    "serve": cmd_serve,
    "config": cmd_config,
    "discord": cmd_discord,
    "teams": cmd_teams,
    "kb": cmd_kb,
}
