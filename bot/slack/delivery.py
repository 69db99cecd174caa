"""Posting the daily threads and DMs: recorded as they go, paced, and resumable.

A job posts one target's messages (a channel thread, or one person's DM) from delivery rows
planned beforehand: the parent's ts is recorded before any reply, each reply right after Slack
accepts it, so a rerun completes an interrupted thread without repeating anything. Jobs are
generators that yield before each post; `run_jobs` interleaves them so one slow or dead channel
never holds up the others, and keeps each channel to one message per `interval` seconds.

Exactly once: every message carries its row's delivery id in Slack message metadata, and the
attempt is recorded before the post. A post whose answer is lost (the connection dropped after
Slack took it, or the process died) is looked for in the channel's history before it is posted
again; the client never retries a post blindly (bot.slack.client.SafeConnectionRetry).

Slack errors: rate limits are retried by the client (Retry-After honoured); a message refused
for its content (`CONTENT_ERRORS`) is replaced once by a minimal rendering and skipped if that
is refused too, the rest going on; pausing errors (`PAUSE_CHANNEL`, `PAUSE_PERSON`) end the job
with `paused`; any other error ends it `failed`, logged with its code, its rows left pending
for the next run.
"""

import heapq
import logging
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.clock import iso, utcnow
from bot.core.digest import Delivery
from bot.core.models import StoredPaper
from bot.slack import digest_blocks
from bot.slack.client import (  # make_client: 429s retried
    PAUSE_CHANNEL,
    PAUSE_PERSON,
    error_code,
    make_client,
)

__all__ = [
    "Outcome",
    "Pacer",
    "check_channel",
    "deliver",
    "dm_job",
    "find_posted",
    "make_client",
    "run_jobs",
    "thread_job",
]

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
    refused: int = 0  # messages Slack refused even in their minimal rendering: skipped


Job = Generator[str, None, Outcome]

# Message metadata that marks a message as one delivery row (its `Delivery.key`), so a post
# whose answer was lost can be found again with conversations.history / conversations.replies.
EVENT_TYPE = "papers_bot_delivery"
# Slack refuses these for the message itself: a minimal rendering of it may still pass.
CONTENT_ERRORS = frozenset(
    {
        "msg_too_long",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_attachments",
        "too_many_attachments",
        "no_text",
        "markdown_text_conflict",
    }
)
# How far before a row's last attempt its message is looked for in a channel's history.
LOOKBACK_SECONDS = 600
HISTORY_PAGES = 5


def _post(client: WebClient, channel: str, payload: dict, thread_ts: str | None, key: str) -> str:
    kwargs = {"thread_ts": thread_ts} if thread_ts else {}
    metadata = {"event_type": EVENT_TYPE, "event_payload": {"delivery": key}}
    resp = client.chat_postMessage(
        channel=channel, unfurl_links=False, metadata=metadata, **payload, **kwargs
    )
    return resp["ts"]


def find_posted(
    client: WebClient, row: Delivery, channel: str, thread_ts: str | None = None
) -> str | None:
    """The ts of `row`'s message if Slack already has it (found by its metadata), else None.

    Reads the thread (conversations.replies) for a reply, else the channel's or DM's recent
    history (conversations.history) from LOOKBACK_SECONDS before the row's last attempt.
    Without the history scopes (an install from before they were added) it cannot look, says
    so in the log, and answers None: a lost answer is then posted again rather than blocking.
    Raises SlackApiError, or OSError when Slack cannot be reached.
    """
    common = {"channel": channel, "include_all_metadata": True, "limit": 200}
    try:
        if thread_ts:
            first = client.conversations_replies(ts=thread_ts, **common)
        else:
            since = datetime.fromisoformat(row.attempted_at) if row.attempted_at else utcnow()
            oldest = f"{since.timestamp() - LOOKBACK_SECONDS:.6f}"
            first = client.conversations_history(oldest=oldest, **common)
    except SlackApiError as exc:
        if error_code(exc) != "missing_scope":
            raise
        log.warning(
            "%s: cannot check whether Slack took it (missing_scope: reinstall the app with "
            "channels:history, groups:history and im:history); posting it again",
            row.key,
        )
        return None
    for n, page in enumerate(first):
        for message in page.get("messages") or []:
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == EVENT_TYPE and payload.get("delivery") == row.key:
                return message.get("ts")
        if n + 1 >= HISTORY_PAGES:
            break
    return None


def _post_once(client, store, row: Delivery, channel: str, payload: dict, thread_ts) -> str:
    """Post `row`'s message; after a dropped connection, look in Slack before posting again.

    The attempt is recorded first, so a process killed mid-call also looks before reposting.
    """
    store.mark_attempt(row)
    try:
        return _post(client, channel, payload, thread_ts, row.key)
    except (OSError, SlackRequestError) as exc:
        log.warning("%s: no answer from Slack (%s); checking whether it took it", row.key, exc)
    row = replace(row, attempted_at=iso(utcnow()))
    found = find_posted(client, row, channel, thread_ts)
    if found:
        log.info("%s: Slack had it (ts %s); not posted again", row.key, found)
        return found
    store.mark_attempt(row)
    return _post(client, channel, payload, thread_ts, row.key)


def deliver(
    client: WebClient,
    store,
    row: Delivery,
    channel: str,
    payload: dict,
    safe: dict,
    thread_ts: str | None = None,
) -> str | None:
    """Post one row's message exactly once: its ts, or None when Slack refused it twice.

    A row sent before without a recorded answer is first looked for in Slack (`find_posted`).
    A message refused for its content (CONTENT_ERRORS) is recorded with its reason and replaced
    by the minimal `safe` payload once; refused again, the row is marked failed and skipped.
    Raises SlackApiError for other Slack errors, OSError or SlackRequestError when Slack cannot
    be reached; the row then stays pending for the next run.
    """
    if row.attempted_at:
        found = find_posted(client, row, channel, thread_ts)
        if found:
            return found
    try:
        return _post_once(client, store, row, channel, payload, thread_ts)
    except SlackApiError as exc:
        code = error_code(exc)
        if code not in CONTENT_ERRORS:
            raise
    log.warning("%s: Slack refused the message (%s); posting a minimal one", row.key, code)
    try:
        ts = _post_once(client, store, row, channel, safe, thread_ts)
    except SlackApiError as exc:
        again = error_code(exc)
        if again not in CONTENT_ERRORS:
            raise
        store.mark_refused(row, f"{code}, then {again} for the minimal message", failed=True)
        log.warning("%s: Slack refused the minimal message too (%s); skipped", row.key, again)
        return None
    store.mark_refused(row, code, failed=False)
    return ts


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
            payload = digest_blocks.nothing_new(day, reason)
            ts = deliver(
                client, store, parent, channel, payload, digest_blocks.safe_nothing_new(day)
            )
            if ts:
                store.mark_posted(team, channel, day, [""], ts, channel)
                outcome.posted += 1
            return outcome
        thread_ts = parent.ts
        if parent.state == "pending":
            yield channel
            payload = digest_blocks.thread_parent(day, ordered)
            safe = digest_blocks.safe_parent(day, len(ordered))
            thread_ts = deliver(client, store, parent, channel, payload, safe)
            if thread_ts is None:  # no parent, no thread: the replies have nowhere to go
                for row in replies:
                    store.mark_refused(row, "the thread's parent was refused", failed=True)
                outcome.refused += 1 + len(replies)
                return outcome
            store.mark_posted(team, channel, day, [""], thread_ts, channel)
            outcome.posted += 1
        for row in replies:
            if row.state != "pending":
                continue
            item = papers.get(row.paper_id)
            if item is None:  # the paper vanished from the store: nothing to show
                continue
            yield channel
            payload = digest_blocks.thread_reply(row.position, item)
            safe = digest_blocks.safe_reply(row.position, item)
            ts = deliver(client, store, row, channel, payload, safe, thread_ts)
            if ts is None:
                outcome.refused += 1
                continue
            store.mark_posted(team, channel, day, [row.paper_id], ts, channel)
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
    head = next(r for r in rows if r.paper_id == "")
    groups: dict[str, list[StoredPaper]] = {}
    also: dict[str, list[str]] = {}
    for row in rows:
        if row.kind == "dm-paper" and row.paper_id in papers:
            topic, *others = (row.detail or "").split("\n")
            groups.setdefault(topic, []).append(papers[row.paper_id])
            if others:
                also[row.paper_id] = others
    try:
        if not dm_channel:
            dm_channel = client.conversations_open(users=user)["channel"]["id"]
            store.save_person(team, user, dm_channel=dm_channel)
        yield dm_channel
        payload = digest_blocks.personal(day, list(groups.items()), more, also)
        safe = digest_blocks.safe_personal(day, list(groups.items()))
        ts = deliver(client, store, head, dm_channel, payload, safe)
        if ts is None:
            for row in rows:
                if row is not head:
                    store.mark_refused(row, "the DM was refused", failed=True)
            outcome.refused = 1
            return outcome
        store.mark_posted(team, user, day, [r.paper_id for r in rows], ts, dm_channel)
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
