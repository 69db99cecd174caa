"""What the next digest would hold, in plain words: `/papers digest why`, `channel status`.

Reads the store only, through the same choices a digest run makes (bot.core.digest_run); posts
nothing.
"""

from datetime import datetime, timedelta

from bot.clock import utcnow
from bot.config import DEFAULT_GRACE_HOURS
from bot.core import digest as d
from bot.core.digest_run import NewPapers, recent_trending
from bot.core.pauses import person_pause


def next_thread(store, ch: d.ChannelSettings, now: datetime | None = None) -> str:
    """What the channel's next thread would hold, in one line (for `/papers channel status`)."""
    now = now or utcnow()
    ranked = recent_trending(store, now)
    since = (now - timedelta(days=d.REPOST_DAYS)).date().isoformat()
    choice = d.choose_thread(ranked, ch, store.posted_since(ch.team, ch.channel, since))
    if not ranked and store.count():
        choice = d.ThreadChoice([], d.NONE_RECENT)
    if not choice.papers:
        return f"Next thread: nothing new so far: {choice.reason}"
    first = choice.papers[0].paper.title
    first = first if len(first) <= 80 else first[:79] + "…"
    return f"Next thread: {len(choice.papers)} paper(s) as of now, led by “{first}”"


# -- `/papers digest why` ----------------------------------------------------------------------


def next_digest(
    store, p: d.PersonSettings, now: datetime, grace_hours: float = DEFAULT_GRACE_HOURS
) -> str:
    """When `p`'s next digest is due, in words: `Tue 1 Dec at 09:00 Europe/Paris`.

    A digest whose time passed today is "due now" only within `grace_hours` (what the
    scheduler still catches up, PAPERS_DIGEST_GRACE_HOURS); after that the next day counts.
    """
    tz = d.zone_name(p.tz)
    today = datetime.fromisoformat(d.local_day(tz, now))
    states = store.day_states(today.date().isoformat())
    for ahead in range(8):
        day = (today + timedelta(days=ahead)).date().isoformat()
        if not p.digest_day(day) or states.get((p.team, p.user, day)) == 0:  # sent already
            continue
        if d.due_at(day, p.at, tz) >= now:
            return f"{d.day_label(day)} at {p.at} {tz}"
        if ahead == 0 and now <= d.due_at(day, p.at, tz) + timedelta(hours=grace_hours):
            return f"due now: {p.at} {tz} today has passed"  # and it has not gone yet
    return f"at {p.at} {tz}"


def explain(store, team: str, user: str, now: datetime | None = None) -> tuple[str, tuple]:
    """(line, items): what `user`'s next digest would hold, topic by topic, or why nothing.

    Reads the store only (settings, topics, new papers, what was sent); posts nothing.
    """
    now = now or utcnow()
    topics = tuple(store.topics(team, user))
    p = store.person(team, user) or d.PersonSettings(team, user, topics=topics)
    nothing = "Your next digest would hold nothing"
    if not topics:
        return f"{nothing}: you follow no topics. `/papers subscribe <topic>` adds one.", ()
    if not p.enabled:
        return f"{nothing}: your digest is off. `/papers digest on` restarts it.", ()
    if p.paused:
        because = person_pause(p.paused)
        return (
            f"{nothing}: it is paused because {because} when I tried to DM you. "
            "`/papers digest on` resumes it.",
            (),
        )
    if p.last_run_at:
        last = d.local_day(p.tz, datetime.fromisoformat(p.last_run_at))
        since = f"since your last digest ({d.day_label(last)})"
    else:
        since = "in the last 7 days" if p.cadence == "weekly" else "in the last 24 hours"
    when = next_digest(store, p, now)
    choice = NewPapers.gather(store, [p], now).digest_for(p, now, store)
    digest = choice.digest
    names = ", ".join(f"“{t}”" for t in topics)
    if not choice.matching:
        return (
            f"{nothing} ({when}) so far: nothing new on your topics ({names}) {since}. "
            f"Papers count when announced on arXiv or listed on Hugging Face in the last "
            f"{d.RECENT_DAYS} days.",
            (),
        )
    if not digest.count:
        return (
            f"{nothing} ({when}) so far: the {choice.matching} new paper(s) on your topics "
            f"{since} were all sent to you already{_held(choice)}.",
            (),
        )
    shown = dict(digest.groups)
    items = []
    for topic in topics:
        ids = shown.get(topic, [])
        more = digest.more.get(topic, 0)
        if not ids and not more:
            items.append(f"{topic}: nothing new")
            continue
        titles = "; ".join(f"“{_title(store, pid)}”" for pid in ids)
        line = f"{topic}: {len(ids)} paper{'s' * (len(ids) != 1)}" + (f": {titles}" if ids else "")
        if more:
            line += f" (and {more} more than fit, `/papers {topic}`)"
        items.append(line)
    return (
        f"Your next digest ({when}) would hold {digest.count} paper(s), new {since}, "
        f"up to {p.size}{_held(choice)}:",
        tuple(items),
    )


def _held(choice) -> str:
    """The note on what "Not interested" held back from the digest; '' when nothing."""
    if not choice.held_back:
        return ""
    n = choice.held_back
    return (
        f"; {n} held back as you marked {'it' if n == 1 else 'them'} (or one very like "
        f"{'it' if n == 1 else 'them'}) Not interested"
    )


def _title(store, pid: str) -> str:
    item = store.get(pid)
    title = item.paper.title if item else pid
    return title if len(title) <= 80 else title[:79] + "…"
