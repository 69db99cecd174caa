"""HTTP mode's front (bot/slack/http.py): uvicorn on a loopback port, fed what attackers send.

The server is the real one (`serve_http`) with the real Bolt app; raw sockets send what no
well-behaved client would: huge or malformed lengths, headers a byte at a time, bad signatures.
"""

import logging
import socket
import threading
import time
from urllib.parse import urlencode

import httpx
import pytest

from bot.config import Settings
from bot.core.commands import Handlers
from bot.lookup import paper_fetcher
from bot.slack import http
from bot.slack.app import build_app
from bot.slack.client import make_client
from bot.slack.work import WorkPool
from tests.bot_process import free_port
from tests.slack_emulator import signed_headers

SECRET = "http-secret"
TEAM = "T0001"


@pytest.fixture
def server(emu, seeded, monkeypatch):
    """serve_http on a free port, with 1-second header and body deadlines for the tests."""
    monkeypatch.setattr(http, "HEADER_TIMEOUT", 1.0)
    monkeypatch.setattr(http, "BODY_TIMEOUT", 1.0)
    settings = Settings(
        bot_token="xoxb-test", signing_secret=SECRET, slack_api_url=emu.api_url, db_path=seeded.path
    )
    app = build_app(
        settings,
        seeded,
        make_client(settings),
        Handlers(seeded, fetch_paper=paper_fetcher(settings, seeded)),
        WorkPool(workers=2),
    )
    port, stop = free_port(), threading.Event()
    thread = threading.Thread(target=http.serve_http, args=(app, SECRET, port, stop), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    yield port
    stop.set()
    thread.join(timeout=15)


def raw(port: int, data: bytes, wait: float = 5) -> bytes:
    """Send `data` on a fresh connection; everything the server answers before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def command_body(emu, text: str) -> tuple[bytes, str]:
    url = emu.new_response_url()
    form = {"team_id": TEAM, "user_id": "U1", "channel_id": "C1", "command": "/papers"}
    form |= {"text": text, "response_url": url, "trigger_id": "1.2.3", "api_app_id": "A0001"}
    return urlencode(form).encode(), url


def test_health_and_a_signed_command(server, emu):
    assert httpx.get(f"http://127.0.0.1:{server}/healthz").text == "ok"
    body, url = command_body(emu, "ocr")
    response = httpx.post(
        f"http://127.0.0.1:{server}/slack/events",
        content=body,
        headers=signed_headers(SECRET, body),
    )
    assert response.status_code == 200
    (answer,) = emu.response_posts(timeout=10, url=url)
    assert "PP-OCRv3" in answer["text"]


def test_an_oversized_body_is_refused_before_it_is_sent(server):
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n"
    started = time.monotonic()
    answer = raw(server, head)  # not a byte of the 50 MB is sent
    assert status_of(answer) == 413 and time.monotonic() - started < 2


def test_an_oversized_chunked_body_is_refused(server):
    chunk = b"x" * 200_000
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 6 + b"0\r\n\r\n"
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert status_of(raw(server, head + body)) == 413


@pytest.mark.parametrize("length", [b"abc", b"-1", b"1e3", b"9" * 20, b"1, 2"])
def test_malformed_content_length_is_400_and_no_traceback(server, caplog, length):
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n"
    with caplog.at_level(logging.INFO):
        answer = raw(server, head + b"payload=x")
    assert status_of(answer) == 400
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_headers_sent_a_byte_at_a_time_are_cut_off(server):
    with socket.create_connection(("127.0.0.1", server), timeout=5) as s:
        s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed = False
        for byte in b"X-Slow: " + b"a" * 40:
            try:
                s.sendall(bytes([byte]))
                time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
        if not closed:
            s.settimeout(2)
            closed = s.recv(1024) == b""
        assert closed and time.monotonic() - started < 3


def test_a_silent_connection_is_closed(server):
    with socket.create_connection(("127.0.0.1", server), timeout=5) as s:
        started = time.monotonic()
        assert s.recv(1024) == b""
        assert time.monotonic() - started < 3


def test_a_body_that_trickles_is_408(server):
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
    started = time.monotonic()
    answer = raw(server, head + b"payload=")
    assert status_of(answer) == 408 and time.monotonic() - started < 3


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "9" * 40, "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": str(int(time.time()) - 600), "X-Slack-Signature": "v0=00"},
        {"X-Slack-Signature": "v0=00"},
        {},
    ],
)
def test_unsigned_requests_are_401_and_one_short_line(server, emu, caplog, headers):
    body, url = command_body(emu, "subscribe SECRET-BODY-WORDS")
    body += b"&" + b"&".join(b"k%d=v" % i for i in range(20_000))  # parsing this would cost
    with caplog.at_level(logging.DEBUG):
        response = httpx.post(
            f"http://127.0.0.1:{server}/slack/events",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
    assert response.status_code == 401
    lines = [r.getMessage() for r in caplog.records]
    refused = [line for line in lines if line.startswith("Refused an unsigned request")]
    assert len(refused) == 1 and len(refused[0]) < 120
    assert not any("SECRET-BODY-WORDS" in line or "k19999" in line for line in lines)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    time.sleep(0.2)
    assert emu.response_posts(url=url) == []


def test_the_signature_is_checked_before_bolt_parses_anything(server, emu, monkeypatch):
    from slack_bolt.request import request as bolt_request

    parsed = []
    original = bolt_request.parse_body
    monkeypatch.setattr(bolt_request, "parse_body", lambda *a: parsed.append(1) or original(*a))
    body, _ = command_body(emu, "ocr")
    wrong = signed_headers("not-the-secret", body)
    response = httpx.post(f"http://127.0.0.1:{server}/slack/events", content=body, headers=wrong)
    assert response.status_code == 401 and parsed == []
    good = httpx.post(
        f"http://127.0.0.1:{server}/slack/events",
        content=body,
        headers=signed_headers(SECRET, body),
    )
    assert good.status_code == 200 and parsed
