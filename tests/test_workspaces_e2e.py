"""End to end, many workspaces: the real `papers-bot run --http` installed by OAuth in two.

The bot runs with SLACK_CLIENT_ID/SECRET and no bot token; the emulator issues OAuth codes
and a bot token per workspace. Commands come in signed, as Slack sends them over HTTP.
"""

import json
import re
import sqlite3
import time
import urllib.parse

import httpx
import pytest

from bot.slack.oauth import BOT_SCOPES, NOT_INSTALLED
from tests.bot_process import SIGNING_SECRET, BotProcess, bot_env, command_body, free_port
from tests.slack_emulator import SlackEmulator, signed_headers

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret"


@pytest.fixture
def emu():
    with SlackEmulator() as e:
        e.client_id, e.client_secret = CLIENT_ID, CLIENT_SECRET
        e.add_user("U1", tz="Europe/Paris", tz_offset=3600)
        e.add_channel("C1", member=True)
        yield e


def oauth_env(emu, db, **extra) -> dict:
    env = bot_env(
        emu,
        db,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        **extra,
    )
    env.pop("SLACK_BOT_TOKEN")
    env.pop("SLACK_APP_TOKEN")
    return env


@pytest.fixture
def bot(emu, seeded, tmp_path):
    port = free_port()
    process = BotProcess(
        oauth_env(emu, seeded.path), "--http", "--port", str(port), log_path=tmp_path / "bot.log"
    )
    process.wait_http(port)
    yield process, f"http://127.0.0.1:{port}"
    process.stop()


def begin_install(base: str) -> tuple[str, str]:
    """GET /slack/install: the state in its Slack link, and the cookie it set."""
    page = httpx.get(f"{base}/slack/install")
    assert page.status_code == 200
    link = re.search(r'href="(https://slack.com/oauth/v2/authorize[^"]+)"', page.text).group(1)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link.replace("&amp;", "&")).query)
    assert CLIENT_ID in query["client_id"] and "chat:write" in query["scope"][0]
    cookie = page.headers["set-cookie"].split(";")[0]
    return query["state"][0], cookie


def redirect(base: str, code: str, state: str, cookie: str) -> httpx.Response:
    return httpx.get(
        f"{base}/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"Cookie": cookie},
    )


def install(emu, base: str, team: str, scope: str = ",".join(BOT_SCOPES), **grant) -> None:
    state, cookie = begin_install(base)
    code = emu.issue_oauth_code(team, f"Lab {team}", scope=scope, **grant)
    done = redirect(base, code, state, cookie)
    assert done.status_code == 200 and "is installed in Lab" in done.text, done.text


def installations(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT team_id, user_id FROM installations ORDER BY 1, 2").fetchall()


def command(emu, base: str, team: str, text: str) -> tuple[httpx.Response, str]:
    body, url = command_body(emu, text, team)
    answer = httpx.post(
        f"{base}/slack/events", content=body, headers=signed_headers(SIGNING_SECRET, body)
    )
    return answer, url


def ask(emu, base: str, team: str, text: str) -> str:
    response, url = command(emu, base, team, text)
    assert response.status_code == 200
    (answer,) = emu.response_posts(timeout=10, url=url)
    return answer["text"]


def event(base: str, team: str, payload: dict) -> httpx.Response:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": team,
            "api_app_id": "A0001",
            "event": payload,
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
        }
    ).encode()
    headers = {**signed_headers(SIGNING_SECRET, body), "Content-Type": "application/json"}
    return httpx.post(f"{base}/slack/events", content=body, headers=headers)


def test_two_workspaces_installed_apart_and_one_uninstalled(emu, bot, seeded):
    process, base = bot
    install(emu, base, "TA")
    install(emu, base, "TB")
    assert installations(seeded.path) == [
        ("TA", ""),
        ("TA", "UINSTALLER"),
        ("TB", ""),
        ("TB", "UINSTALLER"),
    ]

    assert "diffusion" in ask(emu, base, "TA", "subscribe diffusion")
    assert "ocr" in ask(emu, base, "TB", "subscribe ocr")
    a_topics, b_topics = ask(emu, base, "TA", "topics"), ask(emu, base, "TB", "topics")
    assert "diffusion" in a_topics and "ocr" not in a_topics
    assert "ocr" in b_topics and "diffusion" not in b_topics
    # Each workspace was answered with its own bot token (users.info for the time zone).
    teams = {emu.team_of(c.token) for c in emu.calls("users.info")}
    assert teams == {"TA", "TB"}
    assert "PP-OCRv3" in ask(emu, base, "TA", "ocr")  # papers are shared; people are not
    # The same channel id in two workspaces is two channels: settings never cross.
    assert "09:30" in ask(emu, base, "TA", "channel on 09:30")
    assert "09:30" not in ask(emu, base, "TB", "channel status")
    assert seeded.channel("TA", "C1").enabled and seeded.channel("TB", "C1") is None

    assert event(base, "TA", {"type": "app_uninstalled"}).status_code == 200
    wait = time.monotonic() + 10
    while ("TA", "") in installations(seeded.path) and time.monotonic() < wait:
        time.sleep(0.1)
    assert installations(seeded.path) == [("TB", ""), ("TB", "UINSTALLER")]
    assert seeded.topics("TA", "U1") == [] and seeded.topics("TB", "U1") == ["ocr"]
    assert seeded.channel("TA", "C1") is None and seeded.person("TA", "U1") is None
    assert ask(emu, base, "TA", "topics") == NOT_INSTALLED  # one line, nothing of TB's
    assert "ocr" in ask(emu, base, "TB", "topics")  # the other workspace still works

    assert event(base, "TB", {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}).is_success
    wait = time.monotonic() + 10
    while installations(seeded.path) and time.monotonic() < wait:
        time.sleep(0.1)
    assert installations(seeded.path) == []
    assert seeded.topics("TB", "U1") == ["ocr"]  # a revoked token is not an uninstall
    assert "Traceback" not in process.log


def test_forged_replayed_and_refused_installs_write_nothing(emu, bot, seeded):
    _, base = bot
    state, cookie = begin_install(base)
    forged = redirect(
        base, emu.issue_oauth_code("TX"), "forged-state", "slack-app-oauth-state=forged-state"
    )
    assert forged.status_code == 401 and "install link is unknown" in forged.text
    other_browser = redirect(base, emu.issue_oauth_code("TX"), state, "")
    assert other_browser.status_code == 400 and "another browser" in other_browser.text

    code = emu.issue_oauth_code("TX")
    assert redirect(base, code, state, cookie).status_code == 200
    replayed = redirect(base, emu.issue_oauth_code("TY"), state, cookie)
    assert replayed.status_code == 401 and "used already" in replayed.text

    state2, cookie2 = begin_install(base)
    reused = redirect(base, code, state2, cookie2)  # a code is good once
    assert reused.status_code == 401 and "refused the code" in reused.text
    emu.client_secret = "rotated"  # oauth.v2.access refuses the app's credentials
    state3, cookie3 = begin_install(base)
    refused = redirect(base, emu.issue_oauth_code("TZ"), state3, cookie3)
    assert refused.status_code == 401 and "Not installed" in refused.text
    assert {t for t, _ in installations(seeded.path)} == {"TX"}
    for page in (forged, other_browser, replayed, reused, refused):
        assert "Traceback" not in page.text and page.text.count("<p>") == 1


def test_each_workspace_digest_goes_out_with_its_own_token(emu, bot, seeded, tmp_path):
    import subprocess
    import sys

    from tests.bot_process import ROOT
    from tests.test_delivery import seed_trending

    _, base = bot
    install(emu, base, "TA")
    install(emu, base, "TB", scope="commands,chat:write")  # an install of an older manifest
    emu.add_channel("C2", member=True)
    seed_trending(seeded)
    seeded.save_channel("TA", "C1", "U1", size=3, tz="UTC")
    seeded.save_channel("TB", "C2", "U1", size=3, tz="UTC")
    seeded.save_channel("TGONE", "C3", "U1", size=3, tz="UTC")  # no installation
    env = oauth_env(emu, seeded.path, PAPERS_POST_INTERVAL="0.05")
    run = subprocess.run(
        [sys.executable, "-m", "bot", "digest"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "channel C3: its workspace TGONE has no installation" in run.stdout
    posts = emu.calls("chat.postMessage")
    assert {(c.params["channel"], emu.team_of(c.token)) for c in posts} == {
        ("C1", "TA"),
        ("C2", "TB"),
    }
    assert len(posts) == 8  # a parent and 3 replies each
    doctor = subprocess.run(
        [sys.executable, "-m", "bot", "doctor"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = doctor.stdout.splitlines()
    assert any(x.startswith("ok   slack TA: token works as papers-bot in Lab TA") for x in lines)
    assert any(x.startswith("FAIL slack TB: ") and "lacks channels:history" in x for x in lines)
    assert "FAIL channel C3 (TGONE): its workspace has no installation; turn it off" in lines


def test_many_workspaces_need_http_mode(emu, seeded, tmp_path):
    process = BotProcess(oauth_env(emu, seeded.path), log_path=tmp_path / "socket.log")
    assert process.proc.wait(timeout=30) != 0
    process.stop()
    assert "need HTTP mode: run `papers-bot run --http`" in process.log
    assert "Traceback" not in process.log


def test_an_expiring_token_is_refreshed_when_a_command_comes(emu, bot, seeded):
    _, base = bot
    install(emu, base, "TR", expires_in=600)  # within Bolt's 120-minute margin
    first = seeded.installation(None, "TR")
    assert first["bot_refresh_token"].startswith("xoxe-")
    assert "ocr" in ask(emu, base, "TR", "subscribe ocr")
    refreshed = [c for c in emu.calls("oauth.v2.access") if c.params.get("grant_type")]
    assert refreshed and refreshed[0].params["refresh_token"] == first["bot_refresh_token"]
    now = seeded.installation(None, "TR")
    assert now["bot_token"] != first["bot_token"]
    (info,) = emu.calls("users.info")
    assert info.token == now["bot_token"]  # the command was answered with the new token
