"""What a user waits for: whole `ndrbot` processes, wall time (min / median / max) and peak RSS.

    .venv/bin/python bench/bench_process.py [--runs N] [--all]

Rows: first three references of this machine's speed today (the bare interpreter's start, a
fixed pure-Python loop, and that loop in two processes at once, which tells whether the second
core is free): the same code measures up to twice as slow on some days here, so rows compare
across sessions only beside them. Then one answer, as a user asks for it: `bounce 5.7.1
--no-dns` with the knowledge cache warm and with it off (YAML parsed), `bounce` of a pasted reply,
and `explain` of the README's example. Then `explain --no-dns` over a fixed batch of real bounces,
the two corpora's whole messages as they stood at one commit (923 files, many MTAs, not templates;
listed in `batch_files.txt`, so the numbers compare across sessions while the corpora grow; `--all`
takes every file they hold today), with one worker and with the default workers, and its first 629
files with the default workers (the size issue 12 set its target on). Last, DNS against
the loopback test server at 20 ms per query, for the README's example and for the batch; and the
batch with a DNS server that never answers.

The commands run with their bytecode cached (in a temporary `PYTHONPYCACHEPREFIX`), as an installed
ndrbot has it: pip compiles it at install time, while a checkout in a container that sets
`PYTHONDONTWRITEBYTECODE` compiles every module again in every process. `--source` measures that
case instead. Besides wall time, each row gives the median CPU time (user + system) of the process
and its workers, which another busy process on the machine disturbs less than wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "dns"))

from dnsserver import ZoneServer  # noqa: E402

_SCRIPT = Path(sys.executable).parent / "ndrbot"
NDRBOT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]
"""The installed `ndrbot` command, as a user runs it (else the module)."""
TIME = Path("/usr/bin/time")
"""Starts each command from its own small process, so the peak RSS it reports is the command's.
(A process started straight from this one inherits this one's peak: Linux keeps the peak of the
memory a process had before `exec`.)"""


EXAMPLE = "examples/gmail-unauthenticated.eml"
"""The bounce the README's first command explains."""
PASTED = (
    "550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail"
    " users, and has been blocked. The sender must authenticate with at least one of SPF or DKIM."
)
"""A reply as users paste it (Gmail's words)."""
BATCH = ROOT / "bench" / "batch_files.txt"
"""The fixed batch: the corpora's whole messages at one commit (923 files), listed by path."""
ISSUE_BATCH = 629
"""How many bounces issue 12 measured its target on (the Perl analyser's 0.65 s, halved): the
first this many of the fixed batch make a row of that size beside the whole batch."""


def batch_files() -> list[str]:
    """The fixed batch's files (comment lines start with #)."""
    lines = BATCH.read_text(encoding="utf-8").splitlines()
    return [str(ROOT / line) for line in lines if line and not line.startswith("#")]


def corpus_files() -> list[str]:
    """Every whole message of the real-bounce corpus and the team's corpus (600+ files)."""
    real = ROOT / "tests" / "data" / "realcorpus"
    team = ROOT / "tests" / "data" / "corpus" / "bounces"
    files = [
        p for p in sorted(real.glob("*/*")) if p.is_file() and p.suffix not in (".yaml", ".md")
    ]
    files += [p for p in sorted(team.rglob("*")) if p.is_file()]
    return [str(p) for p in files]


REFERENCE_LOOP = (
    "words = ('mailbox', 'unavailable', 'rejected', 'relay', 'spam', 'quota')\n"
    "seen = {}\n"
    "for i in range(400_000):\n"
    "    word = words[i % 6] + str(i % 97)\n"
    "    seen[word] = seen.get(word, 0) + len(word.upper())\n"
)
"""A fixed pure-Python workload (string, dict and loop work, as the engine's), whose time tells
how fast this machine is today: the rows compare across sessions only after scaling by it."""
REFERENCE_PAIR = (
    "import os\npid = os.fork()\n" + REFERENCE_LOOP + "os.waitpid(pid, 0) if pid else os._exit(0)\n"
)
"""The same workload in two processes at once: as quick as one alone when both cores are free,
up to twice as slow while something else keeps one busy (the rows with workers need both)."""


def measure(
    label: str, args: list[str], runs: int, env: dict[str, str], command: list[str] = NDRBOT
) -> dict[str, object]:
    """Run the command (`ndrbot` with `args`) `runs` times: wall and CPU times, and the highest
    peak RSS of one run."""
    times = []
    cpu = []
    peak_kb = 0
    with tempfile.NamedTemporaryFile("r") as peak:
        launcher = [str(TIME), "-f", "%M", "-o", peak.name] if TIME.exists() else []
        for _ in range(runs):
            started = time.perf_counter()
            child = subprocess.Popen(
                [*launcher, *command, *args],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            assert child.stderr is not None
            errors = child.stderr.read()
            _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest yet
            times.append(time.perf_counter() - started)
            cpu.append(usage.ru_utime + usage.ru_stime)  # wait4 counts the reaped workers too
            child.returncode = os.waitstatus_to_exitcode(status)
            child.stderr.close()
            if child.returncode not in (0, 2):
                raise SystemExit(f"{label}: exit {child.returncode}: {errors.decode()[-500:]}")
            peak.seek(0)
            reported = peak.read().split()
            peak_kb = max(peak_kb, int(reported[-1]) if launcher else usage.ru_maxrss)
    return {
        "bench": label,
        "runs": runs,
        "min": min(times),
        "median": statistics.median(times),
        "max": max(times),
        "cpu": statistics.median(cpu),
        "peak_mb": peak_kb / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--source", action="store_true", help="no cached bytecode: compile every module each run"
    )
    parser.add_argument(
        "--all", action="store_true", help="every file of the corpora today, not the fixed batch"
    )
    args = parser.parse_args()
    files = corpus_files() if args.all else batch_files()
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as bytecode:
        env = {**os.environ, "NDRBOT_CACHE_DIR": cache, "NDRBOT_DNS": "on"}
        env.pop("NDRBOT_KNOWLEDGE", None)
        if args.source:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = bytecode
        # Writes the knowledge cache (and the bytecode of every module the rows load).
        for warm in (["bounce", "5.7.1", "--no-dns"], ["explain", "--no-dns", *files]):
            subprocess.run([*NDRBOT, *warm], cwd=ROOT, env=env, capture_output=True, check=True)
        python = [sys.executable, "-S"]  # without site: the interpreter alone
        rows = [
            measure("reference: python -S -c pass (interpreter start)", ["-c", "pass"],
                    args.runs, env, python),
            measure("reference: python -S, a fixed pure-Python loop", ["-c", REFERENCE_LOOP],
                    args.runs, env, python),
            measure("reference: the same loop in two processes at once", ["-c", REFERENCE_PAIR],
                    args.runs, env, python),
            measure("bounce 5.7.1 --no-dns (cache warm)", ["bounce", "5.7.1", "--no-dns"],
                    args.runs, env),
            measure("bounce 5.7.1 --no-dns (no cache)", ["bounce", "5.7.1", "--no-dns"],
                    args.runs, {**env, "NDRBOT_CACHE_DIR": "off"}),
            measure("bounce TEXT --no-dns (a pasted reply)", ["bounce", PASTED, "--no-dns"],
                    args.runs, env),
            measure("explain --no-dns, one .eml (the README's)", ["explain", "--no-dns", EXAMPLE],
                    args.runs, env),
            measure(f"explain --no-dns, {len(files)} real bounces, --jobs 1",
                    ["explain", "--no-dns", "--jobs", "1", *files], args.runs, env),
            measure(f"explain --no-dns, {len(files)} real bounces (workers: cores)",
                    ["explain", "--no-dns", *files], args.runs, env),
            measure(f"explain --no-dns, the first {ISSUE_BATCH} of them (workers: cores)",
                    ["explain", "--no-dns", *files[:ISSUE_BATCH]], args.runs, env),
        ]  # fmt: skip
        server = ZoneServer().start()
        try:
            server.latency = 0.020
            rows.append(
                measure(
                    "explain, one .eml (the README's), DNS at 20 ms/query",
                    ["explain", "--nameserver", server.address, EXAMPLE],
                    args.runs,
                    env,
                )
            )
            rows.append(
                measure(
                    f"explain, {len(files)} real bounces, DNS at 20 ms/query",
                    ["explain", "--nameserver", server.address, *files],
                    max(1, args.runs // 2),
                    env,
                )
            )
        finally:
            server.stop()
        rows.append(
            measure(
                f"explain, {len(files)} real bounces, DNS server dead",
                ["explain", "--nameserver", "127.0.0.1:9", *files],
                1,
                env,
            )
        )
    header = f"{'whole process':<58} {'min':>7} {'median':>7} {'max':>7} {'CPU':>7} {'peak RSS':>9}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['bench']:<58} {row['min']:>6.3f}s {row['median']:>6.3f}s {row['max']:>6.3f}s"
            f" {row['cpu']:>6.3f}s {row['peak_mb']:>6.1f} MB"
        )
    print(
        f"({os.cpu_count()} cores; CPU: median user + system time, workers added; peak RSS of the"
        f" main process, workers not added; {'no cached' if args.source else 'cached'} bytecode)"
    )


if __name__ == "__main__":
    main()
