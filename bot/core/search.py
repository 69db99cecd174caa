"""Search: user text in, the best matching papers out."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core import ids
from bot.core import query as q
from bot.core.models import StoredPaper
from bot.errors import PaperNotFound
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
    store: Store,
    text: str,
    limit: int = 5,
    offset: int = 0,
    now: datetime | None = None,
    fetch: Callable[[str], StoredPaper] | None = None,
) -> SearchResult:
    """Search the store, best first (each paper's `score` is what it was ranked by); a query
    of filters only (`cat:cs.RO`) lists its papers newest first. Raises BadQuery for text with
    nothing searchable.

    Text that is one arXiv id or paper link (see `ids.paper_id_in`) answers with that paper;
    one not stored is fetched with `fetch` (which raises PaperNotFound or SourceUnavailable).
    Without `fetch`, an id not stored raises PaperNotFound.
    """
    paper_id = ids.paper_id_in(text)
    if paper_id is not None:
        return _one_paper(store, paper_id, limit, offset, fetch)
    parsed = q.parse(text)
    rows = store.search(parsed, limit=limit + 1, offset=offset, now=now)
    papers = [StoredPaper(p.paper, p.popularity, p.first_seen, score) for p, score in rows[:limit]]
    return SearchResult(parsed, papers, offset, limit, has_more=len(rows) > limit)


def _one_paper(
    store: Store,
    paper_id: str,
    limit: int,
    offset: int,
    fetch: Callable[[str], StoredPaper] | None,
) -> SearchResult:
    found = next(filter(None, map(store.get, ids.id_forms(paper_id))), None)
    if found is None:
        if fetch is None:
            raise PaperNotFound(f"No paper {paper_id} is stored.")
        found = fetch(paper_id)
    papers = [found] if offset == 0 else []
    return SearchResult(q.Query(include=(paper_id,)), papers, offset, limit, has_more=False)
