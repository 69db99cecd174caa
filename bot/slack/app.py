"""The Bolt app and the two ways to serve it: Socket Mode and HTTP (bot/slack/http.py)."""

import logging
import signal
import threading

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot import scheduler
from bot.config import Settings
from bot.core import similar
from bot.core.commands import Handlers
from bot.errors import ConfigError
from bot.lookup import paper_fetcher
from bot.slack.client import check_token, error_code, make_client
from bot.slack.http import serve_http
from bot.slack.listeners import register
from bot.slack.socket_mode import Watchdog, socket_handler
from bot.slack.work import WorkPool
from bot.store import Store

log = logging.getLogger(__name__)


class _NoTokenWarning(logging.Filter):
    """Drop Bolt's warning that SLACK_BOT_TOKEN is unused: we pass a client built from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(
    settings: Settings, store: Store, client: WebClient, pool: WorkPool | None = None
) -> App:
    """The Bolt app with every listener registered; the token was checked before.

    Listeners ack on Bolt's threads and run the rest on `pool` (a WorkPool of 8 workers and 32
    waiting jobs unless given), so a slow Slack call never keeps the next command from its ack.
    """
    logging.getLogger("slack_bolt.App").addFilter(_NoTokenWarning())
    app = App(
        client=client,
        signing_secret=settings.signing_secret or "",
        # check_token() already ran auth.test and turned failures into one line.
        token_verification_enabled=False,
        # A plain ack: the answer always follows through respond().
        process_before_response=False,
    )
    register(app, Handlers(store, fetch_paper=paper_fetcher(settings, store)), pool or WorkPool())
    return app


def serve(settings: Settings, store: Store, http_mode: bool = False, port: int = 3000) -> None:
    """Run until SIGINT/SIGTERM: Socket Mode, or HTTP mode with `http_mode`."""
    if http_mode and not settings.signing_secret:
        raise ConfigError(
            "HTTP mode needs SLACK_SIGNING_SECRET (Basic Information → App Credentials)"
        )
    if not http_mode and not settings.app_token:
        raise ConfigError("Socket Mode needs SLACK_APP_TOKEN (xapp-…); or run with --http")
    if not settings.bot_token:
        raise ConfigError("SLACK_BOT_TOKEN (xoxb-…) is needed to talk to Slack")
    client = make_client(settings)
    identity = check_token(client)
    app = build_app(settings, store, client)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    log.info("Connected to Slack as %s in %s", identity.get("user"), identity.get("team"))
    # The ingest jobs and the digest tick; what was sent lives in SQLite, not in the scheduler.
    jobs = scheduler.start(settings, store, client)
    similar.warm_up(store)  # "More like this": common terms' counts, off the Slack threads
    try:
        if http_mode:
            serve_http(app, settings.signing_secret, port, stop)
        else:
            _serve_socket(app, settings, stop)
    finally:
        jobs.shutdown(wait=False)


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
