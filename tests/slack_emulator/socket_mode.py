"""Socket Mode: the WebSocket server, the envelopes the test pushes, and the client's acks."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from tests.slack_emulator.records import APP_ID, BOT_ID, BOT_USER_ID, Ack


class SocketMode:
    """Socket Mode half of `SlackEmulator` (uses its `_cond`, `_state`, `_connections`, `_loop`)."""

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
