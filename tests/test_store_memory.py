"""The search connection's memory on a real SQLite file: its map of the store stays bounded."""

import os
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.core.models import Paper, Sighting
from bot.core.search import search
from bot.store import Store
from bot.store import db as store_db
from tests.conftest import NOW

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/statm").exists(), reason="resident memory is read from /proc"
)
WORDS = [f"w{i}x" for i in range(400)]


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """A store of 4,000 papers of random words (about 10 MB)."""
    path = tmp_path_factory.mktemp("memory") / "papers.db"
    rng = random.Random(4)
    store = Store(path)
    store.upsert(
        [
            Sighting(
                Paper(
                    f"2601.{i:05d}",
                    " ".join(rng.choices(WORDS, k=10)),
                    " ".join(rng.choices(WORDS, k=200)),
                    ("Ann Lee",),
                    published=f"2026-01-{1 + i % 28:02d}",
                ),
                "file",
            )
            for i in range(4000)
        ],
        NOW,
    )
    store.close()
    return path


def _resident_file_bytes() -> int:
    """This process's resident pages backed by files (libraries, maps), from /proc."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[2]) * os.sysconf("SC_PAGE_SIZE")


def _growth_after_searches(path: Path, monkeypatch, mmap: int) -> int:
    """The file-backed memory the process gained over 60 searches, in bytes."""
    monkeypatch.setattr(store_db, "MMAP_BYTES", mmap)
    store = Store(path)
    search(store, "w0x", limit=10)  # the code paths of a search, once, before measuring
    store.close()
    store = Store(path)
    start = _resident_file_bytes()
    for word in WORDS[:60]:
        assert search(store, word, limit=10).papers
    grown = _resident_file_bytes() - start
    store.close()
    return grown


def test_a_map_of_the_store_holds_the_pages_searches_touched(many, monkeypatch):
    assert _growth_after_searches(many, monkeypatch, 8 * 1024**3) > 4 * 1024**2


def test_searches_leave_no_store_pages_resident(many, monkeypatch):
    """The search connection reads through its own bounded page cache, not a map of the file
    (a map of the whole file grew to 813 MB resident at a million papers)."""
    assert _growth_after_searches(many, monkeypatch, store_db.MMAP_BYTES) < 512 * 1024


def test_searches_from_many_threads_answer_as_one_at_a_time(many):
    """Twelve threads share the search connections (bot.store.db.SEARCHERS) and each gets the
    answer a lone search gets."""
    store = Store(many)
    alone = {w: [p.paper.id for p in search(store, w, limit=10).papers] for w in WORDS[:24]}

    def ids(word: str) -> tuple[str, list[str]]:
        return word, [p.paper.id for p in search(store, word, limit=10).papers]

    with ThreadPoolExecutor(12) as pool:
        together = list(pool.map(ids, list(alone) * 3))
    store.close()
    assert len(together) == 72
    assert all(found == alone[word] for word, found in together)
    assert all(len(found) == 10 for found in alone.values())
