"""End to end: the real `papers-bot run` against the Slack emulator, driven as Slack would."""

import json
import time

import httpx
import pytest

from tests.block_kit import check_blocks
from tests.bot_process import SIGNING_SECRET, BotProcess, bot_env, command_body, free_port
from tests.conftest import HOSTILE
from tests.slack_emulator import signed_headers

TEAM = "T0001"


@pytest.fixture
def db(tmp_path, seeded):
    return seeded.path


def start(emu, db, tmp_path, *args, **env) -> BotProcess:
    bot = BotProcess(bot_env(emu, db, **env), *args, log_path=tmp_path / "bot.log")
    if "--http" not in args:
        try:
            emu.wait_socket_connected(timeout=20)
        except TimeoutError:
            bot.stop()
            raise AssertionError(f"bot never connected:\n{bot.log}") from None
    return bot


def ask(emu, text: str, user: str = "U1") -> dict:
    """Send `/papers text`; return the answer posted to its response_url."""
    url = emu.new_response_url()
    eid = emu.send_slash_command(text=text, user_id=user, channel_id="C1", response_url=url)
    ack = emu.wait_ack(eid, timeout=5)
    assert ack.latency < 3
    (answer,) = emu.response_posts(timeout=10, min_count=1, url=url)
    return answer


def section_texts(answer: dict) -> list[str]:
    return [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]


@pytest.fixture
def bot(emu, db, tmp_path):
    process = start(emu, db, tmp_path)
    yield process
    process.stop()


def test_search_answers_privately_with_linked_papers(emu, bot):
    answer = ask(emu, "ocr")
    assert answer["response_type"] == "ephemeral"
    texts = section_texts(answer)
    assert texts[0].startswith("*1. <https://arxiv.org/abs/2206.03001|PP-OCRv3")
    assert any("Scene Text Recognition" in t for t in texts)
    assert "<https://arxiv.org/pdf/2206.03001|PDF>" in texts[0]
    assert "et al." in texts[0]
    assert answer["text"].startswith("Papers matching “ocr”")


def test_more_results_pages_by_replacing_the_message(emu, bot):
    first = ask(emu, "model")
    button = first["blocks"][-1]["elements"][0]
    assert button["action_id"] == "papers_more" and button["text"]["text"] == "More results"
    url = emu.new_response_url()
    eid = emu.send_block_action(action_id="papers_more", value=button["value"], response_url=url)
    emu.wait_ack(eid)
    (second,) = emu.response_posts(timeout=10, url=url)
    assert second["replace_original"] is True
    assert section_texts(second)[0].startswith("*6. ")
    assert set(section_texts(first)).isdisjoint(section_texts(second))


def test_no_match_suggests_broader(emu, bot):
    answer = ask(emu, "zzzqqq nothinglikethis")
    assert "No papers match" in answer["text"] and "/papers trending" in answer["text"]


def test_help_and_unknown_words(emu, bot):
    for text in ("", "help"):
        answer = ask(emu, text)
        assert "How to use /papers" in section_texts(answer)[-1]
        assert "/papers subscribe" in section_texts(answer)[-1]


def test_topics_survive_a_restart(emu, db, tmp_path):
    bot = start(emu, db, tmp_path)
    try:
        assert "Subscribed to “diffusion video”" in ask(emu, "subscribe  Diffusion   VIDEO")["text"]
        assert "already follow" in ask(emu, "subscribe diffusion video")["text"]
        ask(emu, "subscribe ocr")
    finally:
        bot.stop()
    emu.reset()
    bot = start(emu, db, tmp_path)
    try:
        topics = ask(emu, "topics")
        assert "• diffusion video" in section_texts(topics)[0]
        assert "• ocr" in section_texts(topics)[0]
        assert "Unsubscribed" in ask(emu, "unsubscribe OCR")["text"]
        unknown = ask(emu, "unsubscribe gans")
        assert "do not follow “gans”" in unknown["text"] and "diffusion video" in unknown["text"]
        other = ask(emu, "topics", user="U2")
        assert "no topics" in other["text"]
    finally:
        bot.stop()


def test_topic_limits(emu, bot):
    assert "at most 100 characters" in ask(emu, "subscribe " + "a" * 101)["text"]
    assert "Name a topic" in ask(emu, "subscribe")["text"]
    for i in range(25):
        ask(emu, f"subscribe topic{i}")
    assert "25 topics" in ask(emu, "subscribe one more")["text"]


def test_hostile_texts_are_acked_answered_and_the_bot_lives_on(emu, bot):
    for text in HOSTILE:
        answer = ask(emu, text)
        assert answer["text"] and "Traceback" not in json.dumps(answer)
        check_blocks(answer["blocks"])
    assert section_texts(ask(emu, "ocr"))[0].startswith("*1. <https://arxiv.org/abs/2206.03001")
    assert bot.proc.poll() is None


def test_paper_text_is_escaped(emu, db, tmp_path, store):
    from bot.core.models import Paper, Sighting

    store.upsert([Sighting(Paper("2611.00042", "Tags <b>bold</b> & <!channel> ocr", "x"), "file")])
    bot = start(emu, store.path, tmp_path)
    try:
        text = section_texts(ask(emu, "bold"))[0]
        assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;!channel&gt;" in text
        assert "<!channel>" not in text
    finally:
        bot.stop()


def test_bad_payload_fields_are_answered(emu, bot):
    url = emu.new_response_url()
    eid = emu.send_block_action(action_id="papers_more", value="not json", response_url=url)
    emu.wait_ack(eid)
    (answer,) = emu.response_posts(timeout=10, url=url)
    assert "expired" in answer["text"]
    assert "ocr" in ask(emu, "ocr")["text"]


def test_rate_limited_auth_test_is_retried_at_start(emu, db, tmp_path):
    emu.fail_next("auth.test", status=429, retry_after=1)
    bot = start(emu, db, tmp_path)
    try:
        assert len(emu.calls("auth.test")) == 2
        assert ask(emu, "ocr")["text"]
    finally:
        bot.stop()


def test_bad_token_is_one_line_and_non_zero(emu, db, tmp_path):
    bot = BotProcess(
        bot_env(emu, db, SLACK_BOT_TOKEN="xoxb-revoked"), log_path=tmp_path / "bad.log"
    )
    assert bot.proc.wait(timeout=30) != 0
    bot.stop()
    assert "Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in bot.log
    assert "Traceback" not in bot.log and "xoxb-revoked" not in bot.log


def test_bad_app_token_is_one_line(emu, db, tmp_path):
    bot = BotProcess(bot_env(emu, db, SLACK_APP_TOKEN="xapp-wrong"), log_path=tmp_path / "bad.log")
    assert bot.proc.wait(timeout=30) != 0
    bot.stop()
    assert "Slack rejected SLACK_APP_TOKEN (invalid_auth)" in bot.log
    assert "Traceback" not in bot.log and "xapp-wrong" not in bot.log


# -- HTTP mode --------------------------------------------------------------------------------


@pytest.fixture
def http_bot(emu, db, tmp_path):
    port = free_port()
    bot = start(
        emu, db, tmp_path, "--http", "--port", str(port), SLACK_SIGNING_SECRET=SIGNING_SECRET
    )
    bot.wait_http(port)
    yield bot, f"http://127.0.0.1:{port}"
    bot.stop()


def _command_body(emu, text: str) -> tuple[bytes, str]:
    return command_body(emu, text, TEAM)


def test_http_mode_verifies_signatures(emu, http_bot, store):
    _, base = http_bot
    assert httpx.get(f"{base}/healthz").status_code == 200
    body, url = _command_body(emu, "ocr")
    good = httpx.post(
        f"{base}/slack/events", content=body, headers=signed_headers(SIGNING_SECRET, body)
    )
    assert good.status_code == 200
    (answer,) = emu.response_posts(timeout=10, url=url)
    assert "PP-OCRv3" in answer["text"]

    count = store.count()
    body, url = _command_body(emu, "subscribe stolen")
    wrong = signed_headers("not-the-secret", body)
    stale = signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 600)
    unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
    for headers in (wrong, stale, unsigned):
        response = httpx.post(f"{base}/slack/events", content=body, headers=headers)
        assert response.status_code == 401
    time.sleep(0.5)
    assert emu.response_posts(url=url) == []
    assert store.count() == count and store.topics(TEAM, "U1") == []


def test_http_mode_needs_a_signing_secret(emu, db, tmp_path):
    bot = BotProcess(bot_env(emu, db), "--http", log_path=tmp_path / "nosecret.log")
    assert bot.proc.wait(timeout=30) != 0
    bot.stop()
    assert "HTTP mode needs SLACK_SIGNING_SECRET" in bot.log


def test_channel_on_states_time_zone_and_how_to_invite(emu, bot):
    emu.add_channel("C2", member=False)
    url = emu.new_response_url()
    eid = emu.send_slash_command(text="channel on 08:30", channel_id="C2", response_url=url)
    emu.wait_ack(eid)
    (answer,) = emu.response_posts(timeout=10, url=url)
    assert "08:30 Europe/Paris" in answer["text"]
    assert "/invite @papers-bot" in answer["text"]
    status = ask(emu, "channel status")  # C1 never asked for a thread
    assert "This channel has no daily thread" in status["text"]


def test_a_429_on_the_first_web_api_call_is_retried(emu, bot, store):
    emu.fail_next("users.info", status=429, retry_after=1)
    answer = ask(emu, "subscribe graph networks")
    assert "Subscribed to “graph networks”" in answer["text"]
    assert len(emu.calls("users.info")) == 2
    assert store.person(TEAM, "U1").tz == "Europe/Paris"


def test_users_info_failing_still_answers(emu, bot):
    emu.fail_next("users.info", error="user_not_found")
    answer = ask(emu, "digest 07:45")
    assert "07:45" in answer["text"] and "UTC" in answer["text"]


def test_a_pasted_link_finds_or_fetches_that_paper(emu, db, tmp_path, httpserver):
    paper = {
        "id": "2606.41001",
        "title": "A Paper Only Hugging Face Has",
        "summary": "Fetched when a person pastes its link.",
        "authors": [{"_id": "a1", "name": "Ada Example"}],
        "publishedAt": "2026-06-10T00:00:00.000Z",
        "upvotes": 7,
    }
    httpserver.expect_request("/api/papers/2606.41001").respond_with_json(paper)
    httpserver.expect_request("/api/papers/2606.99999").respond_with_json({}, status=404)
    httpserver.expect_request("/api/query").respond_with_data(
        '<feed xmlns="http://www.w3.org/2005/Atom"></feed>'
    )
    bot = start(
        emu,
        db,
        tmp_path,
        HF_ENDPOINT=httpserver.url_for(""),
        ARXIV_API_URL=httpserver.url_for("/api/query"),
    )
    try:
        stored = section_texts(ask(emu, "<https://arxiv.org/pdf/2206.03001v2|2206.03001>"))
        assert len(stored) == 1 and stored[0].startswith("*1. <https://arxiv.org/abs/2206.03001|")
        fetched = section_texts(ask(emu, "https://huggingface.co/papers/2606.41001"))
        assert "A Paper Only Hugging Face Has" in fetched[0]
        missing = ask(emu, "arXiv:2606.99999")
        assert missing["text"] == "No paper 2606.99999 on Hugging Face or arXiv."
    finally:
        bot.stop()
