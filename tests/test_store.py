"""The store on real SQLite files: merging, idempotent re-ingest, observations, listings."""

import sqlite3
from dataclasses import replace
from datetime import timedelta

from bot.core import query as q
from bot.core.models import Paper, Sighting
from bot.store import Store
from bot.store.schema import migrations
from tests.conftest import NOW


def _snapshot(path) -> dict:
    """Every row of every table, FTS shadow tables included."""
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    data = {t: sorted(map(repr, conn.execute(f"SELECT * FROM [{t}]"))) for t in tables}
    conn.close()
    return data


def test_schema_is_named_migrations_in_wal(store):
    names = [m.name for m in migrations.applied(store.db)]
    assert names[:2] == ["0001_papers", "0002_subscriptions"]
    assert all(name[:4].isdigit() and name[4] == "_" for name in names)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_reopening_applies_nothing_twice(tmp_path, seed_sightings):
    Store(tmp_path / "p.db").upsert(seed_sightings, NOW)
    again = Store(tmp_path / "p.db")
    assert again.count() == 18


def test_reingesting_the_same_payload_changes_nothing(store, seed_sightings):
    first = store.upsert(seed_sightings, NOW)
    assert (first.added, first.changed) == (18, 0)
    before = _snapshot(store.path)
    changes = store.db.conn.total_changes
    second = store.upsert(seed_sightings, NOW + timedelta(hours=1))
    assert (second.added, second.changed, second.unchanged) == (0, 0, 18)
    assert store.db.conn.total_changes == changes  # no row written, no index entry touched
    assert _snapshot(store.path) == before


def test_a_source_lacking_a_field_never_blanks_it(store):
    full = Sighting(
        Paper("2206.03001", "PP-OCRv3", "An OCR system.", ("Chenxia Li",), code_url="https://g/x"),
        "file",
        stars=1900,
    )
    store.upsert([full], NOW)
    sparse = Sighting(Paper("2206.03001v2", updated="2026-11-01"), "arxiv")
    assert sparse.paper.id == "2206.03001v2"  # the store is given normalised ids by parsers
    store.upsert([Sighting(replace(sparse.paper, id="2206.03001"), "arxiv")], NOW)
    stored = store.get("2206.03001")
    assert stored.paper.title == "PP-OCRv3"
    assert stored.paper.code_url == "https://g/x"
    assert stored.paper.updated == "2026-11-01"
    assert stored.popularity.stars == 1900
    assert store.count() == 1


def test_changed_text_is_reindexed(store):
    store.upsert([Sighting(Paper("2301.00001", "Old words here"), "file")], NOW)
    store.upsert([Sighting(Paper("2301.00001", "Fresh title"), "file")], NOW)
    assert store.count_matches(q.parse("fresh")) == 1
    assert store.count_matches(q.parse("old")) == 0
    store.db.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES('integrity-check', 1)")


def test_popularity_is_recorded_only_when_it_changes(store):
    paper = Paper("2606.13392", "MiniMax Sparse Attention")
    store.upsert([Sighting(paper, "hf", upvotes=10, stars=5)], NOW - timedelta(days=2))
    store.upsert([Sighting(paper, "hf", upvotes=10, stars=5)], NOW - timedelta(days=1, hours=1))
    store.upsert([Sighting(paper, "hf", upvotes=90, stars=5)], NOW)
    assert [o["upvotes"] for o in store.observations("2606.13392")] == [10, 90]
    (stored,) = [p for p in store.recent_with_growth(NOW) if p.paper.id == "2606.13392"]
    assert stored.popularity.upvotes == 90
    assert stored.popularity.upvotes_growth == 80  # against the value a day ago


def test_listing_positions_are_kept_per_day(store):
    paper = Paper("2606.13392", "MiniMax Sparse Attention")
    store.upsert([Sighting(paper, "hf", day="2026-11-27", position=3)], NOW)
    store.upsert([Sighting(paper, "hf", day="2026-11-27", position=1)], NOW)
    assert [p.paper.id for p in store.listed_on("2026-11-27")] == ["2606.13392"]
    rows = list(store.db.query("SELECT position FROM listings"))
    assert rows == [{"position": 1}]


def test_duplicates_within_one_batch_become_one_row(store):
    a = Sighting(Paper("2301.00001", "Title", "abstract"), "file")
    b = Sighting(Paper("2301.00001", "", "", ("Ann",)), "hf", upvotes=3)
    report = store.upsert([a, b], NOW)
    assert report.added == 1
    stored = store.get("2301.00001")
    assert (stored.paper.title, stored.paper.authors, stored.popularity.upvotes) == (
        "Title",
        ("Ann",),
        3,
    )


def test_first_seen_never_decreases_and_first_since_finds_the_boundary(store):
    def add(pid: str, when):
        store.upsert([Sighting(Paper(pid, f"Paper {pid}"), "file")], when)

    for day, pid in enumerate(["2601.00001", "2601.00002", "2601.00003", "2601.00004"]):
        add(pid, NOW + timedelta(days=day))
    add("2601.00005", NOW - timedelta(days=30))  # a writer whose clock lags behind
    stamps = [r["first_seen"] for r in store.db.query("SELECT first_seen FROM papers ORDER BY n")]
    assert stamps == sorted(stamps)
    assert store.first_since(NOW + timedelta(days=2)) == 3
    assert store.first_since(NOW - timedelta(days=1)) == 1
    assert store.first_since(NOW + timedelta(days=9)) == 6
    new = [p.paper.id for p in store.new_papers(NOW + timedelta(days=3))]
    assert new == ["2601.00004", "2601.00005"]


def test_a_full_disk_is_store_full_and_earlier_batches_stay(store, seed_sightings):
    import pytest

    from bot.errors import StoreFull

    store.upsert(seed_sightings[:5], NOW)
    (pages,) = store.db.execute("PRAGMA page_count").fetchone()
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # as a full disk: cannot grow
    big = [
        Sighting(Paper(f"2611.{i:05d}", f"Paper {i}", "word " * 2000), "file") for i in range(50)
    ]
    with pytest.raises(StoreFull, match=f"The disk holding the store {store.path} is full"):
        store.upsert(big, NOW)
    assert store.count() == 5  # the failed batch rolled back, the earlier one intact
    store.check()


def test_check_passes_a_healthy_store_and_marks_round_trip(store):
    store.check()
    assert store.mark("arxiv", "cs.CV") is None
    store.set_mark("arxiv", "cs.CV", "2026-06-11")
    store.set_mark("arxiv", "cs.CV", "2026-06-12")
    store.set_mark("arxiv", "cs.LG", "2026-06-10")
    assert store.mark("arxiv", "cs.CV") == "2026-06-12"
    assert store.mark("arxiv", "cs.LG") == "2026-06-10"


def test_backup_is_a_consistent_copy(store, seed_sightings, tmp_path):
    store.upsert(seed_sightings, NOW)
    store.backup(tmp_path / "copy.db")
    copy = Store(tmp_path / "copy.db")
    copy.check()
    assert copy.count() == 18 and copy.get("2206.03001").paper.title.startswith("PP-OCRv3")


def test_counts_are_papers_however_often_a_batch_holds_them(store, seed_sightings):
    from bot.core.models import IngestReport

    total = IngestReport()
    total.merge(store.upsert(seed_sightings + seed_sightings[:3], NOW))
    total.merge(store.upsert(seed_sightings, NOW))
    assert (total.seen, total.added, total.changed, total.unchanged) == (18, 18, 0, 0)
