"""Button clicks through the real `papers-bot run`: ack and answer times of More like this and
Save, clicked as Slack would (Socket Mode, the project's Slack emulator).

    .venv/bin/python -m bench.clicks bench/out/ours_100000.db   # a store `make bench` built

The store is copied first unless `--in-place` (a 1M store is 1.7 GB): Save writes to it.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.bot_process import BotProcess, bot_env
from tests.slack_emulator import SlackEmulator


def _pct(xs: list[float], p: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(len(xs) * p))]


def main(argv: list[str]) -> None:
    src = Path(argv[0])
    tmp = Path(tempfile.mkdtemp())
    db = src if "--in-place" in argv else tmp / "papers.db"
    if db != src:
        shutil.copy(src, db)
    con = sqlite3.connect(db)
    top = con.execute("SELECT max(n) FROM papers").fetchone()[0]
    rng = random.Random(3)
    sql = "SELECT id FROM papers WHERE n = ?"
    ids = [con.execute(sql, (rng.randint(1, top),)).fetchone()[0] for _ in range(50)]
    con.close()
    with SlackEmulator(team_id="T0001") as emu:
        emu.add_user("U1", tz="Europe/Paris", tz_offset=3600)
        bot = BotProcess(bot_env(emu, db), log_path=tmp / "bot.log")
        try:
            emu.wait_socket_connected(timeout=60)
            time.sleep(15)  # the bot reads common terms on a background thread at start
            for action in ("paper_more_like", "paper_save"):
                acks, answers = [], []
                for pid in ids:
                    url = emu.new_response_url()
                    t0 = time.monotonic()
                    eid = emu.send_block_action(action_id=action, value=pid, response_url=url)
                    acks.append(emu.wait_ack(eid, timeout=5).latency)
                    emu.response_posts(timeout=10, url=url)
                    answers.append(time.monotonic() - t0)
                print(
                    f"{action}: ack p50 {statistics.median(acks) * 1000:.1f} ms, "
                    f"p99 {_pct(acks, 0.99) * 1000:.1f} ms; answer p50 "
                    f"{statistics.median(answers) * 1000:.1f} ms, "
                    f"p99 {_pct(answers, 0.99) * 1000:.1f} ms"
                )
        finally:
            bot.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
