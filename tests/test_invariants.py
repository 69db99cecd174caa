"""Invariants the store keeps in one transaction, under concurrency (issue 8, kind 11)."""

import threading
from dataclasses import replace

from bot.clock import utcnow
from bot.core import digest as d
from bot.core.commands import MAX_TOPICS, Handlers, Who, parse
from bot.core.digest import Delivery
from bot.store import Store
from tests.test_delivery import (
    TEAM,
    emu,
    posted_to,
    reply_ids,
    run,
    seed_trending,
    slack,
    thread_of,
)

__all__ = ["emu", "slack"]  # fixtures


def test_ten_concurrent_subscribes_at_24_topics_store_exactly_25(tmp_path):
    path = tmp_path / "papers.db"
    store = Store(path)
    people = [f"U{n}" for n in range(5)]  # five people at once: more chances for a race
    for user in people:
        for n in range(MAX_TOPICS - 1):
            store.add_topic(TEAM, user, f"topic{n}")
    handlers = Handlers(store)
    start = threading.Barrier(10 * len(people))
    answers: dict[str, list[str]] = {user: [] for user in people}

    def subscribe(user: str, n: int) -> None:
        start.wait(timeout=10)
        reply = handlers.handle(parse(f"subscribe extra{n}"), Who(TEAM, user, "C1"))
        answers[user].append(getattr(reply, "text", None) or reply.problem)

    threads = [threading.Thread(target=subscribe, args=(u, n)) for u in people for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    fresh = Store(path)
    for user in people:
        assert len(fresh.topics(TEAM, user)) == MAX_TOPICS
        assert sum(a.startswith("Subscribed to") for a in answers[user]) == 1
        assert sum("the most there can be" in a for a in answers[user]) == 9


def test_add_topic_says_what_happened(store):
    assert store.add_topic(TEAM, "U1", "ocr", cap=2) == "added"
    assert store.add_topic(TEAM, "U1", "ocr", cap=2) == "exists"
    assert store.add_topic(TEAM, "U1", "nerf", cap=2) == "added"
    assert store.add_topic(TEAM, "U1", "gan", cap=2) == "full"
    assert store.topics(TEAM, "U1") == ["ocr", "nerf"]


def test_a_days_plan_is_all_or_nothing_and_a_second_plan_joins_nothing(store):
    day = "2026-11-28"
    first = [Delivery(TEAM, "C1", day, "", "parent")]
    first += [Delivery(TEAM, "C1", day, f"p{n}", "reply", position=n) for n in (1, 2)]
    second = [Delivery(TEAM, "C1", day, "", "parent")]
    second += [Delivery(TEAM, "C1", day, f"q{n}", "reply", position=n) for n in (1, 2, 3)]
    assert store.plan(first, "a:1") is True
    assert store.plan(second, "b:2") is False
    assert [r.paper_id for r in store.deliveries(TEAM, "C1", day)] == ["", "p1", "p2"]
    people = {(TEAM, "U1"): [Delivery(TEAM, "U1", day, "", "dm")], (TEAM, "C1"): second}
    assert store.plan_people(people, "b:2", utcnow()) == {(TEAM, "U1")}
    assert [r.paper_id for r in store.deliveries(TEAM, "C1", day)] == ["", "p1", "p2"]


def test_two_runs_for_one_channel_day_post_one_thread_when_one_plans_slowly(
    emu, slack, store, monkeypatch
):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=5)
    choose = d.choose_thread
    other = Store(store.path)  # the other run: its own connection, as another process has

    def slow_choice(ranked, settings, posted):
        # While this run is still choosing, another run plans and posts the whole thread.
        monkeypatch.setattr(d, "choose_thread", choose)
        assert posted_to(run(slack, other)) == ["channel CLIVE"]
        mine = choose(ranked, settings, posted)
        return replace(mine, papers=ranked[5:10])  # a different plan, had the ranking moved

    monkeypatch.setattr(d, "choose_thread", slow_choice)
    slow = run(slack, store)
    assert slow.failed == []
    _, replies = thread_of(emu, "CLIVE")
    assert reply_ids(replies) == ids[:5]  # the first plan only, each paper once
    assert len(store.deliveries(TEAM, "CLIVE", str(utcnow().date()))) == 6
