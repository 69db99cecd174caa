"""The deliverer behind `papers-bot digest --dry-run`: says what would be posted, posts nothing.

Like errbot's text backend beside its chat ones: the digest run (bot.core.digest_run) plans
exactly as for Slack, and this deliverer turns each plan into lines of the run's report.
"""

from collections.abc import Sequence

from bot.core.deliverer import DmPost, Ledger, Outcome, Person, ThreadPost
from bot.core.labels import trending_title


class PreviewDeliverer:
    """A Deliverer that needs no platform: every workspace exists, nothing is sent or recorded."""

    previews = True

    def has_workspace(self, team: str) -> bool:
        return True  # a preview shows every workspace's digests, installed or not

    def person(self, team: str, user: str) -> Person | None:
        return None  # never asked: a preview keeps the stored time zone

    def can_post(self, team: str, channel: str) -> str | None:
        return None  # never asked: a preview reports a paused channel as paused

    def send(self, posts: Sequence[ThreadPost | DmPost], ledger: Ledger) -> list[Outcome]:
        """One `previewed` outcome per post, in order; `posted` is how many messages it would be."""
        return [
            thread_preview(post) if isinstance(post, ThreadPost) else dm_preview(post)
            for post in posts
        ]


def thread_preview(post: ThreadPost) -> Outcome:
    """What a channel's planned (or half-posted) day would post, as lines."""
    head = post.rows[0]
    label = f"channel {head.target}"
    outcome = Outcome(head.team, head.target, head.day, "previewed")
    if post.resuming:
        left = sum(r.state == "pending" for r in post.rows)
        outcome.lines = [f"{label}: would finish the thread of {head.day}: {left} left"]
        outcome.posted = left
        return outcome
    if head.kind in ("quiet", "notice"):
        what = "nothing (quiet day)" if head.kind == "quiet" else "a short note"
        outcome.lines = [f"{label}: {what}: no new trending papers: {head.detail}"]
        outcome.posted = int(head.kind == "notice")
        return outcome
    replies = [r for r in post.rows if r.kind == "reply"]
    title = trending_title(head.day)
    outcome.lines = [f"{label}: thread “{title}” with {len(replies)}:"]
    for row in replies:
        paper = post.papers[row.paper_id].paper
        outcome.lines.append(f"  {row.position}. {paper.title} [{paper.id}]")
    outcome.posted = 1 + len(replies)
    return outcome


def dm_preview(post: DmPost) -> Outcome:
    """What a person's planned DM would hold, topic by topic, as lines."""
    head = next(r for r in post.rows if r.paper_id == "")
    label = f"person {head.target}"
    outcome = Outcome(head.team, head.target, head.day, "previewed")
    groups, also = post.groups()
    count = sum(len(papers) for _, papers in groups)
    if not count:
        outcome.lines = [f"{label}: no DM (nothing new on their topics)"]
        return outcome
    more = post.more
    outcome.lines = [f"{label}: DM for {head.day} with {count} paper(s):"]
    for topic, papers in groups:
        outcome.lines.append(f"  {topic}:")
        for item in papers:
            pid = item.paper.id
            note = f" (also on {', '.join(also[pid])})" if pid in also else ""
            outcome.lines.append(f"    {item.paper.title} [{pid}]{note}")
        if more.get(topic):
            outcome.lines.append(f"    and {more[topic]} more — /papers {topic}")
    outcome.posted = 1
    return outcome
