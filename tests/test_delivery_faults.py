"""Delivery when Slack refuses a message or the link dies mid-post (issue 8, kinds 4 and 5).

Real WebClient against the emulator with injected faults, real SQLite file.
"""

import json
from collections import Counter

import pytest

from bot.clock import utcnow
from bot.slack.client import make_client
from bot.slack.delivery import EVENT_TYPE
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


def key(paper_id: str) -> str:
    """Text only the messages of this paper's thread reply hold (its delivery id)."""
    return f"CLIVE/{utcnow().date()}/{paper_id}"


def rows(store, target="CLIVE"):
    return {r.paper_id: r for r in store.deliveries(TEAM, target, str(utcnow().date()))}


def test_a_refused_reply_is_posted_once_in_plain_text_and_the_thread_goes_on(emu, slack, store):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=5)
    emu.fail_next("chat.postMessage", "msg_too_long", match=f"*2. <https://arxiv.org/abs/{ids[1]}|")
    report = run(slack, store)
    assert report.failed == [] and posted_to(report) == ["channel CLIVE"]
    _, replies = thread_of(emu, "CLIVE")
    assert len(replies) == 5
    plain = replies[1]
    assert plain.blocks is None and plain.text.startswith("2. ") and ids[1] in plain.text
    assert reply_ids([r for n, r in enumerate(replies) if n != 1]) == ids[:1] + ids[2:5]
    assert rows(store)[ids[1]].error == "msg_too_long"
    assert rows(store)[ids[1]].state == "posted"


def test_a_reply_refused_in_every_form_is_skipped_and_never_blocks_later_runs(emu, slack, store):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=6)
    emu.fail_next("chat.postMessage", "invalid_blocks", match=key(ids[2]), times=1000)
    report = run(slack, store)
    day = utcnow().date()
    assert report.posted == [
        f"channel CLIVE: 6 message(s) for {day} (1 refused by Slack even in plain text: skipped)"
    ]
    _, replies = thread_of(emu, "CLIVE")
    assert reply_ids(replies) == ids[:2] + ids[3:6]
    row = rows(store)[ids[2]]
    assert row.state == "failed"
    assert row.error == "invalid_blocks, then invalid_blocks for the minimal message"
    calls = len(emu.calls("chat.postMessage"))
    again = run(slack, store)
    assert again.posted == [] and "already had" in again.skipped[0]
    assert len(emu.calls("chat.postMessage")) == calls


def test_a_refused_parent_ends_the_day_without_orphan_replies(emu, slack, store):
    seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=3)
    emu.fail_next("chat.postMessage", "invalid_blocks", match="Trending papers", times=2)
    report = run(slack, store)
    assert "4 refused" in report.posted[0]
    assert emu.messages("CLIVE") == []
    assert {r.state for r in rows(store).values()} == {"failed"}
    assert run(slack, store).posted == []


def test_a_post_slack_took_before_the_link_died_is_not_posted_again(emu, slack, store):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=5)
    emu.fail_next("chat.postMessage", drop=True, match=key(ids[2]))
    report = run(slack, store)
    assert report.failed == [] and posted_to(report) == ["channel CLIVE"]
    _, replies = thread_of(emu, "CLIVE")
    assert reply_ids(replies) == ids[:5]  # each paper once, in order
    assert len(emu.calls("chat.postMessage")) == 6  # never re-sent
    (look,) = emu.calls("conversations.replies")
    assert look.params["include_all_metadata"] in (True, "true", "1")
    assert rows(store)[ids[2]].ts == replies[2].ts
    meta = replies[2].metadata
    assert meta["event_type"] == EVENT_TYPE
    assert meta["event_payload"]["delivery"] == f"{TEAM}/CLIVE/{utcnow().date()}/{ids[2]}"


def test_a_post_lost_before_slack_took_it_is_posted_once_after_checking(emu, slack, store):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=4)
    emu.fail_next("chat.postMessage", drop=True, taken=False, match=key(ids[1]))
    report = run(slack, store)
    assert report.failed == []
    _, replies = thread_of(emu, "CLIVE")
    assert reply_ids(replies) == ids[:4]
    assert len(emu.calls("conversations.replies")) == 1
    assert len(emu.calls("chat.postMessage")) == 6  # 5 messages + the one lost on the way


def test_a_run_that_died_unsure_is_resumed_by_looking_first(emu, slack, store):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=4)
    # The link dies after Slack took reply 3, and the check cannot be made either.
    emu.fail_next("chat.postMessage", drop=True, match=key(ids[2]))
    emu.fail_next("conversations.replies", "internal_error")
    first = run(slack, store)
    assert first.failed and "internal_error" in first.failed[0]
    assert rows(store)[ids[2]].state == "pending" and rows(store)[ids[2]].attempted_at
    second = run(slack, store)
    assert second.failed == [] and len(second.posted) == 1
    _, replies = thread_of(emu, "CLIVE")
    assert Counter(reply_ids(replies)) == Counter(ids[:4])  # reply 3 not posted twice
    assert len(emu.calls("chat.postMessage")) == 5


def test_a_dm_slack_took_before_the_link_died_is_sent_once(emu, slack, store):
    seed_trending(store)
    store.add_topic(TEAM, "U1", "ocr")
    emu.fail_next("chat.postMessage", drop=True)
    report = run(slack, store, users=True)
    assert report.failed == [] and posted_to(report) == ["person U1"]
    assert len(emu.messages("DU1")) == 1
    assert len(emu.calls("conversations.history")) == 1
    assert run(slack, store, users=True).posted == []


def test_the_client_retries_dropped_reads_but_never_a_post(emu, slack):
    settings, _ = slack
    client = make_client(settings)
    emu.fail_next("conversations.info", drop=True)
    assert client.conversations_info(channel="CLIVE")["channel"]["id"] == "CLIVE"
    assert len(emu.calls("conversations.info")) == 2
    emu.fail_next("chat.postMessage", drop=True)
    with pytest.raises(OSError):
        client.chat_postMessage(channel="CLIVE", text="once")
    assert len(emu.calls("chat.postMessage")) == 1
    assert [m.text for m in emu.messages("CLIVE")] == ["once"]


def test_history_answers_metadata_only_when_asked(emu, slack):
    _, client = slack
    meta = {"event_type": EVENT_TYPE, "event_payload": {"delivery": "x"}}
    parent = client.chat_postMessage(channel="CLIVE", text="p", metadata=meta)["ts"]
    client.chat_postMessage(channel="CLIVE", text="r", thread_ts=parent, metadata=meta)
    plain = client.conversations_history(channel="CLIVE")["messages"]
    assert [m["text"] for m in plain] == ["p"] and "metadata" not in plain[0]
    full = client.conversations_replies(channel="CLIVE", ts=parent, include_all_metadata=True)
    assert [m["text"] for m in full["messages"]] == ["p", "r"]
    assert json.dumps(full["messages"][1]["metadata"]) == json.dumps(meta)
    with pytest.raises(Exception, match="not_in_channel"):
        client.conversations_history(channel="COUT")


def test_a_refused_dm_is_sent_once_in_plain_text(emu, slack, store):
    seed_trending(store)
    store.add_topic(TEAM, "U1", "ocr")
    emu.fail_next("chat.postMessage", "invalid_blocks")  # the rich DM only
    report = run(slack, store, users=True)
    assert report.failed == [] and posted_to(report) == ["person U1"]
    (dm,) = emu.messages("DU1")
    assert dm.blocks is None and dm.text.startswith("New papers on your topics · ")
    assert "ocr:" in dm.text and "https://arxiv.org/abs/" in dm.text
    assert run(slack, store, users=True).posted == []


def test_without_history_scopes_a_lost_answer_is_posted_again_not_blocked(emu, slack, store):
    ids = seed_trending(store)
    store.save_channel(TEAM, "CLIVE", size=3)
    emu.fail_next("chat.postMessage", drop=True, match=key(ids[1]))
    emu.fail_next("conversations.replies", "missing_scope")
    report = run(slack, store)
    assert report.failed == [] and posted_to(report) == ["channel CLIVE"]
    _, replies = thread_of(emu, "CLIVE")
    assert reply_ids(replies) == [ids[0], ids[1], ids[1], ids[2]]  # at least once, never stuck
    assert run(slack, store).posted == []
