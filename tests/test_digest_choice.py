"""Choosing each person's DM: the fast choice (bot.core.digest `share_out`, `TopicPlaces`, and
`NewPapers.digest_for`) against the algorithm it replaced, kept here as the reference oracle,
on randomized days: ties in rank and relevance, shared papers, unknown and repeated topics,
papers seen before a person's last digest, papers sent to them before, little room."""

import gc
from datetime import UTC, datetime, timedelta
from random import Random

import pytest

from bot.clock import iso
from bot.core import digest as d
from bot.core.digest_run import NewPapers
from bot.core.models import Paper, StoredPaper

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def reference_personal_digest(topics, hits, eligible, limit=d.DM_MAX, rank=None, relevance=None):
    """The per-person choice as it was before `share_out` (bfc5856), unchanged: the oracle."""
    topics = list(dict.fromkeys(topics))
    order = {t: n for n, t in enumerate(topics)}
    matched: dict[str, list[str]] = {}
    for topic in topics:
        for pid in hits.get(topic, ()):
            if pid in eligible:
                if pid in matched:
                    matched[pid].append(topic)
                else:
                    matched[pid] = [topic]
    if rank is None:
        rank = {}
        for topic in topics:
            for n, pid in enumerate(hits.get(topic, ())):
                rank[pid] = min(rank.get(pid, n), n)
    last = len(rank)
    ordered = sorted(matched, key=lambda pid: rank.get(pid, last))
    fit = relevance or {}
    home: dict[str, str] = {}
    own: dict[str, list[str]] = {t: [] for t in topics}
    for pid in ordered:
        ts = matched[pid]
        best = ts[0]
        if len(ts) > 1:
            best = max(ts, key=lambda t, pid=pid: (fit.get((t, pid), 0.0), -order[t]))
        home[pid] = best
        own[best].append(pid)
    chosen: set[str] = set()
    served: set[str] = set()
    for pid in ordered:
        if len(chosen) >= limit:
            break
        if home[pid] not in served:
            served.add(home[pid])
            chosen.add(pid)
    for pid in ordered:
        if len(chosen) >= limit:
            break
        chosen.add(pid)
    digest = d.PersonalDigest()
    for topic in topics:
        shown = [pid for pid in own[topic] if pid in chosen]
        if shown:
            digest.groups.append((topic, shown))
        if len(own[topic]) > len(shown):
            digest.more[topic] = len(own[topic]) - len(shown)
    digest.also = {
        pid: [t for t in matched[pid] if t != home[pid]] for pid in chosen if len(matched[pid]) > 1
    }
    return digest


def reference_digest_for(news: NewPapers, p: d.PersonSettings, now: datetime):
    """`NewPapers.digest_for` as it was (no "Not interested" marks): (digest, matching, sent)."""
    after = iso(p.since(now))
    matching = {
        pid for t in p.topics for pid in news.hits.get(t, ()) if news.by_id[pid].first_seen >= after
    }
    eligible = {pid for pid in matching if (p.team, p.user, pid) not in news.sent}
    size = min(max(p.size, d.MIN_SIZE), d.PERSON_MAX_SIZE)
    digest = reference_personal_digest(
        p.topics, news.hits, eligible, size, news.rank, news.relevance
    )
    return digest, len(matching), len(matching) - len(eligible)


def random_day(rng: Random, n_papers: int, n_topics: int):
    """Papers best first, topic → hits (best first, some shuffled), relevance with ties."""
    ids = [f"2611.{n:05d}" for n in range(n_papers)]
    topics = [f"topic {n}" for n in range(n_topics)]
    hits: dict[str, list[str]] = {}
    relevance: dict[tuple[str, str], float] = {}
    for t in topics:
        found = sorted(rng.sample(range(n_papers), rng.choice([0, 1, 2, 5, n_papers // 3])))
        hits[t] = [ids[n] for n in found]
        for pid in hits[t]:
            if rng.random() < 0.8:  # else missing: 0.0
                relevance[(t, pid)] = float(rng.choice([0, 1, 2, 3]))
    return ids, topics, hits, relevance


def as_dict(digest: d.PersonalDigest):
    return {"groups": digest.groups, "more": digest.more, "also": digest.also}


@pytest.mark.parametrize("seed", range(40))
def test_personal_digest_chooses_as_the_reference_did(seed):
    rng = Random(seed)
    ids, topics, hits, relevance = random_day(rng, rng.choice([5, 20, 60]), 8)
    for _ in range(60):
        mine = rng.sample(topics, rng.randint(0, 6)) + rng.choice([[], ["nowhere"], topics[:1]])
        eligible = set(rng.sample(ids, rng.randint(0, len(ids))))
        rank = rng.choice(
            [
                None,
                {pid: n for n, pid in enumerate(ids)},
                {pid: float(rng.randint(0, 5)) for pid in ids},  # ties
                {pid: n for n, pid in enumerate(ids) if rng.random() < 0.7},  # some unranked
            ]
        )
        limit = rng.choice([1, 2, 3, 5, 10, 30])
        fit = rng.choice([None, relevance])
        args = (mine, hits, eligible, limit, rank, fit)
        assert as_dict(d.personal_digest(*args)) == as_dict(reference_personal_digest(*args))


@pytest.mark.parametrize("seed", range(25))
def test_digest_for_everyone_chooses_as_the_reference_did(seed):
    rng = Random(1000 + seed)
    ids, topics, hits, relevance = random_day(rng, rng.choice([10, 40, 120]), 12)
    # Papers first stored over the last two days, some before a person's last digest.
    papers = [
        StoredPaper(Paper(pid), first_seen=iso(NOW - timedelta(hours=rng.randint(0, 47))))
        for pid in ids
    ]
    people = []
    for n in range(150):
        last = rng.choice([None, None, iso(NOW - timedelta(hours=rng.randint(1, 40)))])
        mine = tuple(rng.sample(topics, rng.randint(0, 4)))
        if people and rng.random() < 0.3:  # the same topics as someone else
            mine = rng.choice(people).topics
        people.append(
            d.PersonSettings(
                "T1",
                f"U{n}",
                topics=mine,
                last_run_at=last,
                cadence=rng.choice(["daily", "weekly"]),
                size=rng.choice([1, 3, 5, 10, 40]),
            )
        )
    sent = {("T1", p.user, pid) for p in people[::4] for pid in rng.sample(ids, 3)}
    sent.add(("T2", "U1", ids[0]))  # another workspace's U1: not theirs
    news = NewPapers(papers, hits, relevance, sent)
    for p in people + people[:20]:  # asked twice: a shared digest is still right
        choice = news.digest_for(p, NOW)
        digest, matching, already = reference_digest_for(news, p, NOW)
        assert as_dict(choice.digest) == as_dict(digest), p
        assert (choice.matching, choice.already_sent, choice.held_back) == (matching, already, 0)


def test_digests_for_everyone_at_once_matches_one_by_one_and_restores_the_collector():
    rng = Random(7)
    ids, topics, hits, relevance = random_day(rng, 50, 10)
    papers = [StoredPaper(Paper(pid), first_seen=iso(NOW)) for pid in ids]
    people = [
        d.PersonSettings("T1", f"U{n}", topics=tuple(rng.sample(topics, 3)), size=5)
        for n in range(200)
    ]
    news = NewPapers(papers, hits, relevance, set())
    assert gc.isenabled()
    together = news.digests_for(people, NOW)
    assert gc.isenabled()
    assert [as_dict(c.digest) for c in together] == [
        as_dict(reference_digest_for(news, p, NOW)[0]) for p in people
    ]
    assert sum(c.digest.count for c in together) > 0  # the day is not empty
