"""A loopback stand-in for Slack: the Web API, response_url and file downloads, all recorded.

Also builds requests the way Slack does (signed with the signing secret) and sends them to the
Bolt app served on 127.0.0.1. Used by the Slack tests and by bench/bench_slack.py.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from slack_sdk.signature import SignatureVerifier

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0001"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-token"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.perf_counter)
    """When it arrived (perf_counter)."""

    @property
    def json(self) -> dict[str, Any]:
        if self.headers.get("content-type", "").startswith("application/json"):
            return json.loads(self.body or b"{}")
        form = urllib.parse.parse_qs(self.body.decode())
        out: dict[str, Any] = {k: v[0] for k, v in form.items()}
        for key in ("blocks", "attachments"):
            if isinstance(out.get(key), str):
                out[key] = json.loads(out[key])
        return out


@dataclass
class StubState:
    requests: list[Recorded] = field(default_factory=list)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    """path under /files/ -> (content, content type)."""
    file_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    """file id -> the `file` object files.info returns."""
    failures: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = field(
        default_factory=dict
    )
    """API method -> queued (status, headers, body) answers to give before the normal one."""
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class SlackStub:
    """ThreadingHTTPServer on 127.0.0.1 answering like slack.com (only what ndrbot calls)."""

    def __init__(self) -> None:
        self.state = StubState()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def start(self) -> SlackStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.state.lock:
            self.state.requests.clear()
            self.state.files.clear()
            self.state.file_info.clear()
            self.state.failures.clear()
            self.state.delay = 0.0

    def calls(self, path: str) -> list[Recorded]:
        with self.state.lock:
            return [r for r in self.state.requests if r.path == path]

    def posts(self) -> list[dict[str, Any]]:
        """Bodies of chat.postMessage calls that succeeded (answered ok)."""
        return [r.json for r in self.calls("/api/chat.postMessage")]

    def responses(self, prefix: str = "/response/") -> list[Recorded]:
        with self.state.lock:
            return [r for r in self.state.requests if r.path.startswith(prefix)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return predicate()

    def fail_next(self, method: str, status: int, body: dict[str, Any], **headers: str) -> None:
        with self.state.lock:
            self.state.failures.setdefault(method, []).append((status, headers, body))


def _handler(state: StubState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _record(self) -> Recorded:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            parts = urllib.parse.urlsplit(self.path)
            if parts.query and not body:
                body = parts.query.encode()  # GET Web API calls: treat the query as a form
            record = Recorded(self.command, parts.path, headers, body)
            with state.lock:
                state.requests.append(record)
            return record

        def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def _json(
            self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            self._send(status, json.dumps(data).encode(), "application/json", headers or {})

        def do_GET(self) -> None:
            record = self._record()
            if record.path.startswith("/files/"):
                if record.headers.get("authorization") != f"Bearer {TOKEN}":
                    self._send(200, b"<html>sign in</html>", "text/html", {})
                    return
                with state.lock:
                    found = state.files.get(record.path[len("/files/") :])
                if found is None:
                    self._send(404, b"not found", "text/plain", {})
                else:
                    self._send(200, found[0], found[1], {})
                return
            if record.path.startswith("/api/"):
                self._api(record)
                return
            self._send(404, b"not found", "text/plain", {})

        def do_POST(self) -> None:
            record = self._record()
            if record.path.startswith("/response/"):
                self._send(200, b"ok", "text/html", {})
                return
            self._api(record)

        def _api(self, record: Recorded) -> None:
            if state.delay:
                time.sleep(state.delay)
            method = record.path.removeprefix("/api/")
            with state.lock:
                queued = state.failures.get(method)
                failure = queued.pop(0) if queued else None
            if failure is not None:
                status, headers, body = failure
                self._json(status, body, headers)
                return
            if method == "auth.test":
                self._json(
                    200,
                    {
                        "ok": True,
                        "user_id": BOT_USER,
                        "bot_id": BOT_ID,
                        "team_id": TEAM,
                        "user": "ndrbot",
                    },
                )
            elif method == "chat.postMessage":
                self._json(
                    200,
                    {"ok": True, "ts": f"{time.time():.6f}", "channel": record.json.get("channel")},
                )
            elif method == "files.info":
                file_id = record.json.get("file", "")
                with state.lock:
                    info = state.file_info.get(file_id)
                if info is None:
                    self._json(200, {"ok": False, "error": "file_not_found"})
                else:
                    self._json(200, {"ok": True, "file": info})
            else:
                self._json(200, {"ok": False, "error": "unknown_method"})

    return Handler


# -- requests as Slack sends them ----------------------------------------------------------------


def sign(body: bytes, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def post(
    url: str,
    body: bytes,
    content_type: str,
    *,
    headers: dict[str, str] | None = None,
    timestamp: int | None = None,
    secret: str = SECRET,
) -> tuple[int, bytes, float]:
    """POST a signed request; (status, body, seconds until the answer arrived)."""
    parts = urllib.parse.urlsplit(url)
    all_headers = {"Content-Type": content_type, **sign(body, timestamp, secret), **(headers or {})}
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    started = time.perf_counter()
    try:
        conn.request("POST", parts.path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - started
    finally:
        conn.close()


def command_body(
    command: str, text: str, response_url: str, *, channel: str = "C0001", user: str = "U0001"
) -> bytes:
    return urllib.parse.urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "mail-ops",
            "user_id": user,
            "user_name": "alice",
            "command": command,
            "text": text,
            "api_app_id": "A0001",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    ).encode()


def event_body(event: dict[str, Any], event_id: str) -> bytes:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": TEAM,
                    "user_id": BOT_USER,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
    ).encode()


def shortcut_body(message: dict[str, Any], response_url: str, *, channel: str = "C0001") -> bytes:
    payload = {
        "type": "message_action",
        "callback_id": "explain_bounce",
        "trigger_id": "1.2.3",
        "response_url": response_url,
        "team": {"id": TEAM, "domain": "example"},
        "channel": {"id": channel, "name": "mail-ops"},
        "user": {"id": "U0002", "name": "bob"},
        "message_ts": message.get("ts"),
        "message": {"type": "message", **message},
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


def start_ndrbot_slack(
    stub: SlackStub, **extra_env: str
) -> tuple[subprocess.Popen[str], str, list[str]]:
    """`ndrbot serve slack --http` on a free loopback port, talking to the stub.

    Returns the process, the server's base URL (http://127.0.0.1:PORT) and its start-up lines.
    """
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": stub.api_url,
        "NDRBOT_DNS": "false",
        "PYTHONPATH": str(root),
        **extra_env,
    }
    env.pop("SLACK_APP_TOKEN", None)
    args = ["serve", "slack", "--http", "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=root,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    lines: list[str] = []
    while line := process.stderr.readline():
        lines.append(line)
        found = re.search(r"(http://127\.0\.0\.1:\d+)/slack/events", line)
        if found:
            return process, found.group(1), lines
    process.kill()
    raise AssertionError("ndrbot serve slack did not start:\n" + "".join(lines))
