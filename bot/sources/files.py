"""File import: JSON Lines (or a JSON array) of papers in any of the shapes we know.

- the arXiv metadata snapshot (`id, title, abstract, authors, categories, update_date, versions`),
- Hugging Face daily-papers items (`paper{...}, numComments, ...`),
- the bundled sample (`arxiv_id, title, summary, authors[], published, github_repo`).
Streaming: a 2.3M-line snapshot never sits in memory.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from email.utils import parsedate_to_datetime
from typing import IO

from bot.core.models import IngestReport, Paper, Sighting, normalize_id
from bot.sources import hf


def _authors_of(text: str) -> tuple[str, ...]:
    """`A, B and C` → (A, B, C), as the snapshot joins them."""
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", " ".join(text.split()))
    return tuple(p.strip() for p in parts if p.strip())


def _published(record: dict) -> str | None:
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        try:
            return parsedate_to_datetime(versions[0].get("created", "")).date().isoformat()
        except (TypeError, ValueError):
            pass  # an odd version date; fall back to update_date below
    update = record.get("update_date")
    return update[:10] if isinstance(update, str) and len(update) >= 10 else None


def _snapshot(record: dict) -> Sighting:
    pid = normalize_id(record.get("id"))
    title = " ".join(str(record.get("title") or "").split())
    if pid is None or not title:
        raise ValueError("snapshot record needs an arXiv id and a title")
    return Sighting(
        Paper(
            id=pid,
            title=title,
            abstract=str(record.get("abstract") or "").strip(),
            authors=_authors_of(str(record.get("authors") or "")),
            published=_published(record),
            updated=(record.get("update_date") or None),
            categories=tuple(str(record.get("categories") or "").split()),
        ),
        source="file",
    )


def _sample(record: dict) -> Sighting:
    pid = normalize_id(record.get("arxiv_id"))
    title = " ".join(str(record.get("title") or "").split())
    if pid is None or not title:
        raise ValueError("record needs an arxiv_id and a title")
    authors = record.get("authors") if isinstance(record.get("authors"), list) else []
    primary = record.get("primary_category")
    repo = record.get("github_repo")
    return Sighting(
        Paper(
            id=pid,
            title=title,
            abstract=str(record.get("summary") or "").strip(),
            authors=tuple(str(a) for a in authors if a),
            published=record.get("published") or None,
            categories=(primary,) if isinstance(primary, str) and primary else (),
            code_url=repo if isinstance(repo, str) and repo.startswith("http") else None,
        ),
        source="file",
    )


def parse_record(record: object, number: int | None = None) -> Sighting:
    """Any known shape → a Sighting; raises ValueError for an unknown or incomplete one."""
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    if "paper" in record:
        # A recorded daily item keeps its place on that day's list.
        return replace(hf.parse_item(record, number, list_name="daily"), source="file")
    if "arxiv_id" in record:
        return _sample(record)
    if "id" in record and "abstract" in record:
        return _snapshot(record)
    raise ValueError("not a paper in a known shape")


def read(stream: IO[bytes], report: IngestReport) -> Iterator[Sighting]:
    """Sightings from a JSON Lines stream (or one JSON array); bad lines are counted, not fatal."""
    first = stream.peek(1)[:1] if hasattr(stream, "peek") else b""
    if first == b"[":
        try:
            records = json.load(stream)
        except ValueError as exc:
            report.skip(f"the JSON array is malformed ({exc})")
            return
        lines: Iterator[tuple[int, object]] = enumerate(records, 1)
    else:
        lines = _json_lines(stream, report)
    for number, record in lines:
        try:
            yield parse_record(record, number)
        except ValueError as exc:
            report.skip(f"line {number}: {exc}")


def _json_lines(stream: IO[bytes], report: IngestReport) -> Iterator[tuple[int, object]]:
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError:
            report.skip(f"line {number}: not valid JSON")
