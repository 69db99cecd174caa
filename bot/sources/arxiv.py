"""The arXiv export API (Atom), newest first, one request every few seconds.

Both layouts are parsed: the legacy one (namespaces declared on each element, hard-wrapped
text) and the current one (namespaces on the root, unwrapped text, http ids in https feeds).
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

from bot.core.models import IngestReport, Paper, Sighting, normalize_id
from bot.errors import BadPayload
from bot.sources.http import Fetcher

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
PAGE_SIZE = 100
MAX_PAGES = 10
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


def parse_feed(body: bytes | str, report: IngestReport) -> tuple[list[Sighting], int]:
    """An Atom feed → (sightings, total results); bad entries are skipped and counted."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise BadPayload(f"arXiv sent malformed XML ({exc})") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise BadPayload(f"arXiv sent XML that is not an Atom feed (root {root.tag!r})")
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
    return sightings, total


def fetch_newest(
    fetcher: Fetcher,
    url: str,
    categories: tuple[str, ...],
    report: IngestReport,
    is_known: Callable[[list[str]], set[str]],
    delay: float = 3.0,
    max_pages: int = MAX_PAGES,
) -> Iterator[list[Sighting]]:
    """Newest papers in `categories`, page by page, until a page reaches papers already stored."""
    query = " OR ".join(f"cat:{c}" for c in categories)
    for page in range(max_pages):
        if page:
            fetcher.sleep(delay)  # arXiv asks for one request every 3 seconds
        params = {
            "search_query": query,
            "sortBy": "submittedDate",
            "sortOrder": "descending",
            "start": page * PAGE_SIZE,
            "max_results": PAGE_SIZE,
        }
        response = fetcher.get(url, params=params)
        sightings, total = parse_feed(response.content, report)
        known = is_known([s.paper.id for s in sightings])
        yield sightings
        if known or len(sightings) < PAGE_SIZE or (page + 1) * PAGE_SIZE >= total:
            return
