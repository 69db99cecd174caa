"""The arXiv export API (Atom), newest first, one request every few seconds.

A walk per category goes newest first down to its own high-water mark (kept in the store),
never to the first stored paper: Hugging Face may have stored one of today's papers, and a
paper announced late sorts among older ones.

Both layouts are parsed: the legacy one (namespaces declared on each element, hard-wrapped
text) and the current one (namespaces on the root, unwrapped text, http ids in https feeds).
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.core.models import IngestReport, Paper, Sighting, normalize_id
from bot.errors import BadPayload
from bot.sources.http import Fetcher

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
PAGE_SIZE = 100
# Pages a walk takes at most: the first run of a category, and a catch-up after days away.
MAX_PAGES = 10
CATCH_UP_PAGES = 30
# Lines this short all through a text mean the legacy API hard-wrapped it.
_WRAP_WIDTH = 82


def unwrap(text: str) -> str:
    """Text with hard line wraps joined and real paragraph breaks kept as newlines."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) > 1 and all(len(line) <= _WRAP_WIDTH for line in lines[:-1]):
        paragraphs = re.split(r"\n{2,}", "\n".join(lines))
        return "\n".join(" ".join(p.split()) for p in paragraphs if p.strip())
    return "\n".join(" ".join(line.split()) for line in lines if line)


def _find(entry: ET.Element, path: str) -> str:
    node = entry.find(path, NS)
    return (node.text or "") if node is not None else ""


def parse_entry(entry: ET.Element) -> Sighting:
    """One Atom entry → a Sighting; raises ValueError naming what is missing."""
    pid = normalize_id(_find(entry, "atom:id"))
    if pid is None:
        raise ValueError(f"invalid id {_find(entry, 'atom:id')!r}")
    title = " ".join(_find(entry, "atom:title").split())
    if not title:
        raise ValueError(f"paper {pid} has no title")
    primary = entry.find("arxiv:primary_category", NS)
    categories = [c.get("term", "") for c in entry.findall("atom:category", NS)]
    if primary is not None and primary.get("term"):
        categories = [primary.get("term", ""), *categories]
    return Sighting(
        paper=Paper(
            id=pid,
            title=title,
            abstract=unwrap(_find(entry, "atom:summary")),
            authors=tuple(
                " ".join(n.split())
                for n in (a.findtext("atom:name", "", NS) for a in entry.findall("atom:author", NS))
                if n.strip()
            ),
            published=_find(entry, "atom:published")[:10] or None,
            updated=_find(entry, "atom:updated")[:10] or None,
            categories=tuple(dict.fromkeys(c for c in categories if c)),
        ),
        source="arxiv",
    )


@dataclass(frozen=True)
class FeedPage:
    """One page of an export API answer: its papers, all results, and entries it held."""

    sightings: list[Sighting]
    total: int
    entries: int  # <entry> elements, parsable or not: what the page size is judged on


def atom_root(body: bytes | str, sender: str) -> ET.Element:
    """The root `<feed>` of an Atom document from `sender` (`arXiv`, `the arXiv feed of cs.CV`).

    Raises BadPayload for malformed XML, or XML that is not an Atom feed (an HTML error page).
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise BadPayload(f"{sender} sent malformed XML ({exc})") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise BadPayload(f"{sender} sent XML that is not an Atom feed (root {root.tag!r})")
    return root


def parse_page(body: bytes | str, report: IngestReport) -> FeedPage:
    """An Atom feed → FeedPage; bad entries are skipped and counted in `report`.

    Raises BadPayload for malformed XML, XML that is not a feed, or arXiv's error entry.
    """
    root = atom_root(body, "arXiv")
    entries = root.findall("atom:entry", NS)
    # The API reports a bad query as a single entry whose id points at its errors page.
    if len(entries) == 1 and "/api/errors" in _find(entries[0], "atom:id"):
        raise BadPayload(f"arXiv rejected the query: {_find(entries[0], 'atom:summary').strip()}")
    sightings = []
    for index, entry in enumerate(entries):
        try:
            sightings.append(parse_entry(entry))
        except ValueError as exc:
            report.skip(f"arXiv entry {index + 1}: {exc}")
    total_text = _find(root, "opensearch:totalResults").strip()
    total = int(total_text) if total_text.isdigit() else len(entries)
    return FeedPage(sightings, total, len(entries))


def parse_feed(body: bytes | str, report: IngestReport) -> tuple[list[Sighting], int]:
    """An Atom feed → (sightings, total results); bad entries are skipped and counted."""
    page = parse_page(body, report)
    return page.sightings, page.total


@dataclass
class Walk:
    """How one walk went: the newest submission date it saw, and whether it got every page.

    `complete` is False when a page stayed short after its retries: the caller then keeps
    its high-water mark where it was, so the next run walks that stretch again.
    """

    newest: str | None = None
    complete: bool = True
    pages: int = 0
    notes: list[str] = field(default_factory=list)


def category_query(category: str, day: str | None = None) -> str:
    """The export API's search_query for a category, optionally for one submission day."""
    if day is None:
        return f"cat:{category}"
    compact = day.replace("-", "")
    return f"cat:{category} AND submittedDate:[{compact}0000 TO {compact}2359]"


def _get_page(
    fetcher: Fetcher, url: str, params: dict, report: IngestReport, retries: int, delay: float
) -> tuple[FeedPage, int]:
    """A page, asked again (at most `retries` times) while it is short or unreadable.

    arXiv sometimes answers a valid feed that is empty or short in the middle of a walk;
    taking that as the end of the results loses the rest for good. Returns the page and
    the number of entries it was due.
    """
    start, size = params["start"], params["max_results"]
    for attempt in range(retries + 1):
        if attempt:
            fetcher.sleep(delay)
        tally = IngestReport()
        try:
            page = parse_page(fetcher.get(url, params=params).content, tally)
        except BadPayload:
            if attempt == retries:  # a garbled answer, asked again like a short page
                raise
            continue
        due = min(size, max(page.total - start, 0))
        # An empty first page claiming no results at all is one of those glitches too.
        suspicious = page.total == 0 and start == 0
        if page.entries >= due and not suspicious:
            break
    report.merge(tally)
    return page, due


def walk(
    fetcher: Fetcher,
    url: str,
    query: str,
    report: IngestReport,
    progress: Walk,
    *,
    floor: str | None = None,
    max_pages: int = MAX_PAGES,
    delay: float = 3.0,
    retries: int = 2,
    label: str = "",
) -> Iterator[list[Sighting]]:
    """Papers matching `query`, newest submitted first, page by page.

    The walk goes on to the end of the results, or to the first page whose papers were all
    submitted before `floor` (YYYY-MM-DD, the caller's high-water mark less a margin), or
    to `max_pages`. Each page is judged against `opensearch:totalResults` and its requested
    size; a short page is asked again, and one that stays short is noted in `progress`.
    """
    label = label or query
    for number in range(max_pages):
        if number:
            fetcher.sleep(delay)  # arXiv asks for one request every 3 seconds
        params = {
            "search_query": query,
            "sortBy": "submittedDate",
            "sortOrder": "descending",
            "start": number * PAGE_SIZE,
            "max_results": PAGE_SIZE,
        }
        page, due = _get_page(fetcher, url, params, report, retries, delay)
        progress.pages += 1
        if page.entries < due:
            progress.complete = False
            progress.notes.append(
                f"arXiv {label}: the page at {params['start']} held {page.entries} of {due} "
                f"papers after {retries + 1} tries; the next run asks for it again"
            )
        dates = [s.paper.published for s in page.sightings if s.paper.published]
        if dates and max(dates) > (progress.newest or ""):
            progress.newest = max(dates)
        yield page.sightings
        if (number + 1) * PAGE_SIZE >= page.total:
            return
        if floor and dates and max(dates) < floor:
            return
    if floor:
        progress.notes.append(
            f"arXiv {label}: more than {max_pages * PAGE_SIZE} papers since the last run; "
            "the walk stopped there (import older ones with `papers-bot ingest --source file`)"
        )
