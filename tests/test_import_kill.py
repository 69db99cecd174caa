"""A backfill killed with SIGKILL half-way: the store stays whole, and running it again completes.

The real `papers-bot ingest` process (with its parser processes), a real SQLite file.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from tests.conftest import FIXTURES

LINES = 12_000
BATCH = 1_000
# The real command line, with batches small enough that a kill falls between two of them.
RUN = (
    "import sys, bot.ingest as i; i.FILE_BATCH, i.CHUNK_LINES = {batch}, {chunk}; "
    "from bot.cli import main; sys.argv[0] = 'papers-bot'; main()"
)


def _snapshot(path):
    """LINES snapshot lines (about 21 MB, so the parser processes run): the real sample's 100
    papers again and again under new arXiv ids."""
    sample = [json.loads(x) for x in (FIXTURES / "arxiv_cs_sample_100.jsonl").open()]
    with path.open("w") as out:
        for k in range(LINES):
            record = dict(sample[k % len(sample)], id=f"2601.{k + 1:05d}")
            out.write(json.dumps(record) + "\n")


def _ingest(db, path, batch):
    env = {**os.environ, "PAPERS_DB": str(db)}
    env = {k: v for k, v in env.items() if not k.startswith("SLACK_")}
    code = RUN.format(batch=batch, chunk=batch // 2)
    return subprocess.Popen(
        [sys.executable, "-c", code, "ingest", "--source", "file", "--file", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its parsers are killed with it
    )


def _count(db) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute("SELECT count(*) FROM papers").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _checked(db) -> tuple[int, int]:
    """(papers, papers the index holds), after SQLite's and FTS5's own integrity checks."""
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    con.execute("INSERT INTO papers_fts(papers_fts) VALUES('integrity-check')")  # raises if not
    (papers,) = con.execute("SELECT count(*) FROM papers").fetchone()
    # Every paper has a cs category, so this token is in every indexed paper.
    (indexed,) = con.execute(
        "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'arxivcatcs'"
    ).fetchone()
    con.close()
    return papers, indexed


def test_a_killed_backfill_is_whole_and_completes_when_run_again(tmp_path):
    path, db = tmp_path / "snapshot.jsonl", tmp_path / "papers.db"
    _snapshot(path)
    proc = _ingest(db, path, BATCH)
    deadline = time.monotonic() + 120
    while _count(db) < 2 * BATCH and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the import ended before it could be killed half-way"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()

    papers, indexed = _checked(db)
    assert 0 < papers < LINES and papers % BATCH == 0  # whole batches only
    assert indexed == papers  # each batch stored and indexed together

    again = _ingest(db, path, 4 * BATCH)
    output, _ = again.communicate(timeout=180)
    assert again.returncode == 0, output
    assert f"{LINES} papers seen: {LINES - papers} new, 0 updated, {papers} unchanged" in output
    assert _checked(db) == (LINES, LINES)
