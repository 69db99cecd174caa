"""The paper store: papers merged across sources, popularity over time, daily lists, FTS5.

Every method opens its own short transaction. Each thread gets its own connection, so
Bolt's worker threads and the scheduler can read in parallel while one of them writes (WAL).
"""

import fcntl
import queue
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from bot.clock import iso, utcnow
from bot.core import text
from bot.core.models import IngestReport, Paper, Sighting, StoredPaper
from bot.core.query import Query
from bot.errors import StoreDamaged, StoreError, StoreFull
from bot.store.actions import ActionsMixin
from bot.store.digests import DigestsMixin
from bot.store.fts import FIELD_TEXT, INDEXED_SQL, any_word, literal_words, match_expression
from bot.store.fts import FIELDS as FTS_FIELDS
from bot.store.fts import WEIGHTS as FTS_WEIGHTS
from bot.store.rows import COUNT_FIELDS, TEXT_FIELDS, stored_of
from bot.store.rows import SELECT_PAPER as _SELECT
from bot.store.schema import migrations
from bot.store.topics import TopicsMixin
from bot.store.workspaces import WorkspacesMixin

# A wire row: id, the text fields, the counts, then where and how it was seen.
WIRE = ("id", *TEXT_FIELDS, *COUNT_FIELDS, "source", "day", "position", "list_name")
_SOURCE = WIRE.index("source")
_COUNTS = WIRE.index(COUNT_FIELDS[0])
# A new paper's row: its wire row up to the source, then when it was first stored.
INSERT_COLUMNS = (*WIRE[:_SOURCE], "first_seen")
NOT_NULL = {"title", "abstract", "authors", "keywords", "categories"}
# A title holding all the query's words as typed (not only their stems, not only an acronym's
# expansion) lifts its paper by this much (a share of it for some of the words): literal
# matches outrank expansion-only and stem-only ones (docs/BENCHMARKS.md, relevance).
LITERAL_LIFT = 1.0
MAX_LITERALS = 12
# Bumped whenever bot.core.text changes what is indexed: the index is then rebuilt at start.
INDEX_VERSION = "2"
# The index's rowid: days since 1970 of the publication date (else the day first stored),
# shifted left 32 bits, or'ed with n. "Newest matches" then follow the calendar.
_DAY = (
    "CASE WHEN published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
    "THEN julianday(substr(published, 1, 10)) END"
)
KEY = (
    f"((max(0, CAST(coalesce({_DAY}, julianday(substr(first_seen, 1, 10)), 2440587.5) "
    "- 2440587.5 AS INTEGER)) << 32) | n)"
)
N_OF_KEY = 4294967295  # key & N_OF_KEY = n
_INDEXED = f"{KEY}, {INDEXED_SQL}"
_FTS_COLUMNS = "rowid, " + ", ".join(FTS_FIELDS)
_REINDEX_FIELDS = ("title", "keywords", "abstract", "authors", "categories", "published")
# How many of the newest matches a query ranks (see Store.search; docs/BENCHMARKS.md).
SEARCH_WINDOW = 1000
# How many of those, best by bm25, are ranked with recency and popularity (and can be paged).
BLEND_POOL = 200
# The search connections' memory (docs/BENCHMARKS.md, "The running bot on a big store"): no map
# of the store file, and SQLite's usual page cache (2 MB) each. A map of the whole file made
# searches 20-40 % faster at a million papers, but each search reads its 200 best rows from
# anywhere in the papers table, so the map came to hold most of the file resident (814 MB
# after 200 searches, counted in the bot's VmRSS). A 64 MB cache was no faster than 2 MB:
# those rows are spread over the whole table (963 MB at a million papers).
MMAP_BYTES = 0
SEARCH_CACHE_BYTES = 4 * 1024**2  # shared out among the SEARCHERS connections
SEARCHERS = 2
# Bytes of pending index terms FTS5 buffers before writing a segment.
HASH_SIZE = 128 * 1024 * 1024
# Stay well under SQLite's host-parameter limit in IN (...) lists.
_CHUNK = 500


# SQLite primary result codes (an extended code keeps its primary one in the low byte).
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_NOTADB = 26


def damaged(path: str, detail: str) -> StoreDamaged:
    """The one line a person reads about a damaged store: which file, and the way out."""
    return StoreDamaged(
        f"The store {path} is damaged ({detail}). Stop papers-bot and restore it from a "
        'backup (README, "Backup and restore"); `papers-bot backup PATH` makes one.'
    )


def store_error(path: str, exc: sqlite3.DatabaseError) -> StoreError | None:
    """A StoreFull or StoreDamaged for SQLite's 'disk full' and 'damaged file' errors, else None."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc)
    if code == SQLITE_FULL or "disk is full" in text:
        return StoreFull(
            f"The disk holding the store {path} is full ({text}); what was stored before "
            "stays. Free some space and run it again."
        )
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or "malformed" in text:
        return damaged(path, text)
    return None


@contextmanager
def migration_lock(path: str) -> Iterator[None]:
    """Hold `<store>.lock` (an exclusive flock) while the schema is brought up to date.

    sqlite-utils' migrations run DDL through executescript, which commits as it goes, so a
    transaction cannot hold them together: several workers started on one store take turns
    here instead, and each after the first finds nothing left to apply.
    """
    if path == ":memory:":
        yield
        return
    with open(f"{path}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _row_of(paper: Paper) -> dict:
    """A paper's stored text fields; titles, abstracts, authors and keywords are cleaned
    (TeX decoded, normalised: bot.core.text.clean_field) whatever source they came from."""
    return {
        "title": text.clean_field(paper.title),
        "abstract": text.clean_field(paper.abstract, keep_lines=True),
        "authors": _cleaned_list(paper.authors),
        "keywords": _cleaned_list(paper.keywords),
        "categories": " ".join(paper.categories),
        "published": paper.published,
        "updated": paper.updated,
        "code_url": paper.code_url,
        "project_url": paper.project_url,
        "hf_url": paper.hf_url,
        "ai_summary": paper.ai_summary,
    }


def _cleaned_list(items: tuple[str, ...]) -> str:
    """Names or keywords, cleaned and joined by `, ` (one cleaning call for all: fast)."""
    joined = text.clean_field(", ".join(items))
    if ", ," in joined or joined.startswith(",") or joined.endswith(","):
        joined = ", ".join(part for part in joined.split(", ") if part.strip(" ,"))
    return joined


def _hyphenated(literal: str) -> str:
    words = literal.strip()
    return " " + words.replace(" ", "-") if " " in words else "-" + words


def wire(s: Sighting) -> tuple:
    """A sighting flattened to a tuple in WIRE order: cheap to pickle and to merge."""
    return (
        s.paper.id,
        *_row_of(s.paper).values(),
        s.upvotes,
        s.stars,
        s.comments,
        s.source,
        s.day,
        s.position,
        s.list_name,
    )


_FTS_SOURCES = tuple(WIRE.index(field) for field in FTS_FIELDS)


def fts_values(row: tuple) -> tuple[str, ...]:
    """What the search index is given for a wire row, in FTS_FIELDS order: the same as
    `_INDEXED` makes of the row once stored. A backfill computes it where it parses, on the
    parsers' cores, and hands it to `upsert_rows(fts=...)`."""
    *words, categories = (row[i] for i in _FTS_SOURCES)
    return (*map(text.index_text, words), text.category_text(categories))


def _insert_row(merged: dict) -> tuple:
    return (
        merged["id"],
        *(merged.get(k) or ("" if k in NOT_NULL else None) for k in TEXT_FIELDS),
        *(merged.get(k) for k in COUNT_FIELDS),
        merged["first_seen"],
    )


def _merge(old: dict, row: tuple) -> dict:
    """`old` updated with what a wire row knows; a field it lacks never blanks a stored one."""
    merged = dict(old)
    for key, value in zip(TEXT_FIELDS, row[1 : 1 + len(TEXT_FIELDS)], strict=True):
        if value:
            merged[key] = value
    for key, value in zip(COUNT_FIELDS, row[_COUNTS:_SOURCE], strict=True):
        if value is not None:
            merged[key] = value
    return merged


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store(TopicsMixin, DigestsMixin, WorkspacesMixin, ActionsMixin):
    """Papers, their popularity over time, daily lists and people's topics, in one SQLite file."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()
        # SEARCHERS connections for searches, shared by all threads: a search holds one for
        # milliseconds (SQLite runs without the GIL, so two use both cores), and each keeps
        # one page cache however many threads search.
        self._searchers: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._searchers_made = 0
        self._search_lock = threading.Lock()
        with self.translating_errors(), migration_lock(self.path):
            migrations.apply(self.db)
            if self.index_is_stale():  # an import was interrupted before it rebuilt the index
                self.rebuild_index()

    @contextmanager
    def translating_errors(self) -> Iterator[None]:
        """Turn SQLite's 'disk full' and 'damaged file' errors into StoreFull / StoreDamaged."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            error = store_error(self.path, exc)
            if error is None:
                raise
            raise error from exc

    def check(self) -> None:
        """`PRAGMA quick_check` of the whole file; raises StoreDamaged naming the file.

        Every command runs it at start, so a damaged store is reported before it is used
        rather than half-way through an ingest or a digest.
        """
        with self.translating_errors():
            problems = [r[0] for r in self.db.execute("PRAGMA quick_check(3)").fetchall()]
        if problems != ["ok"]:
            detail = " ".join(" ".join(problems).split())  # quick_check's lines, as one
            raise damaged(self.path, detail if len(detail) <= 160 else detail[:159] + "…")

    def backup(self, target: str | Path) -> None:
        """Copy the store to the new file `target` with SQLite's online backup API.

        Safe while the bot runs: the copy is consistent as of one moment. Raises StoreFull
        when the target's disk fills (the partial copy is removed) and OSError when it
        cannot be created.
        """
        target = Path(target)
        dest = sqlite3.connect(target)
        try:
            with self.translating_errors():
                # In steps of 1,024 pages, so writers are never held up for long.
                self.db.conn.backup(dest, pages=1024)
        except StoreError:
            dest.close()
            target.unlink(missing_ok=True)
            raise
        dest.close()

    def mark(self, source: str, key: str) -> str | None:
        """How far `source` got for `key` (for arXiv: a category), or None before its first run."""
        row = self.db.execute(
            "SELECT value FROM source_marks WHERE source = ? AND key = ?", [source, key]
        ).fetchone()
        return row[0] if row else None

    def set_mark(self, source: str, key: str, value: str, now: datetime | None = None) -> None:
        with self.translating_errors(), self.db.conn:
            self.db.execute(
                "INSERT INTO source_marks VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE "
                "SET value = excluded.value, updated_at = excluded.updated_at",
                [source, key, value, iso(now or utcnow())],
            )

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        # Large pages pack ~1 KB paper rows with less waste; only a new file takes it.
        conn.execute("PRAGMA page_size=16384")
        # Lets a bulk import hand back the pages its index build freed (see rebuild_index).
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        # What the search index is given for each field (see bot.core.text and KEY).
        for function in set(FIELD_TEXT.values()):
            conn.create_function(function.__name__, 1, function, deterministic=True)
        return conn

    @property
    def db(self) -> Database:
        """This thread's connection (writes, and reads other than search)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = Database(self._connect())
        return db

    def _search_rows(self, sql: str, params: dict) -> list[dict]:
        conn = self._take_searcher()
        try:
            cursor = conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            self._searchers.put(conn)

    def _take_searcher(self) -> sqlite3.Connection:
        """A search connection: a free one, a new one while fewer than SEARCHERS exist, else
        the first one given back."""
        try:
            return self._searchers.get_nowait()
        except queue.Empty:
            pass
        with self._search_lock:
            if self._searchers_made < SEARCHERS:
                conn = self._connect()
                conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
                conn.execute(f"PRAGMA cache_size=-{SEARCH_CACHE_BYTES // SEARCHERS // 1024}")
                self._searchers_made += 1
                return conn
        return self._searchers.get()

    def _mark_index_stale(self) -> None:
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('index_stale', '1')")

    def index_is_stale(self) -> bool:
        """True when an import left the index unbuilt, or it was built by another version of
        bot.core.text (a contentless index can only be updated with what it was given)."""
        rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        return "index_stale" in rows or rows.get("index_version", INDEX_VERSION) != INDEX_VERSION

    def rebuild_index(self) -> None:
        """Rebuild the search index from the papers table in one pass (after a bulk import)."""
        with self.translating_errors():
            self._rebuild_index()

    def _rebuild_index(self) -> None:
        conn = self.db.conn
        config = "INSERT INTO papers_fts(papers_fts, rank) VALUES(?, ?)"
        self._mark_index_stale()
        # A large pending-terms buffer and no merging while building: fewer, larger segments,
        # each written once. At a million papers: 42 s against 65 s with the defaults.
        with conn:
            conn.execute(config, ("hashsize", HASH_SIZE))
            conn.execute(config, ("automerge", 0))
            conn.execute(config, ("crisismerge", 64))
        with conn:
            conn.execute("INSERT INTO papers_fts(papers_fts) VALUES('delete-all')")
            self._index_where("1")
            conn.execute(config, ("automerge", 4))
            conn.execute(config, ("crisismerge", 16))
            conn.execute("DELETE FROM meta WHERE key = 'index_stale'")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('index_version', ?)", [INDEX_VERSION])
        # Merges during the build leave free pages behind; give them back to the disk.
        # executescript steps it to the end; execute() would free a single page.
        conn.executescript("PRAGMA incremental_vacuum;")

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None
        with self._search_lock:
            while not self._searchers.empty():
                self._searchers.get_nowait().close()
                self._searchers_made -= 1

    # -- writing ---------------------------------------------------------------------------

    def upsert(
        self,
        sightings: Iterable[Sighting],
        now: datetime | None = None,
        *,
        index: bool = True,
        track: bool = True,
    ) -> IngestReport:
        """Store sightings in one transaction, merging each into the paper's existing row.

        An unchanged paper writes nothing: not its row, not its index entry, no observation.
        With `index=False` the search index is left for `rebuild_index()` (bulk imports).
        With `track` the report names each paper's outcome, so reports merged over several
        batches count each paper once. Raises StoreFull when the disk fills (this batch is
        rolled back; earlier batches stay) and StoreDamaged on a damaged file.
        """
        return self.upsert_rows([wire(s) for s in sightings], now, index=index, track=track)

    def upsert_rows(
        self,
        rows: list[tuple],
        now: datetime | None = None,
        *,
        index: bool = True,
        track: bool = False,
        fts: Sequence[tuple[str, ...]] | None = None,
    ) -> IngestReport:
        """`upsert` for sightings flattened by `wire()`, cheap to pass between processes.

        `fts`, when given, holds `fts_values(row)` for each row: a paper new to the store is
        then indexed with it, in the same transaction, without computing it again here.
        """
        with self.translating_errors():
            return self._upsert_rows(rows, now, index, track, fts)

    def _upsert_rows(
        self,
        rows: list[tuple],
        now: datetime | None,
        index: bool,
        track: bool,
        fts: Sequence[tuple[str, ...]] | None = None,
    ) -> IngestReport:
        report = IngestReport()
        conn = self.db.conn
        with conn:
            # Take the write lock first, then stamp no earlier than the last paper stored:
            # first_seen then never decreases along n, which first_since() relies on.
            conn.execute("BEGIN IMMEDIATE")
            (last,) = conn.execute(
                "SELECT max(first_seen) FROM papers WHERE n = (SELECT max(n) FROM papers)"
            ).fetchone()
            stamp = max(iso(now or utcnow()), last or "")
            ids = [r[0] for r in rows]
            existing = self._rows_by_id(ids)
            seen = Counter(ids)
            # The common case of a backfill: a paper new to the store, once in the batch.
            # Its wire row is already the insert row; no merging needed.
            is_fresh = [seen[r[0]] == 1 and r[0] not in existing for r in rows]
            fresh = [r for r, new in zip(rows, is_fresh, strict=True) if new]
            others = [r for r, new in zip(rows, is_fresh, strict=True) if not new]
            fresh_fts = None
            if fts is not None and index:
                fresh_fts = [v for v, new in zip(fts, is_fresh, strict=True) if new]
            observed = {
                r[0]: (stamp, r[_SOURCE], *r[_COUNTS:_SOURCE])
                for r in fresh
                if any(v is not None for v in r[_COUNTS:_SOURCE])
            }
            current = dict(existing)
            new_ids: list[str] = []
            touched: set[str] = set()
            for row in others:
                pid = row[0]
                base = current.get(pid)
                if base is None:
                    new_ids.append(pid)
                    base = {"id": pid, "first_seen": stamp}
                merged = _merge(base, row)
                if merged != base:
                    touched.add(pid)
                    if any(merged.get(k) != base.get(k) for k in COUNT_FIELDS):
                        counts = tuple(merged.get(k) for k in COUNT_FIELDS)
                        observed[pid] = (stamp, row[_SOURCE], *counts)
                current[pid] = merged
            if not index:
                self._mark_index_stale()
            inserts = [(*r[:_SOURCE], stamp) for r in fresh]
            inserts += [_insert_row(current[pid]) for pid in new_ids]
            self._insert_new(inserts, index, fresh_fts)
            changed = [pid for pid in touched if pid in existing]
            self._update_changed(existing, [current[pid] for pid in changed], index)
            conn.executemany(
                "INSERT OR REPLACE INTO popularity VALUES (?, ?, ?, ?, ?, ?)",
                [(pid, *values) for pid, values in observed.items()],
            )
            conn.executemany(
                "INSERT INTO listings VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE "
                "SET position = excluded.position WHERE position != excluded.position",
                [
                    (r[_SOURCE + 1], r[_SOURCE + 3], r[0], r[_SOURCE + 2])
                    for r in rows
                    if r[_SOURCE + 1] and r[_SOURCE + 2] is not None
                ],
            )
        report.added = len(fresh) + len(new_ids)
        report.changed = len(changed)
        report.unchanged = len(existing) - len(changed)
        report.seen = report.added + len(existing)
        if track:
            report.outcomes = {pid: "unchanged" for pid in existing}
            report.outcomes.update((pid, "changed") for pid in changed)
            report.outcomes.update((r[0], "added") for r in fresh)
            report.outcomes.update((pid, "added") for pid in new_ids)
        return report

    def _rows_by_id(self, ids: list[str]) -> dict[str, dict]:
        rows: dict[str, dict] = {}
        unique = list(dict.fromkeys(ids))
        for chunk in _chunks(unique):
            marks = ",".join("?" * len(chunk))
            cursor = self.db.execute(f"SELECT {_SELECT} FROM papers p WHERE id IN ({marks})", chunk)
            names = [d[0] for d in cursor.description]
            for values in cursor:
                row = dict(zip(names, values, strict=True))
                rows[row["id"]] = row
        return rows

    def _insert_new(
        self, rows: list[tuple], index: bool = True, fts: list[tuple[str, ...]] | None = None
    ) -> None:
        """Insert rows in INSERT_COLUMNS order, and index them unless `index` is False; the
        first len(fts) rows with what `fts` holds for them, the others from their columns."""
        if not rows:
            return
        conn = self.db.conn
        (before,) = conn.execute("SELECT coalesce(max(n), 0) FROM papers").fetchone()
        conn.executemany(
            f"INSERT INTO papers ({', '.join(INSERT_COLUMNS)}) "
            f"VALUES ({','.join('?' * len(INSERT_COLUMNS))})",
            rows,
        )
        if not index:
            return
        # One writer at a time, so the new rows are exactly those numbered after `before`,
        # in the order given.
        given = len(fts or ())
        if given:
            keys = conn.execute(
                f"SELECT {KEY} FROM papers WHERE n > ? AND n <= ? ORDER BY n",
                (before, before + given),
            ).fetchall()
            conn.executemany(
                f"INSERT INTO papers_fts ({_FTS_COLUMNS}) VALUES (?{', ?' * len(FTS_FIELDS)})",
                [(key, *values) for (key,), values in zip(keys, fts, strict=True)],
            )
        if given < len(rows):
            self._index_where("n > ?", (before + given,))

    def _index_where(self, where: str, params: tuple = (), command: str = "") -> None:
        """Index (or with command 'delete', unindex) the papers rows matching `where`, as they
        are now: a contentless index is told exactly what to forget."""
        column, verb = ("papers_fts, ", "'delete', ") if command else ("", "")
        self.db.conn.execute(
            f"INSERT INTO papers_fts ({column}{_FTS_COLUMNS}) "
            f"SELECT {verb}{_INDEXED} FROM papers WHERE {where}",
            params,
        )

    def _update_changed(self, existing: dict[str, dict], rows: list[dict], index: bool) -> None:
        conn = self.db.conn
        fields = (*TEXT_FIELDS, *COUNT_FIELDS)
        for row in rows:
            old = existing[row["id"]]
            reindex = index and any(row.get(k) != old.get(k) for k in _REINDEX_FIELDS)
            if reindex:
                self._index_where("n = ?", (old["n"],), command="delete")
            conn.execute(
                f"UPDATE papers SET {', '.join(f'{k} = ?' for k in fields)} WHERE n = ?",
                (*(row.get(k) for k in fields), old["n"]),
            )
            if reindex:
                self._index_where("n = ?", (old["n"],))

    # -- reading ---------------------------------------------------------------------------

    def first_since(self, since: datetime) -> int:
        """The smallest n of the papers first stored at or after `since` (max n + 1 if none).

        A binary search over n, which first_seen follows in order: a few point lookups in
        place of an index on first_seen.
        """
        moment = iso(since)
        (top,) = self.db.execute("SELECT coalesce(max(n), 0) FROM papers").fetchone()
        low, high = 1, top + 1
        sql = "SELECT first_seen FROM papers WHERE n >= ? ORDER BY n LIMIT 1"
        while low < high:
            middle = (low + high) // 2
            row = self.db.execute(sql, [middle]).fetchone()
            if row is None or row[0] >= moment:
                high = middle
            else:
                low = middle + 1
        return low

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM papers").fetchone()[0]

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """The subset of `ids` already stored."""
        found: set[str] = set()
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0] for r in self.db.execute(f"SELECT id FROM papers WHERE id IN ({marks})", chunk)
            )
        return found

    def get(self, paper_id: str) -> StoredPaper | None:
        row = self._rows_by_id([paper_id]).get(paper_id)
        return stored_of(row) if row else None

    def observations(self, paper_id: str) -> list[dict]:
        return list(
            self.db.query(
                "SELECT * FROM popularity WHERE paper_id = ? ORDER BY observed_at", [paper_id]
            )
        )

    def search(
        self, query: Query, limit: int, offset: int = 0, now: datetime | None = None
    ) -> list[tuple[StoredPaper, float]]:
        """Papers matching a parsed search, best first, as (StoredPaper, score) pairs.

        Stages keep common words fast: FTS5 walks the matches newest first by publication date
        (the index's rowid is a date key) and scores only the first SEARCH_WINDOW of them with
        bm25; the BLEND_POOL best of those are ranked by bm25 lifted by up to a quarter each
        for recency and popularity, and by up to LITERAL_LIFT for the share of the query's words
        as typed (`fts.literal_words`) the title holds at a word start. The score returned is
        the one ranked by. A query matching fewer papers than the window is ranked over all its
        matches. A query of filters only (`cat:cs.RO`) lists the newest matches first, score 0.
        """
        today = (now or utcnow()).date().isoformat()
        newest = query.filters_only
        literals = literal_words(query)[:MAX_LITERALS]
        params = {
            "match": match_expression(query),
            "today": today,
            "limit": limit,
            "offset": offset,
            "window": SEARCH_WINDOW,
            "pool": BLEND_POOL,
            "lift": LITERAL_LIFT / max(1, len(literals)),
            **{f"w{i}": word for i, word in enumerate(literals)},
            # Its hyphenated form: a word after a hyphen (`Self-Supervised` holds "-supervised"),
            # words in a row joined by hyphens (" chain-of-thought").
            **{f"h{i}": _hyphenated(word) for i, word in enumerate(literals)},
        }
        window = f"""
            SELECT rowid AS k, bm25(papers_fts, {FTS_WEIGHTS}) AS bm
            FROM papers_fts WHERE papers_fts MATCH :match
            ORDER BY rowid DESC LIMIT :window"""
        if newest:
            sql = f"""
                SELECT {_SELECT}, 0.0 AS score
                FROM ({window}) AS win JOIN papers p ON p.n = win.k & {N_OF_KEY}
                ORDER BY win.k DESC LIMIT :limit OFFSET :offset
            """
        else:
            # The title in lower case with a space in front: a word starts wherever " word" or
            # "-word" is found in it. (Replacing all punctuation by spaces cost 0.5 ms a query.)
            found = " + ".join(
                f"(instr(' ' || lower(p.title), :w{i}) + instr(lower(p.title), :h{i}) > 0)"
                for i in range(len(literals))
            )
            sql = f"""
                WITH pool AS (SELECT * FROM ({window}) ORDER BY bm LIMIT :pool)
                SELECT {_SELECT}, -pool.bm * (1
                    + 0.25 / (1 + max(0, julianday(:today) - julianday(coalesce(p.published,
                        substr(p.first_seen, 1, 10)))) / 180.0)
                    + 0.25 * (coalesce(p.upvotes, 0) + coalesce(p.stars, 0) / 10.0)
                        / (coalesce(p.upvotes, 0) + coalesce(p.stars, 0) / 10.0 + 50)
                    + :lift * ({found or "0"})) AS score
                FROM pool JOIN papers p ON p.n = pool.k & {N_OF_KEY}
                ORDER BY score DESC, pool.k DESC
                LIMIT :limit OFFSET :offset
            """
        return [(stored_of(row), row["score"]) for row in self._search_rows(sql, params)]

    def similar(
        self, words: list[str], exclude_id: str, window: int, pool: int
    ) -> list[tuple[StoredPaper, float]]:
        """Papers holding any of `words` but `exclude_id`, as (StoredPaper, relevance).

        The `pool` best by bm25 among the newest `window` matches, best first; relevance is
        −bm25 (higher is better). "More like this" (bot.core.similar) chooses the words.
        """
        sql = f"""
            WITH hits AS (
                SELECT * FROM (
                    SELECT rowid AS k, bm25(papers_fts, {FTS_WEIGHTS}) AS bm
                    FROM papers_fts WHERE papers_fts MATCH :match
                    ORDER BY rowid DESC LIMIT :window
                ) ORDER BY bm LIMIT :pool
            )
            SELECT {_SELECT}, -hits.bm AS relevance
            FROM hits JOIN papers p ON p.n = hits.k & {N_OF_KEY}
            WHERE p.id != :exclude ORDER BY hits.bm, hits.k DESC
        """
        params = {
            "match": any_word(words),
            "exclude": exclude_id,
            "window": window,
            "pool": pool + 1,
        }
        rows = self._search_rows(sql, params)
        return [(stored_of(row), row["relevance"]) for row in rows[:pool]]

    def count_matches(self, query: Query) -> int:
        """How many stored papers a parsed search matches."""
        sql = "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?"
        return self.db.execute(sql, [match_expression(query)]).fetchone()[0]

    def recent_with_growth(self, now: datetime, days: int = 3) -> list[StoredPaper]:
        """Papers published, listed or observed in the last `days`, with their 24-hour growth."""
        since = iso(now - timedelta(days=days))
        day_ago = iso(now - timedelta(days=1))
        sql = f"""
            SELECT {_SELECT} FROM papers p WHERE p.published >= substr(:since, 1, 10)
               OR p.id IN (SELECT paper_id FROM popularity
                           WHERE observed_at >= :since AND source != 'file')
               OR p.id IN (SELECT paper_id FROM listings WHERE day >= substr(:since, 1, 10))
        """
        rows = list(self.db.query(sql, {"since": since}))
        before: dict[str, dict] = {}
        for chunk in _chunks([r["id"] for r in rows]):
            marks = ",".join("?" * len(chunk))
            for obs in self.db.query(
                f"""SELECT paper_id, upvotes, stars, comments, max(observed_at)
                    FROM popularity WHERE observed_at <= ? AND paper_id IN ({marks})
                    GROUP BY paper_id""",
                [day_ago, *chunk],
            ):
                before[obs["paper_id"]] = obs
        return [stored_of(r, before.get(r["id"], {})) for r in rows]

    def latest_listing_day(self, list_name: str = "daily") -> str | None:
        sql = "SELECT max(day) FROM listings WHERE list = ?"
        return self.db.execute(sql, [list_name]).fetchone()[0]

    def listed_on(self, day: str, list_name: str = "daily") -> list[StoredPaper]:
        sql = f"""SELECT {_SELECT} FROM listings l JOIN papers p ON p.id = l.paper_id
                  WHERE l.day = ? AND l.list = ? ORDER BY l.position"""
        return [stored_of(r) for r in self.db.query(sql, [day, list_name])]

    def newest(self, limit: int) -> list[StoredPaper]:
        sql = f"SELECT {_SELECT} FROM papers p ORDER BY p.published DESC, p.n DESC LIMIT ?"
        return [stored_of(r) for r in self.db.query(sql, [limit])]
