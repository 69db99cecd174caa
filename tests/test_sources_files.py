"""File import: the snapshot shape, HF items, the bundled sample; bad lines counted."""

import io
import json

from bot.core import query as q
from bot.core.models import IngestReport
from bot.ingest import ingest_file
from bot.sources import files
from tests.conftest import FIXTURES, SEED


def test_imports_real_snapshot_lines(store):
    report = ingest_file(store, FIXTURES / "arxiv_cs_sample_100.jsonl", progress=False)
    assert report.added == 100 and report.skipped == 0
    first = json.loads((FIXTURES / "arxiv_cs_sample_100.jsonl").open().readline())
    stored = store.get(first["id"])
    assert stored.paper.title == first["title"]
    assert stored.paper.categories == tuple(first["categories"].split())
    assert stored.paper.published == first["update_date"]


def test_snapshot_authors_are_split():
    assert files._authors_of("A. Smith, B. Jones and C. Wu") == ("A. Smith", "B. Jones", "C. Wu")
    assert files._authors_of("Solo Author") == ("Solo Author",)


def test_bad_lines_are_skipped_counted_and_reported(store, tmp_path):
    lines = (FIXTURES / "arxiv_cs_sample_100.jsonl").read_text().splitlines()[:3]
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join([lines[0], "{not json", '{"id": "2601.00001"}', "[1, 2]", lines[1], "", lines[2]])
    )
    report = ingest_file(store, path, progress=False)
    assert report.added == 3
    assert report.skipped == 3
    assert "line 2: not valid JSON" in report.summary()


def test_hf_items_and_the_sample_import_too(store):
    report = ingest_file(store, SEED, progress=False)
    assert report.added == 18
    hf_report = ingest_file(store, FIXTURES / "hf_daily_papers_2026-06-12.json", progress=False)
    assert hf_report.added + hf_report.changed == 30
    assert store.latest_listing_day() == "2026-06-12"


def test_reading_is_streaming():
    stream = io.BufferedReader(io.BytesIO(b'{"arxiv_id": "2101.00001", "title": "T"}\n' * 3))
    report = IngestReport()
    iterator = files.read(stream, report)
    assert next(iterator).paper.id == "2101.00001"


def test_backfill_parses_in_worker_processes(store, tmp_path, monkeypatch):
    import bot.ingest

    monkeypatch.setattr(bot.ingest, "CHILD_BYTES", 0)
    monkeypatch.setattr(bot.ingest, "FILE_BATCH", 30)  # several chunks in flight
    lines = (FIXTURES / "arxiv_cs_sample_100.jsonl").read_text().splitlines()
    lines.insert(40, "{broken")
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = ingest_file(store, path, progress=False)
    assert (report.added, report.skipped) == (100, 1)
    assert "line 41: not valid JSON" in report.summary()
    assert store.count_matches(q.parse("the")) > 50  # the index was built at the end
    assert not store.index_is_stale()


def test_an_interrupted_bulk_import_is_reindexed_on_open(tmp_path, seed_sightings):
    from bot.store import Store

    first = Store(tmp_path / "p.db")
    first.upsert(seed_sightings, index=False)  # rows in, index left for later, then "crash"
    assert first.index_is_stale() and first.count_matches(q.parse("ocr")) == 0
    first.close()
    reopened = Store(tmp_path / "p.db")
    assert not reopened.index_is_stale()
    assert reopened.count_matches(q.parse("ocr")) >= 1
