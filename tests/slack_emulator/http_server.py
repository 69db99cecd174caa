"""The HTTP port on 127.0.0.1: Web API calls, response_url posts, file uploads; request signing."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from tests.slack_emulator.records import DROP, JSON_FIELDS

if TYPE_CHECKING:
    from tests.slack_emulator.emulator import SlackEmulator


def signed_headers(signing_secret: str, body: bytes, timestamp: int | None = None) -> dict:
    """Headers Slack adds to an HTTP-mode request (v0 HMAC-SHA256 signature)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    base = f"v0:{ts}:".encode() + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def decode_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if body:
        if "json" in content_type:
            decoded = json.loads(body.decode("utf-8"))
            if isinstance(decoded, dict):
                params.update(decoded)
        else:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            params.update({k: v[-1] for k, v in form.items()})
    for key in JSON_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


# --------------------------------------------------------------------------- HTTP side


class HttpHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HttpServer

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr access logs
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        emu = self.server.emulator
        if parts.path.startswith("/api/"):
            status, headers, payload = emu._handle_api(
                parts.path[len("/api/") :],
                self.headers.get("Authorization", ""),
                self.headers.get("Content-Type", ""),
                body,
                parts.query,
            )
            if status == DROP:  # taken, then the link dies before the answer
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._reply(status, json.dumps(payload).encode(), "application/json", headers)
        elif parts.path.startswith("/response/"):
            status, text = emu._handle_response_url(parts.path, body)
            self._reply(status, text.encode(), "text/plain", {})
        elif parts.path.startswith("/upload/"):
            status, text = emu._handle_upload(parts.path[len("/upload/") :], body)
            self._reply(status, text.encode(), "text/plain", {})
        else:
            self._reply(404, b"not found", "text/plain", {})

    def _reply(self, status: int, data: bytes, ctype: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections under a burst (the client retries after 1 s).
    request_queue_size = 128
    emulator: SlackEmulator
