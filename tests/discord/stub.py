"""A loopback stand-in for Discord's REST API and CDN that records every request it gets.

Answers the few routes ndrbot uses with recorded-shape JSON (`Content-Type: application/json`
with no charset, as discord.py compares the header exactly) and serves attachment bytes at
`/files/<name>`.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

PAYLOADS = Path(__file__).parent / "payloads"
API = "/api/v10"


def load_payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


class DiscordStub:
    """Threaded HTTP server on 127.0.0.1 (a free port) that fakes the Discord API."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.files: dict[str, bytes] = {}
        self.app_flags = 1 << 19  # GATEWAY_MESSAGE_CONTENT_LIMITED: the intent is granted
        self.fail_threads = False
        self.reject_login = False
        self._lock = threading.Lock()
        self._ids = itertools.count(1400000000000000001)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> DiscordStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
        self.files.clear()
        self.app_flags = 1 << 19
        self.fail_threads = False
        self.reject_login = False

    def file_url(self, name: str, data: bytes) -> str:
        self.files[name] = data
        return f"{self.url}/files/{name}"

    def api(self, method: str | None = None, pattern: str = "") -> list[Request]:
        """Recorded API requests (login calls excluded), optionally filtered by a path regex."""
        with self._lock:
            found = list(self.requests)
        return [
            r
            for r in found
            if r.path.startswith(API)
            and r.path not in (f"{API}/users/@me", f"{API}/oauth2/applications/@me")
            and (method is None or r.method == method)
            and re.search(pattern, r.path[len(API) :])
        ]

    def downloads(self) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith("/files/")]

    # ------------------------------------------------------------------ answers

    def answer(self, request: Request) -> tuple[int, Any]:
        path = request.path[len(API) :] if request.path.startswith(API) else request.path
        if request.method == "GET" and path.startswith("/files/"):
            data = self.files.get(path[len("/files/") :])
            return (200, data) if data is not None else (404, {"message": "404", "code": 0})
        if request.method == "GET" and path == "/users/@me":
            if self.reject_login:
                return 401, {"message": "401: Unauthorized", "code": 0}
            return 200, load_payload("user_me.json")
        if request.method == "GET" and path == "/oauth2/applications/@me":
            app = load_payload("application.json")
            app["flags"] = self.app_flags
            return 200, app
        if match := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            body = request.json or {}
            return 200, {
                "interaction": {
                    "id": match[1],
                    "type": 2,
                    "response_message_loading": body.get("type") == 5,
                    "response_message_ephemeral": False,
                }
            }
        if match := re.fullmatch(r"/webhooks/(\d+)/([^/]+)", path):
            return 200, self._message(request.json or {}, channel_id="1100000000000000010")
        if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", path):
            if self.fail_threads:
                return 403, {"message": "Missing Permissions", "code": 50013}
            return 201, self._thread_for(match[1], match[2], request.json or {})
        if match := re.fullmatch(r"/channels/(\d+)/messages", path):
            return 200, self._message(request.json or {}, channel_id=match[1])
        if match := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", path):
            return 200, [
                {
                    "id": str(next(self._ids)),
                    "application_id": match[1],
                    "guild_id": match[2],
                    "version": "1",
                    "type": command.get("type", 1),
                    "default_member_permissions": None,
                    "description": "",
                    **command,
                }
                for command in request.json or []
            ]
        return 404, {"message": "404: Not Found", "code": 0}

    def _message(self, body: dict[str, Any], *, channel_id: str) -> dict[str, Any]:
        return {
            "id": str(next(self._ids)),
            "channel_id": channel_id,
            "type": 0,
            "author": load_payload("user_me.json"),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": "2025-01-01T00:00:00.000000+00:00",
            "edited_timestamp": None,
            "flags": body.get("flags", 0),
        }

    def _thread_for(self, channel_id: str, message_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": message_id,  # a thread started on a message takes the message's id
            "type": 11,
            "guild_id": "1100000000000000001",
            "parent_id": channel_id,
            "owner_id": "1100000000000000100",
            "name": body.get("name", ""),
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": "2025-01-01T00:00:00.000000+00:00",
                "locked": False,
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with stub._lock:
                    stub.requests.append(request)
                status, payload = stub.answer(request)
                if isinstance(payload, bytes):
                    data, kind = payload, "application/octet-stream"
                else:
                    data, kind = json.dumps(payload).encode(), "application/json"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
