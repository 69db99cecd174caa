"""What the emulator records (calls, messages, acks) and keeps (users, channels, faults); limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0001"
MAX_BLOCKS = 50
MAX_TEXT = 40_000
RESPONSE_URL_MAX_POSTS = 5
# Fields slack_sdk serialises as JSON strings inside form-encoded bodies.
JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "user_auth_blocks", "unfurls", "files")
MAX_VIEW_BLOCKS = 100


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
class Fault:
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
class User:
    id: str
    tz: str
    tz_offset: int
    deleted: bool
    name: str
    real_name: str


@dataclass
class Channel:
    id: str
    name: str
    member: bool
    archived: bool


@dataclass
class State:
    """Everything `reset()` forgets."""

    calls: list[Call] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    response_posts: list[tuple[str, dict]] = field(default_factory=list)
    response_counts: dict[str, int] = field(default_factory=dict)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
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
