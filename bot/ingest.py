"""Fetch from the sources and store, one source at a time: a failing source never stops the rest."""

import io
import itertools
import multiprocessing
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import IO

from bot.clock import utcnow
from bot.config import Settings
from bot.core.models import IngestReport, Paper
from bot.errors import SourceUnavailable
from bot.sources import arxiv, arxiv_rss, files, hf
from bot.sources.http import Fetcher, make_client
from bot.store import Store
from bot.store.db import fts_values, wire

# Papers a transaction of a file import: each makes one segment of the search index.
FILE_BATCH = 40_000
# Files this large are worth parsing in other processes, PARSERS of them.
CHILD_BYTES = 8 * 1024 * 1024
PARSERS = 2
# Lines per chunk sent to a parser: small enough that the chunks in flight stay a few MB.
CHUNK_LINES = 5_000


def ingest_hf(
    settings: Settings,
    store: Store,
    day: str | None = None,
    report: IngestReport | None = None,
    **kw,
) -> IngestReport:
    """The HF daily list of `day` (default: today and yesterday, UTC) and the trending list.

    Counts papers, not sightings: a paper on both days' lists and on the trending list is
    one paper. Raises SourceUnavailable; what was stored before stays, counted in `report`.
    """
    report = IngestReport() if report is None else report
    now = utcnow()
    days = [day] if day else [(now - timedelta(days=1)).date().isoformat(), now.date().isoformat()]
    with make_client(settings.hf_endpoint) as client:
        fetcher = Fetcher("Hugging Face", client, **kw)
        for d in days:
            for sightings in hf.fetch_daily(fetcher, d, report):
                report.merge(store.upsert(sightings, now))
        for sightings in hf.fetch_trending(fetcher, report):
            report.merge(store.upsert(sightings, now))
    return report


# A walk goes this many days below its high-water mark: papers submitted before the mark's day
# may be announced after it (held for moderation, or submitted just before a weekend).
MARK_MARGIN_DAYS = 3
MARK_SOURCE = "arxiv"


def ingest_arxiv(
    settings: Settings,
    store: Store,
    day: str | None = None,
    report: IngestReport | None = None,
    **kw,
) -> IngestReport:
    """The newest papers of each configured category, then the day's announcement feeds.

    Each category's export-API walk goes down to its own high-water mark (see
    `arxiv.walk`); the mark moves only after a walk that got every page. With `day`, the
    walk takes the papers submitted that day instead and leaves the marks alone. The
    announcement feeds (when `settings.arxiv_rss_url` is set) add the day's new papers,
    cross-lists and replacements; a feed that cannot be fetched is a note, since the walk
    has the new papers too. Raises SourceUnavailable when the export API fails.
    """
    report = IngestReport() if report is None else report
    with make_client() as client:
        fetcher = Fetcher("arXiv", client, **kw)
        for number, category in enumerate(settings.arxiv_categories):
            if number:
                fetcher.sleep(settings.arxiv_delay)
            _walk_category(settings, store, fetcher, category, day, report)
        if settings.arxiv_rss_url and day is None:
            feeds = Fetcher("arXiv announcements", client, **{**kw, "attempts": 2})
            for category in settings.arxiv_categories:
                fetcher.sleep(settings.arxiv_delay)
                try:
                    _announcement(settings, store, feeds, category, report)
                except SourceUnavailable as exc:
                    report.notes.append(f"{exc}; the export API walk stands in for it")
                    break
    return report


def _walk_category(
    settings: Settings,
    store: Store,
    fetcher: Fetcher,
    category: str,
    day: str | None,
    report: IngestReport,
) -> None:
    mark = None if day else store.mark(MARK_SOURCE, category)
    floor = None
    if mark:
        floor = (date.fromisoformat(mark) - timedelta(days=MARK_MARGIN_DAYS)).isoformat()
    progress = arxiv.Walk()
    pages = arxiv.walk(
        fetcher,
        settings.arxiv_api_url,
        arxiv.category_query(category, day),
        report,
        progress,
        floor=floor,
        max_pages=arxiv.CATCH_UP_PAGES if (mark or day) else arxiv.MAX_PAGES,
        delay=settings.arxiv_delay,
        label=category,
    )
    for sightings in pages:
        report.merge(store.upsert(sightings))
    report.notes.extend(progress.notes)
    if not day and progress.complete and progress.newest and progress.newest > (mark or ""):
        store.set_mark(MARK_SOURCE, category, progress.newest)


def _announcement(
    settings: Settings, store: Store, fetcher: Fetcher, category: str, report: IngestReport
) -> None:
    url = f"{settings.arxiv_rss_url.rstrip('/')}/{category}"
    announced = arxiv_rss.parse_feed(fetcher.get(url).content, category, report)
    known = store.known_ids([s.paper.id for s in announced.first + announced.replaced])
    # For a paper already stored the announcement adds only the day it was announced: the
    # feed's dates are announcements, and its category order need not put the primary first,
    # so neither replaces what the export API gave.
    first = [
        replace(s, paper=Paper(s.paper.id)) if s.paper.id in known else s for s in announced.first
    ]
    # A replacement updates a stored paper's text; one not stored is an old paper, which
    # the walk or a backfill brings.
    replaced = [
        replace(s, paper=replace(s.paper, categories=()))
        for s in announced.replaced
        if s.paper.id in known
    ]
    report.merge(store.upsert(first + replaced))


def ingest_file(store: Store, path: Path, progress: bool | None = None) -> IngestReport:
    """Import a JSON Lines file (or a JSON array) in transactions of about FILE_BATCH papers,
    with a progress bar on a terminal.

    A file of more than CHILD_BYTES of lines is parsed in PARSERS other processes while this
    one writes; they also compute what the search index is given (`fts_values`), so each
    batch is stored and indexed in one transaction on this process. An import cut short
    (kill -9, a full disk) keeps every batch before it, stored and searchable; running it
    again adds the rest. Raises StoreFull or StoreDamaged.
    """
    size = path.stat().st_size
    show = sys.stderr.isatty() if progress is None else progress
    with path.open("rb") as stream:
        lines = not stream.read(64).lstrip().startswith(b"[")  # a JSON array is read whole
    chunks = _parse_in_children(path) if lines and size > CHILD_BYTES else _parse_here(path)
    report = IngestReport()
    with _progress(size, show) as bar:
        last = 0
        for rows, fts, position in _batches(chunks, report):
            report.merge(store.upsert_rows(rows, fts=fts))
            bar.update(position - last)
            last = position
    return report


def _batches(chunks: Iterator[tuple], report: IngestReport) -> Iterator[tuple]:
    """Parsed chunks gathered into batches of at least FILE_BATCH rows: (rows, fts, position).

    One transaction a batch: the search index gets one segment each, so fewer, larger
    batches make fewer segments to merge; FILE_BATCH keeps the rows held in memory bounded.
    """
    rows: list[tuple] = []
    fts: list[tuple] = []
    position = 0
    for chunk_rows, chunk_fts, skipped, position in chunks:
        report.merge(skipped)
        rows += chunk_rows
        fts += chunk_fts
        if len(rows) >= FILE_BATCH:
            yield rows, fts, position
            rows, fts = [], []
    if rows:
        yield rows, fts, position


def _parse_rows(stream: IO[bytes], first_line: int = 1) -> Iterator[tuple]:
    """(wire rows, their fts_values, IngestReport of skipped lines) per CHUNK_LINES papers."""
    report = IngestReport()
    rows: list[tuple] = []
    for sighting in files.read(stream, report, first_line):
        rows.append(wire(sighting))
        if len(rows) >= CHUNK_LINES:
            yield rows, [fts_values(r) for r in rows], report
            rows, report = [], IngestReport()
    yield rows, [fts_values(r) for r in rows], report


def _parse_here(path: Path) -> Iterator[tuple]:
    """(wire rows, fts values, skipped, bytes read) chunks, parsed in this process."""
    with path.open("rb") as stream:
        for rows, fts, report in _parse_rows(stream):
            yield rows, fts, report, stream.tell()


def _parse_chunk(chunk: bytes, first_line: int) -> tuple[list[tuple], list[tuple], IngestReport]:
    rows: list[tuple] = []
    fts: list[tuple] = []
    report = IngestReport()
    for more_rows, more_fts, skipped in _parse_rows(io.BytesIO(chunk), first_line):
        rows += more_rows
        fts += more_fts
        report.merge(skipped)
    return rows, fts, report


def _parse_in_children(path: Path) -> Iterator[tuple]:
    """`_parse_here` spread over PARSERS processes, so parsing overlaps with writing.

    Chunks of lines go out in order and come back in order; only a few are in flight, so
    memory stays bounded however large the file.
    """
    # spawn, not fork: the bot may be running threads (scheduler, Slack) when it imports.
    context = multiprocessing.get_context("spawn")
    with context.Pool(PARSERS) as pool, path.open("rb") as stream:
        pending: deque = deque()
        line = 1
        while True:
            lines = list(itertools.islice(stream, CHUNK_LINES))
            if lines:
                task = pool.apply_async(_parse_chunk, (b"".join(lines), line))
                pending.append((task, stream.tell()))
                line += len(lines)
            if pending and (len(pending) > PARSERS or not lines):
                task, position = pending.popleft()
                yield (*task.get(), position)
            elif not lines:
                break


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass


def _progress(size: int, show: bool):
    if not show:
        return _NoBar()
    import click

    return click.progressbar(length=size, label="Importing", file=sys.stderr)


def ingest_sources(
    settings: Settings,
    store: Store,
    sources=("hf", "arxiv"),
    day: str | None = None,
    **kw,
) -> IngestReport:
    """Each source in turn; an unreachable one is reported in `failures` and skipped.

    `day` (YYYY-MM-DD) is the Hugging Face daily list of that day, and for arXiv the papers
    submitted that day. Counts are papers: one seen by both sources counts once. Raises
    StoreFull or StoreDamaged (what was stored before stays).
    """
    total = IngestReport()
    for name in sources:
        runner = {"hf": ingest_hf, "arxiv": ingest_arxiv}[name]
        try:
            runner(settings, store, day=day, report=total, **kw)
        except SourceUnavailable as exc:
            total.failures.append(str(exc))
    return total
