"""Digests without Slack: when a target is due, which papers a channel thread gets, topic matching.

Topics are search queries. Matching runs each distinct topic once against an index of just
the new papers (bot.store.matching), and each person's digest is then chosen from the hits of
their topics: 100,000 people rarely hold more than a few thousand distinct topics.
"""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from bot.core import query as q
from bot.core.labels import day_label as day_label  # callers say d.day_label
from bot.core.models import StoredPaper

# The digest's records, defined apart so the store can map rows to them without importing this
# module (which imports the store's matching); named here too, as the digest code uses them.
from bot.core.targets import DEFAULT_AT as DEFAULT_AT
from bot.core.targets import DEFAULT_SIZE as DEFAULT_SIZE
from bot.core.targets import ChannelSettings as ChannelSettings
from bot.core.targets import Delivery as Delivery
from bot.core.targets import PersonSettings as PersonSettings
from bot.errors import BadQuery
from bot.store.matching import PaperIndex

# The team of people who typed their topics in console mode: theirs are never sent to Slack.
CONSOLE_TEAM = "local"
MIN_SIZE, MAX_SIZE = 3, 20
PERSON_MAX_SIZE = 30
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
REPOST_DAYS = 14
# A paper is recent, and may be in a digest, when announced or listed this many days ago at most.
RECENT_DAYS = 7
NONE_RECENT = (
    f"no papers were announced on arXiv or listed on Hugging Face in the last {RECENT_DAYS} days."
)
DM_MAX = 10
# A person's time zone from Slack is refreshed when older than this.
TZ_MAX_AGE = timedelta(days=7)


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


class BadSetting(ValueError):
    """A stored digest setting (a time of day, a time zone) is not valid."""


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def valid_zone(name: object) -> str | None:
    """`name` if the tz database knows it as a zone, else None.

    None for a missing name, an unknown one (`Mars/Olympus`), a region rather than a zone
    (`America`, which ZoneInfo would try to open as a file) or any other text (300 characters).
    """
    return name if isinstance(name, str) and name in _zone_names() else None


def zone_name(name: object) -> str:
    """`name` if the tz database knows it as a zone (see `valid_zone`), else `UTC`."""
    return valid_zone(name) or "UTC"


UTC_NOTE = " (I could not read your time zone, so this is UTC)"
UNKNOWN_NOTE = (
    " (Slack gave your time zone as “{}”, which the tz database does not know, so this is UTC)"
)


def typed_zone(tz: str | None) -> tuple[str, str]:
    """The zone of the person typing a command (`Who.tz`, from Slack), and a note to add to the
    answer when it had to be UTC: (IANA zone, '' or the note)."""
    if valid_zone(tz):
        return tz, ""
    if tz:
        return "UTC", UNKNOWN_NOTE.format(str(tz)[:40])
    return "UTC", UTC_NOTE


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone `name`, or UTC when unknown or missing (see `zone_name`)."""
    return ZoneInfo(zone_name(name))


def check_at(at: str) -> str:
    """`at` if it is a stored `HH:MM` time of day; raises BadSetting otherwise."""
    if not isinstance(at, str) or parse_hhmm(at) != at:
        raise BadSetting(f"its digest time {str(at)[:20]!r} is not a time of day (HH:MM)")
    return at


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


# -- recent papers ------------------------------------------------------------------------


def recent_since(now: datetime) -> str:
    """The first day (YYYY-MM-DD) a paper announced or listed on counts as recent at `now`."""
    return (now - timedelta(days=RECENT_DAYS)).date().isoformat()


def is_recent(paper, listed: set[str], now: datetime) -> bool:
    """Announced on arXiv (its published date) or listed on Hugging Face in the last 7 days.

    :param listed: ids on a Hugging Face list since `recent_since(now)` (Store.listed_since).
    A backfill of older papers is never recent; an old paper trending on HF today is.
    """
    return paper.id in listed or (paper.published or "")[:10] >= recent_since(now)


# -- matching -----------------------------------------------------------------------------


def match_topics(
    papers: Iterable[StoredPaper],
    topics: Iterable[str],
    relevance: dict[tuple[str, str], float] | None = None,
) -> dict[str, list[str]]:
    """Each topic → ids of the papers it matches; each distinct topic runs once.

    One index of just these papers (bot.store.matching), one query per distinct topic: people
    who share a topic share its query. Hits keep the order the papers were given in (callers
    pass them best first). A topic is parsed as a search (`cat:cs.RO manipulation`,
    `author:"Yann LeCun"`, `-word`: bot.core.query); topics with nothing searchable, or that
    the index cannot run, match nothing.

    :param relevance: if given, filled with (topic, paper id) → how well the paper matches
        the topic (bm25 with the search's column weights, higher is better; no unit).
    """
    papers = list(papers)
    ids = [s.paper.id for s in papers]
    hits: dict[str, list[str]] = {topic: [] for topic in topics}  # in the order given
    searches: list[tuple[str, q.Query]] = []
    for topic in hits:
        try:
            query = _topic_query(topic)
        except BadQuery:  # nothing searchable: it matches nothing
            continue
        searches.append((topic, query))
    with PaperIndex([s.paper for s in papers]) as index:
        for topic, found in index.hits(searches, scores=relevance is not None):
            hits[topic] = [ids[n] for n, _ in found]
            if relevance is not None:
                relevance.update(((topic, ids[n]), score) for n, score in found)
    return hits


# Topics come back every day: parsed once per process (a BadQuery is not kept).
_topic_query = lru_cache(maxsize=50_000)(q.parse)


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


@dataclass(slots=True)
class PersonalDigest:
    """What one person gets: papers grouped by topic, how many more each topic has, and for a
    paper matching several of their topics, the others (`also`)."""

    groups: list[tuple[str, list[str]]] = field(default_factory=list)
    more: dict[str, int] = field(default_factory=dict)
    also: dict[str, list[str]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(ids) for _, ids in self.groups)


def personal_digest(
    topics: Iterable[str],
    hits: dict[str, list[str]],
    eligible: set[str],
    limit: int = DM_MAX,
    rank: dict[str, float] | None = None,
    relevance: dict[tuple[str, str], float] | None = None,
) -> PersonalDigest:
    """Share `limit` places out across the person's topics: every topic with new matches gets
    one first (as far as `limit` allows), the rest go best first; each paper appears once.

    A paper matching several topics is placed under the one it matches best (`relevance`,
    then the person's topic order) and notes the others. Groups follow the person's topic
    order; papers in a group, and the order topics get their first place, follow `rank`
    (ties: the person's topic order, then each topic's hit order).

    :param hits: topic → matching ids, best first (from `match_topics`).
    :param eligible: ids new for this person and never sent to them.
    :param rank: paper id → its place in the day's trending order (0 is best); by default
        each paper's best place in `hits`. For many people at once, `TopicPlaces` is faster.
    """
    topics = list(dict.fromkeys(topics))
    matched: dict[str, None] = {}  # every eligible hit, in topic order then hit order
    for topic in topics:
        matched.update((pid, None) for pid in hits.get(topic, ()) if pid in eligible)
    if rank is None:
        rank = {}
        for topic in topics:
            for n, pid in enumerate(hits.get(topic, ())):
                rank[pid] = min(rank.get(pid, n), n)
    last = len(rank)
    ordered = sorted(matched, key=lambda pid: rank.get(pid, last))  # best first, stable
    place = {pid: n for n, pid in enumerate(ordered)}
    lists = [
        sorted(place[pid] for pid in dict.fromkeys(hits.get(topic, ())) if pid in place)
        for topic in topics
    ]
    return share_out(topics, lists, [set(r) for r in lists], ordered, limit, relevance or {})[0]


def share_out(
    topics: list[str],
    lists: list[Sequence[int]],
    sets: list[AbstractSet[int]],
    ids: Sequence[str],
    limit: int,
    fit: dict[tuple[str, str], float],
) -> tuple[PersonalDigest, int]:
    """`personal_digest`'s choice on places (0 is best): (the digest, how many papers matched).

    :param topics: the person's distinct topics, in their order.
    :param lists: per topic, the places of its eligible hits, ascending; `sets`: the same as sets.
    :param ids: place → paper id. `fit`: (topic, paper id) → relevance, higher is better.
    """
    if not all(lists):  # a topic without papers shows nothing: leave it out
        kept = [n for n, rs in enumerate(lists) if rs]
        topics = [topics[n] for n in kept]
        lists = [lists[n] for n in kept]
        sets = [sets[n] for n in kept]
    k = len(topics)
    if k < 2:
        if not k:
            return PersonalDigest([], {}, {}), 0
        rs, topic = lists[0], topics[0]
        more = {topic: len(rs) - limit} if len(rs) > limit else {}
        groups = [(topic, [ids[r] for r in rs[:limit]])] if limit > 0 else []
        return PersonalDigest(groups, more, {}), len(rs)
    also: dict[str, list[str]] = {}
    sizes = [len(rs) for rs in lists]  # of each topic's own papers, once shared ones are placed
    matching = sum(sizes)
    multi: set[int] = set()  # places matching several topics (few: pairwise, set against set)
    for i in range(1, k):
        for j in range(i):
            common = sets[j] & sets[i]
            if common:
                multi |= common
    if multi:
        lists = list(lists)
        away: dict[int, set[int]] = {}  # topic index → its places placed under another topic
        for r in multi:
            pid = ids[r]
            ts = [i for i in range(k) if r in sets[i]]
            best = max(ts, key=lambda i, pid=pid: (fit.get((topics[i], pid), 0.0), -i))
            also[pid] = [topics[i] for i in ts if i != best]
            matching -= len(ts) - 1
            for i in ts:
                if i != best:
                    away.setdefault(i, set()).add(r)
        for i, gone in away.items():  # only a head is shown: filter no further than needed
            sizes[i] -= len(gone)
            lists[i] = [r for r in lists[i][: limit + 1 + len(gone)] if r not in gone]
    if sum(sizes) <= limit:
        shown = sizes
    else:
        firsts = sorted([rs[0] for rs in lists if rs])[:limit]  # each topic's best, best first
        chosen = set(firsts)
        room = limit - len(chosen)
        # then the best of the rest: every other place up to the last one taken
        rest = sorted(set().union(*[rs[: room + 1] for rs in lists]) - chosen)[:room]
        cut = rest[-1] if rest else -1
        shown = [
            max(bisect_right(rs, cut), 1 if rs and rs[0] in chosen else 0) if rs else 0
            for rs in lists
        ]
        if also:
            shown_ids = {ids[r] for r in chosen.union(rest)}
            also = {pid: ts for pid, ts in also.items() if pid in shown_ids}
    groups, more = [], {}
    for topic, rs, n, size in zip(topics, lists, shown, sizes, strict=True):
        if n:
            groups.append((topic, [ids[r] for r in rs[:n]]))
        if size > n:
            more[topic] = size - n
    return PersonalDigest(groups, more, also), matching


class TopicPlaces:
    """The day's hits of every topic as places in one trending order, built once for everyone:
    `choose` then shares out a person's DM without per-paper dictionaries.

    :param hits: topic → matching ids (from `match_topics`); every id must be in `rank`.
    :param rank: paper id → its place in the day's trending order (0 is best, each place once).
    :param relevance: (topic, paper id) → how well it matches, as `match_topics` fills it.
    """

    def __init__(
        self,
        hits: dict[str, list[str]],
        rank: dict[str, int],
        relevance: dict[tuple[str, str], float] | None = None,
    ) -> None:
        self.ids = [""] * len(rank)
        for pid, n in rank.items():
            self.ids[n] = pid
        self.lists = {t: tuple(sorted({rank[pid] for pid in ids})) for t, ids in hits.items()}
        self.sets = {t: frozenset(rs) for t, rs in self.lists.items()}
        self.fit = relevance or {}
        self._shared: dict[tuple[tuple[str, ...], int], tuple[PersonalDigest, int]] = {}

    def choose(
        self, topics: Iterable[str], limit: int, keep: AbstractSet[int] | None = None
    ) -> tuple[PersonalDigest, int]:
        """`personal_digest` for one person: (their digest, how many of `keep` matched).

        :param keep: places eligible for this person; None: every hit. Without `keep`, people
            with the same topics in the same order share one digest: do not change it.
        """
        topics = tuple(dict.fromkeys(topics))
        if keep is None:
            key = (topics, limit)
            found = self._shared.get(key)
            if found is None:
                lists = [self.lists.get(t, ()) for t in topics]
                sets = [self.sets.get(t, frozenset()) for t in topics]
                found = share_out(list(topics), lists, sets, self.ids, limit, self.fit)
                self._shared[key] = found
            return found
        lists = [[r for r in self.lists.get(t, ()) if r in keep] for t in topics]
        sets = [set(rs) for rs in lists]
        return share_out(list(topics), lists, sets, self.ids, limit, self.fit)
