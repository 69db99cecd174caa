"""The daily digests in domain terms: the one run `papers-bot digest` and the scheduler share.

For each target (a channel's thread, or a person's DM) and local day: plan what it gets, record
the plan and claim it (bot.store.digests), then hand it to a `Deliverer` (bot.core.deliverer)
and record how each ended. A target's day is done when none of its rows is pending, so running
again posts nothing; a half-posted day resumes. A previewing deliverer (`--dry-run`) is handed
the same plans, unrecorded: nothing is claimed, checked or written.
"""

import gc
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.clock import iso, utcnow
from bot.core import digest as d
from bot.core import similar, trending
from bot.core.claims import claimable, owner
from bot.core.deliverer import Deliverer, DmPost, Ledger, Outcome, Pause, ThreadPost
from bot.core.models import StoredPaper
from bot.core.trending import trending_list

log = logging.getLogger(__name__)
# Time zones asked of the platform per run at most (Slack allows about 100 users.info a minute).
TZ_PER_RUN = 50


@dataclass
class DigestReport:
    """What one run did, target by target."""

    dry_run: bool = False
    posted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # past the grace window: not sent today
    preview: list[str] = field(default_factory=list)  # dry run: what would be posted
    previewed: int = 0  # dry run: how many targets would get something

    def lines(self) -> list[str]:
        out = list(self.preview)
        for label, items in (
            ("posted", self.posted),
            ("skipped", self.skipped),
            ("paused", self.paused),
            ("failed", self.failed),
            ("missed", self.missed),
        ):
            out += [f"{label}: {item}" for item in items]
        return out

    def summary(self) -> str:
        if self.dry_run:
            return f"Dry run: {self.previewed} digest(s) would be posted; nothing was sent."
        text = (
            f"{len(self.posted)} posted, {len(self.skipped)} skipped, "
            f"{len(self.paused)} paused, {len(self.failed)} failed"
        )
        if self.missed:
            text += f", {len(self.missed)} missed (past the grace period)"
        return text + "."


def run_digests(
    settings,
    store,
    deliverer: Deliverer,
    *,
    channel: str | None = None,
    users: bool = False,
    now: datetime | None = None,
    force: bool = True,
) -> DigestReport:
    """Send the day's channel threads (or, with `users`, personal DMs) that are due.

    :param channel: only this channel id.
    :param force: today's digest now whatever the hour (the CLI); else only targets whose
        time passed within `settings.digest_grace_hours` (the scheduler's tick).
    :param deliverer: posts them (bot.slack.delivery.SlackDeliverer), or previews them
        (bot.core.digest_preview.PreviewDeliverer: the report's `preview` lines, nothing
        recorded).
    Raises what the deliverer raises when the platform cannot be reached (what was posted
    before is recorded), StoreError when the store fails.
    """
    now = now or utcnow()
    report = DigestReport(dry_run=deliverer.previews)
    run = _Run(settings, store, deliverer, report, now, force)
    posts = run.people() if users else run.channels(channel)
    for outcome in deliverer.send(posts, Ledger(store)):
        run.record(outcome, users)
    return report


class DigestTick:
    """One scheduler tick: channel threads then personal DMs that are due; never raises.

    What was sent lives in the store, so each tick sends whatever is due and not yet done.
    """

    def __init__(
        self, settings, store, deliverer: Deliverer, clock: Callable[[], datetime] = utcnow
    ):
        self.settings = settings
        self.store = store
        self.deliverer = deliverer
        self.clock = clock
        self._missed_logged: set[str] = set()

    def __call__(self) -> None:
        now = self.clock()
        for users in (False, True):
            try:
                report = run_digests(
                    self.settings, self.store, self.deliverer, users=users, now=now, force=False
                )
            except Exception:  # the next tick tries again; the traceback goes to the log
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


def recent_trending(store, now: datetime) -> list[StoredPaper]:
    """The trending list as of `now`, best first, holding only recent papers (d.is_recent)."""
    listed = store.listed_since(d.recent_since(now))
    ranked = trending_list(store, now)[1]
    return [p for p in ranked if d.is_recent(p.paper, listed, now)]


def _done(pending: int | None) -> bool:
    return pending == 0


class _Run:
    """One run over the targets; collects the posts for the deliverer."""

    def __init__(
        self, settings, store, deliverer: Deliverer, report: DigestReport, now, force: bool
    ):
        self.settings = settings
        self.store = store
        self.deliverer = deliverer
        self.preview = deliverer.previews
        self.report = report
        self.now = now
        self.force = force
        self.grace = float(getattr(settings, "digest_grace_hours", 6.0))
        since = (now - timedelta(days=2)).date().isoformat()
        self.states = store.day_states(since)
        self._papers: dict[str, StoredPaper | None] = {}
        self.owner = owner()

    def papers(self, ids) -> dict[str, StoredPaper]:
        """Stored papers by id, each read once per run (many DMs share papers)."""
        for pid in ids:
            if pid not in self._papers:
                self._papers[pid] = self.store.get(pid)
        return {pid: p for pid in ids if (p := self._papers[pid]) is not None}

    def pick_day(
        self, team: str, target: str, at: str, tz: str | None, label: str, wanted=None
    ) -> str | None:
        """The local day to deliver now, or None (already done, not yet due, or missed).

        :param wanted: the days the target gets a digest on (a weekly digest's weekday); all
            by default.
        Raises BadSetting when `at` is not a time of day (an unknown `tz` counts as UTC).
        """
        d.check_at(at)
        wanted = wanted or (lambda day: True)
        if self.force:
            day = d.local_day(tz, self.now)
            if _done(self.states.get((team, target, day))):
                self.report.skipped.append(f"{label}: already had the digest of {day}")
                return None
            if not wanted(day):
                self.report.skipped.append(f"{label}: today ({day}) is not their digest day")
                return None
            return day
        for day in d.due_days(at, tz, self.now, self.grace):
            if wanted(day) and not _done(self.states.get((team, target, day))):
                return day
        missed = d.missed_day(at, tz, self.now, self.grace)
        if missed and wanted(missed) and (team, target, missed) not in self.states:
            self.report.missed.append(
                f"{label}: the digest of {missed} (due {at} {tz or 'UTC'}) is past the "
                f"{self.grace:g}-hour grace period; skipped"
            )
        return None

    def _take(self, rows: list[d.Delivery], label: str) -> bool:
        """Claim a target's day for this process, unless another live one is sending it."""
        head = next((r for r in rows if r.paper_id == ""), None)
        if head is None or head.claimed_by == self.owner:
            return True
        if claimable(head.claimed_by, head.claimed_at) and self.store.claim(
            head.team, head.target, head.day, self.owner, head.claimed_by
        ):
            return True
        self.report.skipped.append(f"{label}: being sent by another process ({head.claimed_by})")
        return False

    def _no_workspace(self, team: str) -> bool:
        return not self.deliverer.has_workspace(team)

    # -- channels ----------------------------------------------------------------------------

    def channels(self, only: str | None) -> list[ThreadPost]:
        settings = self.store.channels(enabled=only is None)
        if only:
            settings = [c for c in settings if c.channel == only]
            if not settings:
                self.report.skipped.append(
                    f"channel {only}: no daily thread set up (type `/papers channel on` in it)"
                )
            for c in settings:
                if not c.enabled:
                    self.report.skipped.append(f"channel {only}: its daily thread is off")
            settings = [c for c in settings if c.enabled]
        ranked: list[StoredPaper] | None = None
        posts = []
        for ch in settings:
            label = f"channel {ch.channel}"
            try:
                day = self.pick_day(ch.team, ch.channel, ch.at, ch.tz, label)
            except d.BadSetting as exc:
                self._bad(label, exc)
                continue
            if day is None:
                continue
            if self._no_workspace(ch.team):
                self.report.skipped.append(f"{label}: its workspace {ch.team} has no installation")
                continue
            if not self._reachable(ch, day, label, explicit=only is not None):
                continue
            rows = self.store.deliveries(ch.team, ch.channel, day)
            resuming = bool(rows)
            if not rows:
                if ranked is None:
                    ranked = recent_trending(self.store, self.now)
                rows = self._plan_thread(ch, day, ranked, label)
                if rows is None:
                    continue
            if not self.preview and not self._take(rows, label):
                continue
            papers = self.papers([r.paper_id for r in rows if r.kind == "reply"])
            posts.append(ThreadPost(rows, papers, resuming))
        return posts

    def _bad(self, label: str, exc: Exception) -> None:
        """One target with a bad stored setting: skipped and logged, the others go on."""
        log.warning("%s: skipped: %s", label, exc)
        self.report.skipped.append(f"{label}: skipped: {exc}")

    def _reachable(self, ch: d.ChannelSettings, day: str, label: str, explicit: bool) -> bool:
        """A paused channel is checked again once a day or when named: invited back, it resumes."""
        if not ch.paused:
            return True
        if self.preview or (ch.checked_day == day and not explicit):
            since = (ch.paused_at or "")[:16].replace("T", " ")
            self.report.paused.append(f"{label}: paused since {since} UTC ({ch.paused})")
            return False
        problem = self.deliverer.can_post(ch.team, ch.channel)
        if problem:
            self.store.save_channel(ch.team, ch.channel, checked_day=day)
            self.report.paused.append(f"{label}: paused ({ch.paused}): {problem}")
            return False
        log.info("%s is reachable again: resuming its daily thread", label)
        self.store.save_channel(ch.team, ch.channel, paused=None, checked_day=day)
        return True

    def _plan_thread(self, ch, day: str, ranked: list[StoredPaper], label: str):
        """The day's rows, recorded and claimed (a preview: only planned); None: nothing to post.

        When another run planned the same day first, its rows (to resume).
        """
        since = (datetime.fromisoformat(day) - timedelta(days=d.REPOST_DAYS)).date().isoformat()
        choice = d.choose_thread(ranked, ch, self.store.posted_since(ch.team, ch.channel, since))
        if not ranked and self.store.count():
            choice = d.ThreadChoice([], d.NONE_RECENT)
        base = {"team": ch.team, "target": ch.channel, "day": day}
        if choice.papers:
            rows = [d.Delivery(**base, paper_id="", kind="parent")]
            rows += [
                d.Delivery(**base, paper_id=p.paper.id, kind="reply", position=n)
                for n, p in enumerate(choice.papers, 1)
            ]
        elif ch.quiet:
            rows = [
                d.Delivery(**base, paper_id="", kind="quiet", state="skipped", detail=choice.reason)
            ]
        else:
            rows = [d.Delivery(**base, paper_id="", kind="notice", detail=choice.reason)]
        if self.preview:
            self._papers.update((p.paper.id, p) for p in choice.papers)
            return rows
        if not self.store.plan(rows, self.owner, self.now):
            log.info("%s: another run planned the thread of %s first; resuming it", label, day)
        elif ch.quiet and not choice.papers:
            self.report.skipped.append(f"{label}: nothing new ({choice.reason}); quiet day")
            return None
        return self.store.deliveries(ch.team, ch.channel, day)  # as recorded, claimed by us

    # -- people ------------------------------------------------------------------------------

    def people(self) -> list[DmPost]:
        everyone = self.store.subscribers()
        active = []
        for p in everyone:
            if not p.enabled:
                continue
            if p.team == d.CONSOLE_TEAM and not self.preview:
                self.report.skipped.append(
                    f"person {p.user}: topics typed in console mode; no Slack DM for them"
                )
                continue
            if p.paused:
                self.report.paused.append(f"person {p.user}: digest paused ({p.paused})")
                continue
            if self._no_workspace(p.team):
                self.report.skipped.append(
                    f"person {p.user}: their workspace {p.team} has no installation"
                )
                continue
            active.append(p)
        if not self.preview:
            active = self._refresh_zones(active)
        due = []
        for p in active:
            if p.tz is None and not self.force:
                continue  # its time zone is not known yet: a later tick fetches it
            try:
                day = self.pick_day(p.team, p.user, p.at, p.tz, f"person {p.user}", p.digest_day)
            except d.BadSetting as exc:
                self._bad(f"person {p.user}", exc)
                continue
            if day is not None:
                known = (p.team, p.user, day) in self.states
                due.append((p, day, self.store.deliveries(p.team, p.user, day) if known else []))
        to_plan = [(p, day) for p, day, rows in due if not rows]
        planned = self._plan_people(to_plan) if to_plan else {}
        posts = []
        for p, _day, rows in due:
            fresh = (p.team, p.user) in planned
            if self.preview:  # a preview shows the DMs it plans now, not days planned before
                if fresh:
                    rows = planned[(p.team, p.user)]
                    posts.append(DmPost(rows, self.papers(_dm_ids(rows)), p.dm_channel))
                continue
            rows = rows or planned.get((p.team, p.user))
            if not rows:
                continue
            if all(r.state != "pending" for r in rows):
                continue
            if not fresh and not self._take(rows, f"person {p.user}"):
                continue
            posts.append(DmPost(rows, self.papers(_dm_ids(rows)), p.dm_channel))
        return posts

    def _refresh_zones(self, people: list[d.PersonSettings]) -> list[d.PersonSettings]:
        """People with time zones refreshed from the platform, unknown ones first, a few per run.

        Slack's users.info allows about 100 calls a minute: a tick refreshes at most TZ_PER_RUN.
        """
        cutoff = iso(self.now - d.TZ_MAX_AGE)
        stale = [p for p in people if not p.tz or not p.tz_checked_at or p.tz_checked_at < cutoff]
        stale.sort(key=lambda p: (p.tz is not None, p.tz_checked_at or ""))
        fresh = {(p.team, p.user): self._refresh_tz(p) for p in stale[:TZ_PER_RUN]}
        return [q for p in people if (q := fresh.get((p.team, p.user), p)) is not None]

    def _refresh_tz(self, p: d.PersonSettings) -> d.PersonSettings | None:
        """The person with a fresh time zone; None (and paused) if the platform lost them."""
        found = self.deliverer.person(p.team, p.user)
        if found is None:
            return p  # the platform could not say now: keep what is stored
        if found.gone is not None:
            return self._pause_person(p, found.gone)
        tz = d.valid_zone(found.tz)
        if found.tz and tz is None:
            log.warning(
                "users.info %s: unknown time zone %r; their digest uses UTC",
                p.user,
                str(found.tz)[:60],
            )
        tz = tz or d.valid_zone(p.tz) or "UTC"
        self.store.save_person(p.team, p.user, tz=tz, tz_checked_at=iso(self.now))
        return replace(p, tz=tz, tz_checked_at=iso(self.now))

    def _pause_person(self, p: d.PersonSettings, reason: Pause) -> None:
        self.store.save_person(p.team, p.user, paused=str(reason))
        log.warning("person %s (%s): Slack said %s; pausing their digest", p.user, p.team, reason)
        self.report.paused.append(f"person {p.user}: digest paused ({reason})")
        return None

    def _plan_people(self, to_plan) -> dict[tuple[str, str], list[d.Delivery]]:
        """Match each distinct topic once against the new papers, then fan out to people.

        Recorded and claimed, except for a preview; those another run planned first are left out.
        """
        news = NewPapers.gather(self.store, [p for p, _ in to_plan], self.now)
        self._papers.update(news.by_id)
        planned: dict[tuple[str, str], list[d.Delivery]] = {}
        choices = news.digests_for([p for p, _ in to_plan], self.now, self.store)
        for (p, day), choice in zip(to_plan, choices, strict=True):
            key = (p.team, p.user)
            digest = choice.digest
            base = {"team": p.team, "target": p.user, "day": day}
            label = f"person {p.user}"
            if not digest.count:
                rows = [d.Delivery(**base, paper_id="", kind="none", state="skipped")]
                if not self.preview:
                    self.report.skipped.append(f"{label}: nothing new on their topics")
            else:
                rows = [d.Delivery(**base, paper_id="", kind="dm", detail=json.dumps(digest.more))]
                # detail: the paper's topic, then the person's other topics it matches.
                rows += [
                    d.Delivery(
                        **base,
                        paper_id=pid,
                        kind="dm-paper",
                        position=n,
                        detail="\n".join([topic, *digest.also.get(pid, ())]),
                    )
                    for n, (topic, pid) in enumerate(
                        ((t, pid) for t, ids in digest.groups for pid in ids), 1
                    )
                ]
            planned[key] = rows
        if planned and not self.preview:  # those another run planned first are theirs to send
            mine = self.store.plan_people(planned, self.owner, self.now)
            planned = {key: rows for key, rows in planned.items() if key in mine}
        return planned

    # -- outcomes ----------------------------------------------------------------------------

    def record(self, outcome: Outcome, users: bool) -> None:
        label = f"{'person' if users else 'channel'} {outcome.target}"
        if outcome.state == "previewed":
            self.report.preview += outcome.lines
            self.report.previewed += bool(outcome.posted)
            return
        if outcome.state == "posted":
            what = (
                ("DM" if outcome.posted else "no DM") if users else f"{outcome.posted} message(s)"
            )
            line = f"{label}: {what} for {outcome.day}"
            if outcome.refused:
                line += f" ({outcome.refused} refused by Slack even in plain text: skipped)"
            self.report.posted.append(line)
            return
        # Not finished: let whichever run comes next (this bot's tick, or the CLI) resume it.
        self.store.release(outcome.team, outcome.target, outcome.day, self.owner)
        if outcome.state == "paused":
            if users:
                self.store.save_person(outcome.team, outcome.target, paused=outcome.error)
            else:
                self.store.save_channel(
                    outcome.team, outcome.target, paused=outcome.error, checked_day=outcome.day
                )
            self.report.paused.append(f"{label}: paused ({outcome.error})")
            return
        self.report.failed.append(
            f"{label}: Slack said {outcome.error} after {outcome.posted} message(s); "
            "the next run resumes it"
        )


def _dm_ids(rows: list[d.Delivery]) -> list[str]:
    return [r.paper_id for r in rows if r.kind == "dm-paper"]


@dataclass
class PersonChoice:
    """One person's digest, and what it was chosen from (for `/papers digest why`)."""

    digest: d.PersonalDigest
    matching: int  # recent papers new since their last digest that match their topics
    already_sent: int  # of those, sent to them before
    held_back: int = 0  # of those, left out as "Not interested" or very like one


@dataclass
class NewPapers:
    """The recent papers first stored since the earliest of some people's last digests,
    best first, matched once per distinct topic."""

    new: list[StoredPaper]
    hits: dict[str, list[str]]
    relevance: dict[tuple[str, str], float]
    sent: set[tuple[str, str, str]]
    by_id: dict[str, StoredPaper] = field(init=False)
    rank: dict[str, int] = field(init=False)  # paper → its place in trending order

    def __post_init__(self) -> None:
        self.by_id = {s.paper.id: s for s in self.new}
        self.rank = {s.paper.id: n for n, s in enumerate(self.new)}
        self._places = d.TopicPlaces(self.hits, self.rank, self.relevance)
        self._first_seen = [s.first_seen for s in self.new]  # by place
        self._oldest = min(self._first_seen, default="")
        self._sent: dict[tuple[str, str], set[int]] = {}  # person → places sent to them
        self._after: dict[tuple, str] = {}  # (now, last digest, cadence) → new from
        for team, user, pid in self.sent:
            if pid in self.rank:
                self._sent.setdefault((team, user), set()).add(self.rank[pid])

    @classmethod
    def gather(cls, store, people: list[d.PersonSettings], now: datetime) -> "NewPapers":
        since = min((p.since(now) for p in people), default=now)
        # Only recent papers: a backfill of old ones is new to the store, not news.
        listed = store.listed_since(d.recent_since(now))
        fresh = [s for s in store.new_papers(since) if d.is_recent(s.paper, listed, now)]
        # Best first, so each topic's hits (and so each DM) lead with what trends most.
        fresh.sort(key=lambda s: trending.score(s, now), reverse=True)
        relevance: dict[tuple[str, str], float] = {}
        hits = d.match_topics(fresh, {t for p in people for t in p.topics}, relevance)
        return cls(fresh, hits, relevance, store.sent_among(s.paper.id for s in fresh))

    def digests_for(
        self, people: Iterable[d.PersonSettings], now: datetime, store=None
    ) -> list[PersonChoice]:
        """`digest_for` each of `people`, in their order, with the cyclic garbage collector
        paused: choosing 100,000 DMs makes no reference cycles, and a long-lived process's heap
        would otherwise be walked again and again while they pile up (see docs/BENCHMARKS.md)."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            return [self.digest_for(p, now, store) for p in people]
        finally:
            if enabled:
                gc.enable()

    def digest_for(self, p: d.PersonSettings, now: datetime, store=None) -> PersonChoice:
        """What `p` gets: new for them since their last digest, never sent, shared out.

        With `store`, their "Not interested" marks apply (bot.core.similar): those papers and
        very like ones are left out, others like them placed further down. People with the
        same topics, for whom every hit is new and unsent, share one digest: do not change it.
        """
        key = (now, p.last_run_at, p.cadence)  # most people share their `since`
        after = self._after.get(key)
        if after is None:
            after = self._after[key] = iso(p.since(now))
        size = min(max(p.size, d.MIN_SIZE), d.PERSON_MAX_SIZE)
        if store is not None and store.not_interested_ids(p.team, p.user):
            return self._held_back(p, after, size, store)
        sent = self._sent.get((p.team, p.user))
        if after <= self._oldest and not sent:  # every hit of theirs is eligible
            digest, matching = self._places.choose(p.topics, size)
            return PersonChoice(digest, matching, 0)
        lists, first_seen = self._places.lists, self._first_seen
        matching = {r for t in p.topics for r in lists.get(t, ()) if first_seen[r] >= after}
        eligible = matching - sent if sent else matching
        digest, _ = self._places.choose(p.topics, size, eligible)
        return PersonChoice(digest, len(matching), len(matching) - len(eligible))

    def _held_back(self, p: d.PersonSettings, after: str, size: int, store) -> PersonChoice:
        """`digest_for` for someone with "Not interested" marks: their own order of papers."""
        by_id = self.by_id
        matching = {
            pid for t in p.topics for pid in self.hits.get(t, ()) if by_id[pid].first_seen >= after
        }
        eligible = {pid for pid in matching if (p.team, p.user, pid) not in self.sent}
        candidates = [by_id[pid] for pid in sorted(eligible)]
        held, penalty = similar.not_interested_effect(store, p.team, p.user, candidates)
        eligible -= held
        rank = similar.pushed_down(self.rank, penalty)
        digest = d.personal_digest(p.topics, self.hits, eligible, size, rank, self.relevance)
        sent = len(matching) - len(eligible) - len(held)
        return PersonChoice(digest, len(matching), sent, len(held))
