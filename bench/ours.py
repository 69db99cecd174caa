"""papers-bot's own figures, measured the way the baselines are, in the same run."""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from bench.baselines import _pct, _remove_db, _summary, children_cpu_s

ROOT = Path(__file__).resolve().parent.parent


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


def _env(db: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAPERS_"))}
    env.update(PAPERS_DB=str(db), **extra)
    return env


def ours_backfill(jsonl: Path, db: Path) -> dict:
    """`papers-bot ingest --file` into an empty store, as a user runs it; peak memory of the
    whole process tree (the writer and its parsers), sampled every 50 ms."""
    _remove_db(db)
    start, cpu = time.perf_counter(), children_cpu_s()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", "--source", "file", "--file", str(jsonl)],
        env=_env(db),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    cpu = children_cpu_s() - cpu
    output = proc.stdout.read()
    if proc.returncode:
        raise RuntimeError(f"papers-bot ingest failed:\n{output}")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    size = db.stat().st_size
    return {
        "total_s": seconds,
        "cpu_s": cpu,
        "peak_rss_mb": peak / 1024,
        "db_bytes": size,
        "db_over_input": size / jsonl.stat().st_size,
        "output": output.strip().splitlines()[-1],
    }


def ours_search(db: Path, queries: Sequence[str]) -> dict:
    """Top 10 through bot.core.search, as /papers and `papers-bot search` run it; warm."""
    from bot.core.search import search
    from bot.store import Store

    store = Store(db)
    for q in queries:
        search(store, q, limit=10)
    times, empty = [], 0
    for q in queries:
        t0 = time.perf_counter()
        result = search(store, q, limit=10)
        times.append(time.perf_counter() - t0)
        empty += not result.papers
    store.close()
    return {**_summary(times), "queries_with_no_hits": empty}


def ours_more_like_this(db: Path, samples: int = 200, seed: int = 5, warm: int = 100) -> dict:
    """More like this for `samples` papers spread over the store, as the button runs it.

    After `warm` other papers, so the common words' document counts are in memory as in a
    bot that has run for a while (bot.store.actions.DF_CACHE); rare words still go to disk.
    """
    import random

    from bot.core.similar import more_like_this
    from bot.store import Store

    store = Store(db)
    t0 = time.perf_counter()
    common = store.load_common_terms()  # as `papers-bot run` does at start
    load_s = time.perf_counter() - t0
    top = store.indexed_count()
    rng = random.Random(seed)
    picks = [store.get_n(rng.randint(1, top)) for _ in range(samples + warm)]
    items = [p for p in picks[warm:] if p]
    for item in filter(None, picks[:warm]):
        more_like_this(store, item)
    times, empty = [], 0
    for item in items:
        t0 = time.perf_counter()
        found = more_like_this(store, item)
        times.append(time.perf_counter() - t0)
        empty += not found
    store.close()
    return {
        **_summary(times),
        "papers_with_none_like_them": empty,
        "common_terms": common,
        "common_terms_load_s": load_s,
    }


def top_results(db: Path, queries: Sequence[str], k: int = 5) -> dict:
    """Ours beside plain bm25 for a few queries, to show what the ranking trades."""
    from bot.core import query as q
    from bot.core.search import search
    from bot.store import Store, fts
    from bot.store import db as db_module

    store = Store(db)
    con = sqlite3.connect(db)
    out = {}
    for text in queries:
        ours = [(p.paper.id, p.paper.title[:60]) for p in search(store, text, limit=k).papers]
        plain = con.execute(
            "SELECT p.id, substr(p.title, 1, 60) FROM papers_fts "
            f"JOIN papers p ON p.n = papers_fts.rowid & {db_module.N_OF_KEY} "
            "WHERE papers_fts MATCH ? "
            f"ORDER BY bm25(papers_fts, {fts.WEIGHTS}) LIMIT ?",
            (fts.match_expression(q.parse(text)), k),
        ).fetchall()
        matches = store.count_matches(q.parse(text))
        out[text] = {"matches": matches, "ours": ours, "bm25": [tuple(r) for r in plain]}
    store.close()
    con.close()
    return out


def ours_daily_ingest(db: Path, new: list[dict], seen: list[dict]) -> dict:
    """2,000 new + 20,000 unchanged re-seen papers through Store.upsert, on a copy."""
    from bot.core.models import IngestReport
    from bot.sources.files import parse_record
    from bot.store import Store

    work = Path(str(db) + ".ours-ingest.db")
    _remove_db(work)
    shutil.copyfile(db, work)
    store = Store(work)
    report = IngestReport()
    sightings = [parse_record(r) for r in [*new, *seen]]
    t0 = time.perf_counter()
    report = store.upsert(sightings)
    seconds = time.perf_counter() - t0
    store.db.execute("INSERT INTO papers_fts(papers_fts) VALUES('integrity-check')")
    store.close()
    _remove_db(work)
    return {"seconds": seconds, "added": report.added, "unchanged": report.unchanged}


def ours_slack(db: Path, commands: Sequence[str], in_flight: int = 20) -> dict:
    """`/papers` through the Slack emulator against a running `papers-bot run` on this store:
    ack and answer latency with `in_flight` commands outstanding, and the bot's memory."""
    sys.path.insert(0, str(ROOT))
    from tests.bot_process import BotProcess, bot_env
    from tests.slack_emulator import SlackEmulator

    log = Path(str(db) + ".bot.log")
    with SlackEmulator() as emu:
        bot = BotProcess(bot_env(emu, db), log_path=log)
        try:
            emu.wait_socket_connected(timeout=60)
            lock = threading.Lock()
            acks: list[float] = []
            answers: list[float] = []

            def one(text: str) -> None:
                url = emu.new_response_url()
                sent = time.perf_counter()
                eid = emu.send_slash_command(text=text, response_url=url)
                ack = emu.wait_ack(eid, timeout=30)
                emu.response_posts(timeout=30, url=url)
                done = time.perf_counter() - sent
                with lock:
                    acks.append(ack.latency)
                    answers.append(done)

            for text in commands[:10]:  # warm the page cache and the bot's threads
                one(text)
            acks.clear()
            answers.clear()
            with ThreadPoolExecutor(in_flight) as pool:
                list(pool.map(one, commands))
            rss = _tree_rss_kb(bot.proc.pid)
            anon = _status_kb(bot.proc.pid, "RssAnon")
            mapped = _status_kb(bot.proc.pid, "RssFile")
        finally:
            bot.stop()
    return {
        "commands": len(acks),
        "in_flight": in_flight,
        "ack_p50_s": statistics.median(acks),
        "ack_p99_s": _pct(acks, 99),
        "answer_p50_s": statistics.median(answers),
        "answer_p99_s": _pct(answers, 99),
        "bot_rss_mb": rss / 1024,
        # RssFile is the store's pages mapped for search: shared with the OS page cache and
        # dropped under memory pressure; RssAnon is the bot's own memory.
        "bot_rss_anon_mb": anon / 1024,
        "bot_rss_file_mb": mapped / 1024,
    }


def ours_digest(new: list[dict], people: Sequence[Sequence[str]]) -> dict:
    """The digest run's own code on the day's new papers and everyone's topics.

    `seconds` is `match_topics` called as the digest run calls it
    (bot.core.digest_run.NewPapers.gather: every distinct topic once, with bm25 relevance): the
    figure beside the baseline's one query per person. `seconds_shared_dms` is
    `NewPapers.digests_for` everyone, as the run chooses each DM (every topic a place,
    each paper once under its best topic). `cpu_s`
    is the matching's process time, less disturbed than wall time by other work on the
    machine; `gc_collections` the collections per generation during the matching.
    """
    import gc

    from bot.core import digest as d
    from bot.core.digest_run import NewPapers
    from bot.core.models import StoredPaper
    from bot.sources.files import parse_record

    now = datetime.now(UTC)
    stamp = now.isoformat()
    papers = [StoredPaper(parse_record(r).paper, first_seen=stamp) for r in new]
    persons = [
        d.PersonSettings("T1", f"U{i}", topics=tuple(topics)) for i, topics in enumerate(people)
    ]
    before = [g["collections"] for g in gc.get_stats()]
    t0, c0 = time.perf_counter(), time.process_time()
    relevance: dict = {}
    hits = d.match_topics(papers, {t for p in persons for t in p.topics}, relevance)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    collections = [g["collections"] - b for g, b in zip(gc.get_stats(), before, strict=True)]
    news = NewPapers(papers, hits, relevance, set())
    t1 = time.perf_counter()
    dms = [choice.digest for choice in news.digests_for(persons, now)]
    shared = time.perf_counter() - t1
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "gc_collections": collections,
        "seconds_shared_dms": shared,
        "distinct_topics": len(hits),
        "hits": sum(len(ids) for ids in hits.values()),
        "people_with_matches": sum(1 for p in persons if any(hits[t] for t in p.topics)),
        "people_with_dms": sum(1 for dm in dms if dm.count),
        # (person, topic) pairs with new papers of their own, and how many got one in the DM
        "topics_with_papers": sum(len(dict(dm.groups).keys() | dm.more.keys()) for dm in dms),
        "topics_served": sum(len(dm.groups) for dm in dms),
    }
