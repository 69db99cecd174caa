"""Digest matching alone: `make bench`'s "digest matching" row, with its baseline, on its own.

`.venv/bin/python -m bench.digest_match [--people N] [--repeat R] [--baseline-people N]`

The same inputs as `make bench` (2,000 new papers, 100,000 people × 3 topics of the
5,000-topic pool) and the same functions (`bench.ours.ours_digest`, the digest run's own code;
`bench.baselines.baseline_digest_per_person`, one query per person). Ours runs `--repeat`
times in a fresh process (the first run compiles every topic; a long-lived bot has compiled
its people's topics before), then as many times again with a heap like the one the full
bench has built by then (its 20,000 re-seen records and the people, alive). Wall times are
noisy on a shared machine: compare the ratio to the baseline, and the CPU seconds.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from bench import baselines, corpus, ours


def _runs(new: list[dict], people: list, repeat: int) -> list[dict]:
    return [ours.ours_digest(new, people) for _ in range(repeat)]


def _line(label: str, runs: list[dict]) -> str:
    """The first run (topics not yet compiled in this process) apart from the later ones."""
    first, later = runs[0], runs[1:] or runs
    wall = [r["seconds"] for r in later]
    return (
        f"{label:<28} first run {first['seconds']:.3f} s (cpu {first['cpu_s']:.3f} s); "
        f"later runs min {min(wall):.3f} s, median {statistics.median(wall):.3f} s "
        f"(cpu min {min(r['cpu_s'] for r in later):.3f} s); gc collections "
        f"{first['gc_collections']}; DMs chosen {min(r['seconds_shared_dms'] for r in runs):.2f} s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.digest_match")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--baseline-people",
        type=int,
        default=None,
        help="the baseline for the first N people only, extrapolated (default: all; 0: none)",
    )
    args = parser.parse_args(argv)
    new = corpus.iter_new_papers(2000, seed=5)  # as baselines.daily_inputs gives make bench
    people = baselines.make_people(args.people)
    fresh = _runs(new, people, args.repeat)
    print(_line("ours, fresh process", fresh), flush=True)
    # What the full bench holds by the digest step: the re-seen records of the daily ingest.
    seen = [r for chunk in corpus.iter_records(20_000, seed=9) for r in chunk]
    tracked = len(gc.get_objects())
    heap = _runs(new, people, args.repeat)
    print(_line(f"ours, {tracked:,} objects alive", heap), flush=True)
    if args.baseline_people == 0:
        return
    t0 = time.perf_counter()
    base = baselines.baseline_digest_per_person(new, people, args.baseline_people)
    base_s = base.get("seconds_extrapolated", base["seconds"])
    note = f" ({base['note']})" if "note" in base else ""
    print(
        f"baseline, one query per person: {base_s:.2f} s{note}; "
        f"{time.perf_counter() - t0:.1f} s with its index build",
        flush=True,
    )
    best = min(r["seconds"] for r in fresh + heap)
    print(
        f"digest matching {args.people:,} people: ours {best:.3f} s (best of {2 * args.repeat}; "
        f"first run {fresh[0]['seconds']:.3f} s), "
        f"baseline {base_s:.2f} s, ratio {best / base_s:.3f}; target <= 0.5 s; "
        f"{fresh[-1]['distinct_topics']:,} topics, {fresh[-1]['hits']:,} hits, "
        f"{fresh[-1]['people_with_matches']:,} people with matches"
    )
    del seen


if __name__ == "__main__":
    main()
