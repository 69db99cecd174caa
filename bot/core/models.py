"""Plain records that flow from the sources through the store to the adapters."""

import re
from dataclasses import dataclass, field

# New-style ids (2606.13591) and old-style ones (cs/0112017, math.GT/0309136).
_NEW_ID = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_OLD_ID = re.compile(r"^([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(v\d+)?$")


def normalize_id(raw: object) -> str | None:
    """The arXiv id without version, from an id, `arXiv:` id or abs/pdf URL; None if invalid."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    for marker in ("/abs/", "/pdf/"):
        if marker in text:
            text = text.split(marker, 1)[1]
    text = text.removeprefix("arXiv:").removeprefix("arxiv:").removesuffix(".pdf")
    for pattern in (_NEW_ID, _OLD_ID):
        match = pattern.match(text)
        if match:
            return match.group(1)
    return None


@dataclass(frozen=True)
class Paper:
    """One paper, as much of it as a source knows; empty fields mean 'unknown here'."""

    id: str
    title: str = ""
    abstract: str = ""
    authors: tuple[str, ...] = ()
    published: str | None = None  # YYYY-MM-DD
    updated: str | None = None
    categories: tuple[str, ...] = ()  # primary first
    code_url: str | None = None
    project_url: str | None = None
    hf_url: str | None = None
    keywords: tuple[str, ...] = ()
    ai_summary: str | None = None

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.id}"


@dataclass(frozen=True)
class Sighting:
    """A paper as one source saw it at one moment: metadata, popularity, list position."""

    paper: Paper
    source: str  # "hf", "arxiv" or "file"
    upvotes: int | None = None
    stars: int | None = None
    comments: int | None = None
    day: str | None = None  # the daily list it was on (YYYY-MM-DD)
    position: int | None = None
    list_name: str = "daily"


@dataclass(frozen=True)
class Popularity:
    """Current popularity of a paper and how much it grew over the last day."""

    upvotes: int = 0
    stars: int = 0
    comments: int = 0
    upvotes_growth: int = 0
    stars_growth: int = 0
    comments_growth: int = 0


@dataclass(frozen=True)
class StoredPaper:
    """A paper as stored, with its popularity and when the bot first stored it."""

    paper: Paper
    popularity: Popularity = field(default_factory=Popularity)
    first_seen: str = ""
    score: float = 0.0


@dataclass
class IngestReport:
    """What one ingest did: counts, skipped input and the sources that failed."""

    seen: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def merge(self, other: "IngestReport") -> None:
        for name in ("seen", "added", "changed", "unchanged", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped_examples.extend(other.skipped_examples[: 5 - len(self.skipped_examples)])
        self.failures.extend(other.failures)

    def skip(self, why: str) -> None:
        self.skipped += 1
        if len(self.skipped_examples) < 5:
            self.skipped_examples.append(why)

    def summary(self) -> str:
        text = (
            f"{self.seen} papers seen: {self.added} new, {self.changed} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.skipped:
            text += f"; {self.skipped} skipped ({'; '.join(self.skipped_examples)})"
        return text
