"""The Bolt app and the two ways to serve it: Socket Mode and HTTP (bot/slack/http.py)."""

import logging
import signal
import sqlite3
import threading
import time

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.config import Settings
from bot.core.commands import Handlers
from bot.errors import ConfigError, StoreError
from bot.scheduler import LEASE, Leader
from bot.slack.client import check_token, error_code, make_client
from bot.slack.http import serve_http
from bot.slack.installations import TeamClients
from bot.slack.listeners import register
from bot.slack.oauth import NOT_INSTALLED, oauth_settings
from bot.slack.socket_mode import Watchdog, socket_handler
from bot.slack.work import ACK_WHEN_LISTENER_RETURNS, WorkPool
from bot.store import Store

log = logging.getLogger(__name__)


class _NoTokenWarning(logging.Filter):
    """Drop Bolt's warning that SLACK_BOT_TOKEN is unused: we pass a client built from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(
    settings: Settings,
    store: Store,
    client: WebClient,
    handlers: Handlers,
    pool: WorkPool | None = None,
) -> App:
    """The Bolt app with every listener registered, answering through `handlers` (the core's
    `/papers` handlers, built by the caller); the token was checked before.

    Listeners ack on Bolt's threads and run the rest on `pool` (a WorkPool of 8 workers and 32
    waiting jobs unless given), so a slow Slack call never keeps the next command from its ack.
    With `settings.oauth` (many workspaces), `client` carries no token: Bolt's `authorize`
    finds each request's workspace installation in the store and answers with its bot token;
    a workspace with none gets NOT_INSTALLED.
    """
    logging.getLogger("slack_bolt.App").addFilter(_NoTokenWarning())
    if settings.oauth:
        app = App(
            client=client,
            signing_secret=settings.signing_secret or "",
            oauth_settings=oauth_settings(settings, store),
            user_facing_authorize_error_message=NOT_INSTALLED,
            process_before_response=ACK_WHEN_LISTENER_RETURNS,
        )
    else:
        app = App(
            client=client,
            signing_secret=settings.signing_secret or "",
            # check_token() already ran auth.test and turned failures into one line.
            token_verification_enabled=False,
            # A plain ack: the answer always follows through respond().
            process_before_response=ACK_WHEN_LISTENER_RETURNS,
        )
    register(app, handlers, pool or WorkPool())
    return app


def connect(settings: Settings, store: Store, http_mode: bool = False):
    """The Web API client and each workspace's client, the token checked (auth.test).

    Returns `(client, clients)`: the WebClient Bolt answers with, and a TeamClients for the
    digests (each workspace's own token with OAuth, else that one client). Raises ConfigError
    with one line when the settings do not fit the mode or Slack rejects the token.
    """
    if http_mode and not settings.signing_secret:
        raise ConfigError(
            "HTTP mode needs SLACK_SIGNING_SECRET (Basic Information → App Credentials)"
        )
    if settings.oauth and not http_mode:
        raise ConfigError(
            "Many workspaces (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) need HTTP mode: "
            "run `papers-bot run --http`"
        )
    if not http_mode and not settings.app_token:
        raise ConfigError("Socket Mode needs SLACK_APP_TOKEN (xapp-…); or run with --http")
    if not settings.bot_token and not settings.oauth:
        raise ConfigError(
            "SLACK_BOT_TOKEN (xoxb-…) is needed to talk to Slack "
            "(or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install it in many workspaces)"
        )
    client = make_client(settings)
    if settings.oauth:
        clients = TeamClients(settings, store)
        log.info(
            "Many workspaces: %d installed; install more at /slack/install",
            len(store.installed_teams()),
        )
    else:
        identity = check_token(client)
        clients = TeamClients(settings, store, single=client)
        log.info("Connected to Slack as %s in %s", identity.get("user"), identity.get("team"))
    return client, clients


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM: what `serve` waits for."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def serve(
    app: App,
    settings: Settings,
    stop: threading.Event,
    *,
    http_mode: bool = False,
    port: int = 3000,
    health=None,
) -> None:
    """Serve `app` until `stop` is set: Socket Mode, or HTTP mode with `http_mode`.

    :param health: what `GET /healthz` answers in HTTP mode (`health(store, leader)`).
    Raises ConfigError when Slack refuses the Socket Mode connection.
    """
    if http_mode:
        serve_http(app, settings.signing_secret, port, stop, health=health)
    else:
        _serve_socket(app, settings, stop)


def health(store: Store, leader: Leader):
    """What `/healthz` answers: the store readable, and who runs the scheduler.

    `{"ok": bool, "store": "ok" | the error, "leader": "host:pid" | null,
    "leader_expires_in": seconds, "this_process_leads": bool}`; ok needs both.
    """

    def report() -> dict:
        try:
            store.count()
            lease = store.lease(LEASE)
            state = "ok"
        except (sqlite3.Error, StoreError, OSError) as exc:  # the answer says what is wrong
            return {"ok": False, "store": f"unreadable: {exc}", "leader": None}
        expires_in = round(lease[1] - time.time(), 1) if lease else None
        known = lease is not None and expires_in > 0
        return {
            "ok": known,
            "store": state,
            "leader": lease[0] if known else None,
            "leader_expires_in": expires_in if known else None,
            "this_process_leads": leader.held,
        }

    return report


def _serve_socket(app: App, settings: Settings, stop: threading.Event) -> None:
    handler = socket_handler(app, settings.app_token)
    try:
        handler.connect()
    except SlackApiError as exc:
        raise ConfigError(
            f"Slack rejected SLACK_APP_TOKEN ({error_code(exc)}): it needs connections:write"
        ) from None
    except (SlackRequestError, OSError) as exc:
        raise ConfigError(f"Cannot open a Socket Mode connection ({exc})") from None
    watchdog = Watchdog(handler.client).start()
    log.info("Socket Mode connected; waiting for /papers")
    try:
        stop.wait()
    finally:
        watchdog.stop()
        handler.close()
