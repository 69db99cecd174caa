"""HTTP mode under a burst: N parallel signed `/papers` commands against the real `papers-bot`.

    .venv/bin/python -m bench.slack_http [--checkout PATH] [-n 50] [--rate-limited]

Starts `python -m bot run --http` from the checkout (default: this one) against the project's
Slack emulator on loopback, fires N signed slash commands at once from N threads and reports,
per request, how long the HTTP answer (Slack's ack) took: errors (not 200), how many were not
a 200 within Slack's 3 s, and the median and p99 of the time to any answer. With
`--rate-limited`, every `users.info` is answered 429 with a minute's Retry-After and a fifth of
the commands need it (`subscribe`): the storm of issue 8.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bot_process import bot_env, free_port  # noqa: E402
from tests.slack_emulator import SlackEmulator, signed_headers  # noqa: E402

SECRET = "bench-secret"
SEED = ROOT / "bot" / "sample" / "seed_papers.json"


def burst(checkout: Path, n: int, rate_limited: bool) -> dict:
    """Run one burst; returns the figures (seconds) and how many commands were answered."""
    with tempfile.TemporaryDirectory() as tmp, SlackEmulator(team_id="T0001") as emu:
        emu.add_user("U1", tz="Europe/Paris", tz_offset=3600)
        emu.add_channel("C1", member=True)
        env = bot_env(emu, Path(tmp) / "papers.db", SLACK_SIGNING_SECRET=SECRET)
        seed = [sys.executable, "-m", "bot", "ingest", "--source", "file", "--file", str(SEED)]
        subprocess.run(seed, cwd=checkout, env=env, capture_output=True, check=True, timeout=120)
        port = free_port()
        log = open(Path(tmp) / "bot.log", "wb")  # noqa: SIM115 (closed below)
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--http", "--port", str(port)],
            cwd=checkout,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_http(port)
            if rate_limited:
                emu.fail_next("users.info", status=429, retry_after=60, times=10 * n)
            texts = [
                "subscribe bench"
                if rate_limited and i % 5 == 0
                else os.environ.get("BENCH_Q", "ocr")
                for i in range(n)
            ]
            forms = [_form(emu, text) for text in texts]
            # One client for all: building an httpx client (TLS context) per request would
            # cost the bench more CPU than the bot spends acking.
            limits = httpx.Limits(max_connections=n, max_keepalive_connections=0)
            with httpx.Client(limits=limits, timeout=10) as client, ThreadPoolExecutor(n) as pool:
                results = list(pool.map(lambda form: _post(client, port, form[0]), forms))
            time.sleep(5)  # the answers follow the acks
            answered = sum(1 for _, url in forms if emu.response_posts(url=url))
        finally:
            bot.terminate()
            try:
                bot.wait(timeout=15)
            except subprocess.TimeoutExpired:
                bot.kill()
            log.close()
    # Every request counts in the times, a 404 or a refused connection at the moment it came.
    times = sorted(seconds for _, seconds in results)
    return {
        "n": n,
        "errors": sum(1 for status, _ in results if status != 200),
        "over_3s": sum(1 for status, seconds in results if status != 200 or seconds > 3),
        "median": statistics.median(times),
        "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
        "answered": answered,
    }


def _wait_http(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError("papers-bot did not serve HTTP")


def _form(emu: SlackEmulator, text: str) -> tuple[bytes, str]:
    url = emu.new_response_url()
    form = {"team_id": "T0001", "user_id": "U1", "channel_id": "C1", "command": "/papers"}
    form |= {"text": text, "response_url": url, "trigger_id": "1.2.3", "api_app_id": "A0001"}
    return urlencode(form).encode(), url


def _post(client: httpx.Client, port: int, body: bytes) -> tuple[int | str, float]:
    """(HTTP status or the connection error's name, seconds until the answer)."""
    started = time.monotonic()
    try:
        response = client.post(
            f"http://127.0.0.1:{port}/slack/events",
            content=body,
            headers=signed_headers(SECRET, body),
        )
        return response.status_code, time.monotonic() - started
    except httpx.TransportError as exc:
        return type(exc).__name__, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=ROOT, help="papers-bot source to run")
    parser.add_argument("-n", type=int, default=50, help="parallel commands")
    parser.add_argument("--rate-limited", action="store_true", help="users.info answers 429")
    args = parser.parse_args()
    r = burst(args.checkout.resolve(), args.n, args.rate_limited)
    fmt = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    storm = " (users.info 429)" if args.rate_limited else ""
    print(
        f"{r['n']} parallel signed /papers commands{storm}:"
        f" {r['errors']} errors, {r['over_3s']} not acked within 3 s,"
        f" median {fmt(r['median'])}, p99 {fmt(r['p99'])}; {r['answered']} answered"
    )


if __name__ == "__main__":
    main()
