"""Load and soak: channel messages through the Slack HTTP endpoint at a fixed rate.

The bot runs as deployed (`ndrbot serve slack --http` in its own process, DNS evidence off so the
numbers measure the bot, not a resolver); a loopback stub plays Slack's Web API; this process sends
signed `message` events at the requested rate: ordinary chat lines with a pasted bounce now and then.
Reported: requests answered, errors, achieved rate, ack latency, replies posted, and the bot's
memory (RSS) after warm-up and at the end.

    .venv/bin/python bench/bench_load.py                      # 1,000 msg/s for 60 s
    .venv/bin/python bench/bench_load.py --rate 200 --seconds 600   # the 10-minute soak
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "tests" / "slack"):
    sys.path.insert(0, str(extra))

from slackstub import SECRET, TOKEN, SlackStub, event_body  # noqa: E402

from bench.bench_slack import _percentile, _signed_request, _spawn, _stop  # noqa: E402
from bench.corpus import chat_lines, eml_corpus  # noqa: E402

BOUNCE_EVERY = 20
"""One message in this many is a pasted bounce (the rest is ordinary chat)."""


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _request(url: str, number: int, text: str) -> bytes:
    ts = f"{1_700_000_000 + number}.{number % 1_000_000:06d}"
    event = {
        "type": "message",
        "channel": f"C{number % 50:04d}",
        "channel_type": "channel",
        "user": f"U{number % 500:04d}",
        "text": text,
        "ts": ts,
        "event_ts": ts,
    }
    return _signed_request(url, event_body(event, f"EvLoad{number:09d}"), "application/json")


async def _send(host: str, port: int, request: bytes, results: list[tuple[int, float]]) -> None:
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
        writer.write(request)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        status = int(data.split(b" ", 2)[1]) if data else 0
    except (TimeoutError, OSError, ValueError, IndexError):
        status = 0
    results.append((status, time.perf_counter() - started))


async def _drive(
    url: str, rate: int, seconds: int, texts: list[str], on_tick: callable
) -> list[tuple[int, float]]:  # type: ignore[valid-type]
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname and parts.port
    results: list[tuple[int, float]] = []
    tasks: set[asyncio.Task[None]] = set()
    start = time.perf_counter()
    number = 0
    for second in range(seconds):
        for slot in range(rate):
            due = start + second + slot / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(
                _send(
                    parts.hostname,
                    parts.port,
                    _request(url, number, texts[number % len(texts)]),
                    results,
                )
            )
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            number += 1
        on_tick(second)
    await asyncio.gather(*tasks)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=int, default=1000, help="messages per second")
    parser.add_argument("--seconds", type=int, default=60, help="how long")
    parser.add_argument("--warmup", type=int, default=20, help="seconds at the same rate first")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    bounces = [m.decode("utf-8", "replace").split("\n\n", 1)[-1][:1500] for m in eml_corpus(40)]
    chat = chat_lines(5000)
    texts = [
        bounces[i % len(bounces)] if i % BOUNCE_EVERY == 0 else chat[i % len(chat)]
        for i in range(20_000)
    ]

    stub = SlackStub().start()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": stub.api_url,
        "NDRBOT_DNS": "false",
        "NDRBOT_RATE_USER": "100000/60",
        "NDRBOT_RATE_CHANNEL": "100000/60",
    }
    env.pop("SLACK_APP_TOKEN", None)
    process, url = _spawn(
        ["-m", "bot.cli", "serve", "slack", "--http", "--host", "127.0.0.1", "--port", "0"],
        env,
        r"(http://127\.0\.0\.1:\d+/slack/events)",
    )
    try:
        # Warm-up at the same rate: imports, caches and the allocator reach their working size.
        asyncio.run(_drive(url, args.rate, args.warmup, texts, lambda s: None))
        memory = {"start": rss_mb(process.pid)}
        samples: list[float] = []
        every = max(1, args.seconds // 10)

        def tick(second: int) -> None:
            memory["end"] = rss_mb(process.pid)
            if (second + 1) % every == 0:
                samples.append(round(memory["end"], 1))

        started = time.perf_counter()
        results = asyncio.run(_drive(url, args.rate, args.seconds, texts, tick))
        elapsed = time.perf_counter() - started
        time.sleep(2)
        ok = [latency for status, latency in results if status == 200]
        errors = len(results) - len(ok)
        posts = len(stub.posts())
        report = {
            "sent": len(results),
            "ok": len(ok),
            "errors": errors,
            "achieved_per_s": round(len(results) / elapsed, 1),
            "ack_p50_ms": round(_percentile(ok, 50) * 1000, 1) if ok else None,
            "ack_p99_ms": round(_percentile(ok, 99) * 1000, 1) if ok else None,
            "replies_posted": posts,
            "rss_start_mb": round(memory["start"], 1),
            "rss_end_mb": round(memory.get("end", memory["start"]), 1),
            "rss_growth_pct": round(
                100 * (memory.get("end", memory["start"]) / memory["start"] - 1), 1
            ),
            "rss_samples_mb": samples,
        }
    finally:
        _stop(process)
        stub.stop()
    if args.json:
        print(json.dumps(report))
    else:
        print(f"load: {args.rate} msg/s for {args.seconds} s through /slack/events")
        for key, value in report.items():
            print(f"  {key:<16} {value}")
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
