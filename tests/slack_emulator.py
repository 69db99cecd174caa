"""A local, in-process Slack emulator for end-to-end tests.

What it emulates
----------------
* The Slack **Web API** over plain HTTP on 127.0.0.1 (ephemeral port), good enough for
  slack_sdk's ``WebClient(token=..., base_url=emu.api_url)``: ``auth.test``,
  ``apps.connections.open``, ``chat.postMessage``, ``chat.postEphemeral``, ``chat.update``,
  ``chat.getPermalink``, ``chat.unfurl``, ``conversations.open``, ``conversations.info``,
  ``conversations.history``, ``conversations.replies``, ``users.info`` and ``views.publish``
  (at most 100 blocks in a Home tab), with Slack's response shapes and error codes
  (``invalid_auth``, ``not_allowed_token_type``, ``not_in_channel``, ``channel_not_found``,
  ``is_archived``, ``thread_not_found``, ``no_text``, ``invalid_blocks``,
  ``message_not_found``, ``user_not_found``, ``unknown_method``). Both form-encoded and JSON
  bodies are accepted.
* **Socket Mode**: a WebSocket server (the ``websockets`` library, on a second port) that
  sends ``hello`` on connect, pushes ``slash_commands`` / ``interactive`` / ``events_api``
  envelopes to the most recent connection and records the client's acks with their latency.
  slack_sdk's built-in ``SocketModeClient`` (used by slack_bolt's ``SocketModeHandler``)
  connects to it unmodified (it uses plain TCP when the port is not 443).
* **response_url** endpoints (``/response/<id>`` on the HTTP port): JSON bodies are recorded;
  after 5 posts to one URL the answer is HTTP 404 ``used_url``, as Slack does.
* File uploads as slack_sdk's ``files_upload_v2`` makes them (``files.getUploadURLExternal``,
  the upload URL on the HTTP port, ``files.completeUploadExternal``); shared files are kept
  (``files()``).
* Home tab clicks (``send_block_action(..., view_id=...)``: no response_url, as Slack sends
  them) and ``link_shared`` events (``send_link_shared``); the unfurls and Home tabs the bot
  sent are kept (``unfurls()``, ``home_view(user)``).
* Message **history**: every message posted keeps its ``metadata`` (``event_type`` and
  ``event_payload``), returned by ``conversations.history`` (top-level messages, newest
  first) and ``conversations.replies`` (a thread, parent first) only with
  ``include_all_metadata``, as Slack does.
* **OAuth install** (``oauth.v2.access``): the test issues codes with ``issue_oauth_code``,
  each good once (a second use, or an unknown code, is ``invalid_code``; a wrong client id
  or secret ``invalid_client_id`` / ``bad_client_secret``); each code grants a new bot token
  for its workspace. ``auth.test`` answers each token with its own workspace, and
  ``revoke_token`` makes a token ``invalid_auth`` (``token_revoked``) from then on.
* Fault injection (``fail_next``): ``{"ok": false, "error": ...}`` or HTTP 429 with
  Retry-After; ``drop=True`` takes the call (the message is posted) and then closes the
  connection without an answer, as when a link dies after Slack took a post (with
  ``taken=False`` it dies before Slack took it); ``match="text"`` applies the fault only to
  calls whose parameters contain that text (Slack refusing one message, every time).
  A slow Slack (``delay_next``): the next calls of a method are answered after a delay.

What it does not emulate
------------------------
TLS, Slack's authorize page (tests call the redirect URL themselves), token expiry (a
rotated-out token keeps working), per-workspace channels and users (every workspace sees the
same ones), real channel membership, history of messages not posted through it,
rate limits other than injected ones, file uploads, modals (``views.open``/``views.update``),
message formatting or block validation beyond a list of at most 50 blocks, retries of
unacknowledged envelopes, Events API over HTTP (use ``signed_headers`` to sign such requests
yourself), and enterprise grid.

Usage::

    with SlackEmulator(bot_token="xoxb-test", app_token="xapp-test") as emu:
        client = WebClient(token="xoxb-test", base_url=emu.api_url)
        ...
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0001"
MAX_BLOCKS = 50
MAX_TEXT = 40_000
RESPONSE_URL_MAX_POSTS = 5
# Fields slack_sdk serialises as JSON strings inside form-encoded bodies.
JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "user_auth_blocks", "unfurls", "files")
MAX_VIEW_BLOCKS = 100


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Call:
    """One Web API request as received (also the failed ones)."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float  # time.monotonic()


@dataclass(frozen=True)
class Message:
    """A message posted through the Web API (latest version if updated)."""

    channel: str
    ts: str
    thread_ts: str | None
    text: str | None
    blocks: list[dict] | None
    user: str | None  # target user of an ephemeral message, else None
    kind: str  # "message" | "ephemeral"
    metadata: dict | None = None  # {"event_type": ..., "event_payload": {...}} if posted with it


@dataclass(frozen=True)
class Ack:
    """A Socket Mode acknowledgement sent by the client."""

    envelope_id: str
    payload: dict | None
    latency: float  # seconds from send_* to the ack arriving


@dataclass
class _Fault:
    error: str
    status: int
    retry_after: int
    times: int
    drop: bool = False  # close the connection without answering
    taken: bool = True  # with drop: the call was carried out before the connection died
    match: str | None = None  # only calls whose parameters hold this text


# `_handle_api`'s status for "close the connection without an answer".
DROP = 0


@dataclass
class _User:
    id: str
    tz: str
    tz_offset: int
    deleted: bool
    name: str
    real_name: str


@dataclass
class _Channel:
    id: str
    name: str
    member: bool
    archived: bool


@dataclass
class _State:
    """Everything `reset()` forgets."""

    calls: list[Call] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    response_posts: list[tuple[str, dict]] = field(default_factory=list)
    response_counts: dict[str, int] = field(default_factory=dict)
    faults: dict[str, list[_Fault]] = field(default_factory=dict)
    delays: dict[str, list[float]] = field(default_factory=dict)  # seconds, one per call
    sent_at: dict[str, float] = field(default_factory=dict)
    acks: dict[str, Ack] = field(default_factory=dict)
    unfurls: list[dict] = field(default_factory=list)  # chat.unfurl params as received
    uploads: dict[str, dict] = field(default_factory=dict)  # file id -> name, length, content
    files: list[dict] = field(default_factory=list)  # files shared: channel, name, title, content
    home_views: dict[str, dict] = field(default_factory=dict)  # user -> latest published view


class SlackError(Exception):
    """Raised by a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


# --------------------------------------------------------------------------- helpers


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


def _decode_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
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


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


# --------------------------------------------------------------------------- HTTP side


class _HttpHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HttpServer

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


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections under a burst (the client retries after 1 s).
    request_queue_size = 128
    emulator: SlackEmulator


# --------------------------------------------------------------------------- emulator


class SlackEmulator:
    """Slack Web API + Socket Mode + response_url emulator; see the module docstring."""

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        team_id: str = "T0001",
        team_domain: str = "papers-test",
    ):
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.team_domain = team_domain
        self._cond = threading.Condition(threading.RLock())
        self._state = _State()
        self._users: dict[str, _User] = {}
        self._channels: dict[str, _Channel] = {}
        self._known_ts: set[tuple[str, str]] = set()  # (channel, ts) usable as thread parents
        self._last_ts_us = 0
        self._connections: list[ServerConnection] = []
        # The default bot token's scopes, sent as X-OAuth-Scopes (None: no such header).
        self.bot_scopes: str | None = None
        self.client_id: str | None = None  # set both to check oauth.v2.access's credentials
        self.client_secret: str | None = None
        self._codes: dict[str, dict[str, Any]] = {}  # OAuth code -> what it grants
        self._team_tokens: dict[str, dict[str, Any]] = {}  # bot token -> its workspace
        self._refresh_tokens: dict[str, dict[str, Any]] = {}  # refresh token -> its workspace
        self._revoked: set[str] = set()
        self._current_token: str | None = None  # the token of the call being handled
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "oauth.v2.access": self._oauth_v2_access,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "users.info": self._users_info,
            "views.publish": self._views_publish,
            "chat.unfurl": self._chat_unfurl,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self._httpd: _HttpServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ws_server: Server | None = None
        self._threads: list[threading.Thread] = []
        self.http_port = 0
        self.ws_port = 0

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> SlackEmulator:
        self._httpd = _HttpServer(("127.0.0.1", 0), _HttpHandler)
        self._httpd.emulator = self
        self.http_port = self._httpd.server_address[1]
        self._spawn(lambda: self._httpd.serve_forever(0.05), "slack-emu-http")

        self._loop = asyncio.new_event_loop()
        self._spawn(self._loop.run_forever, "slack-emu-ws")
        self._ws_server = asyncio.run_coroutine_threadsafe(self._start_ws(), self._loop).result(5)
        self.ws_port = self._ws_server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._loop is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._stop_ws(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target: Callable[[], Any], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/api/"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}/link/"

    # ----------------------------------------------------------------- setup

    def add_user(
        self,
        user_id: str,
        tz: str = "UTC",
        tz_offset: int = 0,
        deleted: bool = False,
        *,
        name: str | None = None,
        real_name: str | None = None,
    ) -> None:
        with self._cond:
            self._users[user_id] = _User(
                id=user_id,
                tz=tz,
                tz_offset=tz_offset,
                deleted=deleted,
                name=name or user_id.lower(),
                real_name=real_name or f"User {user_id}",
            )

    def add_channel(
        self,
        channel_id: str,
        member: bool = True,
        archived: bool = False,
        *,
        name: str | None = None,
    ) -> None:
        with self._cond:
            self._channels[channel_id] = _Channel(
                id=channel_id, name=name or channel_id.lower(), member=member, archived=archived
            )

    def add_message(self, channel: str, ts: str | None = None) -> str:
        """Declare a message posted by someone else, so it can be a thread parent."""
        with self._cond:
            ts = ts or self._next_ts()
            self._known_ts.add((channel, ts))
            return ts

    def issue_oauth_code(
        self,
        team_id: str,
        team_name: str = "",
        *,
        installer: str = "UINSTALLER",
        enterprise_id: str | None = None,
        scope: str = "commands,chat:write",
        expires_in: int | None = None,
    ) -> str:
        """A code, as Slack's authorize page hands it to the redirect URL; good for one exchange.

        With `expires_in` (seconds), the app rotates tokens: each grant has a refresh token,
        exchanged through ``oauth.v2.access`` with ``grant_type=refresh_token`` for a new token.
        """
        code = f"code-{uuid.uuid4().hex[:12]}"
        with self._cond:
            self._codes[code] = {
                "team": {"id": team_id, "name": team_name or team_id},
                "enterprise": {"id": enterprise_id, "name": enterprise_id}
                if enterprise_id
                else None,
                "installer": installer,
                "scope": scope,
                "expires_in": expires_in,
            }
        return code

    def team_of(self, token: str | None) -> str | None:
        """The workspace a token was issued for (the default bot token: ``team_id``)."""
        if token == self.bot_token:
            return self.team_id
        grant = self._team_tokens.get(token or "")
        return grant["team"]["id"] if grant else None

    def revoke_token(self, token: str) -> None:
        """From now on the token is refused (``token_revoked``), as after an uninstall."""
        with self._cond:
            self._revoked.add(token)

    def fail_next(
        self,
        method: str,
        error: str = "not_in_channel",
        *,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        drop: bool = False,
        taken: bool = True,
        match: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail (see the module docstring)."""
        retry = 1 if retry_after is None else retry_after
        fault = _Fault(error, status, retry, times, drop, taken, match)
        with self._cond:
            self._state.faults.setdefault(method, []).append(fault)

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` only after `seconds` (a slow Slack)."""
        with self._cond:
            self._state.delays.setdefault(method, []).extend([seconds] * times)

    def reset(self) -> None:
        with self._cond:
            self._state = _State()

    # ----------------------------------------------------------------- inspection

    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._state.calls if method is None or c.method == method]

    def messages(self, channel: str | None = None) -> list[Message]:
        with self._cond:
            return [m for m in self._state.messages if channel is None or m.channel == channel]

    def response_posts(
        self, timeout: float = 0, min_count: int = 1, *, url: str | None = None
    ) -> list[dict]:
        def current() -> list[dict]:
            posts = self._state.response_posts
            return [body for u, body in posts if url is None or u.endswith(urlsplit(url).path)]

        with self._cond:
            if timeout > 0 and not self._cond.wait_for(
                lambda: len(current()) >= min_count, timeout
            ):
                raise TimeoutError(f"fewer than {min_count} response_url posts: {current()}")
            return current()

    def unfurls(self) -> list[dict]:
        """The chat.unfurl calls that succeeded: each {"channel", "ts", "unfurls"}."""
        with self._cond:
            return list(self._state.unfurls)

    def files(self, channel: str | None = None) -> list[dict]:
        """Files shared by the bot (files_upload_v2): channel, name, title, content, comment."""
        with self._cond:
            return [f for f in self._state.files if channel is None or f["channel"] == channel]

    def home_view(self, user: str) -> dict | None:
        """The Home tab last published for `user` (the `view` of views.publish), or None."""
        with self._cond:
            return self._state.home_views.get(user)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5) -> Any:
        """Poll `predicate` (woken early by any emulator event); return its truthy value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            with self._cond:
                self._cond.wait(min(0.05, remaining))

    def wait_socket_connected(self, timeout: float = 10) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._connections), timeout):
                raise TimeoutError("no Socket Mode connection")

    @property
    def socket_connections(self) -> int:
        with self._cond:
            return len(self._connections)

    def wait_ack(self, envelope_id: str, timeout: float = 5) -> Ack:
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self._state.acks, timeout):
                raise TimeoutError(f"no ack for envelope {envelope_id}")
            return self._state.acks[envelope_id]

    # ----------------------------------------------------------------- Socket Mode pushes

    def send_slash_command(
        self,
        text: str = "",
        command: str = "/papers",
        user_id: str = "U1",
        channel_id: str = "C1",
        team_id: str | None = None,
        *,
        response_url: str | None = None,
    ) -> str:
        channel = self._channels.get(channel_id)
        payload = {
            "token": "verification-token",
            "team_id": team_id or self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel.name if channel else "directmessage",
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url or self.new_response_url(),
            "trigger_id": self._trigger_id(),
        }
        return self._send_envelope("slash_commands", payload, accepts_response_payload=True)

    def send_block_action(
        self,
        action_id: str,
        value: str = "",
        user_id: str = "U1",
        channel_id: str = "C1",
        response_url: str | None = None,
        *,
        block_id: str = "actions",
        message_ts: str | None = None,
        view_id: str | None = None,
    ) -> str:
        """Push a button click. With `view_id` it is a click in the clicker's Home tab: the
        payload carries the view and, as from Slack, neither channel nor response_url."""
        if view_id is not None:
            return self._send_view_action(action_id, value, user_id, view_id, block_id)
        with self._cond:
            channel = self._channels.get(channel_id)
            message = self._find_message(channel_id, message_ts) if message_ts else None
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": message_ts or self._next_ts(),
            "channel_id": channel_id,
            "is_ephemeral": bool(message and message.kind == "ephemeral"),
        }
        payload = self._block_action(action_id, value, user_id, block_id, container)
        payload.update(
            channel={"id": channel_id, "name": channel.name if channel else "directmessage"},
            state={"values": {}},
            response_url=response_url or self.new_response_url(),
        )
        if message is not None and message.kind == "message":
            payload["message"] = self._message_json(message)
        return self._send_envelope("interactive", payload, accepts_response_payload=False)

    def _send_view_action(
        self, action_id: str, value: str, user_id: str, view_id: str, block_id: str
    ) -> str:
        with self._cond:
            view = dict(self._state.home_views.get(user_id) or {"type": "home", "blocks": []})
        view.update(id=view_id, team_id=self.team_id, app_id=APP_ID, bot_id=BOT_ID)
        container = {"type": "view", "view_id": view_id}
        payload = self._block_action(action_id, value, user_id, block_id, container)
        payload["view"] = view
        return self._send_envelope("interactive", payload, accepts_response_payload=False)

    def _block_action(
        self, action_id: str, value: str, user_id: str, block_id: str, container: dict
    ) -> dict[str, Any]:
        """The part of a ``block_actions`` payload every button click has, as Slack sends it."""
        return {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": self._user_name(user_id),
                "name": self._user_name(user_id),
                "team_id": self.team_id,
            },
            "api_app_id": APP_ID,
            "token": "verification-token",
            "container": container,
            "trigger_id": self._trigger_id(),
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": action_id, "emoji": True},
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def send_link_shared(
        self, urls: list[str], channel: str = "C1", user: str = "U1", message_ts: str | None = None
    ) -> str:
        """Push a ``link_shared`` event for `urls` posted by `user` in `channel`."""
        links = [
            {"url": u, "domain": (urlsplit(u).hostname or "").removeprefix("www.")} for u in urls
        ]
        event = {
            "type": "link_shared",
            "channel": channel,
            "is_bot_user_member": True,
            "user": user,
            "message_ts": message_ts or self._next_ts(),
            "unfurl_id": f"C{uuid.uuid4().hex[:12].upper()}",
            "source": "conversations_history",
            "links": links,
            "event_ts": f"{time.time():.6f}",
        }
        return self.send_event(event)

    def send_event(self, event: dict[str, Any]) -> str:
        """Push an ``events_api`` envelope wrapping `event` (e.g. app_home_opened)."""
        payload = {
            "token": "verification-token",
            "team_id": self.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        return self._send_envelope("events_api", payload, accepts_response_payload=False)

    def disconnect_socket(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` message to the newest connection, then close it."""
        ws = self._newest_connection()
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {}})
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self._send_and_close(ws, message), self._loop).result(5)

    def drop_socket(self) -> None:
        """Cut the newest Socket Mode connection at TCP level: no close frame, no `disconnect`."""
        ws = self._newest_connection()
        assert self._loop is not None
        self._loop.call_soon_threadsafe(ws.transport.abort)

    def new_response_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/response/{uuid.uuid4().hex}"

    def _send_envelope(self, kind: str, payload: dict, *, accepts_response_payload: bool) -> str:
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        ws = self._newest_connection()
        with self._cond:
            self._state.sent_at[envelope_id] = time.monotonic()
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(ws.send(json.dumps(envelope)), self._loop).result(5)
        return envelope_id

    def _newest_connection(self) -> ServerConnection:
        self.wait_socket_connected(timeout=5)
        with self._cond:
            return self._connections[-1]

    def _trigger_id(self) -> str:
        return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"

    def _user_name(self, user_id: str) -> str:
        user = self._users.get(user_id)
        return user.name if user else user_id.lower()

    # ----------------------------------------------------------------- WebSocket server

    async def _start_ws(self) -> Server:
        return await serve(
            self._ws_session,
            "127.0.0.1",
            0,
            process_request=self._ws_process_request,
            max_size=None,
        )

    async def _stop_ws(self) -> None:
        assert self._ws_server is not None
        self._ws_server.close()
        await self._ws_server.wait_closed()

    @staticmethod
    def _ws_process_request(connection: ServerConnection, request: Any) -> Any:
        if not request.path.startswith("/link"):
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        return None

    async def _ws_session(self, ws: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {
                "host": "emulator",
                "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": APP_ID},
        }
        await ws.send(json.dumps(hello))
        with self._cond:
            self._connections.append(ws)
            self._cond.notify_all()
        try:
            async for raw in ws:
                self._on_ws_message(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                self._connections.remove(ws)
                self._cond.notify_all()

    @staticmethod
    async def _send_and_close(ws: ServerConnection, message: str) -> None:
        await ws.send(message)
        await ws.close(1000, "disconnect")

    def _on_ws_message(self, raw: str | bytes) -> None:
        try:
            data = json.loads(raw)
        except ValueError:
            return
        if not isinstance(data, dict) or "envelope_id" not in data:
            return
        now = time.monotonic()
        with self._cond:
            eid = data["envelope_id"]
            sent = self._state.sent_at.get(eid, now)
            self._state.acks[eid] = Ack(eid, data.get("payload"), now - sent)
            self._cond.notify_all()

    # ----------------------------------------------------------------- HTTP entry points

    def _handle_api(
        self, method: str, authorization: str, content_type: str, body: bytes, query: str
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        try:
            params = _decode_params(content_type, body, query)
        except ValueError:
            return 200, {}, {"ok": False, "error": "invalid_json"}
        token = params.pop("token", None)
        with self._cond:
            pending = self._state.delays.get(method)
            delay = pending.pop(0) if pending else 0
        if delay:
            time.sleep(delay)  # outside the lock: other calls go on meanwhile
        if authorization.lower().startswith("bearer "):
            token = authorization[len("bearer ") :].strip()
        elif authorization.lower().startswith("basic "):  # oauth.v2.access: id and secret
            with contextlib.suppress(ValueError):
                pair = base64.b64decode(authorization[len("basic ") :].strip()).decode()
                client_id, _, secret = pair.partition(":")
                params.setdefault("client_id", client_id)
                params.setdefault("client_secret", secret)
        with self._cond:
            self._state.calls.append(Call(method, params, token, time.monotonic()))
            self._current_token = token
            self._cond.notify_all()
            fault = self._take_fault(method, params)
            if fault is not None and fault.drop:
                with contextlib.suppress(SlackError):
                    if not fault.taken:
                        raise SlackError("not_taken")
                    self._check_token(method, token)
                    handler = self._handlers.get(method)
                    if handler is not None:
                        handler(params)
                self._cond.notify_all()
                return DROP, {}, {}
            if fault is not None:
                if fault.status == 429:
                    headers = {"Retry-After": str(fault.retry_after)}
                    return 429, headers, {"ok": False, "error": "ratelimited"}
                return fault.status, {}, {"ok": False, "error": fault.error}
            try:
                self._check_token(method, token)
                handler = self._handlers.get(method)
                if handler is None:
                    raise SlackError("unknown_method")
                result = handler(params)
            except SlackError as e:
                return 200, {}, {"ok": False, "error": e.error}
            self._cond.notify_all()
            grant = self._team_tokens.get(token or "")
            scopes = grant["scope"] if grant else self.bot_scopes
            headers = {"X-OAuth-Scopes": scopes} if scopes and token != self.app_token else {}
            return 200, headers, {"ok": True, **result}

    def _handle_response_url(self, path: str, body: bytes) -> tuple[int, str]:
        try:
            data = json.loads(body.decode("utf-8") or "{}")
        except ValueError:
            return 400, "invalid_payload"
        with self._cond:
            count = self._state.response_counts.get(path, 0)
            if count >= RESPONSE_URL_MAX_POSTS:
                return 404, "used_url"
            self._state.response_counts[path] = count + 1
            self._state.response_posts.append((path, data))
            self._cond.notify_all()
        return 200, "ok"

    def _take_fault(self, method: str, params: dict[str, Any]) -> _Fault | None:
        queue = self._state.faults.get(method)
        if not queue:
            return None
        text = json.dumps(params, ensure_ascii=False)
        fault = next((f for f in queue if f.match is None or f.match in text), None)
        if fault is None:
            return None
        fault.times -= 1
        if fault.times <= 0:
            queue.remove(fault)
        return fault

    def _check_token(self, method: str, token: str | None) -> None:
        if method == "oauth.v2.access":  # authenticated by client id and secret instead
            return
        if not token:
            raise SlackError("not_authed")
        if token in self._revoked:
            raise SlackError("token_revoked")
        if token not in (self.bot_token, self.app_token) and token not in self._team_tokens:
            raise SlackError("invalid_auth")
        wants_app_token = method == "apps.connections.open"
        if (token == self.app_token) != wants_app_token:
            raise SlackError("not_allowed_token_type")

    # ----------------------------------------------------------------- state helpers

    def _next_ts(self) -> str:
        self._last_ts_us = max(int(time.time() * 1_000_000), self._last_ts_us + 100)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _find_message(self, channel: str, ts: str | None) -> Message | None:
        for message in self._state.messages:
            if message.channel == channel and message.ts == ts:
                return message
        return None

    def _resolve_postable_channel(self, channel_id: str | None) -> str:
        """Slack's channel checks for posting; returns the channel id messages land in."""
        if not channel_id:
            raise SlackError("channel_not_found")
        if channel_id.startswith("D"):
            return channel_id
        if channel_id.startswith(("U", "W")):  # posting to a user id goes to the DM
            user = self._users.get(channel_id)
            if user is None or user.deleted:
                raise SlackError("channel_not_found")
            return "D" + channel_id
        channel = self._channels.get(channel_id)
        if channel is None:
            raise SlackError("channel_not_found")
        if channel.archived:
            raise SlackError("is_archived")
        if not channel.member:
            raise SlackError("not_in_channel")
        return channel_id

    @staticmethod
    def _content(params: dict[str, Any], *, required: bool = True) -> tuple[str | None, Any]:
        text, blocks = params.get("text"), params.get("blocks")
        if blocks is not None and (not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS):
            raise SlackError("invalid_blocks")
        if required and not text and not blocks:
            raise SlackError("no_text")
        if text and len(text) > MAX_TEXT:
            raise SlackError("msg_too_long")
        return text, blocks

    def _message_json(self, message: Message, metadata: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": "message",
            "text": message.text or "",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": self.team_id,
            "ts": message.ts,
        }
        if message.thread_ts:
            data["thread_ts"] = message.thread_ts
        if message.blocks is not None:
            data["blocks"] = message.blocks
        if metadata and message.metadata is not None:
            data["metadata"] = message.metadata
        return data

    def _user_or_error(self, user_id: str | None) -> _User:
        user = self._users.get(user_id or "")
        if user is None:
            raise SlackError("user_not_found")
        return user

    # ----------------------------------------------------------------- method handlers

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        grant = self._team_tokens.get(self._current_token or "")
        if grant is not None:
            enterprise = grant["enterprise"] or {}
            return {
                "url": f"https://{grant['team']['id'].lower()}.slack.com/",
                "team": grant["team"]["name"],
                "user": "papers-bot",
                "team_id": grant["team"]["id"],
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "enterprise_id": enterprise.get("id"),
                "is_enterprise_install": False,
            }
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Papers Test",
            "user": "papers-bot",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.client_id is not None and params.get("client_id") != self.client_id:
            raise SlackError("invalid_client_id")
        if self.client_secret is not None and params.get("client_secret") != self.client_secret:
            raise SlackError("bad_client_secret")
        if params.get("grant_type") == "refresh_token":
            grant = self._refresh_tokens.get(str(params.get("refresh_token") or ""))
            if grant is None:
                raise SlackError("invalid_refresh_token")
        else:
            grant = self._codes.pop(str(params.get("code") or ""), None)  # single use
            if grant is None:
                raise SlackError("invalid_code")
        token = f"xoxb-{grant['team']['id']}-{uuid.uuid4().hex[:16]}"
        self._team_tokens[token] = grant
        rotation = {}
        if grant.get("expires_in"):
            refresh = f"xoxe-1-{uuid.uuid4().hex[:16]}"
            self._refresh_tokens[refresh] = grant
            rotation = {"refresh_token": refresh, "expires_in": grant["expires_in"]}
        return {
            **rotation,
            "app_id": APP_ID,
            "authed_user": {"id": grant["installer"]},
            "scope": grant["scope"],
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": BOT_USER_ID,
            "team": grant["team"],
            "enterprise": grant["enterprise"],
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"{self.ws_url}?ticket={uuid.uuid4()}&app_id={APP_ID}"}

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_postable_channel(params.get("channel"))
        text, blocks = self._content(params)
        thread_ts = params.get("thread_ts") or None
        if thread_ts and (channel, thread_ts) not in self._known_ts:
            raise SlackError("thread_not_found")
        metadata = params.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and isinstance(metadata.get("event_payload"), dict)
        ):
            raise SlackError("invalid_metadata_format")
        message = Message(
            channel, self._next_ts(), thread_ts, text, blocks, None, "message", metadata
        )
        self._state.messages.append(message)
        self._known_ts.add((channel, message.ts))
        return {"channel": channel, "ts": message.ts, "message": self._message_json(message)}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_postable_channel(params.get("channel"))
        user = params.get("user")
        if not user:
            raise SlackError("user_not_found")
        text, blocks = self._content(params)
        thread_ts = params.get("thread_ts") or None
        message = Message(channel, self._next_ts(), thread_ts, text, blocks, user, "ephemeral")
        self._state.messages.append(message)
        return {"message_ts": message.ts}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("ts")
        old = self._find_message(channel or "", ts)
        if old is None or old.kind != "message":
            raise SlackError("message_not_found" if channel else "channel_not_found")
        text, blocks = self._content(params, required=False)
        new = replace(
            old,
            text=text if text is not None else old.text,
            blocks=blocks if blocks is not None else old.blocks,
        )
        index = self._state.messages.index(old)
        self._state.messages[index] = new
        message = self._message_json(new)
        return {"channel": new.channel, "ts": new.ts, "text": new.text or "", "message": message}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel") or "", params.get("message_ts") or ""
        if (channel, ts) not in self._known_ts:
            raise SlackError("message_not_found")
        link = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"channel": channel, "permalink": link}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = params.get("users") or ""
        user_ids = users if isinstance(users, list) else str(users).split(",")
        user = self._user_or_error(user_ids[0].strip() if user_ids else None)
        if user.deleted:
            raise SlackError("user_not_found")
        return {"channel": {"id": "D" + user.id}}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = params.get("channel") or ""
        if channel_id.startswith("D"):
            return {"channel": {"id": channel_id, "is_im": True, "user": channel_id[1:]}}
        channel = self._channels.get(channel_id)
        if channel is None:
            raise SlackError("channel_not_found")
        return {
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_channel": True,
                "is_im": False,
                "is_archived": channel.archived,
                "is_member": channel.member,
            }
        }

    def _history_channel(self, params: dict[str, Any]) -> str:
        channel_id = params.get("channel") or ""
        if channel_id.startswith("D"):
            return channel_id
        channel = self._channels.get(channel_id)
        if channel is None or not channel.member:  # Slack: the bot must be in it to read it
            raise SlackError("channel_not_found" if channel is None else "not_in_channel")
        return channel_id

    def _page(self, found: list[Message], params: dict[str, Any], metadata: bool) -> dict:
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "messages": [self._message_json(m, metadata) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages, newest first, within `oldest`/`latest` (exclusive) if given."""
        channel = self._history_channel(params)
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or "inf")
        found = [
            m
            for m in self._state.messages
            if m.channel == channel
            and m.kind == "message"
            and m.thread_ts in (None, m.ts)
            and oldest < float(m.ts) < latest
        ]
        found.sort(key=lambda m: float(m.ts), reverse=True)
        return self._page(found, params, _truthy(params.get("include_all_metadata")))

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent, then its replies, oldest first."""
        channel = self._history_channel(params)
        ts = params.get("ts") or ""
        if (channel, ts) not in self._known_ts:
            raise SlackError("thread_not_found")
        found = [
            m
            for m in self._state.messages
            if m.channel == channel and m.kind == "message" and (m.ts == ts or m.thread_ts == ts)
        ]
        found.sort(key=lambda m: float(m.ts))
        return self._page(found, params, _truthy(params.get("include_all_metadata")))

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._user_or_error(params.get("user"))
        return {
            "user": {
                "id": user.id,
                "team_id": self.team_id,
                "name": user.name,
                "real_name": user.real_name,
                "deleted": user.deleted,
                "tz": user.tz,
                "tz_label": user.tz,
                "tz_offset": user.tz_offset,
                "is_bot": False,
            }
        }

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if not params.get("user_id") or not isinstance(view, dict):
            raise SlackError("invalid_arguments")
        blocks = view.get("blocks", [])
        if not isinstance(blocks, list) or len(blocks) > MAX_VIEW_BLOCKS:
            raise SlackError("invalid_blocks")
        self._state.home_views[params["user_id"]] = view
        view_id = f"V{uuid.uuid4().hex[:10].upper()}"
        return {
            "view": {
                "id": view_id,
                "team_id": self.team_id,
                "app_id": APP_ID,
                "bot_id": BOT_ID,
                "type": view.get("type", "home"),
                "blocks": view.get("blocks", []),
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "state": {"values": {}},
                "hash": uuid.uuid4().hex,
            }
        }

    def _chat_unfurl(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts, unfurls = params.get("channel"), params.get("ts"), params.get("unfurls")
        if not channel or not ts:
            raise SlackError("invalid_arguments")
        if not isinstance(unfurls, dict) or not unfurls:
            raise SlackError("invalid_unfurls_format")
        for card in unfurls.values():
            blocks = card.get("blocks") if isinstance(card, dict) else None
            if blocks is not None and (not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS):
                raise SlackError("invalid_blocks")
        self._state.unfurls.append({"channel": channel, "ts": ts, "unfurls": unfurls})
        return {}

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        name, length = params.get("filename"), params.get("length")
        if not name or not str(length or "").isdigit():
            raise SlackError("invalid_arguments")
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        self._state.uploads[file_id] = {"name": name, "length": int(length), "content": None}
        return {
            "upload_url": f"http://127.0.0.1:{self.http_port}/upload/{file_id}",
            "file_id": file_id,
        }

    def _handle_upload(self, file_id: str, body: bytes) -> tuple[int, str]:
        with self._cond:
            upload = self._state.uploads.get(file_id)
            if upload is None:
                return 404, "not found"
            upload["content"] = body
            self._cond.notify_all()
        return 200, f"OK - {len(body)}"

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        items = params.get("files")
        if not isinstance(items, list) or not items:
            raise SlackError("invalid_arguments")
        channel = params.get("channel_id")
        if channel:
            channel = self._resolve_postable_channel(channel)
        shared = []
        for item in items:
            upload = self._state.uploads.get(item.get("id") if isinstance(item, dict) else None)
            if upload is None or upload["content"] is None:
                raise SlackError("file_not_found")
            record = {
                "channel": channel,
                "id": item["id"],
                "name": upload["name"],
                "title": item.get("title") or upload["name"],
                "content": upload["content"].decode("utf-8", "replace"),
                "comment": params.get("initial_comment"),
            }
            self._state.files.append(record)
            shared.append({"id": item["id"], "name": upload["name"], "title": record["title"]})
        return {"files": shared}
