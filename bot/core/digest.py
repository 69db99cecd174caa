"""Digests without Slack: when a target is due, which papers a channel thread gets, topic matching.

Topics are search queries. Matching runs each distinct topic once against a small in-memory
FTS5 index of just the new papers, then fans the hits out to the people who hold the topic:
100,000 people rarely hold more than a few thousand distinct topics.
"""

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core import query as q
from bot.core import text
from bot.core.models import StoredPaper
from bot.errors import BadQuery

DEFAULT_AT = "09:00"
DEFAULT_SIZE = 10
MIN_SIZE, MAX_SIZE = 3, 20
REPOST_DAYS = 14
DM_MAX = 10
# A person's time zone from Slack is refreshed when older than this.
TZ_MAX_AGE = timedelta(days=7)
TOKENIZER = "porter unicode61 remove_diacritics 2"

PAUSE_CHANNEL = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
PAUSE_PERSON = frozenset({"user_not_found", "account_inactive", "user_disabled"})


@dataclass(frozen=True)
class ChannelSettings:
    """The daily thread of one channel."""

    team: str
    channel: str
    enabled: bool = True
    at: str = DEFAULT_AT
    tz: str = "UTC"
    topics: tuple[str, ...] = ()
    size: int = DEFAULT_SIZE
    quiet: bool = False
    paused: str | None = None  # the Slack error code that paused it
    paused_at: str | None = None
    checked_day: str | None = None  # the day a paused channel was last checked again


@dataclass(frozen=True)
class PersonSettings:
    """One person's daily DM."""

    team: str
    user: str
    enabled: bool = True
    at: str = DEFAULT_AT
    tz: str | None = None
    tz_checked_at: str | None = None
    dm_channel: str | None = None
    paused: str | None = None
    last_run_at: str | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delivery:
    """One planned or posted item: paper '' is the thread parent, the DM, or a day marker."""

    team: str
    target: str
    day: str
    paper_id: str
    kind: str  # parent | reply | notice | quiet | dm | dm-paper | none
    position: int = 0
    detail: str | None = None  # a DM paper's topic, a note's reason, a DM's "more" counts
    channel: str | None = None
    ts: str | None = None
    state: str = "pending"  # pending | posted | skipped
    posted_at: str | None = None
    claimed_by: str | None = None  # host:pid of the process sending it (on the '' row)
    claimed_at: str | None = None


# -- time ---------------------------------------------------------------------------------


def parse_hhmm(text: str) -> str | None:
    """`9`, `9:30`, `09:30`, `21h` → `HH:MM`; None when it is not a time of day."""
    raw = text.strip().lower().removesuffix("h")
    hours, _, minutes = raw.partition(":")
    if not hours.isdigit() or (minutes and not minutes.isdigit()) or len(minutes) not in (0, 2):
        return None
    h, m = int(hours), int(minutes or 0)
    if h > 23 or m > 59:
        return None
    return f"{h:02d}:{m:02d}"


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone `name`, or UTC when unknown or missing."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(tz: str | None, now: datetime) -> str:
    return now.astimezone(zone(tz)).date().isoformat()


def due_at(day: str, at: str, tz: str | None) -> datetime:
    """The moment a digest of local `day` is due."""
    h, m = (int(x) for x in at.split(":"))
    return datetime.combine(date.fromisoformat(day), time(h, m), tzinfo=zone(tz))


def due_days(at: str, tz: str | None, now: datetime, grace_hours: float) -> list[str]:
    """Local days (oldest first) whose digest time has passed by at most `grace_hours`.

    Yesterday counts too: a 23:00 digest missed until 01:00 is still yesterday's.
    """
    today = now.astimezone(zone(tz)).date()
    days = []
    for d in (today - timedelta(days=1), today):
        due = due_at(d.isoformat(), at, tz)
        if due <= now <= due + timedelta(hours=grace_hours):
            days.append(d.isoformat())
    return days


def missed_day(at: str, tz: str | None, now: datetime, grace_hours: float) -> str | None:
    """Today's local day if its digest time passed more than `grace_hours` ago."""
    day = local_day(tz, now)
    due = due_at(day, at, tz)
    return day if now > due + timedelta(hours=grace_hours) else None


def day_label(day: str) -> str:
    """`2026-11-28` → `Sat 28 Nov 2026`."""
    d = date.fromisoformat(day)
    return f"{d:%a} {d.day} {d:%b %Y}"


# -- matching -----------------------------------------------------------------------------


def match_topics(papers: Iterable[StoredPaper], topics: Iterable[str]) -> dict[str, list[str]]:
    """Each topic → ids of the papers it matches; each distinct topic runs once.

    One in-memory FTS5 index of just these papers, one query per distinct topic: people who
    share a topic share its query. Hits keep the order the papers were given in (callers pass
    them best first), which is also the cheapest order for FTS5 to return. A topic is parsed
    as a search (`cat:cs.RO manipulation`, `author:"Yann LeCun"`, `-word`: bot.core.query) and
    the papers are indexed as the store indexes them. Topics with nothing searchable match
    nothing.
    """
    papers = list(papers)
    ids = [s.paper.id for s in papers]
    conn = sqlite3.connect(":memory:")
    try:
        # The columns and text of the store's papers_fts, so a topic means what its search means.
        conn.execute(
            "CREATE VIRTUAL TABLE p USING fts5(title, keywords, abstract, authors, categories, "
            f"content='', tokenize='{TOKENIZER}')"
        )
        conn.executemany(
            "INSERT INTO p (rowid, title, keywords, abstract, authors, categories) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    n,
                    text.index_text(s.paper.title),
                    text.index_text(", ".join(s.paper.keywords)),
                    text.index_text(s.paper.abstract),
                    text.index_text(", ".join(s.paper.authors)),
                    text.category_text(" ".join(s.paper.categories)),
                )
                for n, s in enumerate(papers)
            ],
        )
        hits: dict[str, list[str]] = {}
        for topic in dict.fromkeys(topics):
            try:
                match = q.to_fts(q.parse(topic))
            except BadQuery:
                hits[topic] = []
                continue
            rows = conn.execute("SELECT rowid FROM p WHERE p MATCH ? ORDER BY rowid", [match])
            hits[topic] = [ids[n] for (n,) in rows]
        return hits
    finally:
        conn.close()


# -- the channel thread -------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadChoice:
    """The papers for one channel's thread, or why there are none."""

    papers: list[StoredPaper]
    reason: str = ""


def choose_thread(
    ranked: list[StoredPaper], settings: ChannelSettings, recently_posted: set[str]
) -> ThreadChoice:
    """The top `size` trending papers not posted here lately, matching the channel's topics."""
    if not ranked:
        return ThreadChoice([], "no papers are stored yet.")
    candidates = ranked
    if settings.topics:
        hits = match_topics(ranked, settings.topics)
        wanted = {pid for ids in hits.values() for pid in ids}
        candidates = [p for p in ranked if p.paper.id in wanted]
        if not candidates:
            return ThreadChoice(
                [],
                f"none of the {len(ranked)} trending papers match this channel's topics "
                f"({', '.join(settings.topics)}).",
            )
    fresh = [p for p in candidates if p.paper.id not in recently_posted]
    if not fresh:
        return ThreadChoice(
            [],
            f"the {len(candidates)} trending papers{' on its topics' * bool(settings.topics)} "
            f"were all posted here in the last {REPOST_DAYS} days.",
        )
    return ThreadChoice(fresh[: settings.size])


# -- personal digests ---------------------------------------------------------------------


@dataclass
class PersonalDigest:
    """What one person gets today: papers grouped by topic, and how many more each topic has."""

    groups: list[tuple[str, list[str]]] = field(default_factory=list)
    more: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(ids) for _, ids in self.groups)


def personal_digest(
    topics: Iterable[str],
    hits: dict[str, list[str]],
    eligible: set[str],
    limit: int = DM_MAX,
) -> PersonalDigest:
    """Group `eligible` hits by the person's topics (first topic wins), at most `limit` in all.

    :param eligible: ids new for this person and never sent to them.
    """
    digest = PersonalDigest()
    placed: set[str] = set()
    for topic in topics:
        ids = [pid for pid in hits.get(topic, ()) if pid in eligible and pid not in placed]
        placed.update(ids)
        room = limit - digest.count
        shown = ids[: max(room, 0)]
        if shown:
            digest.groups.append((topic, shown))
        if len(ids) > len(shown):
            digest.more[topic] = len(ids) - len(shown)
    return digest


def fan_out(holders: dict[str, list[str]], hits: dict[str, list[str]]) -> dict[str, set[str]]:
    """Person → ids matching any of their topics; `holders` maps each person to their topics."""
    empty: tuple = ()
    return {
        person: set().union(*(hits.get(topic, empty) for topic in topics))
        for person, topics in holders.items()
    }
