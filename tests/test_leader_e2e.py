"""Two `papers-bot run --http` workers on one store: one scheduler leader, taken over on kill."""

import json
import signal
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest

from bot.clock import utcnow
from bot.store import Store
from tests.bot_process import SIGNING_SECRET, BotProcess, bot_env, free_port
from tests.slack_emulator import SlackEmulator
from tests.test_delivery import TEAM, reply_ids, seed_trending, thread_of

LEASE = "3"  # seconds: the follower takes over within this once the leader stops renewing


@pytest.fixture
def emu():
    with SlackEmulator(bot_token="xoxb-test", team_id=TEAM) as emulator:
        emulator.add_channel("CLIVE", name="papers")
        yield emulator


def worker(emu, db, tmp_path, name: str) -> tuple[BotProcess, int]:
    port = free_port()
    env = bot_env(
        emu,
        db,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        PAPERS_SCHEDULER_TICK="0.2",
        PAPERS_POST_INTERVAL="0.05",
        PAPERS_LEASE_SECONDS=LEASE,
    )
    env.pop("SLACK_APP_TOKEN")
    process = BotProcess(env, "--http", "--port", str(port), log_path=tmp_path / f"{name}.log")
    return process, port


def health(port: int) -> dict:
    return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()


def test_leader_killed_mid_thread_the_other_finishes_it_once(emu, tmp_path):
    db = tmp_path / "papers.db"
    store = Store(db)
    ids = seed_trending(store)
    # Due a minute ago; nothing posts until both workers are up (the channel is enabled last).
    store.save_channel(
        TEAM,
        "CLIVE",
        size=8,
        at=(utcnow() - timedelta(minutes=1)).strftime("%H:%M"),
        tz="UTC",
        enabled=0,
    )
    a, port_a = worker(emu, db, tmp_path, "a")
    b, port_b = worker(emu, db, tmp_path, "b")
    try:
        a.wait_http(port_a)
        b.wait_http(port_b)
        first, second = health(port_a), health(port_b)
        assert first["ok"] and second["ok"] and first["leader"] == second["leader"]
        assert first["this_process_leads"] != second["this_process_leads"]
        leader, follower = (a, b) if first["this_process_leads"] else (b, a)
        follower_port = port_b if leader is a else port_a
        assert first["leader"].endswith(f":{leader.proc.pid}")

        emu.delay_next("chat.postMessage", 0.4, times=20)  # a slow Slack: a thread takes ~4 s
        store.save_channel(TEAM, "CLIVE", enabled=1)
        emu.wait_for(lambda: len(emu.messages("CLIVE")) >= 3, timeout=20)
        leader.proc.send_signal(signal.SIGKILL)
        leader.proc.wait(timeout=10)
        killed_at = time.monotonic()

        emu.wait_for(lambda: len(emu.messages("CLIVE")) == 9, timeout=30)
        took = time.monotonic() - killed_at
        time.sleep(1.5)  # a duplicate would show up here
        _parent, replies = thread_of(emu, "CLIVE")
        assert reply_ids(replies) == ids[:8]  # each paper once, in order
        now = health(follower_port)
        assert now["this_process_leads"] and now["leader"].endswith(f":{follower.proc.pid}")
        assert took < 20, took
        probe = subprocess.run(
            [sys.executable, "-m", "bot.healthcheck", f"http://127.0.0.1:{follower_port}/healthz"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert probe.returncode == 0 and probe.stdout.startswith("healthy: store ok"), probe.stdout
        assert "Traceback" not in follower.log
        print(json.dumps({"takeover_and_finish_seconds": round(took, 1)}))
    finally:
        a.stop()
        b.stop()
        store.close()


def test_workers_wait_while_the_store_is_being_migrated(emu, tmp_path):
    import fcntl

    db = tmp_path / "papers.db"
    with open(f"{db}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a migrating process holds it
        a, port_a = worker(emu, db, tmp_path, "a")
        b, port_b = worker(emu, db, tmp_path, "b")
        try:
            time.sleep(3)
            for process, port in ((a, port_a), (b, port_b)):
                assert process.proc.poll() is None  # waiting, not failed
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    raise AssertionError("a worker served before the migration ended")
                except httpx.TransportError:
                    pass
            assert not db.exists() or db.stat().st_size == 0
        except BaseException:
            a.stop()
            b.stop()
            raise
    try:  # the lock is released: both migrate in turn and serve
        a.wait_http(port_a)
        b.wait_http(port_b)
        names = [r[0] for r in Store(db).db.execute("SELECT name FROM _sqlite_migrations")]
        assert len(names) == len(set(names)) and "0010_workspaces" in names
    finally:
        a.stop()
        b.stop()
