"""The port a digest run posts through: what the core asks of a chat platform, in its own terms.

The core (bot.core.digest_run) plans, claims and records a digest day; a `Deliverer` answers
the few questions only the platform can (a person's time zone, whether the bot can post in a
channel) and sends planned threads and DMs. Pacing, retries and the platform's error codes stay
in the adapter (bot.slack.delivery.SlackDeliverer); what reaches the core is an `Outcome` whose
pause reason is a `Pause`. bot.core.digest_preview.PreviewDeliverer serves `--dry-run`.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.core.digest import Delivery
from bot.core.models import StoredPaper


class Pause(StrEnum):
    """Why a target gets nothing until someone acts: stored as `paused`, shown in reports.

    The values are the words stored since the first release, so older stores read the same.
    """

    NOT_IN_CHANNEL = "not_in_channel"  # the bot is not (or no longer) a member
    CHANNEL_NOT_FOUND = "channel_not_found"  # deleted, or private and the bot was never in it
    ARCHIVED = "is_archived"
    USER_NOT_FOUND = "user_not_found"
    ACCOUNT_INACTIVE = "account_inactive"  # deactivated or deleted
    USER_DISABLED = "user_disabled"


@dataclass
class Outcome:
    """How one target's delivery ended: `posted`, `paused` (error is a Pause) or `failed`.

    A preview ends `previewed`, with what would be posted in `lines`.
    """

    team: str
    target: str
    day: str
    state: str  # posted | paused | failed | previewed
    posted: int = 0  # messages sent (a preview: messages that would be)
    error: str | None = None  # a Pause when paused; the platform's word for a failure
    refused: int = 0  # messages refused even in their minimal rendering: skipped
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ThreadPost:
    """One channel's day as planned: a parent and its replies, a notice, or a quiet marker.

    :param rows: the day's delivery rows, the '' row first (states say what is left to post).
    :param papers: the stored papers of the reply rows, by arXiv id.
    :param resuming: rows planned by an earlier run (a half-posted day), not just now.
    """

    rows: list[Delivery]
    papers: dict[str, StoredPaper]
    resuming: bool = False


@dataclass(frozen=True)
class DmPost:
    """One person's DM as planned: its '' row (detail: "more" counts as JSON) and paper rows.

    :param dm_channel: the person's DM channel if known, else the deliverer opens one.
    """

    rows: list[Delivery]
    papers: dict[str, StoredPaper]
    dm_channel: str | None = None

    @property
    def more(self) -> dict[str, int]:
        """Topic → how many more papers matched than the DM holds."""
        head = next(r for r in self.rows if r.paper_id == "")
        return json.loads(head.detail or "{}")

    def groups(self) -> tuple[list[tuple[str, list[StoredPaper]]], dict[str, list[str]]]:
        """(topic, papers) in the planned order, and each paper's other matching topics."""
        groups: dict[str, list[StoredPaper]] = {}
        also: dict[str, list[str]] = {}
        for row in self.rows:
            if row.kind == "dm-paper" and row.paper_id in self.papers:
                topic, *others = (row.detail or "").split("\n")
                groups.setdefault(topic, []).append(self.papers[row.paper_id])
                if others:
                    also[row.paper_id] = others
        return list(groups.items()), also


@dataclass(frozen=True)
class Person:
    """What the platform says of a person: their time zone as given, or why they are gone."""

    tz: str | None = None  # as the platform gives it: may be empty or not a known zone
    gone: Pause | None = None


class Ledger:
    """What a deliverer records while it posts, each step before the next post (the store)."""

    def __init__(self, store):
        self.store = store

    def attempted(self, row: Delivery) -> None:
        """About to send `row`: a lost answer is looked for before it is sent again."""
        self.store.mark_attempt(row)

    def posted(self, row: Delivery, paper_ids: Sequence[str], ts: str, channel: str) -> None:
        """`row`'s target/day: these rows' message is in `channel` as `ts`."""
        self.store.mark_posted(row.team, row.target, row.day, list(paper_ids), ts, channel)

    def refused(self, row: Delivery, reason: str, failed: bool) -> None:
        """The platform refused `row`'s message (`failed`: its minimal form too: skipped)."""
        self.store.mark_refused(row, reason, failed=failed)

    def dm_channel(self, team: str, user: str, channel: str | None) -> None:
        """The person's DM channel, kept for next time (None: open it afresh next time)."""
        self.store.save_person(team, user, dm_channel=channel)


class Deliverer(Protocol):
    """A chat platform as a digest run sees it (bot.slack.delivery, bot.core.digest_preview)."""

    # True for a preview: nothing reaches anyone, so the run checks, claims and records nothing.
    previews: bool

    def has_workspace(self, team: str) -> bool:
        """Whether posts for `team` can go out (an installation with a token exists)."""
        ...

    def person(self, team: str, user: str) -> Person | None:
        """Their time zone or why they are gone; None when the platform could not say now."""
        ...

    def can_post(self, team: str, channel: str) -> str | None:
        """None when the bot can post in `channel`, else one line saying what to do."""
        ...

    def send(self, posts: Sequence[ThreadPost | DmPost], ledger: Ledger) -> list[Outcome]:
        """Post what is pending of each, paced, recording through `ledger`; outcomes in end order.

        Raises OSError (or the platform's own connection error) when it cannot be reached;
        what was posted before is recorded.
        """
        ...
