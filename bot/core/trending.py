"""The trending score, and the short line that says why a paper trends.

    points  = upvotes + 2 × comments + stars / 10
    growth  = points now − points 24 hours ago (all of it for a paper first seen today)
    score   = (growth + points / 4 + 1) / (age_days + 2) ^ 1.5

A paper rises with what it gained today more than with what it has, and sinks with age
(days since published, or since it reached a daily list, whichever is later), as Hacker
News ranks stories. A star is worth a tenth of an upvote: stars are cheaper and pile up.
"""

from datetime import date, datetime

from bot.clock import utcnow
from bot.core.models import Popularity, StoredPaper
from bot.store import Store

GRAVITY = 1.5


def points(upvotes: int, stars: int, comments: int) -> float:
    return upvotes + 2 * comments + stars / 10


def score(paper: StoredPaper, now: datetime, listed: str | None = None) -> float:
    pop = paper.popularity
    total = points(pop.upvotes, pop.stars, pop.comments)
    growth = points(pop.upvotes_growth, pop.stars_growth, pop.comments_growth)
    days = [d for d in (paper.paper.published, listed) if d]
    start = max(date.fromisoformat(d[:10]) for d in days) if days else now.date()
    age = max(0, (now.date() - start).days)
    return (growth + total / 4 + 1) / (age + 2) ** GRAVITY


def compact(n: int) -> str:
    """1234 → `1.2k`, 1900000 → `1.9M`."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if n >= 1_000:
        return f"{n / 1_000:.1f}".rstrip("0").rstrip(".") + "k"
    return str(n)


def why(pop: Popularity) -> str:
    """`▲ 142 · ★ 1.9k (+310 today) · 💬 12`; empty when nothing is known."""
    return _figures(pop, lambda value, symbol, _noun: f"{symbol} {compact(value)}")


def why_words(pop: Popularity) -> str:
    """`142 upvotes · 1.9k stars (+310 today) · 12 comments`: `why` in words a screen reader
    reads as they are meant; empty when nothing is known."""
    return _figures(
        pop, lambda value, _symbol, noun: f"{compact(value)} {noun}{'s' * (value != 1)}"
    )


def _figures(pop: Popularity, label) -> str:
    """Each known count as `label(value, symbol, noun)`, with its growth today, `·`-joined."""
    parts = []
    for symbol, noun, value, growth in (
        ("▲", "upvote", pop.upvotes, pop.upvotes_growth),
        ("★", "star", pop.stars, pop.stars_growth),
        ("💬", "comment", pop.comments, pop.comments_growth),
    ):
        if value:
            text = label(value, symbol, noun)
            if 0 < growth < value:
                text += f" (+{compact(growth)} today)"
            parts.append(text)
    return " · ".join(parts)


def trending_list(store: Store, now: datetime | None) -> tuple[str, list[StoredPaper], str]:
    """(day, papers best first, note) for the trending list as of `now`."""
    now = now or utcnow()
    papers = store.recent_with_growth(now)
    day, note = now.date().isoformat(), ""
    if not papers:
        latest = store.latest_listing_day("daily")
        if latest:
            papers = store.listed_on(latest)
            day, note = latest, f"Nothing new in the last 3 days; this is the list of {latest}."
        else:
            papers = store.newest(20)
            note = "No daily list is stored yet; these are the newest papers stored."
    listed = {p.paper.id: p for p in papers}
    ranked = sorted(
        listed.values(),
        key=lambda p: (score(p, now), p.paper.published or ""),
        reverse=True,
    )
    return (
        day,
        [StoredPaper(p.paper, p.popularity, p.first_seen, score(p, now)) for p in ranked],
        note,
    )
