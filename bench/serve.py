"""`python -m bench.serve`: the running papers-bot on a big store (issue 14).

BENCH_N papers (default 1,000,000), files in BENCH_DIR (default bench/out). Measures, each
beside a baseline taken in the same run:

- search p50/p99 and the memory of a process that ran them, for each way of giving the search
  connection memory (SEARCH_MEMORY: the whole file mapped, as before; no map and a page cache);
- `/papers` ack and answer p50/p99 with 20 in flight through the Slack emulator against the real
  `papers-bot run` process, and its VmRSS split into RssAnon / RssFile / RssShmem;
- the same while `papers-bot ingest --file` imports IMPORT_N more papers into the store the bot
  serves (baseline: the same load, as many commands (at most 1,000), without the import);
- the daily ingest (2,000 new + 20,000 seen) on the big store beside a naive upsert.

`python -m bench.serve [search] [slack] [import] [ingest]` runs only those parts. Writes
bench/out/serve_<N>.json (serve_<N>_<parts>.json for some parts) and prints the figures.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import baselines, corpus, ours
from bench.baselines import _pct, _remove_db
from bench.report import write_json
from tests.bot_process import BotProcess, bot_env

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
# Ways of giving the search connection memory, as bot.store.db constants.
SEARCH_MEMORY = {
    "map of the whole file, 2 MB cache (before)": {
        "MMAP_BYTES": 8 * 1024**3,
        "SEARCH_CACHE_BYTES": 2 * MB,
        "SEARCHERS": 1,
    },
    "no map, 2 MB cache a connection (now)": {
        "MMAP_BYTES": 0,
        "SEARCH_CACHE_BYTES": 4 * MB,
        "SEARCHERS": 2,
    },
    "no map, 64 MB cache": {"MMAP_BYTES": 0, "SEARCH_CACHE_BYTES": 64 * MB, "SEARCHERS": 1},
}
# The running bot as it was before issue 14's serving changes, for the baseline in the same run.
BEFORE = {
    **{f"bot.store.db.{k}": v for k, v in SEARCH_MEMORY[next(iter(SEARCH_MEMORY))].items()},
    "bot.slack.work.ACK_WHEN_LISTENER_RETURNS": False,
}
PARTS = ("search", "slack", "import", "ingest")
IMPORT_N = 200_000
# Months of the papers imported beside the bot: older than the corpus, so ids never collide.
IMPORT_FIRST_MONTH = (2015, 1)
IMPORT_MONTHS = 60


def _status(pid: int | str = "self") -> dict[str, float]:
    """VmRSS, RssAnon, RssFile and RssShmem of a process, in MB, from /proc/<pid>/status."""
    want = ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM")
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":", 1)[0]
            if key in want:
                out[key] = int(line.split()[1]) / 1024
    return out


# -- search and memory, one child process per setting --------------------------------------


def _search_child(db: str, settings: list[dict], rounds: int) -> None:
    """In a fresh process: one Store per setting (bot.store.db's constants), the bench queries
    through bot.core.search as /papers runs them, the settings taking turns query by query (so
    each meets the same load on this shared machine), `rounds` times; each query's best time
    per setting over the rounds after the first, and the process's memory after the first
    round (200 queries: as a bot after 200 commands; one setting's alone if given one), on
    stdout as JSON."""
    import bot.store.db as store_db
    from bot.core.search import search
    from bot.store import Store

    queries = corpus.iter_queries()
    out: dict = {"at_start": _status()}
    stores = [Store(db) for _ in settings]
    best = [[float("inf")] * len(queries) for _ in settings]
    for r in range(rounds):
        for i, q in enumerate(queries):
            for k, store in enumerate(stores):
                for name, value in settings[k].items():
                    setattr(store_db, name, value)  # read when the search connection opens
                t0 = time.perf_counter()
                search(store, q, limit=10)
                took = time.perf_counter() - t0
                best[k][i] = min(best[k][i], took) if r else best[k][i]
        if r == 0:
            out["after_200"] = _status()
    print(json.dumps({**out, "best": best}))


def _child(db: Path, settings: list[dict], rounds: int) -> dict:
    argv = [sys.executable, "-m", "bench.serve", "search-child", str(db), str(rounds)]
    argv += [json.dumps(setting) for setting in settings]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def search_memory(db: Path, settings: dict = SEARCH_MEMORY, rounds: int = 4) -> dict:
    """Search p50/p99 of each setting, all in one process taking turns query by query, each
    query's best of `rounds` - 1 passes after a warm one; then each setting alone in a fresh
    process for its memory after the 200 queries."""
    names = list(settings)
    timed = _child(db, [settings[n] for n in names], rounds)
    out = {}
    for k, name in enumerate(names):
        alone = _child(db, [settings[name]], 1)
        out[name] = {
            "setting": settings[name],
            "p50_ms": statistics.median(timed["best"][k]) * 1000,
            "p99_ms": _pct(timed["best"][k], 99) * 1000,
            "memory_after_200_mb": alone["after_200"],
            "memory_at_start_mb": alone["at_start"],
        }
    return out


# -- /papers through the Slack emulator ----------------------------------------------------


class Bot(BotProcess):
    """`papers-bot run` (Socket Mode) on `db` against `emu`, its log in `<db>.serve.log`.

    With `patch` ({"module.NAME": value}), the same process with those constants set first
    (to compare settings in one run).
    """

    def __init__(self, emu, db: Path, patch: dict | None = None, prelude: str = ""):
        if patch or prelude:
            sets = "".join(
                f"import {k.rpartition('.')[0]}; {k} = {v!r}; " for k, v in (patch or {}).items()
            )
            argv = [
                sys.executable,
                "-c",
                f"import sys; {sets}{prelude + '; ' if prelude else ''}from bot.cli import main; "
                "sys.argv = ['papers-bot', 'run']; main()",
            ]
        else:
            argv = [sys.executable, "-m", "bot", "run"]
        log_path = Path(str(db) + ".serve.log")
        with log_path.open("ab") as log:
            log.write(b"--- papers-bot run, from bench.serve\n")
        self._log_start = log_path.stat().st_size
        super().__init__(bot_env(emu, db), log_path=log_path, argv=argv)

    def wait_warm(self, timeout: float = 300) -> float:
        """Wait until the bot has read the common terms for More like this (a pass over the
        whole index on a background thread at start, competing with commands for the CPU
        meanwhile); seconds waited."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            with self.log_path.open("rb") as f:
                f.seek(self._log_start)
                if b"common terms" in f.read():
                    return time.perf_counter() - t0
            if self.proc.poll() is not None:
                raise RuntimeError(f"papers-bot exited {self.proc.returncode}; see {self.log_path}")
            time.sleep(0.2)
        raise TimeoutError(f"papers-bot did not read its common terms in {timeout} s")


class Load:
    """`in_flight` senders, each sending `/papers QUERY` and waiting for its answer, in turn."""

    BUSY_OR_ERROR = ("busy", "went wrong", "try again")
    SEGMENT = 200

    def __init__(self, emu, queries: Sequence[str], in_flight: int = 20):
        self.emu, self.queries, self.in_flight = emu, list(queries), in_flight
        self.lock = threading.Lock()
        self.acks: list[float] = []
        self.answers: list[float] = []
        self.failed: list[str] = []
        self.sent = 0

    def one(self, text: str) -> None:
        url = self.emu.new_response_url()
        with self.lock:
            self.sent += 1
        t0 = time.perf_counter()
        try:
            eid = self.emu.send_slash_command(text=text, response_url=url)
            ack = self.emu.wait_ack(eid, timeout=30)
            body = self.emu.response_posts(timeout=60, url=url)[0]
        except TimeoutError as exc:
            with self.lock:
                self.failed.append(f"{text!r}: {exc}")
            return
        done = time.perf_counter() - t0
        answer = json.dumps(body).lower()
        with self.lock:
            self.acks.append(ack.latency)
            self.answers.append(done)
            refused = not body.get("blocks") or any(w in answer for w in self.BUSY_OR_ERROR)
            if refused and "no papers match" not in answer:
                self.failed.append(f"{text!r}: {answer[:120]}")

    def run(self, count: int | None = None, until: Callable[[], bool] | None = None) -> None:
        """`count` commands, or commands until `until()` is true, `in_flight` at a time.

        In rounds of SEGMENT commands with the emulator's record cleared between them: it
        keeps every answer posted and each wait scans them all, so over thousands of commands
        the emulator itself (in this process) would become what is measured."""
        done = 0
        while (count is None or done < count) and not (until is not None and until()):
            n = self.SEGMENT if count is None else min(self.SEGMENT, count - done)
            self._segment(n, until)
            self.emu.reset()
            done += n

    def _segment(self, count: int, until: Callable[[], bool] | None) -> None:
        taken = iter(range(10**9))
        lock = threading.Lock()

        def sender() -> None:
            while True:
                with lock:
                    i = next(taken)
                if i >= count or (until is not None and until()):
                    return
                with self.lock:
                    k = self.sent
                self.one(self.queries[k % len(self.queries)])

        with ThreadPoolExecutor(self.in_flight) as pool:
            for f in [pool.submit(sender) for _ in range(self.in_flight)]:
                f.result()

    def figures(self) -> dict:
        return {
            "commands": self.sent,
            "answered": len(self.answers),
            "failed": len(self.failed),
            "failures": self.failed[:5],
            "in_flight": self.in_flight,
            "ack_p50_ms": statistics.median(self.acks) * 1000,
            "ack_p99_ms": _pct(self.acks, 99) * 1000,
            "answer_p50_ms": statistics.median(self.answers) * 1000,
            "answer_p99_ms": _pct(self.answers, 99) * 1000,
        }


def slack(
    db: Path,
    queries: Sequence[str],
    patch: dict | None = None,
    in_flight: int = 20,
    prelude: str = "",
) -> dict:
    """200 `/papers` commands, `in_flight` at a time, after 10 to warm; then the bot's memory."""
    from tests.slack_emulator import SlackEmulator

    with SlackEmulator() as emu:
        bot = Bot(emu, db, patch, prelude)
        try:
            emu.wait_socket_connected(timeout=60)
            warm_s = bot.wait_warm()
            Load(emu, queries[:10], 1).run(10)
            load = Load(emu, queries, in_flight)
            load.run(len(queries))
            memory = _status(bot.proc.pid)
        finally:
            bot.stop()
    return {
        **load.figures(),
        "memory_mb": memory,
        "start_warm_up_s": warm_s,
        "patch": patch,
        "prelude": prelude,
    }


def import_file(path: Path, n: int = IMPORT_N) -> Path:
    """`n` snapshot lines of papers older than the corpus (ids never collide with it)."""
    stamp = path.with_name(path.name + ".n")
    if path.exists() and stamp.exists() and stamp.read_text() == str(n):
        return path
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for chunk in corpus.iter_records(
            n, seed=11, vocab_seed=1, first_month=IMPORT_FIRST_MONTH, n_months=IMPORT_MONTHS
        ):
            f.write("\n".join(map(corpus._ENCODE, chunk)) + "\n")
    os.replace(tmp, path)
    stamp.write_text(str(n))
    return path


def slack_beside_import(db: Path, extra: Path, queries: Sequence[str]) -> dict:
    """On a copy of the store: `/papers` with 20 in flight for as long as `papers-bot ingest
    --file extra` runs on the same file; then as many commands (at most 1,000) without it."""
    from tests.slack_emulator import SlackEmulator

    work = Path(str(db) + ".import.db")
    _remove_db(work)
    shutil.copyfile(db, work)
    try:
        with SlackEmulator() as emu:
            bot = Bot(emu, work)
            try:
                emu.wait_socket_connected(timeout=60)
                bot.wait_warm()
                Load(emu, queries[:10], 1).run(10)
                t0 = time.perf_counter()
                ingest = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bot",
                        "ingest",
                        "--source",
                        "file",
                        "--file",
                        str(extra),
                    ],
                    env=bot_env(emu, work),
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                during = Load(emu, queries)
                during.run(until=lambda: ingest.poll() is not None)
                import_s = time.perf_counter() - t0
                output = ingest.stdout.read().strip().splitlines()
                after = Load(emu, queries)
                after.run(min(during.sent, 1000))
                memory = _status(bot.proc.pid)
            finally:
                bot.stop()
        con = sqlite3.connect(work)
        count = con.execute("SELECT count(*) FROM papers").fetchone()[0]
        con.close()
    finally:
        _remove_db(work)
    return {
        "during": during.figures(),
        "without": after.figures(),
        "import_s": import_s,
        "import_exit": ingest.returncode,
        "import_output": output[-1:] if output else [],
        "papers_after": count,
        "memory_mb": memory,
    }


def daily_ingest(db: Path, jsonl: Path, base_db: Path) -> dict:
    """2,000 new + 20,000 seen through Store.upsert on a copy of the big store, beside a naive
    upsert (every column rewritten, FTS kept by triggers) on a raw-sqlite3 store of the corpus."""
    new, seen = baselines.daily_inputs(jsonl)
    if not base_db.exists():
        baselines.baseline_backfill(jsonl, base_db)
    return {
        "ours": ours.ours_daily_ingest(db, new, seen),
        "baseline": baselines.baseline_daily_ingest(base_db, new, seen),
    }


def store(n: int, out: Path, db: Path | None = None) -> tuple[Path, Path]:
    """The corpus of n papers and its store (`db`, default `serve_<n>.db`), built with
    `papers-bot ingest --file` if missing."""
    jsonl = corpus.generate(out / f"corpus_{n}.jsonl", n)
    db = db or out / f"serve_{n}.db"
    if not db.exists():
        ours.ours_backfill(jsonl, db)
    return jsonl, db


def run(n: int, out: Path, parts: Sequence[str] = PARTS, db: Path | None = None) -> dict:
    step = time.perf_counter()

    def say(what: str) -> None:
        print(f"[{time.perf_counter() - step:7.1f}s] {what}", flush=True)

    say(f"store of {n:,} papers")
    jsonl, db = store(n, out, db)
    queries = corpus.iter_queries()
    r: dict = {"n": n}
    if "search" in parts:
        say("search p50/p99 and memory, each setting in its own process")
        r["search_memory"] = search_memory(db)
    if "slack" in parts:
        say("/papers, 20 in flight: the settings before, then as shipped, twice in turn")
        for k in range(2):
            r[f"slack_before_{k}"] = slack(db, queries, patch=BEFORE)
            r[f"slack_{k}"] = slack(db, queries)
    if "import" in parts:
        say(f"/papers while {IMPORT_N:,} papers are imported beside it")
        extra = import_file(out / f"import_{IMPORT_N}.jsonl")
        r["beside_import"] = slack_beside_import(db, extra, queries)
    if "ingest" in parts:
        say("daily ingest")
        r["daily_ingest"] = daily_ingest(db, jsonl, out / f"baseline_{n}.db")
    say("done")
    return r


def table(r: dict) -> str:
    """The figures of `run` as lines of text, as docs/BENCHMARKS.md shows them."""
    lines = []
    for name, v in r.get("search_memory", {}).items():
        m = v["memory_after_200_mb"]
        lines.append(
            f"search {name}: p50 {v['p50_ms']:.2f} ms, p99 {v['p99_ms']:.2f} ms; after 200 "
            f"queries VmRSS {m['VmRSS']:.0f} MB (RssAnon {m['RssAnon']:.0f}, "
            f"RssFile {m['RssFile']:.0f})"
        )
    runs = [(k, v) for k, v in r.items() if k.startswith("slack")]
    if "beside_import" in r:
        runs += [(f"{k} import", r["beside_import"][k]) for k in ("during", "without")]
    for name, v in runs:
        m = v.get("memory_mb") or r["beside_import"]["memory_mb"]
        lines.append(
            f"{name}: {v['answered']}/{v['commands']} answered, {v['failed']} failed; ack p50 "
            f"{v['ack_p50_ms']:.1f} p99 {v['ack_p99_ms']:.1f} ms; answer p50 "
            f"{v['answer_p50_ms']:.0f} p99 {v['answer_p99_ms']:.0f} ms; VmRSS {m['VmRSS']:.0f} "
            f"MB (RssAnon {m['RssAnon']:.0f}, RssFile {m['RssFile']:.0f})"
        )
    if "beside_import" in r:
        b = r["beside_import"]
        lines.append(f"import beside the bot: {b['import_s']:.1f} s, {b['import_output']}")
    if "daily_ingest" in r:
        d = r["daily_ingest"]
        lines.append(
            f"daily ingest 2,000 new + 20,000 seen: ours {d['ours']['seconds']:.2f} s, naive "
            f"upsert {d['baseline']['seconds']:.2f} s"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if argv[:1] == ["search-child"]:
        _search_child(argv[1], [json.loads(a) for a in argv[3:]], rounds=int(argv[2]))
        return
    n = int(os.environ.get("BENCH_N", "1000000"))
    out = Path(os.environ.get("BENCH_DIR", ROOT / "bench" / "out"))
    parts = argv or PARTS
    results = run(n, out, parts)
    name = f"serve_{n}.json" if list(parts) == list(PARTS) else f"serve_{n}_{'-'.join(parts)}.json"
    path = write_json(out / name, results)
    print(table(results))
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
