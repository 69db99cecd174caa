"""What a digest goes to, and the record of what it sent: a channel's thread settings, a
person's DM settings, one delivery. Plain data: the store maps its rows to these, the digest
code (bot.core.digest) plans with them.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

DEFAULT_AT = "09:00"
DEFAULT_SIZE = 10


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
    cadence: str = "daily"  # daily | weekly
    weekday: int = 0  # a weekly digest's day, 0 = Monday
    size: int = DEFAULT_SIZE  # the most papers one DM holds

    def digest_day(self, day: str) -> bool:
        """Whether the local `day` (YYYY-MM-DD) is one this person gets a digest on."""
        return self.cadence != "weekly" or date.fromisoformat(day).weekday() == self.weekday

    def since(self, now: datetime) -> datetime:
        """Papers first stored from when count as new: the last digest, else a day (a week)."""
        if self.last_run_at:
            return datetime.fromisoformat(self.last_run_at)
        return now - timedelta(days=7 if self.cadence == "weekly" else 1)


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
    state: str = "pending"  # pending | posted | skipped | failed (Slack refused it twice)
    posted_at: str | None = None
    claimed_by: str | None = None  # host:pid of the process sending it (on the '' row)
    claimed_at: str | None = None
    attempted_at: str | None = None  # last sent to Slack; pending + set: it may be there
    error: str | None = None  # why Slack refused its message (msg_too_long, invalid_blocks...)

    @property
    def key(self) -> str:
        """This row's delivery id, carried in the message's metadata: team/target/day/paper."""
        return f"{self.team}/{self.target}/{self.day}/{self.paper_id}"
