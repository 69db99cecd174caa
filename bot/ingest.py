"""Fetch from the sources and store, one source at a time: a failing source never stops the rest."""

import io
import itertools
import multiprocessing
import sys
from collections import deque
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from bot.clock import utcnow
from bot.config import Settings
from bot.core.models import IngestReport
from bot.errors import SourceUnavailable
from bot.sources import arxiv, files, hf
from bot.sources.http import Fetcher, make_client
from bot.store import Store
from bot.store.db import wire

FILE_BATCH = 20_000
# Files this large are backfills: index once at the end.
BULK_BYTES = 64 * 1024 * 1024
# Files this large are worth parsing in other processes, PARSERS of them.
CHILD_BYTES = 8 * 1024 * 1024
PARSERS = 2
# Lines per chunk sent to a parser: small enough that the chunks in flight stay a few MB.
CHUNK_LINES = 5_000


def ingest_hf(settings: Settings, store: Store, day: str | None = None, **kw) -> IngestReport:
    """The HF daily list of `day` (default: today and yesterday, UTC) and the trending list."""
    report = IngestReport()
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


def ingest_arxiv(settings: Settings, store: Store, **kw) -> IngestReport:
    """The newest papers in the configured categories, until already-stored ones."""
    report = IngestReport()
    with make_client() as client:
        fetcher = Fetcher("arXiv", client, **kw)
        pages = arxiv.fetch_newest(
            fetcher,
            settings.arxiv_api_url,
            settings.arxiv_categories,
            report,
            store.known_ids,
            delay=settings.arxiv_delay,
        )
        for sightings in pages:
            report.merge(store.upsert(sightings))
    return report


def ingest_file(store: Store, path: Path, progress: bool | None = None) -> IngestReport:
    """Import a JSON Lines file in large transactions, with a progress bar on a terminal.

    A backfill (into an empty store, or a file of more than BULK_BYTES) parses in other
    processes while this one writes, and builds the search index once at the end: several
    times faster than indexing as it goes.
    """
    size = path.stat().st_size
    bulk = size > BULK_BYTES or store.count() == 0
    show = sys.stderr.isatty() if progress is None else progress
    with path.open("rb") as stream:
        lines = not stream.read(64).lstrip().startswith(b"[")  # a JSON array is read whole
    parallel = bulk and lines and size > CHILD_BYTES
    batches = _parse_in_children(path) if parallel else _parse_here(path)
    report = IngestReport()
    with _progress(size, show) as bar:
        last = 0
        for rows, position in batches:
            if isinstance(rows, IngestReport):  # the parser's own tally of skipped lines
                report.merge(rows)
                continue
            report.merge(store.upsert_rows(rows, index=not bulk))
            bar.update(position - last)
            last = position
    if bulk:
        store.rebuild_index()
    return report


def _parse_here(path: Path) -> Iterator[tuple]:
    """(wire rows, bytes read) batches, then (IngestReport, size)."""
    report = IngestReport()
    with path.open("rb") as stream:
        batch = []
        for sighting in files.read(stream, report):
            batch.append(wire(sighting))
            if len(batch) >= FILE_BATCH:
                yield batch, stream.tell()
                batch = []
        yield batch, stream.tell()
    yield report, 0


def _parse_chunk(chunk: bytes, first_line: int) -> tuple[list[tuple], IngestReport]:
    report = IngestReport()
    rows = [wire(s) for s in files.read(io.BytesIO(chunk), report, first_line)]
    return rows, report


def _parse_in_children(path: Path) -> Iterator[tuple]:
    """`_parse_here` spread over PARSERS processes, so parsing overlaps with writing.

    Chunks of lines go out in order and come back in order; only a few are in flight, so
    memory stays bounded however large the file.
    """
    # spawn, not fork: the bot may be running threads (scheduler, Slack) when it imports.
    context = multiprocessing.get_context("spawn")
    report = IngestReport()
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
                rows, skipped = task.get()
                report.merge(skipped)
                yield rows, position
            elif not lines:
                break
    yield report, 0


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


def ingest_sources(settings: Settings, store: Store, sources=("hf", "arxiv"), **kw) -> IngestReport:
    """Each source in turn; an unreachable one is reported in `failures` and skipped."""
    total = IngestReport()
    for name in sources:
        runner = {"hf": ingest_hf, "arxiv": ingest_arxiv}[name]
        try:
            total.merge(runner(settings, store, **kw))
        except SourceUnavailable as exc:
            total.failures.append(str(exc))
    return total
