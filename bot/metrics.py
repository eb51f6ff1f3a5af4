"""Prometheus metrics on prometheus_client: ndrbot's counters and histograms, plus the standard
process, platform and garbage-collector metrics (RSS, CPU, open files, GC) that come with it.

Callers name a metric and its labels as they go (`METRICS.inc("ndrbot_requests_total",
platform="slack", intent="bounce")`); the first use declares it with those label names. The
exposition keeps the sample names dashboards know (`ndrbot_requests_total{...}`).

Only serving processes count: `ndrbot serve` calls `METRICS.enable()`. A one-shot command
(`ndrbot bounce`, `explain`) never imports prometheus_client, which would cost it 50 ms of start-up.
"""

from __future__ import annotations

import _thread
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from bot.model import CheckResult

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """One registry of ndrbot's metrics; `render()` gives the /metrics page."""

    def __init__(self, *, process: bool = True, enabled: bool = True) -> None:
        self.process = process
        self.enabled = enabled
        self._registry: CollectorRegistry | None = None
        self._lock = _thread.RLock()  # threading.RLock (whose module is ~1 ms to import)
        self._help: dict[str, str] = {}
        self._declared: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._metrics: dict[str, tuple[Any, tuple[str, ...]]] = {}

    def enable(self) -> None:
        """Start counting (serving processes)."""
        self.enabled = True

    @property
    def registry(self) -> CollectorRegistry:
        with self._lock:
            if self._registry is None:
                import prometheus_client as prom

                prom.disable_created_metrics()  # no `_created` series beside every counter
                self._registry = prom.CollectorRegistry(auto_describe=True)
                if self.process:
                    for collector in (
                        prom.PROCESS_COLLECTOR,
                        prom.PLATFORM_COLLECTOR,
                        prom.GC_COLLECTOR,
                    ):
                        self._registry.register(collector)
            return self._registry

    def describe(self, name: str, kind: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        """Declare a metric, so the page lists it (at zero) before its first use."""
        self._help[name] = help_text
        self._declared[name] = (kind, tuple(sorted(labels)))

    def _declare_all(self) -> None:
        for name, (kind, labels) in list(self._declared.items()):
            self._create(name, kind, labels)

    def _metric(self, name: str, kind: str, labels: dict[str, str]) -> Any:
        names = tuple(sorted(labels))
        metric, declared = self._create(name, kind, names)
        if declared != names:
            raise ValueError(f"metric {name} has labels {declared}, not {names}")
        return metric.labels(**labels) if names else metric

    def _create(self, name: str, kind: str, names: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        with self._lock:
            known = self._metrics.get(name)
            if known is None:
                import prometheus_client as prom

                help_text = self._help.get(name, name)
                if kind == "counter":
                    metric: Any = prom.Counter(
                        name.removesuffix("_total"), help_text, names, registry=self.registry
                    )
                else:
                    metric = prom.Histogram(
                        name, help_text, names, registry=self.registry, buckets=LATENCY_BUCKETS
                    )
                known = self._metrics[name] = (metric, names)
            return known

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        if self.enabled:
            self._metric(name, "counter", labels).inc(amount)

    def observe(self, name: str, value: float, **labels: str) -> None:
        if self.enabled:
            self._metric(name, "histogram", labels).observe(value)

    def value(self, name: str, **labels: str) -> float:
        """A counter's current value (0 when it was never counted)."""
        found = self.registry.get_sample_value(name, labels)
        return float(found) if found is not None else 0.0

    def render(self) -> str:
        from prometheus_client import generate_latest

        self._declare_all()
        return generate_latest(self.registry).decode("utf-8")


METRICS = Metrics(enabled=False)
METRICS.describe(
    "ndrbot_requests_total",
    "counter",
    "Messages, commands and events handled, by platform and kind",
    ("platform", "intent"),
)
METRICS.describe("ndrbot_diagnoses_total", "counter", "Diagnoses given, by reason", ("reason",))
METRICS.describe(
    "ndrbot_auto_replies_total",
    "counter",
    "Automatic replies posted to pasted bounces",
    ("platform",),
)
METRICS.describe(
    "ndrbot_dns_lookups_total",
    "counter",
    "DNS checks run, by check and status",
    ("check", "status"),
)
METRICS.describe(
    "ndrbot_dns_seconds",
    "histogram",
    "Time spent on the DNS checks of one answer (evidence or /checkmx)",
)
METRICS.describe(
    "ndrbot_answer_seconds",
    "histogram",
    "Time from a request to its answer, by intent",
    ("intent",),
)
METRICS.describe("ndrbot_errors_total", "counter", "Errors, by where they happened", ("where",))
METRICS.describe(
    "ndrbot_rate_limited_total", "counter", "Requests refused by the rate limits", ("platform",)
)


def count_dns_checks(checks: Iterable[CheckResult], seconds: float) -> None:
    """One answer's DNS checks, whoever asked for them (bounce evidence or /checkmx)."""
    checks = tuple(checks)
    if not checks:
        return
    METRICS.observe("ndrbot_dns_seconds", seconds)
    for check in checks:
        METRICS.inc("ndrbot_dns_lookups_total", check=check.name, status=check.status)
