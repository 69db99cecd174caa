"""Posting the daily threads and DMs: recorded as they go, paced, and resumable.

A job posts one target's messages (a channel thread, or one person's DM) from delivery rows
planned beforehand: the parent's ts is recorded before any reply, each reply right after Slack
accepts it, so a rerun completes an interrupted thread without repeating anything. Jobs are
generators that yield before each post; `run_jobs` interleaves them so one slow or dead channel
never holds up the others, and keeps each channel to one message per `interval` seconds.

Slack errors: rate limits are retried by the client (Retry-After honoured); pausing errors
(`PAUSE_CHANNEL`, `PAUSE_PERSON`) end the job with `paused`; any other error ends it `failed`,
logged with its code, its rows left pending for the next run.
"""

import heapq
import logging
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.digest import PAUSE_CHANNEL, PAUSE_PERSON, Delivery
from bot.core.models import StoredPaper
from bot.slack import digest_blocks
from bot.slack.client import error_code, make_client  # make_client: 429s and dropped links retried

__all__ = ["Outcome", "Pacer", "check_channel", "dm_job", "make_client", "run_jobs", "thread_job"]

log = logging.getLogger(__name__)


def check_channel(client: WebClient, channel_id: str) -> str | None:
    """None when the bot can post in the channel, else one line saying what to do."""
    if channel_id.startswith("D"):
        return None
    try:
        info = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        code = error_code(exc)
        if code == "channel_not_found":
            return (
                "I cannot see this channel (a private channel I am not in?): "
                "type `/invite @papers-bot` in it."
            )
        return f"I could not check this channel (Slack said `{code}`)."
    name = f"#{info['name']}" if info.get("name") else "this channel"
    if info.get("is_archived"):
        return f"{name} is archived: nothing can be posted there until it is unarchived."
    if not info.get("is_member", True):
        return f"I'm not in {name} yet: type `/invite @papers-bot` in the channel."
    return None


class Pacer:
    """At most one message per `interval` seconds per channel (Slack's posting limit)."""

    def __init__(
        self,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._last: dict[str, float] = {}

    def ready_at(self, channel: str) -> float:
        last = self._last.get(channel)
        return float("-inf") if last is None else last + self.interval

    def wait(self, channel: str) -> None:
        delay = self.ready_at(channel) - self.clock()
        if delay > 0:
            self.sleep(delay)

    def posted(self, channel: str) -> None:
        self._last[channel] = self.clock()


@dataclass
class Outcome:
    """How one target's delivery ended."""

    team: str
    target: str
    day: str
    state: str  # posted | paused | failed
    posted: int = 0
    error: str | None = None


Job = Generator[str, None, Outcome]


def _post(client: WebClient, channel: str, payload: dict, thread_ts: str | None = None) -> dict:
    kwargs = {"thread_ts": thread_ts} if thread_ts else {}
    return client.chat_postMessage(channel=channel, unfurl_links=False, **payload, **kwargs)


def thread_job(
    client: WebClient,
    store,
    rows: list[Delivery],
    papers: dict[str, StoredPaper],
) -> Job:
    """Post (or finish) one channel's planned thread or its "nothing new" note."""
    first = rows[0]
    team, channel, day = first.team, first.target, first.day
    outcome = Outcome(team, channel, day, "posted")
    parent = next((r for r in rows if r.paper_id == ""), None)
    replies = [r for r in rows if r.kind == "reply"]
    ordered = [papers[r.paper_id] for r in replies if r.paper_id in papers]
    try:
        if parent is None:
            return outcome
        if parent.kind == "notice" and parent.state == "pending":
            yield channel
            reason = parent.detail or "nothing qualifies."
            resp = _post(client, channel, digest_blocks.nothing_new(day, reason))
            store.mark_posted(team, channel, day, [""], resp["ts"], channel)
            outcome.posted += 1
            return outcome
        thread_ts = parent.ts
        if parent.state == "pending":
            yield channel
            resp = _post(client, channel, digest_blocks.thread_parent(day, ordered))
            thread_ts = resp["ts"]
            store.mark_posted(team, channel, day, [""], thread_ts, channel)
            outcome.posted += 1
        for row in replies:
            if row.state != "pending":
                continue
            item = papers.get(row.paper_id)
            if item is None:  # the paper vanished from the store: nothing to show
                continue
            yield channel
            resp = _post(client, channel, digest_blocks.thread_reply(row.position, item), thread_ts)
            store.mark_posted(team, channel, day, [row.paper_id], resp["ts"], channel)
            outcome.posted += 1
    except SlackApiError as exc:
        outcome.error = error_code(exc)
        outcome.state = "paused" if outcome.error in PAUSE_CHANNEL else "failed"
        log.warning(
            "channel %s (%s): Slack said %s after %d message(s); %s",
            channel,
            team,
            outcome.error,
            outcome.posted,
            "pausing it" if outcome.state == "paused" else "the next run resumes it",
        )
    return outcome


def dm_job(
    client: WebClient,
    store,
    rows: list[Delivery],
    papers: dict[str, StoredPaper],
    more: dict[str, int],
    dm_channel: str | None,
) -> Job:
    """Open the person's DM (unless known) and post their digest as one message."""
    first = rows[0]
    team, user, day = first.team, first.target, first.day
    outcome = Outcome(team, user, day, "posted")
    groups: dict[str, list[StoredPaper]] = {}
    for row in rows:
        if row.kind == "dm-paper" and row.paper_id in papers:
            groups.setdefault(row.detail or "", []).append(papers[row.paper_id])
    try:
        if not dm_channel:
            dm_channel = client.conversations_open(users=user)["channel"]["id"]
            store.save_person(team, user, dm_channel=dm_channel)
        yield dm_channel
        resp = _post(client, dm_channel, digest_blocks.personal(day, list(groups.items()), more))
        store.mark_posted(team, user, day, [r.paper_id for r in rows], resp["ts"], dm_channel)
        outcome.posted = 1
    except SlackApiError as exc:
        outcome.error = error_code(exc)
        outcome.state = "paused" if outcome.error in PAUSE_PERSON else "failed"
        if outcome.error == "channel_not_found" and dm_channel:
            # A cached DM channel that no longer works: open it afresh next time.
            store.save_person(team, user, dm_channel=None)
        log.warning(
            "person %s (%s): Slack said %s; %s",
            user,
            team,
            outcome.error,
            "pausing their digest" if outcome.state == "paused" else "the next run retries",
        )
    return outcome


def run_jobs(jobs: Iterable[Job], pacer: Pacer) -> list[Outcome]:
    """Run jobs interleaved, each post waiting for its channel's pace; outcomes in end order.

    A heap keyed by when each job's channel may post next: the job that can go soonest goes.
    """
    heap: list[tuple[float, int, Job, str | None]] = [
        (float("-inf"), n, job, None) for n, job in enumerate(jobs)
    ]
    heapq.heapify(heap)
    outcomes: list[Outcome] = []
    while heap:
        ready, n, job, channel = heapq.heappop(heap)
        if channel and pacer.ready_at(channel) > ready:  # another job posted there meanwhile
            heapq.heappush(heap, (pacer.ready_at(channel), n, job, channel))
            continue
        if channel:
            pacer.wait(channel)
        try:
            following = next(job)  # posts to `channel`, if it yielded one before
        except StopIteration as stop:
            outcomes.append(stop.value)
            following = None
        finally:
            if channel:
                # From when Slack answered: a post slowed by 429s is not followed by a burst.
                pacer.posted(channel)
        if following is not None:
            heapq.heappush(heap, (pacer.ready_at(following), n, job, following))
    return outcomes
