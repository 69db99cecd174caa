"""The scheduler in-process: a real BackgroundScheduler, a real WebClient, the Slack emulator."""

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.jobstores.memory import MemoryJobStore

from bot import config, scheduler
from bot.config import Settings
from bot.core.digest_run import DigestTick
from bot.errors import ConfigError
from bot.slack.delivery import Pacer, SlackDeliverer, make_client
from tests.slack_emulator import SlackEmulator
from tests.test_delivery import TEAM, seed_trending, thread_of

# 08:59 in Paris on the test day.
BEFORE = datetime(2026, 11, 28, 7, 59, 30, tzinfo=UTC)


@pytest.fixture
def emu():
    with SlackEmulator(bot_token="xoxb-test", team_id=TEAM) as emulator:
        emulator.add_channel("C1")
        emulator.add_channel("C2")
        emulator.add_channel("C3")
        yield emulator


@pytest.fixture
def parts(emu, tmp_path, store, monkeypatch):
    settings = Settings(
        bot_token="xoxb-test",
        slack_api_url=emu.api_url,
        db_path=tmp_path / "papers.db",
        scheduler_tick=0.05,
    )
    seed_trending(store, BEFORE.replace(hour=6))
    return settings, make_client(settings)


def started(parts, store, clock):
    settings, client = parts
    tick = DigestTick(settings, store, SlackDeliverer(client, Pacer(0)), lambda: clock[0])
    return scheduler.start(settings, digest_tick=tick)


def test_the_digest_fires_at_its_time_and_only_once(parts, store, emu):
    store.save_channel(TEAM, "C1", at="09:00", tz="Europe/Paris", size=3)
    clock = [BEFORE]
    sched = started(parts, store, clock)
    try:
        time.sleep(0.4)  # several ticks before 09:00 Paris: nothing
        assert emu.messages("C1") == []
        clock[0] = BEFORE.replace(minute=0, second=0, hour=8)  # 09:00 Paris
        emu.wait_for(lambda: len(emu.messages("C1")) == 4, timeout=5)
        time.sleep(0.4)  # more ticks: nothing more
        parent, replies = thread_of(emu, "C1")
        assert len(replies) == 3 and "Sat 28 Nov 2026" in parent.text
    finally:
        sched.shutdown(wait=True)


def test_a_restart_catches_up_within_grace_and_skips_older_ones(parts, store, emu, caplog):
    store.save_channel(TEAM, "C2", at="09:00", tz="UTC", size=3)  # 2 h late: caught up
    store.save_channel(TEAM, "C3", at="02:00", tz="UTC", size=3)  # 9 h late: skipped
    clock = [datetime(2026, 11, 28, 11, 0, tzinfo=UTC)]
    caplog.set_level(logging.WARNING, logger="bot.scheduler")
    sched = started(parts, store, clock)
    try:
        emu.wait_for(lambda: len(emu.messages("C2")) == 4, timeout=5)
        time.sleep(0.3)
    finally:
        sched.shutdown(wait=True)
    assert emu.messages("C3") == []
    missed = [r.message for r in caplog.records if "missed" in r.message]
    assert len(missed) == 1 and "channel C3" in missed[0] and "6-hour grace" in missed[0]
    # Started again the same day: still nothing twice.
    sched = started(parts, store, clock)
    try:
        time.sleep(0.3)
    finally:
        sched.shutdown(wait=True)
    assert len(emu.messages("C2")) == 4


def test_jobs_are_set_up_against_apscheduler_pitfalls(parts, store):
    settings, client = parts
    tick = DigestTick(settings, store, SlackDeliverer(client, Pacer(0)), lambda: BEFORE)
    sched = scheduler.start(settings, digest_tick=tick, ingest=lambda sources: None)
    try:
        jobs = {job.id: job for job in sched.get_jobs()}
        assert set(jobs) == {"ingest-hf", "ingest-arxiv", "digest-tick"}
        assert jobs["ingest-hf"].args == (("hf",),) and jobs["ingest-arxiv"].args == (("arxiv",),)
        for job in jobs.values():
            assert job.coalesce is True and job.max_instances == 1
            assert job.misfire_grace_time >= 1
        assert jobs["ingest-arxiv"].misfire_grace_time == 6 * 3600
        assert isinstance(sched._lookup_jobstore("default"), MemoryJobStore)
        arxiv = jobs["ingest-arxiv"].trigger.triggers  # after the announcement, after the feeds
        assert [str(t.timezone) for t in arxiv] == ["America/New_York"] * 2
        after = datetime(2026, 12, 3, 12, tzinfo=UTC)  # a Thursday
        runs = [jobs["ingest-arxiv"].trigger.get_next_fire_time(None, after)]
        for _ in range(3):
            later = runs[-1] + timedelta(seconds=1)
            runs.append(jobs["ingest-arxiv"].trigger.get_next_fire_time(runs[-1], later))
        assert [f"{r:%a %H:%M}" for r in runs] == [
            "Thu 20:30",
            "Fri 01:30",
            "Sun 20:30",
            "Mon 01:30",
        ]
    finally:
        sched.shutdown(wait=True)


def test_tick_setting():
    assert config.load({"PAPERS_SCHEDULER_TICK": "2.5"}).scheduler_tick == 2.5
    assert config.load({}).scheduler_tick == 60
    for bad in ("soon", "0", "-1"):
        with pytest.raises(ConfigError, match="PAPERS_SCHEDULER_TICK"):
            config.load({"PAPERS_SCHEDULER_TICK": bad})


def test_a_persons_dm_comes_at_nine_in_their_own_zone(parts, store, emu):
    emu.add_user("U1", tz="Asia/Tokyo")
    store.add_topic(TEAM, "U1", "ocr")
    clock = [datetime(2026, 11, 27, 23, 59, tzinfo=UTC)]  # 08:59 in Tokyo
    sched = started(parts, store, clock)
    try:
        emu.wait_for(lambda: emu.calls("users.info"), timeout=5)
        time.sleep(0.3)
        assert emu.messages("DU1") == []
        clock[0] = datetime(2026, 11, 28, 0, 0, 30, tzinfo=UTC)  # 09:00 in Tokyo
        emu.wait_for(lambda: emu.messages("DU1"), timeout=5)
        time.sleep(0.3)
    finally:
        sched.shutdown(wait=True)
    (dm,) = emu.messages("DU1")
    assert "Sat 28 Nov 2026" in dm.text and "on ocr" in dm.text
    assert len(emu.calls("users.info")) == 1
