"""Digests without Slack: due times, topic matching, thread choice, DM grouping."""

from datetime import UTC, datetime

import pytest

from bot.core import digest as d
from bot.core.models import Paper, Popularity, StoredPaper
from tests.conftest import HOSTILE


def paper(pid: str, title: str, abstract: str = "", **kw) -> StoredPaper:
    return StoredPaper(Paper(pid, title=title, abstract=abstract, **kw), Popularity(upvotes=5))


PAPERS = [
    paper("2601.00001", "Scene text recognition with transformers", "We read text in images."),
    paper("2601.00002", "Diffusion models for video generation", "Video diffusion at scale."),
    paper("2601.00003", "Optical character recognition for receipts", "Reading receipts."),
    paper("2601.00004", "Graph neural networks", "Message passing on graphs."),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("9", "09:00"), ("9:30", "09:30"), ("21:05", "21:05"), ("7h", "07:00"), ("00:00", "00:00")],
)
def test_parse_hhmm(text, expected):
    assert d.parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9:5", "9:60", "nine", "", "-1", "9:30:00"])
def test_parse_hhmm_rejects(text):
    assert d.parse_hhmm(text) is None


def test_due_days_in_the_targets_zone():
    now = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)  # 09:30 in Paris
    assert d.due_days("09:00", "Europe/Paris", now, 6) == ["2026-11-28"]
    assert d.due_days("10:00", "Europe/Paris", now, 6) == []
    assert d.due_days("09:00", "America/New_York", now, 6) == []  # 03:30 there
    # Past the grace period: missed, not due.
    assert d.due_days("02:00", "Europe/Paris", now, 6) == []
    assert d.missed_day("02:00", "Europe/Paris", now, 6) == "2026-11-28"
    assert d.missed_day("09:00", "Europe/Paris", now, 6) is None


def test_a_late_evening_digest_caught_up_after_midnight_is_yesterdays():
    now = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    assert d.due_days("23:00", "UTC", now, 6) == ["2026-11-27"]


def test_unknown_zone_is_utc():
    assert d.zone("Mars/Olympus").key == "UTC"
    assert d.local_day(None, datetime(2026, 11, 28, 23, 30, tzinfo=UTC)) == "2026-11-28"
    assert d.local_day("Asia/Tokyo", datetime(2026, 11, 28, 23, 30, tzinfo=UTC)) == "2026-11-29"


def test_day_label():
    assert d.day_label("2026-11-27") == "Fri 27 Nov 2026"


def test_match_topics_runs_each_topic_once_with_acronyms():
    hits = d.match_topics(PAPERS, ["ocr", "video diffusion", "ocr", "quantum"])
    assert set(hits) == {"ocr", "video diffusion", "quantum"}
    assert set(hits["ocr"]) == {"2601.00003", "2601.00001"}
    assert hits["video diffusion"] == ["2601.00002"]
    assert hits["quantum"] == []


def test_match_topics_never_breaks_on_hostile_topics():
    hits = d.match_topics(PAPERS, HOSTILE)
    assert set(hits) == set(HOSTILE)


def test_choose_thread_filters_topics_and_recent_posts():
    settings = d.ChannelSettings("T", "C", size=2)
    assert [p.paper.id for p in d.choose_thread(PAPERS, settings, set()).papers] == [
        "2601.00001",
        "2601.00002",
    ]
    recent = {"2601.00001"}
    assert d.choose_thread(PAPERS, settings, recent).papers[0].paper.id == "2601.00002"
    ocr = d.ChannelSettings("T", "C", topics=("ocr",))
    assert {p.paper.id for p in d.choose_thread(PAPERS, ocr, set()).papers} == {
        "2601.00001",
        "2601.00003",
    }
    none = d.choose_thread(PAPERS, ocr, {"2601.00001", "2601.00003"})
    assert none.papers == [] and "last 14 days" in none.reason
    off_topic = d.choose_thread(PAPERS, d.ChannelSettings("T", "C", topics=("quantum",)), set())
    assert "match this channel's topics (quantum)" in off_topic.reason
    assert "no papers" in d.choose_thread([], settings, set()).reason


def test_personal_digest_gives_every_topic_a_place_then_fills_best_first():
    hits = {
        "a": [f"p{i}" for i in range(12)],
        "b": ["p1", "q0", "q1", "q2"],
        "c": ["r0"],
    }
    order = [*(f"p{i}" for i in range(12)), "q0", "q1", "q2", "r0"]  # trending order
    rank = {pid: n for n, pid in enumerate(order)}
    digest = d.personal_digest(["a", "b", "c"], hits, set(order), 10, rank)
    assert digest.count == 10
    assert digest.groups == [
        ("a", [f"p{i}" for i in range(8)]),
        ("b", ["q0"]),  # p1 matches b too, but is placed once, under a (first, as good)
        ("c", ["r0"]),
    ]
    assert digest.more == {"a": 4, "b": 2}
    assert digest.also == {"p1": ["b"]}
    assert d.personal_digest(["a"], hits, set()).count == 0


def test_personal_digest_places_a_shared_paper_under_its_best_topic():
    hits = {"a": ["p0", "p1"], "b": ["p1", "q0"]}
    relevance = {("a", "p1"): 1.0, ("b", "p1"): 5.0}
    digest = d.personal_digest(["a", "b"], hits, {"p0", "p1", "q0"}, 10, None, relevance)
    assert digest.groups == [("a", ["p0"]), ("b", ["p1", "q0"])]
    assert digest.also == {"p1": ["a"]}


def test_personal_digest_with_less_room_than_topics_serves_the_best_topics():
    hits = {"a": ["p0", "p1"], "b": ["q0"], "c": ["r0"]}
    rank = {"p0": 3, "p1": 4, "q0": 0, "r0": 1}
    digest = d.personal_digest(["a", "b", "c"], hits, set(rank), 2, rank)
    assert digest.groups == [("b", ["q0"]), ("c", ["r0"])]
    assert digest.more == {"a": 2}
