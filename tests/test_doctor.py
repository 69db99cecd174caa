"""`papers-bot doctor` against the Slack emulator and local stand-ins for the sources."""

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from bot.cli import main
from bot.slack.oauth import BOT_SCOPES
from bot.store import Store
from tests.slack_emulator import SlackEmulator


@pytest.fixture
def emu():
    with SlackEmulator(bot_token="xoxb-test", team_id="T0001") as e:
        e.add_channel("CIN", name="papers")
        e.add_channel("COUT", member=False, name="random")
        yield e


@pytest.fixture
def env(tmp_path, monkeypatch, emu, httpserver: HTTPServer):
    for name in (
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "SLACK_SIGNING_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAPERS_DB", str(tmp_path / "papers.db"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", emu.api_url)
    httpserver.expect_request("/api/daily_papers").respond_with_json([])
    monkeypatch.setenv("HF_ENDPOINT", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("ARXIV_API_URL", "http://127.0.0.1:9/api/query")  # nothing listens
    store = Store(tmp_path / "papers.db")
    store.save_channel("T0001", "CIN", "U1", enabled=1)
    store.save_channel("T0001", "COUT", "U1", enabled=1)
    return store


def test_doctor_says_what_is_fine_and_what_to_fix(emu, env):
    emu.bot_scopes = ",".join(s for s in BOT_SCOPES if s != "im:write")
    result = CliRunner().invoke(main, ["doctor"])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert lines[0].startswith("ok   store: ") and "schema 0011_saved_papers" in lines[0]
    assert lines[1].startswith("FAIL slack token: ") and "lacks im:write" in lines[1]
    assert lines[2] == "ok   channel CIN (T0001): the bot can post there"
    assert lines[3].startswith("FAIL channel COUT (T0001): I'm not in #random yet")
    assert lines[4].startswith("ok   source Hugging Face: ") and "answered 200" in lines[4]
    assert lines[5].startswith("FAIL source arXiv: ") and "unreachable" in lines[5]
    assert lines[-1] == "3 ok, 3 to fix."
    assert "Traceback" not in result.output


def test_doctor_with_a_revoked_token(emu, env):
    emu.revoke_token("xoxb-test")
    result = CliRunner().invoke(main, ["doctor"])
    assert "FAIL slack token: Slack rejected the token (token_revoked)" in result.output
