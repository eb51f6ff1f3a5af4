"""Serving Slack's HTTP requests (/slack/events) with Bolt's WSGI handler, built for bursts.

Threads are started up front and every waiting connection is accepted per wakeup, so 50 slash
commands arriving together are acknowledged in tens of milliseconds; `gate` tells the bot's worker
that acks are in flight so background work lets them go first.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.adapters.health import health_response
from bot.adapters.slack_worker import AckGate

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1_000_000
"""Slack's requests are small; anything bigger is refused before its body is read."""


class _PooledWSGIServer(WSGIServer):
    """WSGI server handing connections to threads started up front.

    A thread per connection (ThreadingMixIn) makes the accept loop wait for every new thread to
    start, which under a burst of 50 slash commands added ~100 ms to the slowest ack.
    """

    request_queue_size = 256  # socketserver's default of 5 turns a burst into 1 s SYN retries
    threads = 8
    gate: AckGate | None = None
    """Set on the subclass `make_http_server` builds: acks in flight hold background work."""

    def server_activate(self) -> None:
        super().server_activate()
        self._queue: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._workers = [
            threading.Thread(target=self._work, name=f"ndrbot-http-{n}", daemon=True)
            for n in range(self.threads)
        ]
        for worker in self._workers:
            worker.start()

    def _handle_request_noblock(self) -> None:
        """Accept every waiting connection per wakeup, not one (the stdlib takes one per select).

        Under a burst the accept thread has to win the GIL back from busy threads for each
        accept(); draining the backlog while holding it keeps a burst of 50 from queueing behind
        50 GIL hand-offs.
        """
        self.socket.setblocking(False)
        for _ in range(self.request_queue_size):
            try:
                request, client_address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            request.setblocking(True)
            # The answer goes out in one segment: no Nagle wait between headers and body.
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.process_request(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        if self.gate is not None:
            self.gate.enter()  # from accept until the answer is sent
        self._queue.put((request, client_address))

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            request, client_address = item
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
                if self.gate is not None:
                    self.gate.leave()

    def server_close(self) -> None:
        super().server_close()
        for _ in getattr(self, "_workers", ()):
            self._queue.put(None)


class _QuietHandler(WSGIRequestHandler):
    timeout = 30  # seconds a client may take to send its request
    wbufsize = 1 << 16  # buffer the status line, headers and body: one send, not one per line

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)


def wsgi_app(app: App, path: str = "/slack/events") -> Callable[..., Iterable[bytes]]:
    """Bolt's WSGI handler plus /healthz, /metrics and a request size cap (checked before reading)."""
    handler = SlackRequestHandler(app, path=path)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET") == "GET":
            answer = health_response(
                environ.get("PATH_INFO", ""), lambda: {"ok": True, "platform": "slack"}
            )
            if answer is not None:
                status, ctype, body = answer
                reason = "OK" if status == 200 else "Service Unavailable"
                start_response(f"{status} {reason}", [("Content-Type", ctype)])
                return [body]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_REQUEST_BYTES:
            start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
            return [b"too large\n"]
        return handler(environ, start_response)

    return application


def make_http_server(app: App, host: str, port: int, *, gate: AckGate | None = None) -> WSGIServer:
    """A threaded WSGI server for /slack/events (not started: call serve_forever).

    With the bot's `gate`, background work waits while requests are being acknowledged.
    """
    server_class = type("SlackWSGIServer", (_PooledWSGIServer,), {"gate": gate})
    return make_server(
        host, port, wsgi_app(app), server_class=server_class, handler_class=_QuietHandler
    )
