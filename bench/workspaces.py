"""One `papers-bot run --http` process serving many workspaces: installs, then commands a second.

    .venv/bin/python -m bench.workspaces [-w 200] [-n 600] [--threads 16]

Starts the real bot in OAuth mode against the project's Slack emulator on loopback, installs
W workspaces through `/slack/install` and `/slack/oauth_redirect` (timed), then sends N signed
`/papers ocr` commands spread over the workspaces from T threads, and reports commands
answered a second (the answer posted to the response_url, as a person sees it) and the ack
times. The same load is then sent to the bot with one SLACK_BOT_TOKEN, for comparison.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bot_process import bot_env, free_port  # noqa: E402
from tests.slack_emulator import SlackEmulator, signed_headers  # noqa: E402

SECRET = "bench-secret"
SEED = ROOT / "bot" / "sample" / "seed_papers.json"


def _start(env: dict, tmp: Path, name: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115 (the process holds it)
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return bot, port
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError("papers-bot did not serve HTTP")


def _install(emu: SlackEmulator, client: httpx.Client, base: str, team: str) -> None:
    page = client.get(f"{base}/slack/install")
    state = re.search(r"state=([^&\"]+)", page.text).group(1)
    cookie = page.headers["set-cookie"].split(";")[0]
    done = client.get(
        f"{base}/slack/oauth_redirect",
        params={"code": emu.issue_oauth_code(team), "state": state},
        headers={"Cookie": cookie},
    )
    assert done.status_code == 200, done.text


def _load(emu, port: int, teams: list[str], n: int, threads: int) -> dict:
    forms = []
    for i in range(n):
        url = emu.new_response_url()
        form = {"team_id": teams[i % len(teams)], "user_id": "U1", "channel_id": "C1"}
        form |= {"command": "/papers", "text": "ocr", "response_url": url}
        form |= {"trigger_id": "1.2.3", "api_app_id": "A0001"}
        forms.append((urllib.parse.urlencode(form).encode(), url))
    acks: list[float] = []
    started = time.monotonic()
    with httpx.Client(timeout=10) as client, ThreadPoolExecutor(threads) as pool:

        def post(body: bytes) -> None:
            t = time.monotonic()
            r = client.post(
                f"http://127.0.0.1:{port}/slack/events",
                content=body,
                headers=signed_headers(SECRET, body),
            )
            assert r.status_code == 200
            acks.append(time.monotonic() - t)

        list(pool.map(lambda f: post(f[0]), forms))
    emu.wait_for(lambda: len(emu.response_posts()) >= n, timeout=120)
    took = time.monotonic() - started
    acks.sort()
    return {
        "per_second": n / took,
        "ack_median_ms": statistics.median(acks) * 1000,
        "ack_p99_ms": acks[int(len(acks) * 0.99) - 1] * 1000,
    }


def run(workspaces: int, n: int, threads: int) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp_name, SlackEmulator(team_id="T0001") as emu:
        tmp = Path(tmp_name)
        emu.add_user("U1")
        emu.add_channel("C1")
        env = bot_env(emu, tmp / "papers.db", SLACK_SIGNING_SECRET=SECRET)
        seed = [sys.executable, "-m", "bot", "ingest", "--source", "file", "--file", str(SEED)]
        subprocess.run(seed, cwd=ROOT, env=env, capture_output=True, check=True, timeout=120)
        oauth = dict(env, SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s")
        oauth.pop("SLACK_BOT_TOKEN")
        oauth.pop("SLACK_APP_TOKEN")
        bot, port = _start(oauth, tmp, "oauth")
        try:
            teams = [f"T{i:05d}" for i in range(workspaces)]
            started = time.monotonic()
            with httpx.Client(timeout=10) as client:
                for team in teams:
                    _install(emu, client, f"http://127.0.0.1:{port}", team)
            out["installs_per_second"] = workspaces / (time.monotonic() - started)
            out["oauth_first"] = _load(emu, port, teams, n, threads)
            emu.reset()
            out["oauth"] = _load(emu, port, teams, n, threads)
        finally:
            bot.terminate()
            bot.wait(timeout=15)
        emu.reset()
        single = dict(env)
        single.pop("SLACK_APP_TOKEN")
        bot, port = _start(single, tmp, "single")
        try:
            out["single"] = _load(emu, port, ["T0001"], n, threads)
        finally:
            bot.terminate()
            bot.wait(timeout=15)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-w", type=int, default=200, help="workspaces installed")
    parser.add_argument("-n", type=int, default=600, help="commands sent")
    parser.add_argument("--threads", type=int, default=16, help="senders at once")
    args = parser.parse_args()
    r = run(args.w, args.n, args.threads)
    print(f"{args.w} workspaces installed at {r['installs_per_second']:.0f} installs/s")
    for mode in ("oauth_first", "oauth", "single"):
        f = r[mode]
        print(
            f"{mode:>6}: {args.n} /papers ocr from {args.threads} threads: "
            f"{f['per_second']:.0f} answered/s, ack median {f['ack_median_ms']:.0f} ms, "
            f"p99 {f['ack_p99_ms']:.0f} ms"
        )


if __name__ == "__main__":
    main()
