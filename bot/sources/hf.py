"""Hugging Face daily papers: `GET {HF_ENDPOINT}/api/daily_papers`.

The raw JSON is parsed here rather than through huggingface_hub, whose `PaperInfo` drops
`githubRepo` and `githubStars` for daily items.
"""

import json
from collections.abc import Iterator

from bot.core.models import IngestReport, Paper, Sighting, normalize_id
from bot.errors import BadPayload
from bot.sources.http import Fetcher

PAGE_SIZE = 100
MAX_PAGES = 20
HF_PAPER_URL = "https://huggingface.co/papers/{}"


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _paragraphs(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _day(value: object) -> str | None:
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        return value[:10]
    return None


def _url(value: object) -> str | None:
    return value if isinstance(value, str) and value.startswith(("http://", "https://")) else None


def parse_item(item: object, position: int | None = None, list_name: str = "daily") -> Sighting:
    """One daily-papers item → a Sighting; raises ValueError naming what is missing."""
    if not isinstance(item, dict):
        raise ValueError("item is not an object")
    paper = item.get("paper")
    if not isinstance(paper, dict):
        raise ValueError("item has no paper")
    pid = normalize_id(paper.get("id"))
    if pid is None:
        raise ValueError(f"invalid paper id {paper.get('id')!r}")
    title = _text(paper.get("title")) or _text(item.get("title"))
    if not title:
        raise ValueError(f"paper {pid} has no title")
    authors = tuple(
        _text(a.get("name"))
        for a in paper.get("authors") or []
        if isinstance(a, dict) and _text(a.get("name"))
    )
    keywords = tuple(_text(k) for k in paper.get("ai_keywords") or [] if _text(k))
    return Sighting(
        paper=Paper(
            id=pid,
            title=title,
            abstract=_paragraphs(paper.get("summary")) or _paragraphs(item.get("summary")),
            authors=authors,
            published=_day(paper.get("publishedAt")),
            code_url=_url(paper.get("githubRepo")),
            project_url=_url(paper.get("projectPage")),
            hf_url=HF_PAPER_URL.format(pid),
            keywords=keywords,
            ai_summary=_text(paper.get("ai_summary")) or None,
        ),
        source="hf",
        upvotes=_int(paper.get("upvotes")),
        stars=_int(paper.get("githubStars")),
        comments=_int(item.get("numComments")),
        day=_day(paper.get("submittedOnDailyAt")) if list_name == "daily" else None,
        position=position,
        list_name=list_name,
    )


def parse_page(
    body: bytes | str, report: IngestReport, list_name: str = "daily", start: int = 0
) -> tuple[list[Sighting], int]:
    """A page of daily-papers JSON → (sightings, items on the page); bad items are counted."""
    try:
        items = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadPayload(f"Hugging Face sent malformed JSON ({exc})") from None
    if not isinstance(items, list):
        raise BadPayload("Hugging Face sent JSON that is not a list of papers")
    sightings = []
    for index, item in enumerate(items):
        try:
            sightings.append(parse_item(item, start + index + 1, list_name))
        except ValueError as exc:
            report.skip(f"Hugging Face item {start + index + 1}: {exc}")
    return sightings, len(items)


def _pages(fetcher: Fetcher, params: dict, report: IngestReport, list_name: str):
    for page in range(MAX_PAGES):
        response = fetcher.get("/api/daily_papers", params={**params, "p": page})
        sightings, size = parse_page(response.content, report, list_name, start=page * PAGE_SIZE)
        yield sightings
        if size < PAGE_SIZE:  # a short page is the last one
            return


def fetch_daily(fetcher: Fetcher, day: str, report: IngestReport) -> Iterator[list[Sighting]]:
    """The daily list of `day`, all pages."""
    yield from _pages(fetcher, {"date": day, "limit": PAGE_SIZE}, report, "daily")


def fetch_trending(fetcher: Fetcher, report: IngestReport) -> Iterator[list[Sighting]]:
    """The `sort=trending` list as it stands now (first page is enough to rank)."""
    for sightings in _pages(fetcher, {"sort": "trending", "limit": PAGE_SIZE}, report, "trending"):
        yield sightings
        return
