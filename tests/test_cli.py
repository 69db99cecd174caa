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
