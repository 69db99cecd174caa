"""Delivery against the Slack emulator with a real WebClient and a real SQLite file.

Threads and DMs posted once, resumed after failures, paced, and paused on dead targets.
"""

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.clock import utcnow
from bot.config import Settings
from bot.core.commands import Handlers, Who, parse, trending_list
from bot.core.digest import Delivery, local_day
from bot.core.digest_preview import PreviewDeliverer
from bot.core.digest_run import run_digests
from bot.core.models import IngestReport, Paper, Sighting
from bot.core.pauses import pause_text
from bot.errors import ConfigError
from bot.slack.delivery import Pacer, SlackDeliverer, check_channel, make_client, run_jobs
from bot.sources import files
from bot.store import Store
from tests.conftest import SEED
from tests.slack_emulator import SlackEmulator

TEAM = "T0001"


def seed_trending(store: Store, now=None) -> list[str]:
    """The 18 seed papers on today's HF daily list; their ids in trending order."""
    now = now or utcnow()
    with SEED.open("rb") as stream:
        sightings = list(files.read(stream, IngestReport()))
    day = now.date().isoformat()
    ranked = [
        replace(s, source="hf", upvotes=500 - 20 * i, day=day, position=i)
        for i, s in enumerate(sightings)
    ]
    store.upsert(ranked, now)
    return [p.paper.id for p in trending_list(store, now)[1]]


def thread_of(emu: SlackEmulator, channel: str):
    """(parent, replies) of the one thread in `channel`; fails on anything else."""
    messages = emu.messages(channel)
    parents = [m for m in messages if m.thread_ts is None]
    assert len(parents) == 1, [m.text for m in parents]
    replies = [m for m in messages if m.thread_ts is not None]
    assert all(m.thread_ts == parents[0].ts for m in replies)
    return parents[0], replies


def reply_ids(replies) -> list[str]:
    return [m.blocks[0]["text"]["text"].split("abs/")[1].split("|")[0] for m in replies]


@pytest.fixture
def emu():
    with SlackEmulator(bot_token="xoxb-test", team_id=TEAM) as emulator:
        emulator.add_channel("CLIVE", name="papers")
        emulator.add_channel("COUT", member=False, name="random")
        emulator.add_channel("CARCH", archived=True, name="old")
        emulator.add_user("U1", tz="Europe/Paris")
        emulator.add_user("U2", tz="Asia/Tokyo")
        emulator.add_user("UGONE", deleted=True)
        yield emulator


@pytest.fixture
def slack(emu, tmp_path):
    settings = Settings(
        bot_token="xoxb-test", slack_api_url=emu.api_url, db_path=tmp_path / "papers.db"
    )
    return settings, make_client(settings)


def posted_to(report) -> list[str]:
    """Whom a run's report says it posted to (`channel CLIVE`, `person U1`), in order."""
    return [line.split(":")[0] for line in report.posted]


def run(slack, store, pacer: Pacer | None = None, **kw):
    """One digest run through Slack (the emulator), posting with no pause unless `pacer`."""
    settings, client = slack
    return run_digests(settings, store, SlackDeliverer(client, pacer or Pacer(0)), **kw)


def test_thread_structure_then_a_second_run_posts_nothing(emu, slack, store):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=5, tz="Europe/Paris")
    report = run(slack, store)
    paris_day = local_day("Europe/Paris", utcnow())  # not UTC's day from 23:00 UTC
    assert report.posted == [f"channel CLIVE: 6 message(s) for {paris_day}"]
    parent, replies = thread_of(emu, "CLIVE")
    assert parent.blocks[0]["text"]["text"].startswith("Trending papers · ")
    assert parent.text.startswith("Trending papers · ")
    assert reply_ids(replies) == ids[:5]
    assert all(m.text for m in replies)
    calls = len(emu.calls("chat.postMessage"))
    again = run(slack, store)
    assert again.posted == [] and "already had" in again.skipped[0]
    assert len(emu.calls("chat.postMessage")) == calls


def test_two_429s_mid_thread_wait_retry_after_and_post_everything_once(emu, slack, store):
    seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=4)
    emu.add_message("CLIVE")  # someone else's message: the thread must not pick it up

    class Faulty(Pacer):
        n = 0

        def posted(self, channel):
            super().posted(channel)
            self.n += 1
            if self.n == 2:  # the third message meets two 429s
                emu.fail_next("chat.postMessage", status=429, retry_after=1, times=2)

    report = run(slack, store, pacer=Faulty(0))
    assert report.failed == [] and posted_to(report) == ["channel CLIVE"]
    _, replies = thread_of(emu, "CLIVE")
    assert len(replies) == 4 and len(set(reply_ids(replies))) == 4
    posts = emu.calls("chat.postMessage")
    assert len(posts) == 5 + 2
    limited = [i for i, c in enumerate(posts) if i in (2, 3)]
    assert posts[limited[-1] + 1].at - posts[limited[0]].at >= 2.0  # Retry-After: 1 s, twice


def test_interrupted_thread_resumes_without_repeating(emu, slack, store):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=6)

    class Breaks(Pacer):
        n = 0

        def posted(self, channel):
            super().posted(channel)
            self.n += 1
            if self.n == 4:  # parent + 3 replies went through; the 4th reply fails
                emu.fail_next("chat.postMessage", "internal_error")

    first = run(slack, store, pacer=Breaks(0))
    assert first.failed == [
        "channel CLIVE: Slack said internal_error after 4 message(s); the next run resumes it"
    ]
    assert len(emu.messages("CLIVE")) == 4
    ingested_later = seed_trending(store, utcnow())  # the ranking may move: the plan holds
    assert ingested_later == ids
    second = run(slack, store)
    assert second.failed == [] and len(second.posted) == 1
    _, replies = thread_of(emu, "CLIVE")
    assert reply_ids(replies) == ids[:6]
    assert run(slack, store).posted == []


def test_dead_channels_pause_without_holding_up_a_live_one(emu, slack, store):
    seed_trending(store)
    for channel in ("COUT", "CARCH", "CGONE", "CLIVE"):
        store.save_channel(TEAM, channel, size=3)
    report = run(slack, store)
    assert report.posted == [f"channel CLIVE: 4 message(s) for {utcnow().date()}"]
    assert sorted(report.paused) == [
        "channel CARCH: paused (is_archived)",
        "channel CGONE: paused (channel_not_found)",
        "channel COUT: paused (not_in_channel)",
    ]
    thread_of(emu, "CLIVE")
    assert store.channel(TEAM, "COUT").paused == "not_in_channel"
    status = Handlers(store).handle(parse("channel status"), Who(TEAM, "U1", "COUT"))
    assert status.text == "Daily trending thread: on. " + pause_text(
        "not_in_channel", store.channel(TEAM, "COUT").paused_at
    )
    assert "I am not a member of this channel: type `/invite @papers-bot` here" in status.text
    # Invited since: the next run checks once and resumes it.
    emu.add_channel("COUT", member=True, name="random")
    assert run(slack, store, channel="COUT").posted == [
        f"channel COUT: 4 message(s) for {utcnow().date()}"
    ]
    assert store.channel(TEAM, "COUT").paused is None


def test_paused_channel_checked_once_a_day_not_every_run(emu, slack, store):
    now = utcnow()
    seed_trending(store, now)
    store.save_channel(TEAM, "COUT", size=3)
    run(slack, store, now=now)
    run(slack, store, now=now)
    assert emu.calls("conversations.info") == []  # paused today: not checked again today
    for _ in range(3):
        report = run(slack, store, now=now + timedelta(days=1))
    assert len(emu.calls("conversations.info")) == 1  # once the next day
    assert report.paused[0].startswith("channel COUT: paused since ")
    assert len(emu.calls("chat.postMessage")) == 1


def test_quiet_channel_posts_nothing_and_a_loud_one_a_note(emu, slack, store):
    emu.add_channel("CQUIET")
    store.save_channel(TEAM, "CQUIET", quiet=1)
    store.save_channel(TEAM, "CLIVE")
    report = run(slack, store)
    assert emu.messages("CQUIET") == []
    (note,) = emu.messages("CLIVE")
    assert (
        note.text.startswith("No new trending papers for ") and "no papers are stored" in note.text
    )
    assert any("quiet day" in line for line in report.skipped)
    assert run(slack, store).posted == []


def test_a_paper_is_not_posted_again_within_14_days(emu, slack, store):
    now = utcnow()
    seed_trending(store, now)
    store.save_channel(TEAM, "CLIVE", size=20)
    run(slack, store, now=now)
    tomorrow = run(slack, store, now=now + timedelta(days=1))
    assert posted_to(tomorrow) == ["channel CLIVE"]
    note = emu.messages("CLIVE")[-1]
    assert note.thread_ts is None and "posted here in the last 14 days" in note.text
    assert len(emu.messages("CLIVE")) == 1 + 18 + 1


def test_dm_holds_only_matching_papers_once(emu, slack, store):
    seed_trending(store)
    store.add_topic(TEAM, "U1", "ocr")
    store.add_topic(TEAM, "U1", "passage retrieval")
    store.add_topic(TEAM, "U2", "quantum chromodynamics")
    report = run(slack, store, users=True)
    assert [line.rsplit(" for ", 1)[0] for line in report.posted] == ["person U1: DM"]
    assert "person U2: nothing new on their topics" in report.skipped
    (dm,) = emu.messages("DU1")
    assert emu.messages("DU2") == []
    body = json.dumps(dm.blocks)
    assert "*ocr*" in body and "*passage retrieval*" in body
    linked = {part.split("|")[0] for part in body.split("arxiv.org/abs/")[1:]}
    for pid in linked:
        title = store.get(pid).paper.title.lower()
        assert any(w in title for w in ("ocr", "text", "passage", "document", "retrieval")), title
    assert run(slack, store, users=True).posted == []
    # Tomorrow: a new matching paper arrives; only it is sent.
    tomorrow = utcnow() + timedelta(days=1)
    new = Paper(
        "2611.99999",
        title="Faster OCR for handwritten notes",
        abstract="We read.",
        published=tomorrow.date().isoformat(),
    )
    store.upsert([Sighting(new, "hf", upvotes=3)], tomorrow - timedelta(hours=1))
    later = run(slack, store, users=True, now=tomorrow)
    assert posted_to(later) == ["person U1"]
    last = emu.messages("DU1")[-1]
    assert "2611.99999" in json.dumps(last.blocks)
    assert json.dumps(last.blocks).count("arxiv.org/abs/") == 1


def test_time_zone_from_slack_and_lost_people_paused(emu, slack, store):
    seed_trending(store)
    store.add_topic(TEAM, "U2", "ocr")
    store.add_topic(TEAM, "UGONE", "ocr")
    store.add_topic(TEAM, "UNOBODY", "ocr")
    report = run(slack, store, users=True)
    assert store.person(TEAM, "U2").tz == "Asia/Tokyo"
    assert sorted(report.paused) == [
        "person UGONE: digest paused (account_inactive)",
        "person UNOBODY: digest paused (user_not_found)",
    ]
    assert len(emu.messages("DU2")) == 1
    run(slack, store, users=True)
    assert len(emu.calls("users.info")) == 3  # cached: no second lookup within 7 days


def test_dry_run_needs_no_slack_and_records_nothing(store, tmp_path):
    seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=3)
    store.add_topic(TEAM, "U1", "ocr")
    settings = Settings(db_path=tmp_path / "papers.db")
    report = run_digests(settings, store, PreviewDeliverer())
    assert report.preview[0].startswith("channel CLIVE: thread “Trending papers · ")
    people = run_digests(settings, store, PreviewDeliverer(), users=True)
    assert people.preview[0].startswith("person U1: DM for ")
    assert store.day_states("2000-01-01") == {}
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        SlackDeliverer(None)


def test_check_channel_says_what_to_do(emu, slack):
    _, client = slack
    assert check_channel(client, "CLIVE") is None
    assert check_channel(client, "COUT") == (
        "I'm not in #random yet: type `/invite @papers-bot` in the channel."
    )
    assert "archived" in check_channel(client, "CARCH")
    assert "/invite @papers-bot" in check_channel(client, "CNOPE")


def test_pacer_keeps_one_message_a_second_per_channel_and_interleaves():
    clock = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        clock[0] += seconds

    pacer = Pacer(1.0, clock=lambda: clock[0], sleep=sleep)
    order = []

    def job(channel, n):
        for i in range(n):
            yield channel
            order.append((channel, i, clock[0]))
        return channel

    outcomes = run_jobs([job("A", 3), job("B", 3)], pacer)
    assert sorted(outcomes) == ["A", "B"]
    assert [c for c, _, _ in order] == ["A", "B", "A", "B", "A", "B"]
    times = {c: [t for cc, _, t in order if cc == c] for c in "AB"}
    assert times["A"] == [0.0, 1.0, 2.0] and times["B"] == [0.0, 1.0, 2.0]


def test_a_day_another_live_process_is_sending_is_left_to_it(emu, slack, store):
    seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=3)
    day = str(utcnow().date())
    rows = [
        Delivery(TEAM, "CLIVE", day, "", "parent"),
        Delivery(TEAM, "CLIVE", day, seed_trending(store)[0], "reply", position=1),
    ]
    store.plan(rows, "elsewhere:123")  # another host, claimed just now
    report = run(slack, store)
    assert report.skipped == ["channel CLIVE: being sent by another process (elsewhere:123)"]
    assert emu.messages("CLIVE") == []
    with store.db.conn:  # ten minutes later that host is presumed dead: taken over
        store.db.execute("UPDATE deliveries SET claimed_at = '2000-01-01T00:00:00.000000Z'")
    assert posted_to(run(slack, store)) == ["channel CLIVE"]
    _, replies = thread_of(emu, "CLIVE")
    assert len(replies) == 1


def test_time_zones_are_fetched_a_few_per_run(emu, slack, store, monkeypatch):
    import bot.core.digest_run

    monkeypatch.setattr(bot.core.digest_run, "TZ_PER_RUN", 2)
    for user in ("U1", "U2", "U3"):
        emu.add_user(user)
        store.add_topic(TEAM, user, "ocr")
    run(slack, store, users=True, force=False)
    assert len(emu.calls("users.info")) == 2
    run(slack, store, users=True, force=False)
    assert len(emu.calls("users.info")) == 3
