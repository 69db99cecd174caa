"""The one scheduler inside `papers-bot run`: ingest jobs and the digest tick (APScheduler 3).

It schedules the callables it is given (bot/cli.py builds them: bot.core.digest_run.DigestTick
and an ingest); it imports neither. What was sent lives in SQLite (`deliveries`), not here: the
digest job is a tick every minute that sends whatever is due and not yet done, so a restart at
8:59 or 9:30 simply catches up within the grace period. The pitfalls of APScheduler 3 are
avoided on purpose: memory job store only (nothing pickled), `misfire_grace_time` and `coalesce`
set on every job (the default grace is 1 s), one instance of each job at a time, and jobs added
once per start.
"""

import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import utcnow
from bot.core.claims import owner
from bot.errors import StoreError

log = logging.getLogger(__name__)
LEASE = "scheduler"


class Leader:
    """The scheduler lease: of all processes on one store, only its holder runs the jobs.

    Every process renews or tries to take the lease every `ttl / 3` seconds; a holder that
    dies stops renewing, and another takes over once `ttl` seconds have passed. Deliveries
    stay the truth either way: a takeover resumes a half-posted thread, it never repeats it.
    """

    def __init__(self, store, ttl: float, holder: str | None = None):
        self.store = store
        self.ttl = ttl
        self.holder = holder or owner()
        self._until = 0.0  # monotonic time until which this process holds the lease

    @property
    def held(self) -> bool:
        return time.monotonic() < self._until

    def renew(self) -> bool:
        """Take or renew the lease; True while this process holds it. Never raises."""
        start = time.monotonic()
        was = self.held
        try:
            got = self.store.take_lease(LEASE, self.holder, self.ttl)
        except (sqlite3.Error, StoreError) as exc:  # busy or damaged: try again next time
            log.error("could not renew the scheduler lease: %s", exc)
            got = False
        # Counted from before the write, and a little short, so two never both believe it.
        self._until = start + self.ttl * 0.9 if got else 0.0
        if got and not was:
            log.info("scheduler lease taken by %s: this process runs the jobs", self.holder)
        elif was and not got:
            log.warning("scheduler lease lost by %s: another process runs the jobs", self.holder)
        return got

    def release(self) -> None:
        if self.held:
            self.store.release_lease(LEASE, self.holder)
        self._until = 0.0

    def only_held(self, job: Callable[..., None]) -> Callable[..., None]:
        """`job`, run only while this process holds the lease."""

        def guarded(*args, **kwargs) -> None:
            if self.held:
                job(*args, **kwargs)

        guarded.__name__ = getattr(job, "__name__", "job")
        return guarded


def start(
    settings,
    *,
    digest_tick: Callable[[], None],
    ingest: Callable[[tuple[str, ...]], None] | None = None,
    leader: Leader | None = None,
) -> BackgroundScheduler:
    """Start the scheduler: HF hourly, arXiv after its daily announcement, the digest tick.

    :param digest_tick: run every `settings.scheduler_tick` seconds and once at start; it
        must not raise (bot.core.digest_run.DigestTick).
    :param ingest: called with `("hf",)` hourly and `("arxiv",)` after arXiv's announcement;
        it must not raise (bot.cli builds one that logs); None leaves those jobs out (tests).
    :param leader: with a Leader, the jobs run only while it holds the store's lease.
    """
    tick = settings.scheduler_tick
    only = leader.only_held if leader is not None else (lambda job: job)
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        timezone="UTC",
    )
    now = utcnow()
    if ingest is not None:
        scheduler.add_job(
            only(ingest),
            IntervalTrigger(hours=1),
            args=(("hf",),),
            id="ingest-hf",
            name="Hugging Face daily papers, hourly",
            # Soon after start, not during it: the adapter is still connecting to Slack.
            next_run_time=now + timedelta(minutes=1),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=30 * 60,
        )
        # arXiv announces at 20:00 New York time, Sunday to Thursday; 20:30 leaves it time
        # to settle whatever the daylight-saving offset (00:30 or 01:30 UTC). Its announcement
        # feeds are rebuilt at midnight EST (01:00 in summer), so a second run at 01:30,
        # Monday to Friday, reads each day's feed once (feeds are empty on weekends).
        new_york = "America/New_York"
        scheduler.add_job(
            only(ingest),
            OrTrigger(
                [
                    CronTrigger(day_of_week="mon-thu,sun", hour=20, minute=30, timezone=new_york),
                    CronTrigger(day_of_week="mon-fri", hour=1, minute=30, timezone=new_york),
                ]
            ),
            args=(("arxiv",),),
            id="ingest-arxiv",
            name="arXiv newest papers and announcement feeds, after the daily announcement",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=6 * 3600,
        )
    scheduler.add_job(
        only(digest_tick),
        IntervalTrigger(seconds=tick),
        id="digest-tick",
        name="send the digests that are due",
        next_run_time=now,  # at once: a restart catches up what it missed within the grace
        coalesce=True,
        max_instances=1,
        misfire_grace_time=max(1, int(tick)),
    )
    if leader is not None:
        leader.renew()  # before the first tick, so a lone process runs it at once
        scheduler.add_job(
            leader.renew,
            IntervalTrigger(seconds=max(1.0, leader.ttl / 3)),
            id="lease",
            name="renew or take the scheduler lease",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(leader.ttl / 3)),
        )
    scheduler.start()
    log.info("scheduler started: digest tick every %gs", tick)
    return scheduler
