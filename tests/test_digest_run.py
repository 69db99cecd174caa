"""The digest run in the core (bot.core.digest_run) against a fake Deliverer and a real store.

The fake stands in for Slack the way a real adapter would: it records each message through the
Ledger as it "posts", and can stop after some messages with a failure or a pause reason.
"""

from collections.abc import Sequence

from bot.clock import utcnow
from bot.config import Settings
from bot.core.deliverer import DmPost, Ledger, Outcome, Pause, Person, ThreadPost
from bot.core.digest import day_label
from bot.core.digest_preview import PreviewDeliverer
from bot.core.digest_run import run_digests
from tests.test_delivery import TEAM, seed_trending


class FakeDeliverer:
    """A Deliverer that posts into a list; `stop_after` messages, it ends with `stop`."""

    previews = False

    def __init__(self, stop_after: int | None = None, stop: str = "ratelimited", gone=None):
        self.stop_after = stop_after
        self.stop = stop
        self.gone = gone or {}  # user → Pause
        self.posts: list[ThreadPost | DmPost] = []
        self.sent: list[tuple[str, str]] = []  # (target, paper id) per message
        self.checked: list[str] = []

    def has_workspace(self, team: str) -> bool:
        return team == TEAM

    def person(self, team: str, user: str) -> Person | None:
        return Person(gone=self.gone[user]) if user in self.gone else Person(tz="Europe/Paris")

    def can_post(self, team: str, channel: str) -> str | None:
        self.checked.append(channel)
        return None

    def send(self, posts: Sequence[ThreadPost | DmPost], ledger: Ledger) -> list[Outcome]:
        outcomes = []
        for post in posts:
            self.posts.append(post)
            head = post.rows[0]
            outcome = Outcome(head.team, head.target, head.day, "posted")
            for row in post.rows:
                if row.state != "pending" or row.kind == "dm-paper":
                    continue
                if self.stop_after is not None and len(self.sent) >= self.stop_after:
                    paused = self.stop in set(Pause)
                    outcome.state, outcome.error = ("paused" if paused else "failed"), self.stop
                    break
                ledger.attempted(row)
                ids = (
                    [r.paper_id for r in post.rows] if isinstance(post, DmPost) else [row.paper_id]
                )
                ledger.posted(row, ids, f"ts{len(self.sent)}", head.target)
                self.sent.append((head.target, row.paper_id))
                outcome.posted += 1
            outcomes.append(outcome)
        return outcomes


def settings(tmp_path) -> Settings:
    return Settings(db_path=tmp_path / "papers.db")


def test_a_day_is_planned_recorded_and_posted_once(store, tmp_path):
    day = str(utcnow().date())  # at the run, not at import: a suite may cross midnight
    ids = seed_trending(store)
    store.save_channel(TEAM, "C1", size=3)
    fake = FakeDeliverer()
    report = run_digests(settings(tmp_path), store, fake)
    assert report.posted == [f"channel C1: 4 message(s) for {day}"]
    (post,) = fake.posts
    assert not post.resuming
    assert [(r.kind, r.paper_id) for r in post.rows] == [("parent", "")] + [
        ("reply", pid) for pid in ids[:3]
    ]
    assert set(post.papers) == set(ids[:3])
    assert fake.sent == [("C1", "")] + [("C1", pid) for pid in ids[:3]]
    rows = store.deliveries(TEAM, "C1", day)
    assert [(r.state, r.ts) for r in rows] == [("posted", f"ts{n}") for n in range(4)]
    again = FakeDeliverer()
    report = run_digests(settings(tmp_path), store, again)
    assert again.posts == [] and report.skipped == [f"channel C1: already had the digest of {day}"]


def test_a_half_posted_day_resumes_where_it_stopped(store, tmp_path):
    day = str(utcnow().date())  # at the run, not at import: a suite may cross midnight
    ids = seed_trending(store)
    store.save_channel(TEAM, "C1", size=3)
    broken = FakeDeliverer(stop_after=2)
    report = run_digests(settings(tmp_path), store, broken)
    assert report.failed == [
        "channel C1: Slack said ratelimited after 2 message(s); the next run resumes it"
    ]
    assert [r.state for r in store.deliveries(TEAM, "C1", day)] == [
        "posted",
        "posted",
        "pending",
        "pending",
    ]
    assert store.deliveries(TEAM, "C1", day)[0].claimed_by is None  # released for the next run
    fake = FakeDeliverer()
    report = run_digests(settings(tmp_path), store, fake)
    (post,) = fake.posts
    assert post.resuming and [r.paper_id for r in post.rows[1:]] == ids[:3]  # the same plan
    assert fake.sent == [("C1", pid) for pid in ids[1:3]]  # only what was left
    assert report.posted == [f"channel C1: 2 message(s) for {day}"]


def test_a_pause_reason_is_recorded_and_checked_again_when_named(store, tmp_path):
    day = str(utcnow().date())  # at the run, not at import: a suite may cross midnight
    seed_trending(store)
    store.save_channel(TEAM, "C1", size=3)
    report = run_digests(settings(tmp_path), store, FakeDeliverer(0, Pause.NOT_IN_CHANNEL))
    assert report.paused == ["channel C1: paused (not_in_channel)"]
    (ch,) = store.channels()
    assert ch.paused == "not_in_channel" and ch.checked_day == day
    fake = FakeDeliverer()
    report = run_digests(settings(tmp_path), store, fake)  # checked today already: left paused
    assert fake.checked == [] and fake.posts == []
    assert report.paused[0].startswith("channel C1: paused since ")
    report = run_digests(settings(tmp_path), store, fake, channel="C1")  # named: checked again
    assert fake.checked == ["C1"] and store.channels()[0].paused is None
    assert report.posted == [f"channel C1: 4 message(s) for {day}"]


def test_a_person_the_platform_lost_is_paused_with_its_reason(store, tmp_path):
    seed_trending(store)
    store.add_topic(TEAM, "UGONE", "ocr")
    fake = FakeDeliverer(gone={"UGONE": Pause.ACCOUNT_INACTIVE})
    report = run_digests(settings(tmp_path), store, fake, users=True)
    assert report.paused == ["person UGONE: digest paused (account_inactive)"]
    assert fake.posts == []
    (person,) = [p for p in store.subscribers() if p.user == "UGONE"]
    assert person.paused == "account_inactive"


def test_a_dry_run_previews_the_plan_and_records_nothing(store, tmp_path):
    day = str(utcnow().date())  # at the run, not at import: a suite may cross midnight
    ids = seed_trending(store)
    store.save_channel(TEAM, "C1", size=2)
    store.save_channel(TEAM, "CQ", size=2, topics=("zzyzx",), quiet=True)
    report = run_digests(settings(tmp_path), store, PreviewDeliverer())
    titles = {pid: store.get(pid).paper.title for pid in ids[:2]}
    assert report.preview[:3] == [
        f"channel C1: thread “Trending papers · {day_label(day)}” with 2:",
        f"  1. {titles[ids[0]]} [{ids[0]}]",
        f"  2. {titles[ids[1]]} [{ids[1]}]",
    ]
    assert report.preview[3].startswith("channel CQ: nothing (quiet day): no new trending papers")
    assert report.summary() == "Dry run: 1 digest(s) would be posted; nothing was sent."
    assert store.day_states("2000-01-01") == {}
