"""The Slack side of the digests: `SlackDeliverer`, the core's Deliverer (bot.core.deliverer).

It posts the daily threads and DMs the core planned, recorded as they go, paced, resumable. A
job posts one target's messages (a channel thread, or one person's DM) from delivery rows
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
is refused too, the rest going on; pausing errors (`CHANNEL_PAUSES`, `PERSON_PAUSES`) end the
job with `paused` and a core `Pause`; any other error ends it `failed`, logged with its code,
its rows left pending for the next run.
"""

import heapq
import logging
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from http.client import HTTPException
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.clock import iso, utcnow
from bot.core.deliverer import DmPost, Ledger, Outcome, Pause, Person, ThreadPost
from bot.core.digest import Delivery
from bot.core.labels import INVITE
from bot.errors import ConfigError
from bot.slack import digest_blocks
from bot.slack.client import (  # make_client: 429s retried
    error_code,
    make_client,
)

__all__ = [
    "UNREACHABLE",
    "Pacer",
    "SlackDeliverer",
    "check_channel",
    "deliver",
    "dm_job",
    "find_posted",
    "make_client",
    "run_jobs",
    "thread_job",
]

log = logging.getLogger(__name__)

# Slack's error codes that pause a channel's thread or a person's DM, as the core's reasons.
CHANNEL_PAUSES = {
    "not_in_channel": Pause.NOT_IN_CHANNEL,
    "channel_not_found": Pause.CHANNEL_NOT_FOUND,
    "is_archived": Pause.ARCHIVED,
}
PERSON_PAUSES = {
    "user_not_found": Pause.USER_NOT_FOUND,
    "account_inactive": Pause.ACCOUNT_INACTIVE,
    "user_disabled": Pause.USER_DISABLED,
}
# What a run raises when Slack cannot be reached (the CLI says so in one line).
UNREACHABLE = (SlackRequestError, URLError, ConnectionError, TimeoutError, HTTPException)


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
                f"I cannot see this channel (a private channel I am not in?): type {INVITE} in it."
            )
        return f"I could not check this channel (Slack said `{code}`)."
    name = f"#{info['name']}" if info.get("name") else "this channel"
    if info.get("is_archived"):
        return f"{name} is archived: nothing can be posted there until it is unarchived."
    if not info.get("is_member", True):
        return f"I'm not in {name} yet: type {INVITE} in the channel."
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


def _post_once(
    client, ledger: Ledger, row: Delivery, channel: str, payload: dict, thread_ts
) -> str:
    """Post `row`'s message; after a dropped connection, look in Slack before posting again.

    The attempt is recorded first, so a process killed mid-call also looks before reposting.
    """
    ledger.attempted(row)
    try:
        return _post(client, channel, payload, thread_ts, row.key)
    except (OSError, SlackRequestError) as exc:
        log.warning("%s: no answer from Slack (%s); checking whether it took it", row.key, exc)
    row = replace(row, attempted_at=iso(utcnow()))
    found = find_posted(client, row, channel, thread_ts)
    if found:
        log.info("%s: Slack had it (ts %s); not posted again", row.key, found)
        return found
    ledger.attempted(row)
    return _post(client, channel, payload, thread_ts, row.key)


def deliver(
    client: WebClient,
    ledger: Ledger,
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
        return _post_once(client, ledger, row, channel, payload, thread_ts)
    except SlackApiError as exc:
        code = error_code(exc)
        if code not in CONTENT_ERRORS:
            raise
    log.warning("%s: Slack refused the message (%s); posting a minimal one", row.key, code)
    try:
        ts = _post_once(client, ledger, row, channel, safe, thread_ts)
    except SlackApiError as exc:
        again = error_code(exc)
        if again not in CONTENT_ERRORS:
            raise
        ledger.refused(row, f"{code}, then {again} for the minimal message", failed=True)
        log.warning("%s: Slack refused the minimal message too (%s); skipped", row.key, again)
        return None
    ledger.refused(row, code, failed=False)
    return ts


def thread_job(client: WebClient, ledger: Ledger, post: ThreadPost) -> Job:
    """Post (or finish) one channel's planned thread or its "nothing new" note."""
    rows, papers = post.rows, post.papers
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
                client, ledger, parent, channel, payload, digest_blocks.safe_nothing_new(day)
            )
            if ts:
                ledger.posted(parent, [""], ts, channel)
                outcome.posted += 1
            return outcome
        thread_ts = parent.ts
        if parent.state == "pending":
            yield channel
            payload = digest_blocks.thread_parent(day, ordered)
            safe = digest_blocks.safe_parent(day, len(ordered))
            thread_ts = deliver(client, ledger, parent, channel, payload, safe)
            if thread_ts is None:  # no parent, no thread: the replies have nowhere to go
                for row in replies:
                    ledger.refused(row, "the thread's parent was refused", failed=True)
                outcome.refused += 1 + len(replies)
                return outcome
            ledger.posted(parent, [""], thread_ts, channel)
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
            ts = deliver(client, ledger, row, channel, payload, safe, thread_ts)
            if ts is None:
                outcome.refused += 1
                continue
            ledger.posted(row, [row.paper_id], ts, channel)
            outcome.posted += 1
    except SlackApiError as exc:
        code = error_code(exc)
        pause = CHANNEL_PAUSES.get(code)
        outcome.state = "failed" if pause is None else "paused"
        outcome.error = code if pause is None else str(pause)
        log.warning(
            "channel %s (%s): Slack said %s after %d message(s); %s",
            channel,
            team,
            code,
            outcome.posted,
            "pausing it" if pause else "the next run resumes it",
        )
    return outcome


def dm_job(client: WebClient, ledger: Ledger, post: DmPost) -> Job:
    """Open the person's DM (unless known) and post their digest as one message."""
    rows, dm_channel = post.rows, post.dm_channel
    first = rows[0]
    team, user, day = first.team, first.target, first.day
    outcome = Outcome(team, user, day, "posted")
    head = next(r for r in rows if r.paper_id == "")
    groups, also = post.groups()
    try:
        if not dm_channel:
            dm_channel = client.conversations_open(users=user)["channel"]["id"]
            ledger.dm_channel(team, user, dm_channel)
        yield dm_channel
        payload = digest_blocks.personal(day, groups, post.more, also)
        safe = digest_blocks.safe_personal(day, groups)
        ts = deliver(client, ledger, head, dm_channel, payload, safe)
        if ts is None:
            for row in rows:
                if row is not head:
                    ledger.refused(row, "the DM was refused", failed=True)
            outcome.refused = 1
            return outcome
        ledger.posted(head, [r.paper_id for r in rows], ts, dm_channel)
        outcome.posted = 1
    except SlackApiError as exc:
        code = error_code(exc)
        pause = PERSON_PAUSES.get(code)
        outcome.state = "failed" if pause is None else "paused"
        outcome.error = code if pause is None else str(pause)
        if code == "channel_not_found" and dm_channel:
            # A cached DM channel that no longer works: open it afresh next time.
            ledger.dm_channel(team, user, None)
        log.warning(
            "person %s (%s): Slack said %s; %s",
            user,
            team,
            code,
            "pausing their digest" if pause else "the next run retries",
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


class SlackDeliverer:
    """The core's Deliverer on Slack: one workspace's WebClient, or each workspace's own.

    :param clients: a WebClient (one workspace), or a TeamClients (bot.slack.installations:
        each team's posts go out with its own bot token; a team with none has no workspace).
    :param pacer: one message per channel per interval (`Pacer(settings.post_interval)`).
    Raises ConfigError when `clients` is None (no token: `--dry-run` previews instead).
    """

    previews = False

    def __init__(self, clients, pacer: Pacer | None = None):
        if clients is None:
            raise ConfigError(
                "SLACK_BOT_TOKEN is needed to post digests (--dry-run previews them)."
            )
        self._team_client = getattr(clients, "for_team", None) or (lambda team: clients)
        self._clients: dict[str, WebClient | None] = {}
        self.pacer = pacer or Pacer()

    def client(self, team: str) -> WebClient | None:
        """`team`'s WebClient, looked up once (a run visits every target of a workspace)."""
        if team not in self._clients:
            self._clients[team] = self._team_client(team)
        return self._clients[team]

    def has_workspace(self, team: str) -> bool:
        return self.client(team) is not None

    def person(self, team: str, user: str) -> Person | None:
        """users.info: their time zone, or why they are gone; None when Slack said otherwise."""
        try:
            user_info = self.client(team).users_info(user=user)["user"]
        except SlackApiError as exc:
            code = error_code(exc)
            if code in PERSON_PAUSES:
                return Person(gone=PERSON_PAUSES[code])
            log.warning("users.info %s: Slack said %s; keeping the stored time zone", user, code)
            return None
        except (KeyError, TypeError) as exc:
            log.warning(
                "users.info %s answered without a user (%r); keeping the time zone", user, exc
            )
            return None
        if user_info.get("deleted"):
            return Person(gone=Pause.ACCOUNT_INACTIVE)
        return Person(tz=user_info.get("tz"))

    def can_post(self, team: str, channel: str) -> str | None:
        client = self.client(team)
        if client is None:
            return f"its workspace {team} has no installation"
        return check_channel(client, channel)

    def send(self, posts: Sequence[ThreadPost | DmPost], ledger: Ledger) -> list[Outcome]:
        """Post each one's pending messages, interleaved and paced (`run_jobs`).

        Raises OSError or SlackRequestError when Slack cannot be reached mid-run.
        """
        jobs = []
        for post in posts:
            client = self.client(post.rows[0].team)
            if client is None:
                continue
            job = thread_job if isinstance(post, ThreadPost) else dm_job
            jobs.append(job(client, ledger, post))
        return run_jobs(jobs, self.pacer)
