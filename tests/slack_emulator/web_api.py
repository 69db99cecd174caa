"""The Web API methods: dispatch with faults and token checks, then one handler per method."""

from __future__ import annotations

import base64
import contextlib
import json
import time
import uuid
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from tests.slack_emulator.http_server import decode_params, truthy
from tests.slack_emulator.records import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    DROP,
    MAX_BLOCKS,
    MAX_TEXT,
    MAX_VIEW_BLOCKS,
    RESPONSE_URL_MAX_POSTS,
    Call,
    Fault,
    Message,
    SlackError,
    User,
)


class WebApi:
    """Web API half of `SlackEmulator` (uses its `_cond`, `_state`, `_users`, `_channels`)."""

    # ----------------------------------------------------------------- HTTP entry points

    def _handle_api(
        self, method: str, authorization: str, content_type: str, body: bytes, query: str
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        try:
            params = decode_params(content_type, body, query)
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

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
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
        if blocks is not None:
            check_blocks(blocks, MAX_BLOCKS)
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

    def _user_or_error(self, user_id: str | None) -> User:
        user = self._users.get(user_id or "")
        if user is None:
            raise SlackError("user_not_found")
        return user

    # ----------------------------------------------------------------- method handlers

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
        return self._page(found, params, truthy(params.get("include_all_metadata")))

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
        return self._page(found, params, truthy(params.get("include_all_metadata")))

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
        check_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS)
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
            if blocks is not None:
                check_blocks(blocks, MAX_BLOCKS)
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


def check_blocks(blocks: Any, limit: int) -> None:
    """Slack's ``invalid_blocks`` for anything but a list of at most `limit` blocks that
    slack_sdk's Block Kit models read back as they are (known types and keys, text limits)."""
    if not isinstance(blocks, list) or len(blocks) > limit:
        raise SlackError("invalid_blocks")
    for block in blocks:
        model = Block.parse(block) if isinstance(block, dict) else None
        try:
            ok = model is not None and model.to_dict() == block
        except SlackObjectFormationError:
            ok = False
        if not ok:
            raise SlackError("invalid_blocks")
