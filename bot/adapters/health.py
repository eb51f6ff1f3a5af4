"""A tiny HTTP side server for /healthz, /readyz and /metrics (Socket Mode Slack, Discord, containers).

/healthz is liveness: the process answers. /readyz is readiness: the bot is connected to its chat
platform and can take work; when it is not, 503 and the reason ("cannot reach Slack: connection
refused, retrying", "disconnected from the Discord gateway", "shutting down").
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot.metrics import METRICS

log = logging.getLogger(__name__)

HealthProbe = Callable[[], dict[str, object]]
ReadyProbe = Callable[[], str | None]
"""None when connected and ready; otherwise why not."""


class Readiness:
    """Whether the bot can take work now: set by the platform adapter, read by /readyz."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._probe: ReadyProbe | None = None
        self._reason = "starting"

    def not_ready(self, reason: str) -> None:
        with self._lock:
            self._probe, self._reason = None, reason

    def watch(self, probe: ReadyProbe) -> None:
        """Ready while `probe` says so (asked at each /readyz: a dropped socket shows at once)."""
        with self._lock:
            self._probe = probe

    def state(self) -> tuple[bool, str]:
        with self._lock:
            probe, reason = self._probe, self._reason
        if probe is None:
            return False, reason
        try:
            problem = probe()
        except Exception as exc:  # a probe must never take the health server down
            problem = f"readiness probe failed ({type(exc).__name__})"
        return problem is None, problem or "connected"


READINESS = Readiness()


def health_response(path: str, probe: HealthProbe) -> tuple[int, str, bytes] | None:
    """(status, content type, body) for /healthz, /readyz and /metrics; None for other paths."""
    if path == "/healthz":
        state = probe()
        status = 200 if state.get("ok", True) else 503
        return status, "application/json", json.dumps(state).encode()
    if path == "/readyz":
        ready, reason = READINESS.state()
        body = json.dumps({"ready": ready, "reason": reason}).encode()
        return (200 if ready else 503), "application/json", body
    if path == "/metrics":
        return 200, "text/plain; version=0.0.4", METRICS.render().encode()
    return None


def start_health_server(host: str, port: int, probe: HealthProbe) -> ThreadingHTTPServer:
    """Serve /healthz and /metrics on host:port in a daemon thread; returns the server."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer = health_response(self.path.split("?", 1)[0], probe)
            status, ctype, body = answer or (404, "text/plain", b"not found\n")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("health: " + format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="ndrbot-health", daemon=True).start()
    log.info("health on http://%s:%d/healthz, /readyz and /metrics", host, server.server_port)
    return server
