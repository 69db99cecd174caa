"""A local, in-process Slack emulator for end-to-end tests.

Modules: ``records`` (what is recorded and kept, Slack's limits), ``http_server`` (the HTTP
port), ``web_api`` (the Web API methods), ``oauth`` (install and tokens), ``socket_mode``
(the WebSocket side), ``emulator`` (``SlackEmulator``: setup, inspection, lifecycle).

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
  bodies are accepted. Blocks (of messages, Home tabs and unfurls) are ``invalid_blocks``
  unless slack_sdk's Block Kit models read each back as it is: known types and keys, Slack's
  text limits (``web_api.check_blocks``).
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
message formatting, block rules slack_sdk's models do not check, retries of
unacknowledged envelopes, Events API over HTTP (use ``signed_headers`` to sign such requests
yourself), and enterprise grid.

Usage::

    with SlackEmulator(bot_token="xoxb-test", app_token="xapp-test") as emu:
        client = WebClient(token="xoxb-test", base_url=emu.api_url)
        ...
"""

from tests.slack_emulator.emulator import SlackEmulator
from tests.slack_emulator.http_server import signed_headers
from tests.slack_emulator.records import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    DROP,
    JSON_FIELDS,
    MAX_BLOCKS,
    MAX_TEXT,
    MAX_VIEW_BLOCKS,
    RESPONSE_URL_MAX_POSTS,
    Ack,
    Call,
    Message,
    SlackError,
)

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DROP",
    "JSON_FIELDS",
    "MAX_BLOCKS",
    "MAX_TEXT",
    "MAX_VIEW_BLOCKS",
    "RESPONSE_URL_MAX_POSTS",
    "Ack",
    "Call",
    "Message",
    "SlackEmulator",
    "SlackError",
    "signed_headers",
]
