"""What `/papers` handlers answer: plain results the Slack and console adapters render.

Apart from the handlers (bot.core.commands and its mixins) so that they, and the adapters,
import the reply types without importing one another.
"""

from dataclasses import dataclass, field

from bot.core.models import StoredPaper
from bot.core.search import SearchResult

USAGE = [
    ("/papers <query>", "search papers, best matches first", "/papers ocr"),
    (
        "/papers <query with filters>",
        'narrow a search: cat:cs.RO, author:lecun or author:"Yann LeCun", "a phrase", -word',
        "/papers cat:cs.RO grasping -sim",
    ),
    (
        "/papers <arXiv id or link>",
        "one paper, by id or arxiv.org / huggingface.co / alphaxiv.org link",
        "/papers 2206.03001",
    ),
    (
        "/papers search <query>",
        "the same, for queries that start with a command word",
        "/papers search topics in nlp",
    ),
    ("/papers trending", "today's trending papers", "/papers trending"),
    (
        "/papers subscribe <topic>",
        "a daily DM with new papers on a topic",
        "/papers subscribe diffusion video",
    ),
    (
        "/papers unsubscribe <topic>",
        "stop following a topic",
        "/papers unsubscribe diffusion video",
    ),
    ("/papers topics", "the topics you follow", "/papers topics"),
    (
        "/papers digest on|off|HH:MM",
        "your daily DM of new papers on your topics (09:00 your time)",
        "/papers digest 08:30",
    ),
    (
        "/papers digest daily|weekly [day]|size N",
        "how often your DM comes, and how many papers it holds (3–30, default 10)",
        "/papers digest weekly monday",
    ),
    (
        "/papers digest status|why",
        "your digest settings; what the next DM would hold, or why it would be empty",
        "/papers digest why",
    ),
    (
        "/papers channel on [HH:MM]",
        "a daily trending thread in this channel; also off, status, quiet on|off",
        "/papers channel on 09:00",
    ),
    (
        "/papers channel topics <topic, ...>",
        "only trending papers on these topics in the thread (none: all)",
        "/papers channel topics ocr, diffusion",
    ),
    (
        "/papers channel size N",
        "papers in the daily thread (3–20, default 10)",
        "/papers channel size 5",
    ),
    ("/papers saved", "the papers you saved, newest first", "/papers saved"),
    ("/papers saved bibtex", "your saved papers as BibTeX", "/papers saved bibtex"),
    ("/papers save <id>", "save a paper (or click Save on it)", "/papers save 2206.03001"),
    ("/papers unsave <id>", "remove a paper from your saved papers", "/papers unsave 2206.03001"),
    ("/papers help", "this help", "/papers help"),
]


@dataclass(frozen=True)
class SavedList:
    """A page of a person's saved papers, newest saved first."""

    papers: list[StoredPaper]
    offset: int
    total: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.papers) < self.total


@dataclass(frozen=True)
class BibTeX:
    """BibTeX entries for a person's saved papers (`count` entries)."""

    text: str
    count: int


@dataclass(frozen=True)
class Similar:
    """Papers like `source`, best first (never `source` itself)."""

    source: StoredPaper
    papers: list[StoredPaper]


@dataclass(frozen=True)
class Usage:
    """Show how to use `/papers`; `problem` says what was wrong, if anything."""

    problem: str = ""
    rows: list = field(default_factory=lambda: list(USAGE))


@dataclass(frozen=True)
class Results:
    """A page of search results; `saved`: the ids among them the person has saved."""

    result: SearchResult
    saved: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Trending:
    """Today's trending list (or the latest one the store has)."""

    day: str
    papers: list[StoredPaper]
    note: str = ""
    saved: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Notice:
    """A short answer in plain words; may hold a list of items (for example topics)."""

    text: str
    items: tuple[str, ...] = ()


Reply = Usage | Results | Trending | Notice | SavedList | BibTeX | Similar
