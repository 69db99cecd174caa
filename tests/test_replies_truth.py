"""Replies that tell the truth: channel status checks membership and says what the next thread
would hold; topics typed in console mode are never DMed through Slack (issue 11)."""

import pytest

from bot.core.commands import Handlers, Who, parse
from tests.bot_process import BotProcess, bot_env
from tests.slack_emulator import SlackEmulator
from tests.test_delivery import TEAM, posted_to, run, seed_trending
from tests.test_time_zones import emu, slack

__all__ = ["emu", "slack"]  # fixtures


def test_console_topics_are_never_sent_to_slack(emu, slack, store):
    seed_trending(store)
    Handlers(store).handle(parse("subscribe ocr"), Who())  # console mode: team and user "local"
    store.add_topic(TEAM, "U1", "ocr")
    report = run(slack, store, users=True)
    assert "person local: topics typed in console mode; no Slack DM for them" in report.skipped
    assert [c.params.get("user") for c in emu.calls("users.info")] == ["U1"]
    assert [c.params.get("users") for c in emu.calls("conversations.open")] == ["U1"]
    assert posted_to(report) == ["person U1"]


def test_channel_status_says_what_the_next_thread_would_hold(store):
    handlers = Handlers(store)
    who = Who(TEAM, "U1", "C1", tz="UTC")
    handlers.handle(parse("channel on"), who)
    empty = handlers.handle(parse("channel status"), who)
    assert "Next thread: nothing new so far: no papers are stored yet." in empty.items
    seed_trending(store)
    status = handlers.handle(parse("channel status"), who)
    assert any(
        line.startswith("Next thread: 10 paper(s) as of now, led by “") for line in status.items
    )


@pytest.fixture
def slack_emu():
    with SlackEmulator(bot_token="xoxb-test", app_token="xapp-test", team_id=TEAM) as e:
        e.add_user("U1", tz="Europe/Paris")
        e.add_channel("CIN", member=True, name="papers")
        yield e


def test_channel_status_in_slack_checks_the_bot_is_still_in_the_channel(slack_emu, store, tmp_path):
    emu = slack_emu
    seed_trending(store)
    bot = BotProcess(bot_env(emu, store.path), log_path=tmp_path / "bot.log")
    try:
        emu.wait_socket_connected(timeout=20)

        def ask(text: str) -> dict:
            url = emu.new_response_url()
            eid = emu.send_slash_command(
                text=text, user_id="U1", channel_id="CIN", response_url=url
            )
            emu.wait_ack(eid, timeout=5)
            (answer,) = emu.response_posts(timeout=10, min_count=1, url=url)
            return answer

        ask("channel on")
        assert "I'm not in" not in ask("channel status")["text"]
        emu.add_channel("CIN", member=False, name="papers")  # removed from the channel since
        answer = ask("channel status")
        assert (
            "I'm not in #papers yet: type `/invite @papers-bot` in the channel." in answer["text"]
        )
        # `/papers digest why`, answered through Slack, in its cases.
        assert "you follow no topics" in ask("digest why")["text"]
        ask("subscribe ocr")
        why = ask("digest why")["text"]
        assert "Your next digest (" in why and "ocr: " in why
        ask("digest off")
        assert "your digest is off" in ask("digest why")["text"]
        assert "“someday” is not a day of the week" in ask("digest weekly someday")["text"]
    finally:
        bot.stop()
