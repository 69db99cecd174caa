"""The daily digests: the one function `papers-bot digest` and the scheduler both run.

For each target (a channel's thread, or a person's DM) and local day: plan what it gets and
record the plan, then post it through `bot.slack.delivery`. A target's day is done when none
of its rows is pending, so running again posts nothing; a half-posted day resumes.
"""

import json
import logging
import os
import socket
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.clock import iso, utcnow
from bot.core import digest as d
from bot.core import similar, trending
from bot.core.models import StoredPaper
from bot.core.trending import trending_list
from bot.errors import ConfigError

log = logging.getLogger(__name__)
# A claim by a process on another host is taken over once older than this.
CLAIM_TTL = timedelta(minutes=10)
# users.info calls per run at most (Slack allows about 100 a minute).
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
    client,
    *,
    channel: str | None = None,
    users: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    force: bool = True,
    pacer=None,
) -> DigestReport:
    """Send the day's channel threads (or, with `users`, personal DMs) that are due.

    :param channel: only this channel id.
    :param force: today's digest now whatever the hour (the CLI); else only targets whose
        time passed within `settings.digest_grace_hours` (the scheduler's tick).
    :param dry_run: print what would be posted; post and record nothing; needs no Slack.
    :param client: a WebClient for the one workspace, or a `TeamClients` (many workspaces:
        each team's posts go out with its own bot token; a team with none is skipped).
    """
    now = now or utcnow()
    report = DigestReport(dry_run=dry_run)
    if client is None and not dry_run:
        raise ConfigError("SLACK_BOT_TOKEN is needed to post digests (--dry-run previews them).")
    run = _Run(settings, store, None if dry_run else client, report, now, force)
    jobs = run.people() if users else run.channels(channel)
    if dry_run:
        return report
    from bot.slack.delivery import Pacer, run_jobs

    for outcome in run_jobs(jobs, pacer or Pacer(settings.post_interval)):
        run.record(outcome, users)
    return report


def recent_trending(store, now: datetime) -> list[StoredPaper]:
    """The trending list as of `now`, best first, holding only recent papers (d.is_recent)."""
    listed = store.listed_since(d.recent_since(now))
    ranked = trending_list(store, now)[1]
    return [p for p in ranked if d.is_recent(p.paper, listed, now)]


def owner() -> str:
    """This process, as a claim on a delivery: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claimable(holder: str | None, claimed_at: str | None) -> bool:
    """Whether a claim may be taken over: none, ours, its process gone, or (another host) stale."""
    if holder is None or holder == owner():
        return True
    host, _, pid = holder.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True  # crashed or killed: resume its work
        except PermissionError:
            pass  # alive, run by another user
        return False
    return claimed_at is None or claimed_at < iso(utcnow() - CLAIM_TTL)


def _done(pending: int | None) -> bool:
    return pending == 0


class _Run:
    """One run over the targets; collects jobs for the delivery layer."""

    def __init__(self, settings, store, client, report: DigestReport, now: datetime, force: bool):
        self.settings = settings
        self.store = store
        self.client = client
        # Each workspace's own client (one client for all in single-workspace mode), looked up
        # once per run: a run visits every person and channel of a workspace.
        self._team_client = getattr(client, "for_team", None) or (lambda team: client)
        self._clients: dict[str, object] = {}
        self.report = report
        self.now = now
        self.force = force
        self.grace = float(getattr(settings, "digest_grace_hours", 6.0))
        since = (now - timedelta(days=2)).date().isoformat()
        self.states = store.day_states(since)
        self._papers: dict[str, StoredPaper | None] = {}
        self.owner = owner()

    def _for_team(self, team: str):
        if team not in self._clients:
            self._clients[team] = self._team_client(team)
        return self._clients[team]

    def client_for(self, team: str, label: str):
        """The WebClient of `team`, or None (and a skipped line) when it has no installation."""
        client = self._for_team(team)
        if client is None:
            self.report.skipped.append(f"{label}: its workspace {team} has no installation")
        return client

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

    # -- channels ----------------------------------------------------------------------------

    def channels(self, only: str | None):
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
        jobs = []
        for ch in settings:
            label = f"channel {ch.channel}"
            try:
                day = self.pick_day(ch.team, ch.channel, ch.at, ch.tz, label)
            except d.BadSetting as exc:
                self._bad(label, exc)
                continue
            if day is None:
                continue
            if self.client is not None and self._for_team(ch.team) is None:
                self.report.skipped.append(f"{label}: its workspace {ch.team} has no installation")
                continue
            if not self._reachable(ch, day, label, explicit=only is not None):
                continue
            rows = self.store.deliveries(ch.team, ch.channel, day)
            if not rows:
                if ranked is None:
                    ranked = recent_trending(self.store, self.now)
                if self._plan_thread(ch, day, ranked, label) is None:
                    continue
                rows = self.store.deliveries(ch.team, ch.channel, day)  # another run's may win
            elif self.client is None:
                left = sum(r.state == "pending" for r in rows)
                self.report.preview.append(
                    f"{label}: would finish the thread of {day}: {left} left"
                )
                self.report.previewed += 1
                continue
            if not self._take(rows, label):
                continue
            papers = self.papers([r.paper_id for r in rows if r.kind == "reply"])
            from bot.slack.delivery import thread_job

            client = self.client_for(ch.team, label)
            if client is not None:
                jobs.append(thread_job(client, self.store, rows, papers))
        return jobs

    def _bad(self, label: str, exc: Exception) -> None:
        """One target with a bad stored setting: skipped and logged, the others go on."""
        log.warning("%s: skipped: %s", label, exc)
        self.report.skipped.append(f"{label}: skipped: {exc}")

    def _reachable(self, ch: d.ChannelSettings, day: str, label: str, explicit: bool) -> bool:
        """A paused channel is checked again once a day or when named: invited back, it resumes."""
        if not ch.paused:
            return True
        if self.client is None or (ch.checked_day == day and not explicit):
            since = (ch.paused_at or "")[:16].replace("T", " ")
            self.report.paused.append(f"{label}: paused since {since} UTC ({ch.paused})")
            return False
        from bot.slack.delivery import check_channel

        client = self.client_for(ch.team, label)
        if client is None:
            return False
        problem = check_channel(client, ch.channel)
        if problem:
            self.store.save_channel(ch.team, ch.channel, checked_day=day)
            self.report.paused.append(f"{label}: paused ({ch.paused}): {problem}")
            return False
        log.info("%s is reachable again: resuming its daily thread", label)
        self.store.save_channel(ch.team, ch.channel, paused=None, checked_day=day)
        return True

    def _plan_thread(self, ch, day: str, ranked: list[StoredPaper], label: str):
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
            rows = [d.Delivery(**base, paper_id="", kind="quiet", state="skipped")]
        else:
            rows = [d.Delivery(**base, paper_id="", kind="notice", detail=choice.reason)]
        if self.client is None:
            self.report.preview += _thread_preview(label, day, choice, ch.quiet)
            self.report.previewed += bool(choice.papers) or not ch.quiet
            return None
        if not self.store.plan(rows, self.owner, self.now):
            log.info("%s: another run planned the thread of %s first; resuming it", label, day)
            return self.store.deliveries(ch.team, ch.channel, day)
        if ch.quiet and not choice.papers:
            self.report.skipped.append(f"{label}: nothing new ({choice.reason}); quiet day")
            return None
        return rows

    # -- people ------------------------------------------------------------------------------

    def people(self):
        everyone = self.store.subscribers()
        active = []
        for p in everyone:
            if not p.enabled:
                continue
            if p.team == d.CONSOLE_TEAM and self.client is not None:
                self.report.skipped.append(
                    f"person {p.user}: topics typed in console mode; no Slack DM for them"
                )
                continue
            if p.paused:
                self.report.paused.append(f"person {p.user}: digest paused ({p.paused})")
                continue
            if self.client is not None and self._for_team(p.team) is None:
                self.report.skipped.append(
                    f"person {p.user}: their workspace {p.team} has no installation"
                )
                continue
            active.append(p)
        if self.client is not None:
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
        jobs = []
        from bot.slack.delivery import dm_job

        for p, _day, rows in due:
            fresh = (p.team, p.user) in planned
            rows = rows or planned.get((p.team, p.user))
            if not rows or self.client is None:
                continue
            if all(r.state != "pending" for r in rows):
                continue
            if not fresh and not self._take(rows, f"person {p.user}"):
                continue
            papers = self.papers([r.paper_id for r in rows if r.kind == "dm-paper"])
            message = next(r for r in rows if r.paper_id == "")
            more = json.loads(message.detail or "{}")
            client = self.client_for(p.team, f"person {p.user}")
            if client is not None:
                jobs.append(dm_job(client, self.store, rows, papers, more, p.dm_channel))
        return jobs

    def _refresh_zones(self, people: list[d.PersonSettings]) -> list[d.PersonSettings]:
        """People with time zones refreshed from Slack, unknown ones first, a few per run.

        users.info allows about 100 calls a minute: a tick refreshes at most TZ_PER_RUN.
        """
        cutoff = iso(self.now - d.TZ_MAX_AGE)
        stale = [p for p in people if not p.tz or not p.tz_checked_at or p.tz_checked_at < cutoff]
        stale.sort(key=lambda p: (p.tz is not None, p.tz_checked_at or ""))
        fresh = {(p.team, p.user): self._refresh_tz(p) for p in stale[:TZ_PER_RUN]}
        return [q for p in people if (q := fresh.get((p.team, p.user), p)) is not None]

    def _refresh_tz(self, p: d.PersonSettings) -> d.PersonSettings | None:
        """The person with a fresh time zone from Slack; None (and paused) if Slack lost them."""
        from slack_sdk.errors import SlackApiError

        from bot.slack.client import PAUSE_PERSON, error_code

        try:
            user = self._for_team(p.team).users_info(user=p.user)["user"]
        except SlackApiError as exc:
            code = error_code(exc)
            if code in PAUSE_PERSON:
                return self._pause_person(p, code)
            log.warning("users.info %s: Slack said %s; keeping time zone %s", p.user, code, p.tz)
            return p
        if user.get("deleted"):
            return self._pause_person(p, "account_inactive")
        given = user.get("tz")
        tz = d.valid_zone(given)
        if given and tz is None:
            log.warning(
                "users.info %s: unknown time zone %r; their digest uses UTC",
                p.user,
                str(given)[:60],
            )
        tz = tz or d.valid_zone(p.tz) or "UTC"
        self.store.save_person(p.team, p.user, tz=tz, tz_checked_at=iso(self.now))
        return replace(p, tz=tz, tz_checked_at=iso(self.now))

    def _pause_person(self, p: d.PersonSettings, code: str) -> None:
        self.store.save_person(p.team, p.user, paused=code)
        log.warning("person %s (%s): Slack said %s; pausing their digest", p.user, p.team, code)
        self.report.paused.append(f"person {p.user}: digest paused ({code})")
        return None

    def _plan_people(self, to_plan) -> dict[tuple[str, str], list[d.Delivery]]:
        """Match each distinct topic once against the new papers, then fan out to people."""
        news = NewPapers.gather(self.store, [p for p, _ in to_plan], self.now)
        self._papers.update(news.by_id)
        planned: dict[tuple[str, str], list[d.Delivery]] = {}
        for p, day in to_plan:
            key = (p.team, p.user)
            digest = news.digest_for(p, self.now, self.store).digest
            base = {"team": p.team, "target": p.user, "day": day}
            label = f"person {p.user}"
            if not digest.count:
                rows = [d.Delivery(**base, paper_id="", kind="none", state="skipped")]
                if self.client is not None:
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
            if self.client is None:
                self.report.preview += _dm_preview(label, day, digest, news.by_id)
                self.report.previewed += bool(digest.count)
                continue
            planned[key] = rows
        if planned:  # those another run planned first are theirs to send
            mine = self.store.plan_people(planned, self.owner, self.now)
            planned = {key: rows for key, rows in planned.items() if key in mine}
        return planned

    # -- outcomes ----------------------------------------------------------------------------

    def record(self, outcome, users: bool) -> None:
        label = f"{'person' if users else 'channel'} {outcome.target}"
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

    def digest_for(self, p: d.PersonSettings, now: datetime, store=None) -> PersonChoice:
        """What `p` gets: new for them since their last digest, never sent, shared out.

        With `store`, their "Not interested" marks apply (bot.core.similar): those papers and
        very like ones are left out, others like them placed further down.
        """
        after = iso(p.since(now))
        by_id = self.by_id
        matching = {
            pid for t in p.topics for pid in self.hits.get(t, ()) if by_id[pid].first_seen >= after
        }
        eligible = {pid for pid in matching if (p.team, p.user, pid) not in self.sent}
        rank: dict = self.rank
        held: set[str] = set()
        if store is not None and store.not_interested_ids(p.team, p.user):
            candidates = [by_id[pid] for pid in sorted(eligible)]
            held, penalty = similar.not_interested_effect(store, p.team, p.user, candidates)
            eligible -= held
            rank = similar.pushed_down(self.rank, penalty)
        size = min(max(p.size, d.MIN_SIZE), d.PERSON_MAX_SIZE)
        digest = d.personal_digest(p.topics, self.hits, eligible, size, rank, self.relevance)
        sent = len(matching) - len(eligible) - len(held)
        return PersonChoice(digest, len(matching), sent, len(held))


def _thread_preview(label: str, day: str, choice: d.ThreadChoice, quiet: bool) -> list[str]:
    if not choice.papers:
        what = "nothing (quiet day)" if quiet else "a short note"
        return [f"{label}: {what}: no new trending papers: {choice.reason}"]
    lines = [f"{label}: thread “Trending papers · {d.day_label(day)}” with {len(choice.papers)}:"]
    for n, p in enumerate(choice.papers, 1):
        lines.append(f"  {n}. {p.paper.title} [{p.paper.id}]")
    return lines


def _dm_preview(label: str, day: str, digest: d.PersonalDigest, by_id) -> list[str]:
    if not digest.count:
        return [f"{label}: no DM (nothing new on their topics)"]
    lines = [f"{label}: DM for {day} with {digest.count} paper(s):"]
    for topic, ids in digest.groups:
        lines.append(f"  {topic}:")
        for pid in ids:
            also = digest.also.get(pid)
            note = f" (also on {', '.join(also)})" if also else ""
            lines.append(f"    {by_id[pid].paper.title} [{pid}]{note}")
        if digest.more.get(topic):
            lines.append(f"    and {digest.more[topic]} more — /papers {topic}")
    return lines
