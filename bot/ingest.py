"""Fetch from the sources and store, one source at a time: a failing source never stops the rest."""

import sys
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import utcnow
from bot.config import Settings
from bot.core.models import IngestReport
from bot.errors import SourceUnavailable
from bot.sources import arxiv, files, hf
from bot.sources.http import Fetcher, make_client
from bot.store import Store

FILE_BATCH = 20_000


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
    """Import a JSON Lines file in large transactions, with a progress bar on a terminal."""
    report = IngestReport()
    size = path.stat().st_size
    show = sys.stderr.isatty() if progress is None else progress
    with path.open("rb") as stream:
        batch = []
        with _progress(size, show) as bar:
            last = 0
            for sighting in files.read(stream, report):
                batch.append(sighting)
                if len(batch) >= FILE_BATCH:
                    report.merge(store.upsert(batch))
                    batch = []
                    bar.update(stream.tell() - last)
                    last = stream.tell()
            report.merge(store.upsert(batch))
            bar.update(size - last)
    return report


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


def today(now: datetime | None = None) -> str:
    return (now or utcnow()).date().isoformat()
