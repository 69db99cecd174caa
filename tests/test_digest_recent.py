"""Only recent papers reach a DM or a thread: a backfill of old ones never does (issue 11)."""

import json
from datetime import timedelta

from bot.clock import utcnow
from bot.core import digest as d
from bot.core.models import Paper, Sighting
from tests.bot_process import run_digest
from tests.test_delivery import TEAM, posted_to, run, seed_trending
from tests.test_time_zones import emu, slack

__all__ = ["emu", "slack"]  # fixtures

OLD = [("0903.1234", "2009-03-06"), ("1206.4321", "2012-06-19"), ("1411.5555", "2014-11-20")]


def backfill(store, now=None) -> None:
    """Three old OCR papers stored now, as `papers-bot ingest --source file` stores a snapshot."""
    papers = [
        Paper(pid, title=f"Optical character recognition study {n}", published=day)
        for n, (pid, day) in enumerate(OLD)
    ]
    store.upsert([Sighting(p, "file") for p in papers], now or utcnow())


def test_recent_means_announced_or_listed_in_the_last_seven_days():
    now = utcnow()
    week_ago = (now - timedelta(days=7)).date().isoformat()
    assert d.is_recent(Paper("a", published=week_ago), set(), now)
    assert not d.is_recent(Paper("a", published="2012-06-19"), set(), now)
    assert not d.is_recent(Paper("a"), set(), now)  # undated and never listed
    assert d.is_recent(Paper("a", published="2012-06-19"), {"a"}, now)  # trending again on HF


def test_a_backfill_never_reaches_a_dm_but_an_old_paper_trending_on_hf_does(emu, slack, store):
    store.add_topic(TEAM, "U1", "optical character recognition")
    backfill(store)
    old_on_hf = Paper(
        "1507.05717", title="Optical character recognition, revisited", published="2015-07-21"
    )
    store.upsert([Sighting(old_on_hf, "hf", upvotes=9, day=str(utcnow().date()), position=1)])
    report = run(slack, store, users=True)
    assert posted_to(report) == ["person U1"]
    (dm,) = emu.messages("DU1")
    body = json.dumps(dm.blocks)
    assert "1507.05717" in body
    assert not any(pid in body for pid, _ in OLD)


def test_a_backfill_alone_sends_no_dm_and_no_thread(emu, slack, store):
    store.add_topic(TEAM, "U1", "optical character recognition")
    store.save_channel(TEAM, "CLIVE")
    backfill(store)
    people = run(slack, store, users=True)
    assert people.posted == [] and "person U1: nothing new on their topics" in people.skipped
    threads = run(slack, store)
    (note,) = emu.messages("CLIVE")
    assert "no papers were announced on arXiv or listed on Hugging Face in the last 7" in note.text
    assert threads.failed == []


def test_a_thread_holds_only_recent_papers(emu, slack, store):
    ids = seed_trending(store)  # listed on HF today
    backfill(store)
    store.save_channel(TEAM, "CLIVE", size=30)
    run(slack, store)
    posted = {r.paper_id for r in store.deliveries(TEAM, "CLIVE", str(utcnow().date()))}
    assert posted - {""} == set(ids)


def test_papers_bot_digest_users_never_sends_a_backfill(emu, store):
    seed_trending(store)
    store.add_topic(TEAM, "U1", "optical character recognition")
    backfill(store)
    done = run_digest(emu, store.path, "--users")
    assert done.returncode == 0, done.stdout + done.stderr
    (dm,) = emu.messages("DU1")
    assert not any(pid in json.dumps(dm.blocks) for pid, _ in OLD)
