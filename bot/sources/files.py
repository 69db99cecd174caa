"""File import: JSON Lines (or a JSON array) of papers in any of the shapes we know.

- the arXiv metadata snapshot (`id, title, abstract, authors, categories, update_date, versions`),
- Hugging Face daily-papers items (`paper{...}, numComments, ...`),
- the bundled sample (`arxiv_id, title, summary, authors[], published, github_repo`).
Streaming: a 2.3M-line snapshot never sits in memory.
"""

import json
from collections.abc import Iterator
from dataclasses import replace
from email.utils import parsedate_to_datetime
from typing import IO

import msgspec

from bot.core.models import IngestReport, Paper, Sighting, normalize_id
from bot.core.text import strip_affiliations
from bot.sources import hf

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def _authors_of(text: str) -> tuple[str, ...]:
    """`A, B and C` → (A, B, C), as the snapshot joins them; `(affiliations)` left out."""
    if "(" in text:
        text = strip_affiliations(text)
    if "\n" in text or "  " in text:
        text = " ".join(text.split())
    parts = text.replace(", and ", ", ").replace(" and ", ", ").split(", ")
    return tuple(p.strip() for p in parts if p.strip())


def _parsed_authors(parsed: object) -> tuple[str, ...]:
    """The snapshot's `authors_parsed` ([last, first, suffix], ...) → ("First Last Suffix", ...);
    () when absent or not in that shape. Affiliations never enter these names."""
    if not isinstance(parsed, list):
        return ()
    names = []
    for entry in parsed:
        if not isinstance(entry, list) or not entry or not all(isinstance(x, str) for x in entry):
            return ()
        last, first, suffix = (*entry, "", "")[:3]
        names.append(" ".join(" ".join((first, last, suffix)).split()))
    return tuple(n for n in names if n)


def _day_of(created: str) -> str:
    """`Mon, 2 Jun 2026 17:59:59 GMT` → `2026-06-02`, quickly; odd forms via email.utils."""
    try:
        _, day, month, year, *_ = created.split()
        return f"{int(year):04d}-{_MONTHS[month]:02d}-{int(day):02d}"
    except (ValueError, KeyError):
        return parsedate_to_datetime(created).date().isoformat()


def _published(record: dict) -> str | None:
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        try:
            return _day_of(str(versions[0].get("created", "")))
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
            authors=_parsed_authors(record.get("authors_parsed"))
            or _authors_of(str(record.get("authors") or "")),
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


def read(stream: IO[bytes], report: IngestReport, first_line: int = 1) -> Iterator[Sighting]:
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
        lines = _json_lines(stream, report, first_line)
    for number, record in lines:
        try:
            yield parse_record(record, number)
        except ValueError as exc:
            report.skip(f"line {number}: {exc}")


# msgspec's decoder: a snapshot line in 16 µs against the json module's 38 µs.
_decode = msgspec.json.Decoder().decode


def _json_lines(
    stream: IO[bytes], report: IngestReport, first_line: int = 1
) -> Iterator[tuple[int, object]]:
    for number, line in enumerate(stream, first_line):
        if not line.strip():
            continue
        try:
            yield number, _decode(line)
        except msgspec.DecodeError:
            report.skip(f"line {number}: not valid JSON")
