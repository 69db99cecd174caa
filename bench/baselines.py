"""Baseline measurements (raw sqlite3) that papers-bot's store is compared against."""

from __future__ import annotations

import gc
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from random import Random

from bench import corpus

TOKENIZE = corpus.TOKENIZE
BATCH = 10_000
COLUMNS = ("id", "title", "abstract", "authors", "categories", "update_date")
_ROOT = str(Path(__file__).resolve().parent.parent)


def _row(rec: dict) -> tuple:
    """Snapshot record -> papers row tuple in COLUMNS order."""
    return tuple(rec.get(c) for c in COLUMNS)


def _fts_query(text: str) -> str:
    """Each whitespace token double-quoted, so FTS5 syntax in user text is inert."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in text.split())


def _pct(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def _summary(samples: Sequence[float]) -> dict:
    return {
        "n": len(samples),
        "p50_s": statistics.median(samples),
        "p99_s": _pct(samples, 99),
        "mean_s": statistics.fmean(samples),
        "max_s": max(samples),
    }


def _remove_db(path: str | os.PathLike) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _connect(path: str | os.PathLike) -> sqlite3.Connection:
    # Autocommit mode: transactions are explicit so what is timed is unambiguous.
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    return con


def children_cpu_s() -> float:
    """CPU seconds (user + system) of this process's finished children and theirs: a figure
    that the other work on a shared machine changes less than wall time."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_kb() -> int:
    """Peak RSS of this process image in KiB.

    VmHWM is reset by exec; ru_maxrss is not on Linux (a child of a big parent reports the
    parent's size), so ru_maxrss is only the fallback.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# --- backfill -------------------------------------------------------------------------


def _backfill_inproc(jsonl_path: str, db_path: str) -> dict:
    """The backfill itself; run in a fresh process so peak RSS belongs to it alone."""
    rss_start = _peak_rss_kb()
    _remove_db(db_path)
    con = _connect(db_path)
    con.execute(
        "CREATE TABLE papers(id TEXT PRIMARY KEY, title, abstract, authors, categories, "
        "update_date)"
    )
    t0 = time.perf_counter()
    n = 0
    con.execute("BEGIN")
    with open(jsonl_path, encoding="utf-8") as f:
        batch = []
        for line in f:
            batch.append(_row(json.loads(line)))
            if len(batch) == BATCH:
                con.executemany("INSERT INTO papers VALUES (?,?,?,?,?,?)", batch)
                n += len(batch)
                batch = []
        if batch:
            con.executemany("INSERT INTO papers VALUES (?,?,?,?,?,?)", batch)
            n += len(batch)
    con.execute("COMMIT")
    t1 = time.perf_counter()
    con.execute(
        "CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, authors, "
        f"content='papers', content_rowid='rowid', tokenize='{TOKENIZE}')"
    )
    con.execute("INSERT INTO papers_fts(papers_fts) VALUES('rebuild')")
    t2 = time.perf_counter()
    # Fold the WAL back so the file size is the database, not the log.
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return {
        "rows": n,
        "insert_s": t1 - t0,
        "fts_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_rss_mb": _peak_rss_kb() / 1024,
        "start_rss_mb": rss_start / 1024,
    }


def baseline_backfill(
    jsonl_path: str | os.PathLike, db_path: str | os.PathLike, runner: str = "_backfill_inproc"
) -> dict:
    """Bulk load the corpus with raw sqlite3 + external-content FTS5 rebuild, in a fresh process
    (`runner` names another loader of this module to measure the same way)."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); "
        f"from bench.baselines import {runner}; "
        f"print(json.dumps({runner}(sys.argv[2], sys.argv[3])))"
    )
    t0, cpu = time.perf_counter(), children_cpu_s()
    proc = subprocess.run(
        [sys.executable, "-c", code, _ROOT, str(jsonl_path), str(db_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    cpu = children_cpu_s() - cpu
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    in_size = Path(jsonl_path).stat().st_size
    db_size = Path(db_path).stat().st_size
    res.update(
        {
            "wall_incl_process_s": wall,
            "cpu_s": cpu,
            "input_bytes": in_size,
            "db_bytes": db_size,
            "db_over_input": db_size / in_size,
        }
    )
    return res


def _sqlite_utils_inproc(jsonl_path: str, db_path: str) -> dict:
    """A naive bot's backfill: sqlite-utils `insert_all` of every record as parsed (every key a
    column, lists as JSON), then `enable_fts` with its defaults (unicode61, no porter)."""
    import sqlite_utils

    rss_start = _peak_rss_kb()
    _remove_db(db_path)
    db = sqlite_utils.Database(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    t0 = time.perf_counter()
    with open(jsonl_path, encoding="utf-8") as f:
        db["papers"].insert_all(map(json.loads, f), pk="id", batch_size=1000)
    t1 = time.perf_counter()
    db["papers"].enable_fts(["title", "abstract", "authors"])
    t2 = time.perf_counter()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    rows = db["papers"].count
    db.close()
    return {
        "rows": rows,
        "insert_s": t1 - t0,
        "fts_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_rss_mb": _peak_rss_kb() / 1024,
        "start_rss_mb": rss_start / 1024,
    }


def sqlite_utils_backfill(jsonl_path: str | os.PathLike, db_path: str | os.PathLike) -> dict:
    """`_sqlite_utils_inproc` in a fresh process, measured as `baseline_backfill` is."""
    return baseline_backfill(jsonl_path, db_path, runner="_sqlite_utils_inproc")


# --- search ---------------------------------------------------------------------------


def baseline_search_bm25(db_path: str | os.PathLike, queries: Sequence[str]) -> dict:
    """Top-10 FTS5 MATCH ordered by bm25, per query; warm (one untimed pass first)."""
    con = sqlite3.connect(db_path)
    sql = "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts) LIMIT 10"
    exprs = [_fts_query(q) for q in queries]
    for e in exprs:
        con.execute(sql, (e,)).fetchall()
    times, empty = [], 0
    for e in exprs:
        t0 = time.perf_counter()
        rows = con.execute(sql, (e,)).fetchall()
        times.append(time.perf_counter() - t0)
        empty += not rows
    con.close()
    return {**_summary(times), "queries_with_no_hits": empty}


def baseline_search_like(
    db_path: str | os.PathLike,
    queries: Sequence[str],
    sample: int = 20,
    order_by: str | None = None,
) -> dict:
    """Naive LIKE scan (title OR abstract per token, AND across tokens) on a query sample.

    Without order_by, LIMIT 10 stops at the first 10 hits, so any query with >= 10 matches
    is cheap; order_by (e.g. "update_date DESC") forces the full scan a ranked list needs.
    """
    con = sqlite3.connect(db_path)
    # An even spread over the list, so common, rare and multi-word queries all appear.
    picked = [queries[i * len(queries) // sample] for i in range(min(sample, len(queries)))]
    order = f" ORDER BY {order_by}" if order_by else ""
    times, empty = [], 0
    for q in picked:
        toks = q.split()
        where = " AND ".join("(title LIKE ? OR abstract LIKE ?)" for _ in toks)
        params = [p for t in toks for p in (f"%{t}%", f"%{t}%")]
        sql = f"SELECT rowid FROM papers WHERE {where}{order} LIMIT 10"
        t0 = time.perf_counter()
        rows = con.execute(sql, params).fetchall()
        times.append(time.perf_counter() - t0)
        empty += not rows
    con.close()
    return {**_summary(times), "queries_with_no_hits": empty, "order_by": order_by}


# --- daily ingest ---------------------------------------------------------------------


def daily_inputs(
    jsonl_path: str | os.PathLike,
    n_new: int = 2000,
    n_seen: int = 20_000,
    seed: int = 5,
    corpus_seed: int = 1,
) -> tuple[list[dict], list[dict]]:
    """(new, seen): new papers with ids past the corpus, and corpus lines re-seen unchanged."""
    new = corpus.iter_new_papers(n_new, seed=seed, corpus_seed=corpus_seed)
    with open(jsonl_path, encoding="utf-8") as f:
        total = sum(1 for _ in f)
    take = set(Random(f"seen-{seed}").sample(range(total), min(n_seen, total)))
    seen = []
    with open(jsonl_path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i in take:
                seen.append(json.loads(line))
    return new, seen


_TRIGGERS = """
CREATE TRIGGER papers_ai AFTER INSERT ON papers BEGIN
  INSERT INTO papers_fts(rowid, title, abstract, authors)
  VALUES (new.rowid, new.title, new.abstract, new.authors);
END;
CREATE TRIGGER papers_ad AFTER DELETE ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors)
  VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
END;
CREATE TRIGGER papers_au AFTER UPDATE ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors)
  VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
  INSERT INTO papers_fts(rowid, title, abstract, authors)
  VALUES (new.rowid, new.title, new.abstract, new.authors);
END;
"""


def baseline_daily_ingest(
    db_path: str | os.PathLike,
    new_rows: Iterable[dict],
    seen_rows: Iterable[dict],
    work_path: str | os.PathLike | None = None,
    check: bool = False,
) -> dict:
    """Naive upsert of new + re-seen rows touching every column, FTS kept in sync by triggers.

    Works on a copy (work_path, default `<db>.ingest.db`) so the backfilled db is reusable.
    """
    work = Path(work_path or str(db_path) + ".ingest.db")
    _remove_db(work)
    src = sqlite3.connect(db_path)
    src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    src.close()
    shutil.copyfile(db_path, work)
    con = _connect(work)
    con.executescript(_TRIGGERS)
    rows = [_row(r) for r in new_rows] + [_row(r) for r in seen_rows]
    sets = ", ".join(f"{c}=excluded.{c}" for c in COLUMNS[1:])
    sql = (
        f"INSERT INTO papers({', '.join(COLUMNS)}) VALUES (?,?,?,?,?,?) "
        f"ON CONFLICT(id) DO UPDATE SET {sets}"
    )
    before = con.execute("SELECT count(*) FROM papers").fetchone()[0]
    t0 = time.perf_counter()
    con.execute("BEGIN")
    con.executemany(sql, rows)
    con.execute("COMMIT")
    secs = time.perf_counter() - t0
    after = con.execute("SELECT count(*) FROM papers").fetchone()[0]
    res = {"rows": len(rows), "inserted": after - before, "seconds": secs}
    if check:
        # Raises if the external-content index drifted from the table.
        con.execute("INSERT INTO papers_fts(papers_fts) VALUES('integrity-check')")
        res["fts_integrity"] = "ok"
    con.close()
    return res


# --- digest ---------------------------------------------------------------------------


def make_people(
    n_people: int = 100_000, topics: Sequence[str] | None = None, seed: int = 4
) -> list[tuple[str, str, str]]:
    """Each person follows 3 distinct topics drawn from the 5,000-topic pool."""
    topics = list(topics if topics is not None else corpus.iter_topics())
    rng = Random(f"people-{seed}")
    return [tuple(rng.sample(topics, 3)) for _ in range(n_people)]


def _topics_query(topics: Iterable[str]) -> str:
    """Topics OR-ed; a multi-word topic needs all its (quoted) tokens."""
    parts = []
    for t in topics:
        q = _fts_query(t)
        parts.append(f"({q})" if " " in q else q)
    return " OR ".join(parts)


def baseline_digest_per_person(
    new_papers: str | os.PathLike | Sequence[dict],
    people_topics: Sequence[Sequence[str]],
    people: int | None = None,
) -> dict:
    """One FTS5 query per person over an in-memory index of the day's new papers.

    new_papers is a JSONL path or a list of records. `people` runs only the first N people
    (quick runs); seconds are then also extrapolated to the full list and flagged.
    """
    if isinstance(new_papers, (str, os.PathLike)):
        with open(new_papers, encoding="utf-8") as f:
            recs = [json.loads(line) for line in f]
    else:
        recs = list(new_papers)
    con = sqlite3.connect(":memory:")
    t0 = time.perf_counter()
    con.execute(
        f"CREATE VIRTUAL TABLE day USING fts5(id UNINDEXED, title, abstract, authors, "
        f"tokenize='{TOKENIZE}')"
    )
    con.executemany(
        "INSERT INTO day VALUES (?,?,?,?)",
        [(r["id"], r["title"], r["abstract"], r["authors"]) for r in recs],
    )
    build = time.perf_counter() - t0
    full = len(people_topics)
    run = people_topics[: people or full]
    exprs = [_topics_query(ts) for ts in run]
    matched = 0
    people_hit = 0
    gc.disable()  # the loop allocates only short-lived tuples
    try:
        t0 = time.perf_counter()
        for e in exprs:
            ids = con.execute("SELECT id FROM day WHERE day MATCH ?", (e,)).fetchall()
            matched += len(ids)
            people_hit += bool(ids)
        secs = time.perf_counter() - t0
    finally:
        gc.enable()
    con.close()
    res = {
        "papers": len(recs),
        "people": len(run),
        "index_build_s": build,
        "seconds": secs,
        "per_person_ms": secs / max(1, len(run)) * 1000,
        "matches": matched,
        "people_with_matches": people_hit,
    }
    if len(run) < full:
        res["seconds_extrapolated"] = secs * full / len(run)
        res["note"] = f"ran {len(run)} of {full} people; seconds_extrapolated scales linearly"
    return res
