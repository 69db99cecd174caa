"""Bolt scenario tests: signed requests through `app.dispatch()`, as bolt-python tests itself.

The app is the real one (`build_app`), its WebClient talks to the Slack emulator, and answers go
to the emulator's response_url endpoints, where the tests read them.
"""

import json
import logging
import time
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest

from bot.config import Settings
from bot.core.commands import Handlers
from bot.lookup import paper_fetcher
from bot.slack.app import build_app
from bot.slack.client import make_client
from bot.slack.work import WorkPool
from tests.slack_emulator import signed_headers

SECRET = "scenario-secret"
TEAM = "T0001"


def make_app(emu, store, pool=None):
    settings = Settings(
        bot_token="xoxb-test", signing_secret=SECRET, slack_api_url=emu.api_url, db_path=store.path
    )
    return build_app(
        settings,
        store,
        make_client(settings),
        Handlers(store, fetch_paper=paper_fetcher(settings, store)),
        pool or WorkPool(workers=2),
    )


def dispatch(app, body: str):
    """A signed request through the app, as Slack would send it; returns the BoltResponse."""
    headers = signed_headers(SECRET, body.encode())
    return app.dispatch(
        BoltRequest(body=body, headers={k.lower(): [v] for k, v in headers.items()})
    )


def command(app, emu, text: str) -> str:
    """Dispatch `/papers text`; returns its response_url."""
    url = emu.new_response_url()
    form = {
        "team_id": TEAM,
        "user_id": "U1",
        "channel_id": "C1",
        "command": "/papers",
        "text": text,
        "response_url": url,
        "trigger_id": "1.2.3",
        "api_app_id": "A0001",
    }
    response = dispatch(app, urlencode(form))
    assert response.status == 200
    return url


def click(app, emu, value: str, **fields) -> str:
    url = emu.new_response_url()
    payload = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": TEAM},
        "channel": {"id": "C1"},
        "api_app_id": "A0001",
        "response_url": url,
        "trigger_id": "1.2.3",
        "container": {"type": "message"},
        "actions": [
            {"action_id": "papers_more", "block_id": "b", "type": "button", "value": value}
        ],
        **fields,
    }
    response = dispatch(app, urlencode({"payload": json.dumps(payload)}))
    assert response.status == 200
    return url


def answer(emu, url: str, timeout: float = 10) -> dict:
    (posted,) = emu.response_posts(timeout=timeout, url=url)
    return posted


FORGED = [
    ({"value": '{"q": "ocr", "o": 1000000000000000000000000000000}'}, "offset 10**30"),
    ({"value": '{"q": "ocr", "o": 9223372036854775808}'}, "offset 2**63"),
    ({"value": '{"q": "ocr", "o": 1e308}'}, "offset 1e308"),
    ({"value": '{"q": "ocr", "o": Infinity}'}, "offset Infinity"),
    ({"value": '{"q": "ocr", "o": 5}', "user": "U1"}, "user as a string"),
    ({"value": '{"q": "ocr", "o": 5}', "team": "T0001"}, "team as a string"),
]


@pytest.mark.parametrize("forged, label", FORGED, ids=[label for _, label in FORGED])
def test_forged_button_payloads_get_one_line_and_no_traceback(emu, seeded, caplog, forged, label):
    app = make_app(emu, seeded)
    value = forged.pop("value")
    with caplog.at_level(logging.INFO):
        posted = answer(emu, click(app, emu, value, **forged))
    assert "That button has expired" in posted["text"]
    warning = {"type": "section", "text": {"type": "mrkdwn", "text": f":warning: {posted['text']}"}}
    assert posted["blocks"] == [warning]
    refused = [r for r in caplog.records if "Refused a More results click" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_a_good_more_button_pages_on(emu, seeded):
    app = make_app(emu, seeded)
    posted = answer(emu, click(app, emu, '{"q": "model", "o": 5}'))
    assert posted["replace_original"] is True
    assert posted["blocks"][1]["text"]["text"].startswith("*6. <https://arxiv.org/abs/")


def test_command_text_is_unescaped_once_where_it_enters(emu, seeded):
    app = make_app(emu, seeded)
    posted = answer(emu, command(app, emu, "subscribe R&amp;D &amp;lt;x&amp;gt;"))
    assert "Subscribed to" in posted["text"]
    assert seeded.topics(TEAM, "U1") == ["r&d &lt;x&gt;"]


def test_acks_return_at_once_while_slack_is_slow(emu, seeded):
    """A slow users.info holds a worker of the pool, never the thread that acks."""
    app = make_app(emu, seeded, WorkPool(workers=2, waiting=40))
    emu.delay_next("users.info", 4, times=2)
    urls = [command(app, emu, f"subscribe slow {i}") for i in range(2)]
    started = time.monotonic()
    later = [command(app, emu, "ocr") for _ in range(30)]
    assert time.monotonic() - started < 3  # 30 acks while both workers wait on Slack
    for url in urls + later:
        assert answer(emu, url, timeout=20)["text"]


def test_a_burst_beyond_the_pool_is_acked_and_told_busy(emu, seeded):
    app = make_app(emu, seeded, WorkPool(workers=1, waiting=1))
    emu.delay_next("users.info", 3, times=2)
    held = command(app, emu, "subscribe held")  # running, waiting on users.info
    queued = command(app, emu, "subscribe queued")  # in the one waiting slot
    turned_away = command(app, emu, "ocr")
    busy = answer(emu, turned_away, timeout=2)
    assert "busy" in busy["text"] and "try again in a moment" in busy["text"]
    assert "Subscribed to “held”" in answer(emu, held)["text"]
    assert "Subscribed to “queued”" in answer(emu, queued)["text"]


def test_a_long_retry_after_is_not_waited_out_while_a_person_waits(emu, seeded):
    app = make_app(emu, seeded)
    emu.fail_next("users.info", status=429, retry_after=120)
    started = time.monotonic()
    posted = answer(emu, command(app, emu, "digest 07:45"), timeout=5)
    assert time.monotonic() - started < 3
    assert "07:45" in posted["text"] and "UTC" in posted["text"]
    assert len(emu.calls("users.info")) == 1
