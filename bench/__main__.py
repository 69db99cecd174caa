"""`make bench`: papers-bot against baselines measured in the same run.

BENCH_N papers (default 100,000; the targets are for BENCH_N=1000000), files in BENCH_DIR
(default bench/out). Prints a table and writes bench/out/results_<N>.json.
BENCH_ONLY=backfill runs only the backfills and the bm25 search (the large sizes);
BENCH_SQLITE_UTILS=0 leaves out the sqlite-utils backfill (the slowest baseline at 2.3M).
Figures are also written to bench/out/partial_<N>.json after each step.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from bench import baselines, corpus, ours
from bench.report import write_json

# Which queries to show beside plain bm25: common words, a mid one, rare ones.
SHOWCASE = ("learning", "model training", "ocr", "diffusion video")


def _ms(seconds: float) -> float:
    return seconds * 1000


def run(n: int, out: Path, only: str = "") -> dict:
    out.mkdir(parents=True, exist_ok=True)
    jsonl = out / f"corpus_{n}.jsonl"
    step = time.perf_counter()

    def say(what: str) -> None:
        write_json(out / f"partial_{n}.json", {"raw": r})
        print(f"[{time.perf_counter() - step:7.1f}s] {what}", flush=True)

    r: dict = {"n": n}
    say(f"corpus of {n:,} papers")
    corpus.generate(jsonl, n)
    base_db, ours_db = out / f"baseline_{n}.db", out / f"ours_{n}.db"
    r["input_bytes"] = jsonl.stat().st_size
    say("backfill: baseline")
    r["backfill_baseline"] = baselines.baseline_backfill(jsonl, base_db)
    say("backfill: ours")
    r["backfill_ours"] = ours.ours_backfill(jsonl, ours_db)
    if os.environ.get("BENCH_SQLITE_UTILS", "1") != "0":
        say("backfill: sqlite-utils")
        utils_db = out / f"sqlite_utils_{n}.db"
        r["backfill_sqlite_utils"] = baselines.sqlite_utils_backfill(jsonl, utils_db)
        baselines._remove_db(utils_db)  # only its figures are kept: it is as large as the input
    queries = corpus.iter_queries()
    say("search")
    r["search_bm25"] = baselines.baseline_search_bm25(base_db, queries)
    r["search_ours"] = ours.ours_search(ours_db, queries)
    r["showcase"] = ours.top_results(ours_db, SHOWCASE)
    if only == "backfill":
        say("done")
        return r
    r["search_like"] = baselines.baseline_search_like(base_db, queries, order_by="update_date DESC")
    say("more like this")
    r["more_like_this"] = ours.ours_more_like_this(ours_db)
    say("daily ingest")
    new, seen = baselines.daily_inputs(jsonl)
    r["ingest_baseline"] = baselines.baseline_daily_ingest(base_db, new, seen)
    r["ingest_ours"] = ours.ours_daily_ingest(ours_db, new, seen)
    say("digest matching")
    people = baselines.make_people(100_000)
    r["digest_baseline"] = baselines.baseline_digest_per_person(new, people)
    r["digest_ours"] = ours.ours_digest(new, people)
    say("/papers through the Slack emulator")
    r["slack"] = ours.ours_slack(ours_db, queries)
    r["slack_one_at_a_time"] = ours.ours_slack(ours_db, queries[:100], in_flight=1)
    say("done")
    return r


def table(r: dict) -> list[dict]:
    b, o = r["backfill_baseline"], r["backfill_ours"]
    # Left out (BENCH_SQLITE_UTILS=0): its rows show "-".
    u = r.get("backfill_sqlite_utils") or {
        "total_s": 0,
        "cpu_s": 0,
        "peak_rss_mb": 0,
        "db_over_input": 0,
    }
    s, so = r["search_bm25"], r["search_ours"]
    lk = r.get("search_like")
    rows = [
        {
            "what": "search p50 (ms)",
            "ours": _ms(so["p50_s"]),
            "baseline": _ms(s["p50_s"]),
            "also": f"LIKE {_ms(lk['p50_s']):.0f}" if lk else "",
            "target": "<= 3",
        },
        {
            "what": "search p99 (ms)",
            "ours": _ms(so["p99_s"]),
            "baseline": _ms(s["p99_s"]),
            "also": f"LIKE {_ms(lk['p99_s']):.0f}" if lk else "",
            "target": "<= 30",
        },
        {
            "what": "backfill (s)",
            "ours": o["total_s"],
            "baseline": b["total_s"],
            "target": "<= 45 at 1M, <= 110 at 2.3M",
        },
        {
            "what": "backfill CPU, all processes (s)",
            "ours": o["cpu_s"],
            "baseline": b["cpu_s"],
            "also": f"sqlite-utils {u['cpu_s']:.1f}",
            "target": "",
        },
        {
            "what": "backfill (s) vs sqlite-utils",
            "ours": o["total_s"],
            "baseline": u["total_s"],
            "target": "",
        },
        {
            "what": "backfill peak memory (MB)",
            "ours": o["peak_rss_mb"],
            "baseline": b["peak_rss_mb"],
            "also": f"sqlite-utils {u['peak_rss_mb']:.0f}",
            "target": "<= 500 at 1M, <= 600 at 2.3M",
        },
        {
            "what": "store size / input",
            "ours": o["db_over_input"],
            "baseline": b["db_over_input"],
            "also": f"sqlite-utils {u['db_over_input']:.2f}",
            "target": "<= 1.5",
        },
    ]
    if "slack" not in r:  # BENCH_ONLY=backfill
        return rows
    sl = r["slack"]
    rows += [
        {
            "what": "More like this p50 (ms)",
            "ours": _ms(r["more_like_this"]["p50_s"]),
            "baseline": None,
            "target": "",
        },
        {
            "what": "More like this p99 (ms)",
            "ours": _ms(r["more_like_this"]["p99_s"]),
            "baseline": None,
            "target": "<= 50",
        },
        {
            "what": "/papers ack p99 (ms), 20 in flight",
            "ours": _ms(sl["ack_p99_s"]),
            "baseline": None,
            "target": "<= 300",
        },
        {
            "what": "/papers answer p99 (ms)",
            "ours": _ms(sl["answer_p99_s"]),
            "baseline": None,
            "target": "<= 500",
        },
        {
            "what": "/papers ack p50 (ms), one at a time",
            "ours": _ms(r["slack_one_at_a_time"]["ack_p50_s"]),
            "baseline": None,
            "target": "< 3000",
        },
        {
            "what": "/papers ack p99 (ms), one at a time",
            "ours": _ms(r["slack_one_at_a_time"]["ack_p99_s"]),
            "baseline": None,
            "target": "< 3000",
        },
        {
            "what": "daily ingest 2k new + 20k seen (s)",
            "ours": r["ingest_ours"]["seconds"],
            "baseline": r["ingest_baseline"]["seconds"],
            "target": "<= 1",
        },
        {
            "what": "digest matching 100k people (s)",
            "ours": r["digest_ours"]["seconds"],
            "baseline": r["digest_baseline"]["seconds"],
            "target": "<= 0.5",
        },
        {
            "what": "shared-out DMs chosen, 100k people (s)",
            "ours": r["digest_ours"]["seconds_shared_dms"],
            "baseline": None,
            "target": "",
        },
        {
            "what": "running bot memory, all resident (MB)",
            "ours": sl["bot_rss_mb"],
            "baseline": None,
            "target": "<= 250",
        },
        {
            "what": "  of which its own (RssAnon, MB)",
            "ours": sl["bot_rss_anon_mb"],
            "baseline": None,
            "target": "",
        },
        {
            "what": "  of which mapped store pages (MB)",
            "ours": sl["bot_rss_file_mb"],
            "baseline": None,
            "target": "",
        },
    ]
    return rows


def render(rows: list[dict]) -> str:
    head = ("what", "ours", "baseline", "ours/baseline", "target")
    lines = []
    for row in rows:
        ours_v, base = row["ours"], row["baseline"]
        ratio = f"{ours_v / base:.2f}x" if base else "-"
        base_text = "-" if base is None else f"{base:,.2f}"
        if row.get("also"):
            base_text += f" ({row['also']})"
        lines.append((row["what"], f"{ours_v:,.2f}", base_text, ratio, row["target"]))
    widths = [max(len(h), *(len(x[i]) for x in lines)) for i, h in enumerate(head)]
    fmt = " | ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    return "\n".join(
        [fmt.format(*head), "-+-".join("-" * w for w in widths)] + [fmt.format(*x) for x in lines]
    )


def main() -> None:
    n = int(os.environ.get("BENCH_N", "100000"))
    out = Path(os.environ.get("BENCH_DIR", Path(__file__).parent / "out"))
    results = run(n, out, os.environ.get("BENCH_ONLY", ""))
    rows = table(results)
    print()
    print(render(rows))
    print()
    for text, shown in results["showcase"].items():
        print(f"{text!r} ({shown['matches']:,} matches)")
        for (oid, otitle), (bid, btitle) in zip(shown["ours"], shown["bm25"], strict=False):
            print(f"   ours {oid} {otitle:<60}  bm25 {bid} {btitle}")
    path = write_json(out / f"results_{n}.json", {"raw": results, "table": rows})
    print(f"\nwrote {path}")
    if os.environ.get("BENCH_SERVE"):  # the running bot on this store: `python -m bench.serve`
        from bench import serve

        served = serve.run(n, out, db=out / f"ours_{n}.db")
        print(f"wrote {write_json(out / f'serve_{n}.json', served)}")
    print(json.dumps({"n": n}))


if __name__ == "__main__":
    main()
