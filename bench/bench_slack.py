"""Benchmark the Slack ack path: 50 concurrent /checkmx against a DNS server with 2 s latency.

Everything runs on 127.0.0.1, in three processes as it would be deployed: the test DNS server
(tests/dns/dnsserver.py) answering every query after 2 s; the bot itself, started with
`ndrbot serve slack --http` (or, with --in-process, inside this process); and this process, holding a
loopback Slack Web API / response_url stub and an asyncio load generator. 50 signed /checkmx
requests are sent at once; we report how fast each was acknowledged (target: p99 < 100 ms) and when
the last of the 50 answers reached response_url.

Run with `.venv/bin/python bench/bench_slack.py` (add --json for one JSON object).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "tests" / "slack"):
    sys.path.insert(0, str(extra))

from slackstub import SECRET, TOKEN, SlackStub, command_body, post, sign  # noqa: E402

from bot.adapters.slack_app import LOOKING, SlackBot  # noqa: E402
from bot.app import build_deps, build_registry  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.dnscheck.https import FetchResult  # noqa: E402

COMMANDS = 50
DNS_LATENCY = 2.0
ACK_TARGET_MS = 100.0
DOMAIN = "gw.test"


async def _no_https(host: str, addresses: Sequence[str], path: str) -> FetchResult:
    return FetchResult(error="no HTTPS in the benchmark")


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _spawn(args: list[str], env: dict[str, str], pattern: str) -> tuple[subprocess.Popen[str], str]:
    """Start a helper process and wait for the stderr line that says where it listens."""
    process = subprocess.Popen(
        [sys.executable, *args],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        found = re.search(pattern, line)
        if found:
            threading.Thread(target=process.stderr.read, daemon=True).start()  # keep it drained
            return process, found.group(1)
    process.kill()
    raise RuntimeError(f"{args[:3]} did not start")


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def _start_dns(latency: float) -> tuple[subprocess.Popen[str], str]:
    """The test DNS server in its own process (like a remote resolver: not sharing our GIL)."""
    code = (
        "import sys; sys.path.insert(0, 'tests/dns')\n"
        "from dnsserver import ZoneServer\n"
        f"server = ZoneServer().start(); server.latency = {latency!r}\n"
        "print('dns on', server.address, file=sys.stderr, flush=True)\n"
        "sys.stdin.read()\n"
    )
    return _spawn(["-c", code], dict(os.environ), r"dns on (\S+)")


def _start_bot_process(stub: SlackStub, nameserver: str) -> tuple[subprocess.Popen[str], str]:
    """`ndrbot serve slack --http` in its own process, as deployed; returns (process, events URL)."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": stub.api_url,
        "NDRBOT_NAMESERVERS": nameserver,
        "NDRBOT_DNSBLS": "bl.test",
    }
    env.pop("SLACK_APP_TOKEN", None)
    args = ["-m", "bot.cli", "serve", "slack", "--http", "--host", "127.0.0.1", "--port", "0"]
    return _spawn(args, env, r"(http://127\.0\.0\.1:\d+/slack/events)")


def _start_bot_here(stub: SlackStub, nameserver: str) -> tuple[Callable[[], None], str]:
    """The same bot inside this process (shares the GIL with the load generator and servers)."""
    settings = Settings(
        nameservers=(nameserver,),
        dnsbls=("bl.test",),
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=stub.api_url,
    )
    deps = build_deps(settings)
    deps.dns.fetch = _no_https  # type: ignore[union-attr]
    bot = SlackBot(settings, deps, build_registry()).start()
    server = bot.http_server("127.0.0.1", 0)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        bot.stop()

    return stop, f"http://127.0.0.1:{server.server_port}/slack/events"


def _signed_request(
    url: str, body: bytes, content_type: str = "application/x-www-form-urlencoded"
) -> bytes:
    """The raw HTTP request Slack would send, signed now (as Slack signs before sending)."""
    parts = urllib.parse.urlsplit(url)
    headers = {
        "Host": parts.netloc,
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "Connection": "close",
        **sign(body),
    }
    head = f"POST {parts.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode() + b"\r\n" + body


async def _send_one(host: str, port: int, request: bytes) -> tuple[int, str, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    await writer.drain()
    data = await reader.read()
    seconds = time.perf_counter() - started
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    text = json.loads(body).get("text", "") if status == 200 and body.strip() else ""
    return status, text, seconds


async def _send_all(url: str, requests: list[bytes]) -> list[tuple[int, str, float]]:
    """Send every request at once from one event loop (a light, precise load generator)."""
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname and parts.port
    return await asyncio.gather(*(_send_one(parts.hostname, parts.port, r) for r in requests))


def run(
    commands: int = COMMANDS, latency: float = DNS_LATENCY, *, in_process: bool = False
) -> dict[str, Any]:
    dns_process, nameserver = _start_dns(latency)
    stub = SlackStub().start()
    if in_process:
        stop, url = _start_bot_here(stub, nameserver)
    else:
        process, url = _start_bot_process(stub, nameserver)

        def stop() -> None:
            _stop(process)

    bodies = [
        command_body("/checkmx", DOMAIN, f"{stub.url}/response/{i}", user=f"U{i:04d}")
        for i in range(commands)
    ]
    requests = [_signed_request(url, body) for body in bodies]
    try:
        # One request first, so imports and caches are warm as in a running bot.
        post(
            url,
            command_body("/bounce", "help", f"{stub.url}/warmup"),
            "application/x-www-form-urlencoded",
        )
        stub.wait_for(lambda: bool(stub.responses("/warmup")), timeout=10)
        started = time.perf_counter()
        acks = asyncio.run(_send_all(url, requests))
        answered = stub.wait_for(lambda: len(stub.responses()) >= commands, timeout=60)
        responses = stub.responses()
        last_answer = max((r.at for r in responses), default=started) - started
        complete = sum(
            1 for r in responses if f"Mail DNS for {DOMAIN}" in json.dumps(r.json.get("blocks"))
        )
    finally:
        stop()
        stub.stop()
        _stop(dns_process)
    ack_ms = [seconds * 1000 for _, _, seconds in acks]
    acked = sum(1 for status, text, _ in acks if status == 200 and text == LOOKING)
    p99 = _percentile(ack_ms, 99) if ack_ms else float("inf")
    return {
        "commands": commands,
        "dns_latency_s": latency,
        "bot": "in-process" if in_process else "own process",
        "acked": acked,
        "ack_p50_ms": round(statistics.median(ack_ms), 1) if ack_ms else None,
        "ack_p99_ms": round(p99, 1),
        "ack_max_ms": round(max(ack_ms), 1) if ack_ms else None,
        "answered": len(responses),
        "answers_with_report": complete,
        "all_answered_s": round(last_answer, 2) if answered else None,
        "pass": acked == commands and p99 < ACK_TARGET_MS and complete == commands,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=COMMANDS)
    parser.add_argument("--latency", type=float, default=DNS_LATENCY, help="DNS latency, seconds")
    parser.add_argument(
        "--in-process", action="store_true", help="run the bot inside the benchmark process"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.commands, args.latency, in_process=args.in_process)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"slack: {result['commands']} concurrent /checkmx, DNS latency "
            f"{result['dns_latency_s']:g} s, bot in {result['bot']}"
        )
        print(
            f"  acked {result['acked']}/{result['commands']}: p50 {result['ack_p50_ms']} ms, "
            f"p99 {result['ack_p99_ms']} ms, max {result['ack_max_ms']} ms "
            f"(target p99 < {ACK_TARGET_MS:g} ms)"
        )
        print(
            f"  answered {result['answered']}/{result['commands']} via response_url "
            f"({result['answers_with_report']} with a DNS report); last answer after "
            f"{result['all_answered_s']} s"
        )
        print(f"  {'PASS' if result['pass'] else 'FAIL'}")
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
