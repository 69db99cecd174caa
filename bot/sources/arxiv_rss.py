"""arXiv's daily announcement, per category: `GET {PAPERS_ARXIV_RSS_URL}/{category}` (Atom).

Each entry says how it was announced (`arxiv:announce_type`): `new` (first version, this is
its primary category), `cross` (first announced in this category, primary elsewhere),
`replace` and `replace-cross` (a new version of an older paper). A paper appears in every
category feed it is listed in; the store keeps it once, by id.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace

from bot.core.models import IngestReport, Paper, Sighting, normalize_id
from bot.sources.arxiv import NS as API_NS
from bot.sources.arxiv import atom_root, unwrap

NS = {**API_NS, "dc": "http://purl.org/dc/elements/1.1/"}
FIRST_ANNOUNCEMENTS = ("new", "cross")
REPLACEMENTS = ("replace", "replace-cross")
LIST_NAME = "arxiv"
# The summary opens with "arXiv:2203.01250v3 Announce Type: replace-cross \nAbstract: ".
_SUMMARY_HEAD = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s*(?:Abstract:\s*)?", re.I)


@dataclass
class Announcement:
    """One category's announcement: first announcements and replacements, apart."""

    category: str
    day: str | None = None  # YYYY-MM-DD, None for an empty feed (weekends, holidays)
    first: list[Sighting] = field(default_factory=list)  # new and cross, listed on `day`
    replaced: list[Sighting] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _text(entry: ET.Element, path: str) -> str:
    node = entry.find(path, NS)
    return " ".join((node.text or "").split()) if node is not None else ""


def _authors(creator: str) -> tuple[str, ...]:
    text = creator.replace(", and ", ", ").replace(" and ", ", ")
    return tuple(name.strip() for name in text.split(",") if name.strip())


def parse_entry(entry: ET.Element, position: int) -> tuple[str, Sighting]:
    """One feed entry → (announce type, Sighting); raises ValueError naming what is missing."""
    raw_id = _text(entry, "atom:id")
    pid = normalize_id(raw_id)
    if pid is None:
        raise ValueError(f"invalid id {raw_id!r}")
    kind = _text(entry, "arxiv:announce_type").lower() or "new"
    if kind not in (*FIRST_ANNOUNCEMENTS, *REPLACEMENTS):
        raise ValueError(f"paper {pid} has an unknown announce type {kind!r}")
    title = _text(entry, "atom:title")
    if not title:
        raise ValueError(f"paper {pid} has no title")
    summary = entry.find("atom:summary", NS)
    abstract = _SUMMARY_HEAD.sub("", (summary.text or "") if summary is not None else "")
    day = _text(entry, "atom:published")[:10] or None
    categories = tuple(
        dict.fromkeys(
            c.get("term", "") for c in entry.findall("atom:category", NS) if c.get("term")
        )
    )
    paper = Paper(
        id=pid,
        title=title,
        abstract=unwrap(abstract) if abstract.strip() else "",
        authors=_authors(_text(entry, "dc:creator")),
        categories=categories,
        updated=day,
    )
    if kind in REPLACEMENTS:
        # `published` is the day of the new version's announcement, not the paper's.
        return kind, Sighting(paper, source="arxiv")
    first = replace(paper, published=day)
    return kind, Sighting(first, source="arxiv", day=day, position=position, list_name=LIST_NAME)


def parse_feed(body: bytes | str, category: str, report: IngestReport) -> Announcement:
    """A category's announcement feed → Announcement; bad entries are skipped and counted.

    Raises BadPayload for malformed XML or XML that is not an Atom feed.
    """
    root = atom_root(body, f"the arXiv feed of {category}")
    result = Announcement(category)
    for index, entry in enumerate(root.findall("atom:entry", NS)):
        try:
            kind, sighting = parse_entry(entry, index + 1)
        except ValueError as exc:
            report.skip(f"arXiv feed {category} entry {index + 1}: {exc}")
            continue
        result.counts[kind] = result.counts.get(kind, 0) + 1
        if kind in REPLACEMENTS:
            result.replaced.append(sighting)
        else:
            result.first.append(sighting)
            result.day = max(result.day or "", sighting.day or "") or None
    return result
