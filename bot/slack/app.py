"""The Bolt app and the two ways to serve it: Socket Mode and HTTP."""

import logging
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot import scheduler
from bot.config import Settings
from bot.core import similar
from bot.core.commands import Handlers
from bot.errors import ConfigError
from bot.lookup import paper_fetcher
from bot.slack.client import check_token, error_code, make_client
from bot.slack.listeners import register
from bot.store import Store

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


class _NoTokenWarning(logging.Filter):
    """Drop Bolt's warning that SLACK_BOT_TOKEN is unused: we pass a client built from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(settings: Settings, store: Store, client: WebClient) -> App:
    """The Bolt app with every listener registered; the token was checked before."""
    logging.getLogger("slack_bolt.App").addFilter(_NoTokenWarning())
    app = App(
        client=client,
        signing_secret=settings.signing_secret or "",
        # check_token() already ran auth.test and turned failures into one line.
        token_verification_enabled=False,
        # A plain ack: the answer always follows through respond().
        process_before_response=False,
    )
    register(app, Handlers(store, fetch_paper=paper_fetcher(settings, store)))
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
            _serve_http(app, port, stop)
        else:
            _serve_socket(app, settings, stop)
    finally:
        jobs.shutdown(wait=False)


def _serve_socket(app: App, settings: Settings, stop: threading.Event) -> None:
    handler = SocketModeHandler(app, settings.app_token)
    try:
        handler.connect()
    except SlackApiError as exc:
        raise ConfigError(
            f"Slack rejected SLACK_APP_TOKEN ({error_code(exc)}): it needs connections:write"
        ) from None
    except (SlackRequestError, OSError) as exc:
        raise ConfigError(f"Cannot open a Socket Mode connection ({exc})") from None
    log.info("Socket Mode connected; waiting for /papers")
    try:
        stop.wait()
    finally:
        handler.close()


def _serve_http(app: App, port: int, stop: threading.Event) -> None:
    server = ThreadingHTTPServer(("0.0.0.0", port), _handler_for(app))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    log.info("HTTP mode listening on port %d (%s, /healthz)", server.server_address[1], EVENTS_PATH)
    try:
        stop.wait()
    finally:
        server.shutdown()
        server.server_close()


def _handler_for(app: App):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if urlsplit(self.path).path == "/healthz":
                self._send(200, b"ok", {"Content-Type": "text/plain"})
            else:
                self._send(404, b"not found", {"Content-Type": "text/plain"})

        def do_POST(self):
            url = urlsplit(self.path)
            if url.path != EVENTS_PATH:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            headers = {k.lower(): [v] for k, v in self.headers.items()}
            response = app.dispatch(BoltRequest(body=body, query=url.query, headers=headers))
            out_headers = {k: v[0] for k, v in response.headers.items() if v}
            self._send(response.status, (response.body or "").encode(), out_headers)

        def _send(self, status: int, body: bytes, headers: dict) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):  # requests go to our logger, never to stderr raw
            log.debug("http: " + fmt, *args)

    return Handler
