"""The `/papers` grammar: one parser and one set of handlers for Slack and the console.

Handlers take a parsed command and return plain results; the adapters render them.
"""

from dataclasses import dataclass
from datetime import datetime

from bot.clock import iso, utcnow
from bot.core import ids
from bot.core import query as q
from bot.core.channel_commands import ChannelCommands
from bot.core.digest import CONSOLE_TEAM, WEEKDAYS, valid_zone
from bot.core.digest_commands import DigestCommands
from bot.core.models import StoredPaper
from bot.core.paper_actions import PaperActions
from bot.core.replies import Notice, Reply, Results, Trending, Usage
from bot.core.search import search
from bot.core.topics import check_topic, normalize_topic
from bot.core.trending import trending_list
from bot.errors import BadCommand, BadQuery, PaperNotFound, SourceUnavailable
from bot.store import Store

PAGE = 5
MAX_TOPICS = 25
SUBCOMMANDS = (
    "help",
    "search",
    "trending",
    "subscribe",
    "unsubscribe",
    "topics",
    "digest",
    "channel",
    "saved",
    "save",
    "unsave",
)

SEARCH_TIPS = (
    'Quote a phrase ("scene text"), exclude a word with -word, filter with cat:cs.RO or '
    "author:lecun."
)


@dataclass(frozen=True)
class Who:
    """Who typed the command, and where."""

    team: str = CONSOLE_TEAM
    user: str = "local"
    channel: str | None = None
    # Filled by the adapter where a command needs them (Slack: from users.info).
    tz: str | None = None


@dataclass(frozen=True)
class Command:
    """A parsed `/papers` command."""

    name: str  # one of SUBCOMMANDS
    arg: str = ""
    offset: int = 0


def parse(text: str) -> Command:
    """`/papers` text → Command. Anything that is not a subcommand is a search."""
    cleaned = q.clean(text or "")
    head, _, rest = cleaned.partition(" ")
    name = head.lower()
    if not cleaned or name == "help":
        return Command("help")
    if name in SUBCOMMANDS:
        return Command(name, rest.strip())
    return Command("search", cleaned)


class Handlers(ChannelCommands, DigestCommands, PaperActions):
    """The `/papers` subcommands over one store."""

    def __init__(self, store: Store, clock=None, fetch_paper=None):
        """`fetch_paper(id) -> StoredPaper` fetches a paper not stored (see bot.lookup)."""
        self.store = store
        self.clock = clock
        self.fetch_paper = fetch_paper

    def now(self) -> datetime | None:
        return self.clock() if self.clock else None

    def handle(self, command: Command, who: Who) -> Reply:
        """Carry out a command. Errors a person can fix come back as Usage or Notice."""
        try:
            return getattr(self, f"do_{command.name}")(command, who)
        except BadQuery as exc:
            return Notice(f"{exc} {SEARCH_TIPS}")
        except BadCommand as exc:
            return Usage(str(exc))
        except PaperNotFound as exc:
            return Notice(str(exc))

    def do_help(self, command: Command, who: Who) -> Reply:
        return Usage()

    def do_search(self, command: Command, who: Who) -> Reply:
        if not command.arg:
            raise BadCommand("Tell me what to search for, for example `/papers search ocr`.")
        try:
            result = search(
                self.store,
                command.arg,
                PAGE,
                command.offset,
                now=self.now(),
                fetch=self.fetch_paper,
            )
        except (PaperNotFound, SourceUnavailable) as exc:
            return Notice(str(exc))
        if not result.papers:
            broader = (
                "Try fewer or broader words"
                if len(result.query.include) > 1
                else "Try another word"
            )
            if result.offset:
                return Notice(f"No more papers match “{result.query.text}”.")
            return Notice(
                f"No papers match “{result.query.text}”. {broader}, or see `/papers trending`."
            )
        return Results(result, self._saved_among(who, result.papers))

    def do_trending(self, command: Command, who: Who) -> Reply:
        day, papers, note = trending_list(self.store, self.now())
        if not papers:
            return Notice("No papers are stored yet. Run `papers-bot ingest` to fetch some.")
        return Trending(day, papers[:10], note, self._saved_among(who, papers[:10]))

    def _saved_among(self, who: Who, papers: list[StoredPaper]) -> frozenset[str]:
        """The ids among `papers` the person has saved: their buttons say Unsave."""
        mine = self.store.saved_ids(who.team, who.user) if papers else set()
        return frozenset(p.paper.id for p in papers if p.paper.id in mine)

    def do_subscribe(self, command: Command, who: Who) -> Reply:
        topic = self._topic(command)
        typed = command.arg.strip()
        if ids.paper_id_in(typed) is not None:
            raise BadCommand(
                f"“{typed}” is one paper, not a topic: `/papers {typed}` "
                "shows it. A topic is a few words, a `cat:` or an `author:`, for example "
                "`/papers subscribe diffusion video`."
            )
        matches = self.store.count_matches(q.parse(topic))
        added = self.store.add_topic(who.team, who.user, topic, cap=MAX_TOPICS)
        if added == "exists":
            return Notice(
                f"You already follow “{topic}”. Your topics:",
                tuple(self.store.topics(who.team, who.user)),
            )
        if added == "full":
            raise BadCommand(
                f"You follow {MAX_TOPICS} topics, the most there can be. "
                "Unsubscribe from one first (`/papers topics` lists them)."
            )
        if valid_zone(who.tz):  # remembered for their digest hour, saving a users.info call
            self.store.save_person(who.team, who.user, tz=who.tz, tz_checked_at=iso(utcnow()))
        return Notice(
            f"Subscribed to “{topic}”: "
            + ("1 stored paper matches" if matches == 1 else f"{matches:,} stored papers match")
            + f" it now. {self._dm_promise(who)}"
        )

    def _dm_promise(self, who: Who) -> str:
        """What the person's digest will do with new papers, as their settings stand."""
        if who.team == CONSOLE_TEAM:
            return "Console mode sends no DMs: `/papers digest why` shows what a digest would hold."
        person = self.store.person(who.team, who.user)
        if person and not person.enabled:
            return "Your digest is off, so no DM will come: `/papers digest on` turns it on."
        if person and person.paused:
            return (
                f"Your digest is paused (Slack said `{person.paused}`): "
                "`/papers digest on` resumes it."
            )
        if person and person.cadence == "weekly":
            day = WEEKDAYS[person.weekday].title()
            return f"You will get new ones in your weekly DM on {day}s."
        return "You will get new ones in a daily DM."

    def do_unsubscribe(self, command: Command, who: Who) -> Reply:
        topic = self._topic(command)
        if self.store.remove_topic(who.team, who.user, topic):
            return Notice(f"Unsubscribed from “{topic}”.")
        mine = self.store.topics(who.team, who.user)
        if not mine:
            return Notice(f"You do not follow “{topic}”; you follow no topics yet.")
        return Notice(f"You do not follow “{topic}”. Your topics:", tuple(mine))

    def do_topics(self, command: Command, who: Who) -> Reply:
        mine = self.store.topics(who.team, who.user)
        if not mine:
            return Notice("You follow no topics yet. Try `/papers subscribe diffusion video`.")
        return Notice(f"You follow {len(mine)} topic{'s' * (len(mine) != 1)}:", tuple(mine))

    def _topic(self, command: Command) -> str:
        topic = normalize_topic(command.arg)
        verb = command.name
        if not topic:
            raise BadCommand(f"Name a topic, for example `/papers {verb} diffusion video`.")
        check_topic(topic)
        return topic
