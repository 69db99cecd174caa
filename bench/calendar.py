"""Does the ranking follow the calendar, whatever order a backfill file lists its papers in?

`python -m bench.calendar` (BENCH_N papers, default 100,000; files in BENCH_DIR) imports the
bench corpus twice with `papers-bot ingest --source file`: as generated (oldest first) and with
its lines reversed (newest first, so older papers are stored last, as Kaggle's snapshot stores
its old-style `hep-th/...` ids last). It runs the bench's 200 queries on both stores and prints
how many get the same top 10, and the publication months of all the results in each.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench import corpus
from bench.baselines import _remove_db
from bench.ours import _env


def _ingest(jsonl: Path, db: Path) -> None:
    _remove_db(db)
    subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "--source", "file", "--file", str(jsonl)],
        env=_env(db),
        check=True,
        capture_output=True,
    )


def _tops(db: Path, queries: list[str]) -> dict[str, list[tuple[str, str]]]:
    from bot.core.search import search
    from bot.store import Store

    store = Store(db)
    out = {
        q: [(p.paper.id, p.paper.published or "") for p in search(store, q, 10).papers]
        for q in queries
    }
    store.close()
    return out


def main() -> None:
    n = int(os.environ.get("BENCH_N", "100000"))
    out = Path(os.environ.get("BENCH_DIR", "bench/out"))
    out.mkdir(parents=True, exist_ok=True)
    forward = out / f"corpus_{n}.jsonl"
    corpus.generate(forward, n)
    backward = out / f"corpus_{n}_reversed.jsonl"
    lines = forward.read_bytes().splitlines(keepends=True)
    backward.write_bytes(b"".join(reversed(lines)))
    tops = {}
    for name, jsonl in (("file oldest first", forward), ("file newest first", backward)):
        db = out / f"calendar_{n}_{jsonl.stem}.db"
        _ingest(jsonl, db)
        tops[name] = _tops(db, corpus.iter_queries())
        _remove_db(db)
    a, b = tops.values()
    same = sum(a[q] == b[q] for q in a)
    same_set = sum({i for i, _ in a[q]} == {i for i, _ in b[q]} for q in a)
    print(
        f"{n:,} papers, {len(a)} queries: same top 10 in the same order {same}, same set {same_set}"
    )
    for name, top in tops.items():
        months = sorted(pub[:7] for q in top for _, pub in top[q] if pub)
        print(
            f"{name}: publication month of the top-10 results: "
            f"median {statistics.median_low(months)}, "
            f"10th percentile {months[len(months) // 10]}"
        )


if __name__ == "__main__":
    main()
