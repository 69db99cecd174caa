"""The one scheduler inside `papers-bot run`: ingest jobs and the digest tick (APScheduler 3).

What was sent lives in SQLite (`deliveries`), not here: the digest job is a tick every minute
that sends whatever is due and not yet done, so a restart at 8:59 or 9:30 simply catches up
within the grace period. The pitfalls of APScheduler 3 are avoided on purpose: memory job
store only (nothing pickled), `misfire_grace_time` and `coalesce` set on every job (the
default grace is 1 s), one instance of each job at a time, and jobs added once per start.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import utcnow

log = logging.getLogger(__name__)


class DigestTick:
    """One tick: channel threads then personal DMs that are due; never raises."""

    def __init__(self, settings, store, client, clock: Callable[[], datetime] = utcnow, pacer=None):
        self.settings = settings
        self.store = store
        self.client = client
        self.clock = clock
        self.pacer = pacer
        self._missed_logged: set[str] = set()

    def __call__(self) -> None:
        from bot.digests import run_digests

        now = self.clock()
        for users in (False, True):
            try:
                report = run_digests(
                    self.settings,
                    self.store,
                    self.client,
                    users=users,
                    now=now,
                    force=False,
                    pacer=self.pacer,
                )
            except Exception:
                log.exception("digest tick (%s) failed", "people" if users else "channels")
                continue
            for line in report.posted:
                log.info("digest posted: %s", line)
            for line in report.failed + report.paused:
                log.warning("digest: %s", line)
            for line in report.missed:
                if line not in self._missed_logged:  # once per process, not every minute
                    self._missed_logged.add(line)
                    log.warning("digest missed: %s", line)


def _ingest(settings, store, sources: tuple[str, ...]) -> None:
    from bot.errors import StoreError
    from bot.ingest import ingest_sources

    try:
        report = ingest_sources(settings, store, sources=sources)
    except StoreError as exc:  # a damaged or full store: the one line says what to do
        log.error("ingest %s stopped: %s", "+".join(sources), exc)
        return
    except Exception:
        log.exception("ingest %s failed", "+".join(sources))
        return
    for failure in report.failures:
        log.warning("ingest: %s", failure)
    for note in report.notes:
        log.warning("ingest: %s", note)
    log.info("ingest %s: %s", "+".join(sources), report.summary())


def start(
    settings,
    store,
    client,
    *,
    ingest: bool = True,
    clock: Callable[[], datetime] = utcnow,
    pacer=None,
) -> BackgroundScheduler:
    """Start the scheduler: HF hourly, arXiv after its daily announcement, the digest tick.

    :param ingest: False leaves out the ingest jobs (tests).
    :param clock: what "now" is for the digest tick (tests).
    """
    tick = settings.scheduler_tick
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(3)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        timezone="UTC",
    )
    now = utcnow()
    if ingest:
        scheduler.add_job(
            _ingest,
            IntervalTrigger(hours=1),
            args=(settings, store, ("hf",)),
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
            _ingest,
            OrTrigger(
                [
                    CronTrigger(day_of_week="mon-thu,sun", hour=20, minute=30, timezone=new_york),
                    CronTrigger(day_of_week="mon-fri", hour=1, minute=30, timezone=new_york),
                ]
            ),
            args=(settings, store, ("arxiv",)),
            id="ingest-arxiv",
            name="arXiv newest papers and announcement feeds, after the daily announcement",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=6 * 3600,
        )
    scheduler.add_job(
        DigestTick(settings, store, client, clock, pacer),
        IntervalTrigger(seconds=tick),
        id="digest-tick",
        name="send the digests that are due",
        next_run_time=now,  # at once: a restart catches up what it missed within the grace
        coalesce=True,
        max_instances=1,
        misfire_grace_time=max(1, int(tick)),
    )
    scheduler.start()
    log.info("scheduler started: digest tick every %gs", tick)
    return scheduler
