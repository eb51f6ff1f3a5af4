"""A small Prometheus registry: counters and histograms, text exposition format 0.0.4."""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.model import CheckResult

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

Labels = tuple[tuple[str, str], ...]


def _labels(labels: dict[str, str]) -> Labels:
    return tuple(sorted(labels.items()))


def _render_labels(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    items = labels + extra
    if not items:
        return ""
    escaped = (
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in items
    )
    return "{" + ",".join(escaped) + "}"


class Metrics:
    """Thread-safe counters and histograms; `render()` gives the /metrics page."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._help: dict[str, tuple[str, str]] = {}
        self._counters: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._histograms: dict[str, dict[Labels, list[float]]] = defaultdict(dict)

    def describe(self, name: str, kind: str, help_text: str) -> None:
        self._help[name] = (kind, help_text)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = _labels(labels)
        with self._lock:
            series = self._counters[name]
            series[key] = series.get(key, 0.0) + amount

    def observe(self, name: str, value: float, **labels: str) -> None:
        key = _labels(labels)
        with self._lock:
            series = self._histograms[name]
            counts = series.get(key)
            if counts is None:
                counts = series[key] = [0.0] * (len(LATENCY_BUCKETS) + 2)  # buckets, +Inf, sum
            counts[bisect_left(LATENCY_BUCKETS, value)] += 1
            counts[-1] += value

    def value(self, name: str, **labels: str) -> float:
        with self._lock:
            return self._counters.get(name, {}).get(_labels(labels), 0.0)

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            for name in sorted(set(self._counters) | set(self._histograms) | set(self._help)):
                kind, help_text = self._help.get(name, ("counter", name))
                lines.append(f"# HELP {name} {help_text}")
                lines.append(f"# TYPE {name} {kind}")
                for labels, total in sorted(self._counters.get(name, {}).items()):
                    lines.append(f"{name}{_render_labels(labels)} {total:g}")
                for labels, counts in sorted(self._histograms.get(name, {}).items()):
                    running = 0.0
                    for bound, count in zip(LATENCY_BUCKETS, counts, strict=False):
                        running += count
                        lines.append(
                            f"{name}_bucket{_render_labels(labels, (('le', f'{bound:g}'),))} {running:g}"
                        )
                    running += counts[len(LATENCY_BUCKETS)]
                    lines.append(
                        f"{name}_bucket{_render_labels(labels, (('le', '+Inf'),))} {running:g}"
                    )
                    lines.append(f"{name}_sum{_render_labels(labels)} {counts[-1]:g}")
                    lines.append(f"{name}_count{_render_labels(labels)} {running:g}")
        return "\n".join(lines) + "\n"


METRICS = Metrics()
METRICS.describe(
    "ndrbot_requests_total",
    "counter",
    "Messages, commands and events handled, by platform and kind",
)
METRICS.describe("ndrbot_diagnoses_total", "counter", "Diagnoses given, by reason")
METRICS.describe(
    "ndrbot_auto_replies_total", "counter", "Automatic replies posted to pasted bounces"
)
METRICS.describe("ndrbot_dns_lookups_total", "counter", "DNS checks run, by check and status")
METRICS.describe(
    "ndrbot_dns_seconds",
    "histogram",
    "Time spent on the DNS checks of one answer (evidence or /checkmx)",
)
METRICS.describe(
    "ndrbot_answer_seconds", "histogram", "Time from a request to its answer, by intent"
)
METRICS.describe("ndrbot_errors_total", "counter", "Errors, by where they happened")
METRICS.describe("ndrbot_rate_limited_total", "counter", "Requests refused by the rate limits")


def count_dns_checks(checks: Iterable[CheckResult], seconds: float) -> None:
    """One answer's DNS checks, whoever asked for them (bounce evidence or /checkmx)."""
    checks = tuple(checks)
    if not checks:
        return
    METRICS.observe("ndrbot_dns_seconds", seconds)
    for check in checks:
        METRICS.inc("ndrbot_dns_lookups_total", check=check.name, status=check.status)
