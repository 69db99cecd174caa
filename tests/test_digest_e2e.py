"""`papers-bot digest` (and `papers-bot run`'s scheduler) as real processes against the emulator."""

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import utcnow
from bot.store import Store
from tests.bot_process import ROOT, BotProcess, bot_env
from tests.slack_emulator import SlackEmulator
from tests.test_delivery import TEAM, reply_ids, seed_trending, thread_of

# Fast pace for most runs; the 429 run keeps Slack's real one message a second.
FAST = {"PAPERS_POST_INTERVAL": "0.05"}


@pytest.fixture
def emu():
    with SlackEmulator(bot_token="xoxb-test", team_id=TEAM) as emulator:
        emulator.add_channel("CLIVE", name="papers")
        emulator.add_channel("COUT", member=False, name="random")
        emulator.add_user("U1", tz="Europe/Paris")
        emulator.add_user("U2", tz="America/New_York")
        yield emulator


@pytest.fixture
def db(tmp_path):
    return tmp_path / "papers.db"


@pytest.fixture
def store(db):
    s = Store(db)
    yield s
    s.close()


def digest(emu, db, *args, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "digest", *args],
        env=env or bot_env(emu, db, **FAST),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        **kw,
    )


def background(emu, db, *args, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "digest", *args],
        env=bot_env(emu, db, **extra),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_thread_once_then_nothing(emu, db, store):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=5, tz="Europe/Paris")
    first = digest(emu, db)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1] == "1 posted, 0 skipped, 0 paused, 0 failed."
    parent, replies = thread_of(emu, "CLIVE")
    assert reply_ids(replies) == ids[:5]
    assert parent.blocks[0]["text"]["text"].startswith("Trending papers · ")
    second = digest(emu, db)
    assert second.returncode == 0
    assert "already had the digest of" in second.stdout
    assert second.stdout.splitlines()[-1] == "0 posted, 1 skipped, 0 paused, 0 failed."
    assert len(emu.messages("CLIVE")) == 6


def test_two_429s_during_the_thread_and_everything_posted_once(emu, db, store):
    seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=3)
    proc = background(emu, db)  # Slack's pace: one message a second
    emu.wait_for(lambda: len(emu.messages("CLIVE")) >= 2, timeout=20)
    emu.fail_next("chat.postMessage", status=429, retry_after=1, times=2)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    _, replies = thread_of(emu, "CLIVE")
    assert len(replies) == 3 and len(set(reply_ids(replies))) == 3
    posts = emu.calls("chat.postMessage")
    assert len(posts) == 4 + 2
    gaps = [b.at - a.at for a, b in itertools.pairwise(posts)]
    assert all(gap >= 0.9 for gap in gaps), gaps  # never faster than one a second


def test_killed_mid_thread_then_rerun_completes_without_duplicates(emu, db, store):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=8)
    proc = background(emu, db, PAPERS_POST_INTERVAL="0.4")
    emu.wait_for(lambda: len(emu.messages("CLIVE")) >= 4, timeout=20)  # parent + 3 replies
    # Killed between two posts (it waits 0.4 s between them). A kill in the millisecond
    # between Slack's answer and the SQLite record would repeat that one message.
    time.sleep(0.15)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert 4 <= len(emu.messages("CLIVE")) < 9
    rerun = digest(emu, db)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    _, replies = thread_of(emu, "CLIVE")
    assert reply_ids(replies) == ids[:8]
    assert "0 posted, 1 skipped" in digest(emu, db).stdout


def test_two_runs_at_once_post_one_thread(emu, db, store):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=4)
    runs = [background(emu, db, PAPERS_POST_INTERVAL="0.2") for _ in range(2)]
    outs = [proc.communicate(timeout=30)[0] for proc in runs]
    assert all(proc.returncode == 0 for proc in runs), outs
    _, replies = thread_of(emu, "CLIVE")
    assert reply_ids(replies) == ids[:4]
    assert sum("1 posted" in out for out in outs) == 1


def test_slack_failing_mid_thread_then_rerun_completes(emu, db, store):
    seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=6)
    proc = background(emu, db, PAPERS_POST_INTERVAL="0.3")
    emu.wait_for(lambda: len(emu.messages("CLIVE")) >= 4, timeout=20)
    emu.fail_next("chat.postMessage", "internal_error")
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "failed: channel CLIVE: Slack said internal_error after 4 message(s)" in out
    rerun = digest(emu, db)
    assert rerun.returncode == 0
    _, replies = thread_of(emu, "CLIVE")
    assert len(replies) == 6 and len(set(reply_ids(replies))) == 6


def test_a_dead_channel_does_not_block_a_live_one(emu, db, store):
    seed_trending(store)
    store.save_channel(TEAM, "COUT", size=3)
    store.save_channel(TEAM, "CLIVE", size=3)
    result = digest(emu, db)
    assert result.returncode == 0
    assert "paused: channel COUT: paused (not_in_channel)" in result.stdout
    thread_of(emu, "CLIVE")
    again = digest(emu, db)
    assert "paused: channel COUT: paused since " in again.stdout
    assert emu.messages("COUT") == []


def test_a_dm_holds_only_matching_papers_and_nothing_next_run(emu, db, store):
    seed_trending(store)
    store.add_topic(TEAM, "U1", "ocr")
    store.add_topic(TEAM, "U2", "protein folding")
    first = digest(emu, db, "--users")
    assert first.returncode == 0, first.stderr
    assert "person U2: nothing new on their topics" in first.stdout
    (dm,) = emu.messages("DU1")
    assert emu.messages("DU2") == []
    ocr = {r["id"] for r in json.loads(_search(emu, db, "ocr"))["results"]}
    sent = {part.split("|")[0] for part in json.dumps(dm.blocks).split("arxiv.org/abs/")[1:]}
    assert sent and sent <= ocr
    again = digest(emu, db, "--users")
    assert "0 posted" in again.stdout and len(emu.messages("DU1")) == 1


def _search(emu, db, text: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "bot", "search", text, "--json", "--limit", "100"],
        env=bot_env(emu, db),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def test_no_token_is_one_line_and_dry_run_needs_no_slack(emu, db, store):
    seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=3)
    env = {k: v for k, v in bot_env(emu, db).items() if k != "SLACK_BOT_TOKEN"}
    env.pop("SLACK_APP_TOKEN")
    no_token = digest(emu, db, env=env)
    assert no_token.returncode == 1
    assert no_token.stderr.strip().splitlines() == [
        "Error: SLACK_BOT_TOKEN is needed to post digests (--dry-run previews them without Slack)."
    ]
    dry = digest(emu, db, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "channel CLIVE: thread “Trending papers · " in dry.stdout
    assert dry.stdout.splitlines()[-1].startswith("Dry run: 1 digest(s) would be posted")
    assert emu.calls() == []
    assert store.day_states("2000-01-01") == {}


def test_channel_option_and_conflicts(emu, db, store):
    seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=3)
    store.save_channel(TEAM, "COUT", size=3)
    only = digest(emu, db, "--channel", "CLIVE")
    assert only.stdout.splitlines()[-1] == "1 posted, 0 skipped, 0 paused, 0 failed."
    assert emu.calls("chat.postMessage")[0].params["channel"] == "CLIVE"
    unknown = digest(emu, db, "--channel", "CNOPE")
    assert "CNOPE: no daily thread set up" in unknown.stdout
    both = digest(emu, db, "--channel", "CLIVE", "--users")
    assert both.returncode == 2 and "do not go together" in both.stderr


# -- the scheduler inside `papers-bot run` ---------------------------------------------------

RUN_STARTS_SCHEDULER = "scheduler" in (ROOT / "bot" / "slack" / "app.py").read_text()
needs_run = pytest.mark.skipif(
    not RUN_STARTS_SCHEDULER, reason="papers-bot run does not start the scheduler yet"
)


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


@needs_run
def test_scheduled_digest_fires_at_its_time_with_the_bot_running(emu, db, store, tmp_path):
    now = utcnow()
    seed_trending(store, now)
    store.save_channel(TEAM, "CLIVE", size=3, at=_hhmm(now), tz="UTC")  # due this minute
    emu.add_channel("CLATER")
    store.save_channel(TEAM, "CLATER", size=3, at=_hhmm(now + timedelta(minutes=5)), tz="UTC")
    bot = BotProcess(
        bot_env(emu, db, PAPERS_SCHEDULER_TICK="0.2", **FAST), log_path=tmp_path / "bot.log"
    )
    try:
        emu.wait_for(lambda: len(emu.messages("CLIVE")) == 4, timeout=20)
        time.sleep(1)
        assert len(emu.messages("CLIVE")) == 4 and emu.messages("CLATER") == []
    finally:
        bot.stop()


@needs_run
def test_a_missed_digest_is_caught_up_after_a_restart_within_grace(emu, db, store, tmp_path):
    now = datetime.now(UTC)
    seed_trending(store, now)
    store.save_channel(TEAM, "CLIVE", size=3, at=_hhmm(now - timedelta(hours=2)), tz="UTC")
    bot = BotProcess(
        bot_env(emu, db, PAPERS_SCHEDULER_TICK="0.2", **FAST), log_path=tmp_path / "bot.log"
    )
    try:
        emu.wait_for(lambda: len(emu.messages("CLIVE")) == 4, timeout=20)
    finally:
        bot.stop()
    again = BotProcess(
        bot_env(emu, db, PAPERS_SCHEDULER_TICK="0.2", **FAST), log_path=tmp_path / "bot2.log"
    )
    try:
        time.sleep(1.5)
    finally:
        again.stop()
    assert len(emu.messages("CLIVE")) == 4


def test_env_is_clean():
    assert "PAPERS_POST_INTERVAL" not in os.environ
