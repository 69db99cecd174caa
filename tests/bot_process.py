"""Start the real `papers-bot` as a child process, pointed at a local Slack emulator."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "test-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_env(emu, db: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAPERS_"))}
    # slack_sdk reads proxy variables without NO_PROXY: keep loopback direct.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)
    env.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN="xapp-test",
        SLACK_API_URL=emu.api_url,
        PAPERS_DB=str(db),
        HF_ENDPOINT="http://127.0.0.1:9",
        ARXIV_API_URL="http://127.0.0.1:9/api/query",
    )
    env.update(extra)
    return env


def command_body(emu, text: str, team: str = "T0001") -> tuple[bytes, str]:
    """A `/papers TEXT` slash command as Slack posts it (form body), and its response_url."""
    url = emu.new_response_url()
    form = {
        "token": "legacy",
        "team_id": team,
        "team_domain": team.lower(),
        "channel_id": "C1",
        "channel_name": "papers",
        "user_id": "U1",
        "user_name": "ann",
        "command": "/papers",
        "text": text,
        "api_app_id": "A0001",
        "response_url": url,
        "trigger_id": "1.2.3",
    }
    return urllib.parse.urlencode(form).encode(), url


def run_digest(emu, db: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`papers-bot digest ARGS` as a real process against `emu`, posting with no pause."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "digest", *args],
        env=bot_env(emu, db, PAPERS_POST_INTERVAL="0"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class BotProcess:
    """`papers-bot run ...` in the background, its log kept in a file for failing tests."""

    def __init__(self, env: dict, *args: str, log_path: Path, argv: list[str] | None = None):
        """`argv`: the whole command instead of `python -m bot run ARGS` (bench.serve's)."""
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            argv or [sys.executable, "-m", "bot", "run", *args],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def wait_http(self, port: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bot exited {self.proc.returncode}:\n{self.log}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError(f"bot did not serve HTTP:\n{self.log}")
