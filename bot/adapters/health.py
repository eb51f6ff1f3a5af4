"""A tiny HTTP side server for /healthz and /metrics (Socket Mode Slack, Discord, containers)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot.metrics import METRICS

log = logging.getLogger(__name__)

HealthProbe = Callable[[], dict[str, object]]


def health_response(path: str, probe: HealthProbe) -> tuple[int, str, bytes] | None:
    """(status, content type, body) for /healthz and /metrics; None for other paths."""
    if path == "/healthz":
        state = probe()
        status = 200 if state.get("ok", True) else 503
        return status, "application/json", json.dumps(state).encode()
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
    log.info("health and metrics on http://%s:%d/healthz and /metrics", host, server.server_port)
    return server
