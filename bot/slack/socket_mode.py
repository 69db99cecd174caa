"""Socket Mode: Bolt's built-in handler, plus a watchdog for connections dropped without a word.

slack_sdk's built-in Socket Mode client (3.48) treats an empty `recv()` as "no data yet", not as
the end of the stream. When the far side closes the TCP connection without a WebSocket close
frame (an idle-timeout proxy, a load balancer, a restarted Slack edge), its receive loop calls
`recv()` again at once, forever: a full core, until the ping check declares the connection stale
about a minute later. The watchdog looks twice a second, without consuming anything
(`MSG_PEEK`), whether the peer has closed the socket; if so it closes the session, which stops
the loop, and asks the client for a new connection (`apps.connections.open`). A connection that
goes silent with no close at all is left to the client's own ping check (every `PING_INTERVAL`
seconds, stale after four unanswered).
"""

import logging
import socket
import threading
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.socket_mode.builtin import SocketModeClient

from bot.slack.client import error_code

log = logging.getLogger(__name__)
PING_INTERVAL = 5.0  # seconds between the client's pings
MAX_BACKOFF = 30.0  # seconds between reconnect attempts at most, while Slack refuses them
WATCH_INTERVAL = (
    0.5  # seconds between the watchdog's looks: a dropped socket spins at most this long
)


def peer_closed(sock: socket.socket | None) -> bool:
    """True when the far side has closed (FIN) or reset this socket; reads nothing from it.

    Works for TLS sockets too: it peeks at the TCP stream through a duplicate descriptor.
    """
    if sock is None or sock.fileno() < 0:
        return False  # already closed on our side: the client's own monitor reconnects
    try:
        with socket.fromfd(sock.fileno(), sock.family, sock.type) as raw:
            return raw.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False  # open, nothing to read
    except OSError:
        return True  # reset, or the descriptor vanished between the check and the peek


class Watchdog:
    """A daemon thread that reconnects `client` when its connection's peer has gone."""

    def __init__(self, client: SocketModeClient, interval: float = WATCH_INTERVAL):
        self.client, self.interval = client, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="socket-watchdog", daemon=True)

    def start(self) -> "Watchdog":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        retry_at, backoff = 0.0, self.interval
        while not self._stop.wait(self.interval):
            session = self.client.current_session
            if session is None or self.client.closed:
                continue
            sock = session.sock
            if sock is not None and sock.fileno() >= 0:
                if not peer_closed(sock):
                    continue
                session.disconnect()  # ends the receive loop's spin on an empty recv()
            # Else already closed on our side: a reset (rather than a FIN) makes the receive
            # loop close the socket itself; the client would wait for its next ping check, up
            # to PING_INTERVAL seconds, to reconnect. Either way the far side closed it.
            elif time.monotonic() < retry_at:
                continue  # a reconnect just failed: wait before asking Slack again
            log.info("Socket Mode connection closed by the far side; reconnecting")
            try:
                self.client.connect_to_new_endpoint()  # a no-op if the client got there first
                retry_at, backoff = 0.0, self.interval
                continue
            except SlackApiError as exc:
                log.warning("Socket Mode reconnect refused (%s); retrying", error_code(exc))
            except (SlackRequestError, OSError) as exc:
                log.warning("Socket Mode reconnect failed (%s); retrying", exc)
            backoff = min(backoff * 2, MAX_BACKOFF)
            retry_at = time.monotonic() + backoff


def socket_handler(app: App, app_token: str) -> SocketModeHandler:
    """Bolt's built-in Socket Mode handler with a faster ping; start `Watchdog` after connect()."""
    return SocketModeHandler(app, app_token, ping_interval=PING_INTERVAL)
