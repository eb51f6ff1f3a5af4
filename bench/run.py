"""Run every benchmark and print a table:  python3 dev.py bench  (or .venv/bin/python bench/run.py).

First the engine (one process, one core): explain rate, detector rate and false positives, a 20 MB
paste, memory. Then bench_checkmx.py (DNS checks at 0 and 20 ms latency), bench_slack.py (50
concurrent /checkmx acks under 2 s DNS) and bench_load.py (1,000 messages/s through the Slack HTTP
endpoint for a minute). `--quick` runs only the engine part on smaller inputs.
The 10-minute soak: .venv/bin/python bench/bench_load.py --rate 200 --seconds 600
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import chat_lines, eml_corpus  # noqa: E402
from bot.engine.detect import looks_like_bounce  # noqa: E402
from bot.engine.diagnose import analyze  # noqa: E402
from bot.engine.textnorm import normalize  # noqa: E402
from bot.explain import matcher_for  # noqa: E402
from bot.headers.analyze import analyze_headers  # noqa: E402
from bot.knowledge import KnowledgeStore  # noqa: E402
from bot.present import reply_for_analysis  # noqa: E402

REPEATS = 3


def rate(label: str, items: list, work: Callable[[object], object], unit: str) -> dict:
    for item in items[: min(200, len(items))]:  # warm-up: imports, regex compilation
        work(item)
    elapsed = float("inf")
    for _ in range(REPEATS):  # best of N: this machine's neighbours come and go
        start = time.perf_counter()
        for item in items:
            work(item)
        elapsed = min(elapsed, time.perf_counter() - start)
    return {
        "bench": label,
        "n": len(items),
        "seconds": round(elapsed, 3),
        "rate": f"{len(items) / elapsed:,.0f} {unit}/s",
    }


def real_bounces() -> list[bytes]:
    """Every whole message of the real-bounce corpus (many MTAs and layouts, not templates)."""
    root = ROOT / "tests" / "data" / "realcorpus"
    return [
        p.read_bytes() for p in sorted(root.glob("*/*")) if p.suffix in (".eml", ".txt", ".json")
    ]


def memory_mb() -> float:
    """Peak RSS of a fresh process that loads the knowledge base and explains one bounce."""
    code = (
        "import resource, sys; sys.path.insert(0, sys.argv[1])\n"
        "from bot.knowledge import KnowledgeStore\nfrom bot.explain import matcher_for\n"
        "from bot.engine.diagnose import analyze\nm = matcher_for(KnowledgeStore())\n"
        "analyze('550 5.1.1 <bob@example.net>: user unknown', m)\n"
        "try:\n"
        "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "except OSError:\n"
        "    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(hwm)\n"
    )
    # VmHWM, not ru_maxrss: the latter counts the forked parent's pages from before exec().
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small inputs, for a smoke run")
    parser.add_argument("--engine", action="store_true", help="only the engine benchmarks")
    parser.add_argument("--json", action="store_true", help="print results as JSON lines")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0

    started = time.perf_counter()
    store = KnowledgeStore()
    matcher = matcher_for(store)
    load_ms = (time.perf_counter() - started) * 1000

    emls = eml_corpus(int(2000 * scale))
    lines = chat_lines(int(200_000 * scale))
    results = [
        {
            "bench": "load knowledge + build index",
            "n": len(store.current),
            "seconds": round(load_ms / 1000, 3),
            "rate": f"{len(store.current)} entries",
        },
    ]

    def explain_cold(data: object) -> object:
        matcher._cached_match.cache_clear()
        normalize.cache_clear()
        return reply_for_analysis(analyze(data, matcher))  # type: ignore[arg-type]

    results.append(rate("explain .eml (match cache cold)", emls, explain_cold, "msg"))
    results.append(
        rate(
            "explain .eml (match cache warm)",
            emls,
            lambda d: reply_for_analysis(analyze(d, matcher)),
            "msg",
        )
    )  # type: ignore[arg-type]
    real = real_bounces()
    if real:
        results.append(rate("explain real bounces (cache cold)", real, explain_cold, "msg"))
    results.append(
        rate("is-it-a-bounce on chat lines", lines, lambda s: looks_like_bounce(s, matcher), "line")
    )  # type: ignore[arg-type]
    corpus_file = ROOT / "tests" / "data" / "corpus" / "chat_lines.txt"
    if corpus_file.exists():
        corpus_lines = [
            x for x in corpus_file.read_text(encoding="utf-8").splitlines() if x.strip()
        ]
        hits = sum(1 for x in corpus_lines if looks_like_bounce(x, matcher))
        results.append(
            {
                "bench": "detector false positives (chat corpus)",
                "n": len(corpus_lines),
                "seconds": 0,
                "rate": f"{hits} ({hits / len(corpus_lines):.2%})",
            }
        )
    samples = [
        f.read_text(encoding="utf-8")
        for f in sorted((ROOT / "tests" / "data" / "headers").glob("*.txt"))
    ]
    if samples:
        results.append(
            rate("headers: analyse a header block", samples * 50, analyze_headers, "block")
        )
    hostile = "Received: from a (b [" + "(" * 50 + "1.2.3.4) by c with " + "x " * 40 + "; junk\n"
    start = time.perf_counter()
    analyze_headers(hostile * (1_000_000 // len(hostile)))
    results.append(
        {
            "bench": "headers: 1 MB hostile block",
            "n": 1,
            "seconds": round(time.perf_counter() - start, 3),
            "rate": "answered",
        }
    )
    big = "550 5.1.1 <bob@example.net>: user unknown\n" + "x" * 20_000_000
    start = time.perf_counter()
    analyze(big, matcher)
    results.append(
        {
            "bench": "20 MB paste",
            "n": 1,
            "seconds": round(time.perf_counter() - start, 3),
            "rate": "answered",
        }
    )
    results.append(
        {
            "bench": "memory (knowledge loaded)",
            "n": 1,
            "seconds": 0,
            "rate": f"{memory_mb():.1f} MB peak RSS",
        }
    )

    if args.json:
        for row in results:
            print(json.dumps(row))
    else:
        print(f"{'benchmark':<42} {'n':>8} {'seconds':>9}  result")
        for row in results:
            print(f"{row['bench']:<42} {row['n']:>8} {row['seconds']:>9}  {row['rate']}")
    if args.quick or args.engine:
        return
    for script, extra in (
        ("bench_checkmx.py", []),
        ("bench_slack.py", []),
        ("bench_load.py", ["--rate", "1000", "--seconds", "60"]),
    ):
        print(flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / script), *extra], check=False)


if __name__ == "__main__":
    main()
