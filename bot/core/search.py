"""Search: user text in, the best matching papers out."""

from dataclasses import dataclass
from datetime import datetime

from bot.core import query as q
from bot.core.models import StoredPaper
from bot.store import Store


@dataclass(frozen=True)
class SearchResult:
    """One page of results for a query."""

    query: q.Query
    papers: list[StoredPaper]
    offset: int
    limit: int
    has_more: bool


def search(
    store: Store, text: str, limit: int = 5, offset: int = 0, now: datetime | None = None
) -> SearchResult:
    """Search the store, best first (each paper's `score` is what it was ranked by); a query
    of filters only (`cat:cs.RO`) lists its papers newest first. Raises BadQuery for text with
    nothing searchable."""
    parsed = q.parse(text)
    rows = store.search(
        q.to_fts(parsed),
        limit=limit + 1,
        offset=offset,
        now=now,
        literals=q.literal_words(parsed),
        newest=parsed.filters_only,
    )
    papers = [StoredPaper(p.paper, p.popularity, p.first_seen, score) for p, score in rows[:limit]]
    return SearchResult(parsed, papers, offset, limit, has_more=len(rows) > limit)
