"""`SlackEmulator`: setup, inspection and lifecycle over the Web API, OAuth and Socket Mode."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection

from tests.slack_emulator.http_server import HttpHandler, HttpServer
from tests.slack_emulator.oauth import OAuth
from tests.slack_emulator.records import Call, Channel, Fault, Message, State, User
from tests.slack_emulator.socket_mode import SocketMode
from tests.slack_emulator.web_api import WebApi


class SlackEmulator(WebApi, OAuth, SocketMode):
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
        self._state = State()
        self._users: dict[str, User] = {}
        self._channels: dict[str, Channel] = {}
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
        self._httpd: HttpServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ws_server: Server | None = None
        self._threads: list[threading.Thread] = []
        self.http_port = 0
        self.ws_port = 0

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> SlackEmulator:
        self._httpd = HttpServer(("127.0.0.1", 0), HttpHandler)
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
            self._users[user_id] = User(
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
            self._channels[channel_id] = Channel(
                id=channel_id, name=name or channel_id.lower(), member=member, archived=archived
            )

    def add_message(self, channel: str, ts: str | None = None) -> str:
        """Declare a message posted by someone else, so it can be a thread parent."""
        with self._cond:
            ts = ts or self._next_ts()
            self._known_ts.add((channel, ts))
            return ts

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
        fault = Fault(error, status, retry, times, drop, taken, match)
        with self._cond:
            self._state.faults.setdefault(method, []).append(fault)

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` only after `seconds` (a slow Slack)."""
        with self._cond:
            self._state.delays.setdefault(method, []).extend([seconds] * times)

    def reset(self) -> None:
        with self._cond:
            self._state = State()

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
