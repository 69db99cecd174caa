"""The command line: help everywhere, ingest, search, and console mode as a real process."""

import json
import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.conftest import FIXTURES, HOSTILE, hf_item

COMMANDS = sorted(main.commands)


@pytest.fixture
def env(tmp_path, monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAPERS_DB", str(tmp_path / "papers.db"))
    # Nothing answers on port 9: live sources fail fast, as offline.
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("ARXIV_API_URL", "http://127.0.0.1:9/api/query")
    return tmp_path


def test_every_command_has_help():
    runner = CliRunner()
    assert runner.invoke(main, ["--help"]).exit_code == 0
    for name in COMMANDS:
        command = main.commands[name]
        assert command.help, f"{name} has no help text"
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag:
                assert param.help or param.show_default, f"{name} {param.name} lacks help"


def test_ingest_file_then_search_json(env):
    runner = CliRunner()
    result = runner.invoke(
        main, ["ingest", "--source", "file", "--file", str(FIXTURES / "arxiv_cs_sample_100.jsonl")]
    )
    assert result.exit_code == 0, result.output
    assert "100 new" in result.output
    result = runner.invoke(main, ["search", "language", "models", "--json", "--limit", "3"])
    data = json.loads(result.output)
    assert len(data["results"]) == 3
    assert set(data["results"][0]) >= {"id", "title", "url", "pdf", "code", "score"}


def test_search_table_and_bad_queries(env):
    runner = CliRunner()
    runner.invoke(main, ["ingest", "--file", str(FIXTURES / "arxiv_cs_sample_100.jsonl")])
    table = runner.invoke(main, ["search", "graph"])
    assert table.exit_code == 0 and "  1  " in table.output
    for text in HOSTILE:
        result = runner.invoke(main, ["search", "--", text])
        assert result.exit_code in (0, 1), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert len(result.output.strip().splitlines()) >= 1


def test_ingest_with_sources_down_says_which_and_keeps_rows(env):
    runner = CliRunner()
    runner.invoke(main, ["ingest", "--file", str(FIXTURES / "arxiv_cs_sample_100.jsonl")])
    result = runner.invoke(main, ["ingest"])
    assert "Hugging Face is unavailable" in result.output
    assert "arXiv is unavailable" in result.output
    assert result.exit_code == 1
    again = runner.invoke(main, ["search", "graph", "--json"])
    assert json.loads(again.output)["results"]


def test_ingest_hf_from_a_loopback_server(env, httpserver, seed_papers, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", httpserver.url_for(""))
    httpserver.expect_request("/api/daily_papers").respond_with_json(
        [hf_item(p, upvotes=10) for p in seed_papers]
    )
    result = CliRunner().invoke(main, ["ingest", "--source", "hf", "--date", "2026-11-27"])
    assert result.exit_code == 0, result.output
    assert "18 new" in result.output


def test_bad_arguments_are_one_line(env):
    runner = CliRunner()
    bad_date = runner.invoke(main, ["ingest", "--date", "yesterday"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    missing = runner.invoke(main, ["ingest", "--file", str(env / "nope.jsonl")])
    assert missing.exit_code == 1 and "No such file" in missing.output


def test_bad_environment_is_one_line(env, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xapp-wrong-kind")
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN must start with 'xoxb-'" in result.output
    assert "xapp-wrong-kind" not in result.output


def test_console_mode_answers_from_the_bundled_sample_offline(env):
    lines = ["/papers ocr", "/papers trending", *(f"/papers {t}" for t in HOSTILE[:8]), "/papers"]
    process = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    assert process.returncode == 0, process.stderr
    assert "loaded the bundled sample (48 papers)" in process.stderr
    assert "Hugging Face is unavailable" in process.stderr
    out = process.stdout
    assert out.index("1. PP-OCRv3") < out.index("Context Perception Parallel Decoder")
    assert "Trending papers · 2026-06-12" in out
    assert "Usage:" in out
    assert "Traceback" not in process.stderr + out
    # A second start finds the store filled and does not reload or refetch.
    again = subprocess.run(
        [sys.executable, "-m", "bot", "run"], input="", capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0 and "bundled sample" not in again.stderr


def test_digest_with_slack_unreachable_is_one_line(env, monkeypatch):
    from bot.store import Store

    store = Store(env / "papers.db")
    store.save_channel("T1", "C1", at="09:00", tz="UTC")
    store.close()
    runner = CliRunner()
    runner.invoke(main, ["ingest", "--file", str(FIXTURES / "arxiv_cs_sample_100.jsonl")])
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    result = runner.invoke(main, ["digest"])
    assert result.exit_code == 1
    assert "Cannot reach Slack at http://127.0.0.1:9/api/" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _serve_sources(httpserver, monkeypatch, seed_papers):
    """HF's daily and trending lists (the same 18 papers) and an export API, on loopback."""
    monkeypatch.setenv("HF_ENDPOINT", httpserver.url_for(""))
    monkeypatch.setenv("ARXIV_API_URL", httpserver.url_for("/api/query"))
    monkeypatch.setenv("PAPERS_ARXIV_CATEGORIES", "cs.CV")
    monkeypatch.setenv("PAPERS_ARXIV_DELAY", "0")
    httpserver.expect_request("/api/daily_papers").respond_with_json(
        [hf_item(p, upvotes=10) for p in seed_papers]
    )
    feed = (FIXTURES / "arxiv_api_2026-06-14_transformer_cs.LG.xml").read_text()
    httpserver.expect_request("/api/query").respond_with_data(
        feed.replace("<opensearch:totalResults>28946", "<opensearch:totalResults>5"),
        content_type="application/atom+xml",
    )


@pytest.mark.parametrize(
    ("args", "summary", "queries"),
    [
        ([], "23 papers seen: 23 new", 2),  # HF daily + trending, then arXiv
        (["--source", "hf"], "18 papers seen: 18 new", 0),
        (["--source", "arxiv"], "5 papers seen: 5 new", 1),
    ],
)
def test_ingest_with_a_date_and_every_source(
    env, httpserver, monkeypatch, seed_papers, args, summary, queries
):
    _serve_sources(httpserver, monkeypatch, seed_papers)
    result = CliRunner().invoke(main, ["ingest", "--date", "2026-11-28", *args])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(summary)
    arxiv = [r for r, _ in httpserver.log if r.path == "/api/query"]
    assert len(arxiv) == (1 if queries else 0)
    if arxiv:
        assert "submittedDate:[202611280000 TO 202611282359]" in arxiv[0].args["search_query"]
    daily = [r.args.get("date") for r, _ in httpserver.log if r.args.get("date")]
    assert daily == ([] if args == ["--source", "arxiv"] else ["2026-11-28"])


def test_an_hf_ingest_counts_papers_not_sightings(env, httpserver, monkeypatch, seed_papers):
    # With no date: yesterday's list, today's list and the trending list, 18 papers each.
    _serve_sources(httpserver, monkeypatch, seed_papers)
    result = CliRunner().invoke(main, ["ingest", "--source", "hf"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("18 papers seen: 18 new, 0 updated, 0 unchanged")
    assert len(httpserver.log) == 3


def test_a_file_that_holds_no_paper_exits_non_zero(env):
    readme = FIXTURES.parents[1] / "README.md"
    result = CliRunner().invoke(main, ["ingest", "--file", str(readme)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: Nothing imported from {readme}")
    assert "record(s) skipped (line 1: not valid JSON, …)" in lines[0]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["ingest", "--source", "file"], "--source file needs --file PATH"),
        (["ingest", "--source", "hf", "--file", "x.jsonl"], "--file goes with --source file"),
        (["ingest", "--file", "x.jsonl", "--date", "2026-11-28"], "--date goes with"),
        (["ingest", "--source", "nope"], "'nope' is not one of"),
    ],
)
def test_option_combinations_that_do_not_go_together_are_one_line(env, args, problem):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and problem in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_search_json_gives_every_field_in_the_order_shown(env):
    runner = CliRunner()
    runner.invoke(main, ["ingest", "--file", str(FIXTURES / "arxiv_cs_sample_100.jsonl")])
    data = json.loads(runner.invoke(main, ["search", "graph", "--json"]).output)
    first = data["results"][0]
    assert list(first) == [
        "id",
        "title",
        "authors",
        "published",
        "categories",
        "url",
        "pdf",
        "code",
        "hf",
        "score",
    ]
    assert isinstance(first["authors"], list) and first["authors"]
    assert isinstance(first["categories"], list) and first["categories"]
    scores = [r["score"] for r in data["results"]]
    table = runner.invoke(main, ["search", "graph"]).output.splitlines()
    assert len(table) == len(scores)
    for row, line in zip(data["results"], table, strict=True):
        assert row["id"] in line and row["published"] in line
        assert row["authors"][0][:19] in line


def test_search_by_id_or_link(env):
    runner = CliRunner()
    runner.invoke(main, ["ingest", "--file", str(FIXTURES / "arxiv_cs_sample_100.jsonl")])
    some = json.loads(runner.invoke(main, ["search", "graph", "--json"]).output)["results"][0]
    for text in (some["id"], f"https://arxiv.org/pdf/{some['id']}v2.pdf", f"arXiv:{some['id']}"):
        data = json.loads(runner.invoke(main, ["search", text, "--json"]).output)
        assert [r["id"] for r in data["results"]] == [some["id"]]
    missing = runner.invoke(main, ["search", "2606.99999"])  # sources offline (port 9)
    assert missing.exit_code == 1
    assert missing.output.startswith("Error: Cannot look up 2606.99999: Hugging Face is")
    assert len(missing.output.strip().splitlines()) == 1


def _damage(path) -> None:
    """Keep the header and the schema, overwrite a fifth of the pages in the middle.

    Before the check at start, such a store let `digest --dry-run` exit 0 and `search`
    print a 33-line traceback.
    """
    import sqlite3

    conn = sqlite3.connect(path)  # everything into the main file first
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for extra in ("-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    pages = len(data) // page
    first, last = pages // 2, pages * 7 // 10
    data[first * page : last * page] = bytes((i * 7) % 251 for i in range((last - first) * page))
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", "--source", "arxiv"],
        ["ingest", "--file", str(FIXTURES / "arxiv_cs_sample_100.jsonl")],
        ["digest", "--dry-run"],
        ["search", "graph"],
        ["backup", "copy.db"],
        ["run"],
    ],
)
def test_a_damaged_store_is_one_line_naming_the_file_and_the_way_out(env, args):
    runner = CliRunner()
    runner.invoke(main, ["ingest", "--file", str(FIXTURES / "arxiv_cs_sample_100.jsonl")])
    db = env / "papers.db"
    _damage(db)
    result = runner.invoke(main, args, input="")
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"Error: The store {db} is damaged")
    assert "restore it from a backup" in lines[0]
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_backup_copies_the_store_and_never_overwrites(env):
    runner = CliRunner()
    runner.invoke(main, ["ingest", "--file", str(FIXTURES / "arxiv_cs_sample_100.jsonl")])
    target = env / "backup.db"
    result = runner.invoke(main, ["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Backed up 100 papers from {env / 'papers.db'} to {target}" in result.output
    import sqlite3

    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM papers").fetchone()[0] == 100
    copy.close()
    again = runner.invoke(main, ["backup", str(target)])
    assert again.exit_code == 1 and "already exists" in again.output
    backups = env / "backups"
    backups.mkdir()
    for _ in range(3):  # within one second: each gets a name of its own
        into_dir = runner.invoke(main, ["backup", str(backups)])
        assert into_dir.exit_code == 0 and "papers-" in into_dir.output, into_dir.output
    assert len(list(backups.iterdir())) == 3
    nowhere = runner.invoke(main, ["backup", str(env / "no" / "such" / "x.db")])
    assert nowhere.exit_code == 1 and "no folder" in nowhere.output
    assert nowhere.exception is None or isinstance(nowhere.exception, SystemExit)


def test_backup_of_a_missing_store_says_so_and_creates_nothing(env, monkeypatch):
    monkeypatch.setenv("PAPERS_DB", str(env / "typo.db"))
    result = CliRunner().invoke(main, ["backup", str(env / "copy.db")])
    assert result.exit_code == 1 and "There is no store at" in result.output
    assert not (env / "typo.db").exists() and not (env / "copy.db").exists()


def test_disk_full_during_ingest_is_one_line_and_keeps_what_was_stored(env, monkeypatch):
    from bot.store import Store, db

    runner = CliRunner()
    runner.invoke(main, ["ingest", "--file", str(FIXTURES / "arxiv_cs_sample_100.jsonl")])
    connect = Store._connect

    def full_soon(self):  # SQLITE_FULL as a full disk gives it: the file cannot grow
        conn = connect(self)
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        conn.execute(f"PRAGMA max_page_count = {pages + 1}")
        return conn

    monkeypatch.setattr(Store, "_connect", full_soon)
    monkeypatch.setattr("bot.ingest.FILE_BATCH", 50)
    sample = FIXTURES.parents[1] / "tests" / "fixtures" / "hf_daily_papers_2026-06-12.json"
    result = runner.invoke(main, ["ingest", "--file", str(sample)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: The disk holding the store")
    assert "what was stored before stays" in lines[0]
    monkeypatch.setattr(Store, "_connect", connect)
    store = Store(env / "papers.db")
    store.check()
    assert store.count() == 100
    assert db.SQLITE_FULL == 13


def test_an_app_token_without_a_bot_token_is_one_line_not_the_console(env, monkeypatch):
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A1-1-abc")
    result = CliRunner().invoke(main, ["run"], input="/papers ocr\n")
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN (xoxb-…) is needed" in result.output
    assert "papers>" not in result.output
