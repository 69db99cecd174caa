"""HTTP mode: uvicorn serves the Bolt app through Bolt's Starlette adapter, behind firm limits.

What reaches the Bolt app has passed, in this order:

1. uvicorn's h11 parser: a malformed request line, header or `Content-Length` (`abc`, `-1`,
   `1e3`) is answered 400 by uvicorn itself; headers over 16 KiB too.
2. `HeaderDeadline`: a connection must finish its request headers within `HEADER_TIMEOUT`
   seconds of opening (or of its previous answer), or it is closed (slowloris).
3. `BodyLimits`: a `Content-Length` over `MAX_BODY` is answered 413 before a byte of the body
   is read (400 for a length of over 12 digits); a body must arrive whole within
   `BODY_TIMEOUT` seconds, else 408.
4. `verify()`: the Slack signature is checked on the raw bytes before anything parses them; a
   missing, stale, non-numeric or wrong one is 401 and one short log line, never the body.

Bolt's `App.dispatch` is synchronous, so it runs on a worker thread, never on the event loop;
it returns as soon as the listener has acked (the work after the ack runs on the WorkPool).
"""

import asyncio
import hashlib
import hmac
import logging
import threading
import time

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.errors import ConfigError

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000  # bytes; Slack's payloads are a few KB
HEADER_TIMEOUT = 10.0  # seconds for a connection to send its request headers
BODY_TIMEOUT = 10.0  # seconds for the whole body once the headers are in
MAX_CLOCK_SKEW = 300  # seconds; Slack's own rule for X-Slack-Request-Timestamp
BACKLOG = 1024  # pending connections the kernel queues while every worker is busy
MAX_CONNECTIONS = 500  # open connections before uvicorn answers 503


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, closing connections that trickle their request headers.

    uvicorn times out idle keep-alive connections but not a request whose headers arrive a
    byte at a time; this arms a deadline when the connection opens and after each answer, and
    disarms it once a request's headers are complete (when uvicorn starts a new cycle).
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._armed_for = self.cycle
        self._deadline = self.loop.call_later(HEADER_TIMEOUT, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()
            self._deadline = None

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not self._armed_for:  # a new request's headers are complete
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # A pipelined request may already be under way (uvicorn starts it in the call above).
        idle = self.cycle is None or self.cycle.response_complete
        if idle and not self.transport.is_closing():
            self._disarm()
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.info("Closed a connection that sent no complete request in %.0f s", HEADER_TIMEOUT)
            self.transport.close()


class BodyLimits:
    """ASGI middleware: 413 for a declared body over `MAX_BODY`, 408 for one that trickles."""

    def __init__(self, app, max_body: int | None = None, body_timeout: float | None = None):
        self.app = app
        self.max_body = MAX_BODY if max_body is None else max_body
        self.body_timeout = BODY_TIMEOUT if body_timeout is None else body_timeout

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        # h11 has already refused lengths that are not digits; these need no body at all.
        if declared is not None and len(declared) > 12:
            log.info("Refused a request declaring a %d-digit body length", len(declared))
            await _plain(send, 400, "bad Content-Length")
            return
        if declared is not None and int(declared) > self.max_body:
            log.info("Refused a request body of %d bytes (limit %d)", int(declared), self.max_body)
            await _plain(send, 413, "request body too large")
            return
        body = bytearray()
        try:
            async with asyncio.timeout(self.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    body += message.get("body", b"")
                    if len(body) > self.max_body:  # chunked bodies declare no length
                        log.info("Refused a request body over %d bytes", self.max_body)
                        await _plain(send, 413, "request body too large")
                        return
                    if not message.get("more_body"):
                        break
        except TimeoutError:
            log.info("Closed a request whose body took over %.0f s", self.body_timeout)
            await _plain(send, 408, "request body too slow")
            return
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive):
    """An ASGI `receive` that hands over the body already read, then the real one."""
    given = False

    async def replayed():
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _plain(send, status: int, text: str) -> None:
    """A short text answer that also closes the connection (its body may be unread)."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": text.encode()})


def verify(secret: str, body: bytes, timestamp: str | None, signature: str | None) -> str | None:
    """Why a request is not from Slack (a few words), or None when its signature holds.

    Slack signs `v0:{timestamp}:{raw body}` with HMAC-SHA256 and the app's signing secret.
    Nothing here parses the body, and a non-numeric timestamp is a reason, not a ValueError.
    """
    if not timestamp or not signature:
        return "no signature"
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "a timestamp that is not a number"
    if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
        return "a timestamp over 5 minutes old"
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return "a wrong signature"
    return None


def asgi_app(app: App, signing_secret: str) -> BodyLimits:
    """The whole HTTP front: `POST /slack/events` for Slack, `GET /healthz` for load balancers."""

    async def events(request: Request) -> Response:
        body = await request.body()
        why = verify(
            signing_secret,
            body,
            request.headers.get("x-slack-request-timestamp"),
            request.headers.get("x-slack-signature"),
        )
        if why:
            log.warning("Refused an unsigned request to %s: %s", EVENTS_PATH, why)
            return PlainTextResponse("invalid signature", status_code=401)
        try:
            bolt_request = to_bolt_request(request, body)
        except UnicodeDecodeError:
            log.warning("Refused a signed request whose body is not UTF-8")
            return PlainTextResponse("body is not UTF-8", status_code=400)
        # dispatch() blocks until the listener acks: on a thread, never on the event loop.
        return to_starlette_response(await run_in_threadpool(app.dispatch, bolt_request))

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [
        Route(EVENTS_PATH, events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return BodyLimits(Starlette(routes=routes))


def serve_http(app: App, signing_secret: str, port: int, stop: threading.Event) -> None:
    """Serve HTTP mode on all interfaces at `port` until `stop` is set."""
    config = uvicorn.Config(
        asgi_app(app, signing_secret),
        host="0.0.0.0",
        port=port,
        http=HeaderDeadline,
        ws="none",
        lifespan="off",
        backlog=BACKLOG,
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,
        access_log=False,  # paths and agents are the sender's words; errors still log
        log_config=None,  # our logging, set up by the command line
        server_header=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="http", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise ConfigError(f"Cannot serve HTTP on port {port} (is it in use?)")
        time.sleep(0.05)
    log.info("HTTP mode listening on port %d (%s, /healthz)", port, EVENTS_PATH)
    try:
        stop.wait()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
