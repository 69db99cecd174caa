"""The paper store: papers merged across sources, popularity over time, daily lists, FTS5.

Every method opens its own short transaction. Each thread gets its own connection, so
Bolt's worker threads and the scheduler can read in parallel while one of them writes (WAL).
"""

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from bot.clock import iso, utcnow
from bot.core.models import IngestReport, Paper, Popularity, Sighting, StoredPaper
from bot.store.schema import migrations
from bot.store.topics import TopicsMixin

TEXT_FIELDS = (
    "title",
    "abstract",
    "authors",
    "keywords",
    "categories",
    "published",
    "updated",
    "code_url",
    "project_url",
    "hf_url",
    "ai_summary",
)
COUNT_FIELDS = ("upvotes", "stars", "comments")
NOT_NULL = {"title", "abstract", "authors", "keywords", "categories"}
FTS_FIELDS = ("title", "keywords", "abstract", "authors")
# bm25 weights in FTS column order: a word in the title counts ten abstract words.
FTS_WEIGHTS = "10.0, 4.0, 1.0, 2.0"
PAPER_COLUMNS = ("n", "id", *TEXT_FIELDS, *COUNT_FIELDS, "first_seen")
_SELECT = ", ".join(f"p.{c}" for c in PAPER_COLUMNS)
# Stay well under SQLite's host-parameter limit in IN (...) lists.
_CHUNK = 500


def _row_of(paper: Paper) -> dict:
    return {
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": ", ".join(paper.authors),
        "keywords": ", ".join(paper.keywords),
        "categories": " ".join(paper.categories),
        "published": paper.published,
        "updated": paper.updated,
        "code_url": paper.code_url,
        "project_url": paper.project_url,
        "hf_url": paper.hf_url,
        "ai_summary": paper.ai_summary,
    }


def _split(text: str | None, sep: str) -> tuple[str, ...]:
    return tuple(part for part in (text or "").split(sep) if part)


def paper_of(row: dict) -> Paper:
    return Paper(
        id=row["id"],
        title=row["title"],
        abstract=row["abstract"],
        authors=_split(row["authors"], ", "),
        published=row["published"],
        updated=row["updated"],
        categories=_split(row["categories"], " "),
        code_url=row["code_url"],
        project_url=row["project_url"],
        hf_url=row["hf_url"],
        keywords=_split(row["keywords"], ", "),
        ai_summary=row["ai_summary"],
    )


def stored_of(row: dict, before: dict | None = None, score: float = 0.0) -> StoredPaper:
    """A StoredPaper from a papers row; `before` holds the counts a day earlier, if known."""
    now = {k: row.get(k) or 0 for k in COUNT_FIELDS}
    was = {k: (before or {}).get(k) or 0 for k in COUNT_FIELDS}
    popularity = Popularity(**now, **{f"{k}_growth": max(0, now[k] - was[k]) for k in COUNT_FIELDS})
    return StoredPaper(paper_of(row), popularity, row.get("first_seen", ""), score)


def _merge(old: dict, sighting: Sighting) -> dict:
    """`old` updated with what the sighting knows; a field it lacks never blanks a stored one."""
    merged = dict(old)
    for key, value in _row_of(sighting.paper).items():
        if value:
            merged[key] = value
    for key in COUNT_FIELDS:
        value = getattr(sighting, key)
        if value is not None:
            merged[key] = value
    return merged


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store(TopicsMixin):
    """Papers, their popularity over time, daily lists and people's topics, in one SQLite file."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()
        migrations.apply(self.db)

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            db = self._local.db = Database(conn)
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, sightings: Iterable[Sighting], now: datetime | None = None) -> IngestReport:
        """Store sightings in one transaction, merging each into the paper's existing row.

        An unchanged paper writes nothing: not its row, not its index entry, no observation.
        """
        stamp = iso(now or utcnow())
        batch = list(sightings)
        report = IngestReport(seen=len(batch))
        conn = self.db.conn
        with conn:
            existing = self._rows_by_id([s.paper.id for s in batch])
            current = dict(existing)
            new_ids: list[str] = []
            touched: set[str] = set()
            observed: dict[str, Sighting] = {}
            for sighting in batch:
                pid = sighting.paper.id
                base = current.get(pid) or {"id": pid, "first_seen": stamp}
                merged = _merge(base, sighting)
                if pid not in current:
                    new_ids.append(pid)
                if merged != base:
                    touched.add(pid)
                    if any(merged.get(k) != base.get(k) for k in COUNT_FIELDS):
                        observed[pid] = sighting
                current[pid] = merged
            self._insert_new([current[pid] for pid in new_ids], stamp)
            changed = [pid for pid in touched if pid in existing]
            self._update_changed(existing, [current[pid] for pid in changed], stamp)
            conn.executemany(
                "INSERT OR REPLACE INTO popularity VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (pid, stamp, s.source, *(current[pid].get(k) for k in COUNT_FIELDS))
                    for pid, s in observed.items()
                ],
            )
            conn.executemany(
                "INSERT INTO listings VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE "
                "SET position = excluded.position WHERE position != excluded.position",
                [
                    (s.day, s.list_name, s.paper.id, s.position)
                    for s in batch
                    if s.day and s.position is not None
                ],
            )
        report.added = len(new_ids)
        report.changed = len(changed)
        report.unchanged = len(set(existing)) - len(changed)
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

    def _insert_new(self, rows: list[dict], stamp: str) -> None:
        if not rows:
            return
        conn = self.db.conn
        (before,) = conn.execute("SELECT coalesce(max(n), 0) FROM papers").fetchone()
        columns = ("id", *TEXT_FIELDS, *COUNT_FIELDS, "first_seen", "changed_at")
        conn.executemany(
            f"INSERT INTO papers ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})",
            [
                (
                    r["id"],
                    *(r.get(k) or ("" if k in NOT_NULL else None) for k in TEXT_FIELDS),
                    *(r.get(k) for k in COUNT_FIELDS),
                    r["first_seen"],
                    stamp,
                )
                for r in rows
            ],
        )
        # One writer at a time, so the new rows are exactly those numbered after `before`.
        conn.execute(
            f"INSERT INTO papers_fts (rowid, {', '.join(FTS_FIELDS)}) "
            f"SELECT n, {', '.join(FTS_FIELDS)} FROM papers WHERE n > ?",
            (before,),
        )

    def _update_changed(self, existing: dict[str, dict], rows: list[dict], stamp: str) -> None:
        conn = self.db.conn
        fields = (*TEXT_FIELDS, *COUNT_FIELDS)
        for row in rows:
            old = existing[row["id"]]
            if any(row.get(k) != old.get(k) for k in FTS_FIELDS):
                conn.execute(
                    f"INSERT INTO papers_fts (papers_fts, rowid, {', '.join(FTS_FIELDS)}) "
                    f"VALUES ('delete', ?, ?, ?, ?, ?)",
                    (old["n"], *(old[k] for k in FTS_FIELDS)),
                )
                conn.execute(
                    f"INSERT INTO papers_fts (rowid, {', '.join(FTS_FIELDS)}) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (old["n"], *(row[k] for k in FTS_FIELDS)),
                )
            conn.execute(
                f"UPDATE papers SET {', '.join(f'{k} = ?' for k in fields)}, changed_at = ? "
                f"WHERE n = ?",
                (*(row.get(k) for k in fields), stamp, old["n"]),
            )

    # -- reading ---------------------------------------------------------------------------

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

    def search(self, match: str, limit: int, offset: int = 0, now: datetime | None = None):
        """Papers matching an FTS5 expression, best first, as (StoredPaper, score) pairs.

        The score is bm25 lifted by up to a quarter each for recency and popularity, so newer
        and more popular papers rise among comparably relevant ones.
        """
        today = (now or utcnow()).date().isoformat()
        sql = f"""
            SELECT {_SELECT}, -bm25(papers_fts, {FTS_WEIGHTS}) AS relevance
            FROM papers_fts JOIN papers p ON p.n = papers_fts.rowid
            WHERE papers_fts MATCH :match
            ORDER BY bm25(papers_fts, {FTS_WEIGHTS}) * (1
                + 0.25 / (1 + max(0, julianday(:today) - julianday(coalesce(p.published,
                    substr(p.first_seen, 1, 10)))) / 180.0)
                + 0.25 * (coalesce(p.upvotes, 0) + coalesce(p.stars, 0) / 10.0)
                    / (coalesce(p.upvotes, 0) + coalesce(p.stars, 0) / 10.0 + 50))
            LIMIT :limit OFFSET :offset
        """
        params = {"match": match, "today": today, "limit": limit, "offset": offset}
        return [(stored_of(row), row["relevance"]) for row in self.db.query(sql, params)]

    def count_matches(self, match: str) -> int:
        sql = "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?"
        return self.db.execute(sql, [match]).fetchone()[0]

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
