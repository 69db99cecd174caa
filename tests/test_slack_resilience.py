"""End to end: the real `papers-bot run` keeps acking and reconnecting when Slack misbehaves."""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.bot_process import SIGNING_SECRET, BotProcess, bot_env, free_port
from tests.slack_emulator import signed_headers
from tests.test_slack_e2e import _command_body as command_body

TEAM = "T0001"


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ask(emu, text: str) -> tuple[str, str]:
    url = emu.new_response_url()
    return emu.send_slash_command(text=text, response_url=url), url


@pytest.fixture
def socket_bot(emu, seeded, tmp_path):
    bot = BotProcess(bot_env(emu, seeded.path), log_path=tmp_path / "bot.log")
    try:
        emu.wait_socket_connected(timeout=20)
    except TimeoutError:
        bot.stop()
        raise AssertionError(f"bot never connected:\n{bot.log}") from None
    yield bot
    bot.stop()


def test_socket_mode_acks_every_command_while_users_info_is_rate_limited(emu, socket_bot):
    # Slack answers every users.info with 429 and a minute's Retry-After.
    emu.fail_next("users.info", status=429, retry_after=60, times=1000)
    sent = [ask(emu, f"subscribe topic {i}") for i in range(12)]
    sent += [ask(emu, "ocr") for _ in range(30)]
    latencies = [emu.wait_ack(eid, timeout=5).latency for eid, _ in sent]
    assert max(latencies) < 3, latencies
    for _, url in sent:
        (answer,) = emu.response_posts(timeout=15, url=url)
        assert answer["text"]
    assert "Traceback" not in socket_bot.log


def test_http_mode_acks_50_parallel_commands_while_users_info_is_rate_limited(
    emu, seeded, tmp_path
):
    port = free_port()
    env = bot_env(emu, seeded.path, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    bot = BotProcess(env, "--http", "--port", str(port), log_path=tmp_path / "http.log")
    try:
        bot.wait_http(port)
        emu.fail_next("users.info", status=429, retry_after=60, times=1000)
        bodies = [command_body(emu, f"subscribe topic {i}") for i in range(10)]
        bodies += [command_body(emu, "ocr") for _ in range(40)]

        # One client for all 50: building one per request costs this process seconds of CPU.
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=0)
        client = httpx.Client(limits=limits, timeout=10)

        def post(body: bytes) -> tuple[int, float]:
            started = time.monotonic()
            response = client.post(
                f"http://127.0.0.1:{port}/slack/events",
                content=body,
                headers=signed_headers(SIGNING_SECRET, body),
            )
            return response.status_code, time.monotonic() - started

        with client, ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(post, [body for body, _ in bodies]))
        assert [status for status, _ in results] == [200] * 50
        assert max(seconds for _, seconds in results) < 3, results
        for _, url in bodies:
            assert emu.response_posts(timeout=15, url=url)[0]["text"]
    finally:
        bot.stop()
    assert "Traceback" not in bot.log


def test_socket_mode_reconnects_at_once_after_a_bare_tcp_close(emu, socket_bot):
    emu.drop_socket()  # no close frame, no `disconnect` message
    before, started = cpu_seconds(socket_bot.proc.pid), time.monotonic()
    emu.wait_for(lambda: len(emu.calls("apps.connections.open")) >= 2, timeout=10)
    emu.wait_socket_connected(timeout=10)
    reconnected = time.monotonic() - started
    eid, url = ask(emu, "ocr")
    emu.wait_ack(eid, timeout=5)
    assert emu.response_posts(timeout=10, url=url)[0]["text"]
    assert reconnected < 5
    assert cpu_seconds(socket_bot.proc.pid) - before < 3  # no core spun while reconnecting
    assert "closed by the far side; reconnecting" in socket_bot.log
