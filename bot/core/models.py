"""Plain records that flow from the sources through the store to the adapters."""

from dataclasses import dataclass, field

from bot.core.ids import normalize_id

__all__ = ["IngestReport", "Paper", "Popularity", "Sighting", "StoredPaper", "normalize_id"]


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


# When a paper is seen more than once in one ingest, the strongest outcome is the one counted.
_RANK = {"unchanged": 0, "changed": 1, "added": 2}
# Skip reasons remembered for de-duplication; a file with more bad lines counts every one.
_MAX_REASONS = 10_000


@dataclass
class IngestReport:
    """What one ingest did, in papers: skipped input, notes, and the sources that failed.

    A report that tracks `outcomes` (paper id → "added", "changed" or "unchanged") counts a
    paper once however many lists or pages it was on: a 30-paper daily list seen on two days
    and on the trending list is 30 papers, not 90. Bulk file imports count rows instead, to
    keep memory flat.
    """

    seen: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict, repr=False)
    # Reasons already counted, so an entry met again (on another category's page) counts once.
    _reasons: set[str] = field(default_factory=set, repr=False)

    def merge(self, other: "IngestReport") -> None:
        if other.outcomes:
            for pid, outcome in other.outcomes.items():
                self._count(pid, outcome)
        else:
            for name in ("seen", "added", "changed", "unchanged"):
                setattr(self, name, getattr(self, name) + getattr(other, name))
        repeats = other._reasons & self._reasons
        self.skipped += other.skipped - len(repeats)
        if len(self._reasons) < _MAX_REASONS:
            self._reasons |= other._reasons
        fresh = [why for why in other.skipped_examples if why not in self.skipped_examples]
        self.skipped_examples.extend(fresh[: 5 - len(self.skipped_examples)])
        self.failures.extend(other.failures)
        self.notes.extend(other.notes)

    def _count(self, pid: str, outcome: str) -> None:
        before = self.outcomes.get(pid)
        if before is None:
            self.seen += 1
        elif _RANK[outcome] <= _RANK[before]:
            return
        else:
            setattr(self, before, getattr(self, before) - 1)
        self.outcomes[pid] = outcome
        setattr(self, outcome, getattr(self, outcome) + 1)

    def skip(self, why: str) -> None:
        if why in self._reasons:
            return
        if len(self._reasons) < _MAX_REASONS:
            self._reasons.add(why)
        self.skipped += 1
        if len(self.skipped_examples) < 5:
            self.skipped_examples.append(why)

    def summary(self) -> str:
        text = (
            f"{self.seen} paper{'s' * (self.seen != 1)} seen: {self.added} new, "
            f"{self.changed} updated, {self.unchanged} unchanged"
        )
        if self.skipped:
            text += f"; {self.skipped} skipped ({'; '.join(self.skipped_examples)})"
        return text
