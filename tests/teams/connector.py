"""A loopback stand-in for the Bot Framework connector: records the activities the bot posts to
`/v3/conversations/{id}/activities` and serves files at `/files/{name}`."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Posted:
    conversation: str
    activity: dict[str, Any]


@dataclass
class Connector:
    posted: list[Posted] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    """Answers for the next posts, in order (status, headers), before the normal 200."""
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}/"

    def start(self) -> Connector:
        connector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                parts = self.path.split("/")
                with connector.lock:
                    connector.attempts += 1
                    failure = connector.failures.pop(0) if connector.failures else None
                if failure is not None:
                    status, headers = failure
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                if len(parts) >= 5 and parts[1:3] == ["v3", "conversations"]:
                    conversation = urllib.parse.unquote(parts[3])
                    with connector.lock:
                        connector.posted.append(Posted(conversation, body))
                self._send(200, b'{"id": "1800000000000"}', "application/json")

            def do_GET(self) -> None:
                name = self.path.rsplit("/", 1)[-1]
                data = connector.files.get(name)
                if data is None:
                    self._send(404, b"", "text/plain")
                else:
                    self._send(200, data, "application/octet-stream")

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.posted.clear()
            self.files.clear()
            self.failures.clear()
            self.attempts = 0

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Posted]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.posted) >= count:
                    return list(self.posted)
            time.sleep(0.05)
        with self.lock:
            return list(self.posted)
