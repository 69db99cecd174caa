"""`/papers channel ...` and `/papers digest ...` through the core handlers, on a real store."""

import pytest

from bot.core.commands import Handlers, Who, parse
from bot.core.replies import USAGE, Notice, Usage

PARIS = Who("T1", "U1", "C1", "Europe/Paris")


@pytest.fixture
def handlers(store):
    return Handlers(store)


def say(handlers, text, who=PARIS):
    return handlers.handle(parse(text), who)


def test_usage_lists_the_new_commands():
    usages = " ".join(u for u, _, _ in USAGE)
    assert "/papers channel on [HH:MM]" in usages and "/papers digest on|off|HH:MM" in usages


def test_channel_on_defaults_to_nine_in_the_typers_zone(handlers, store):
    reply = say(handlers, "channel on")
    assert isinstance(reply, Notice)
    assert "every day at 09:00 Europe/Paris" in reply.text
    settings = store.channel("T1", "C1")
    assert (settings.enabled, settings.at, settings.tz, settings.size) == (
        True,
        "09:00",
        "Europe/Paris",
        10,
    )


def test_channel_on_at_a_time_and_without_a_known_zone(handlers, store):
    reply = say(handlers, "channel on 7:30", Who("T1", "U1", "C1", None))
    assert "07:30 UTC (I could not read your time zone, so this is UTC)" in reply.text
    assert "is not a time of day" in say(handlers, "channel on 25:00").text


def test_channel_settings_round_trip_in_status(handlers, store):
    say(handlers, "channel on 08:15")
    assert "up to 5 papers" in say(handlers, "channel size 5").text
    assert "from 3 to 20" in say(handlers, "channel size 2").text
    assert "from 3 to 20" in say(handlers, "channel size many").text
    topics = say(handlers, "channel topics OCR, video  Diffusion,, ocr")
    assert topics.items == ("ocr", "video diffusion")
    assert "nothing will be posted" in say(handlers, "channel quiet on").text
    status = say(handlers, "channel status")
    assert status.text == "Daily trending thread: on."
    assert status.items == (
        "Time: 08:15 Europe/Paris",
        "Papers: 5",
        "Topics: ocr, video diffusion",
        "Days with nothing new: nothing is posted",
        "Never posted",
        "Next thread: nothing new so far: no papers are stored yet.",
    )
    assert "all trending papers" in say(handlers, "channel topics").text
    assert store.channel("T1", "C1").topics == ()


def test_channel_off_and_status_of_a_fresh_channel(handlers):
    assert "has no daily thread" in say(handlers, "channel status").text
    assert "already off" in say(handlers, "channel off").text
    say(handlers, "channel on")
    assert "Daily thread off" in say(handlers, "channel off").text
    assert say(handlers, "channel status").text == "Daily trending thread: off."


def test_channel_commands_in_a_dm_say_where_to_type_them(handlers, store):
    for who in (Who("T1", "U1", "D123", "UTC"), Who("T1", "U1", None)):
        reply = say(handlers, "channel on", who)
        assert "Type this in the channel" in reply.text
    assert store.channels(enabled=False) == []


def test_channel_on_lifts_a_pause(handlers, store):
    say(handlers, "channel on")
    store.save_channel("T1", "C1", paused="not_in_channel")
    assert "Paused since" in say(handlers, "channel status").text
    say(handlers, "channel on")
    assert store.channel("T1", "C1").paused is None


@pytest.mark.parametrize("text", ["channel", "channel frobnicate", "channel topics ocr, \x00 -x"])
def test_bad_channel_commands_get_usage(handlers, text):
    assert isinstance(say(handlers, text), Usage | Notice)


def test_digest_settings(handlers, store):
    assert "You follow no topics yet" in say(handlers, "digest").text
    store.add_topic("T1", "U1", "ocr")
    assert "comes at 09:00 Europe/Paris, with up to 10 papers. You follow 1 topic." in (
        say(handlers, "digest").text
    )
    assert "comes at 07:45 Europe/Paris" in say(handlers, "digest 7:45").text
    assert store.person("T1", "U1").tz == "Europe/Paris"
    assert "is off" in say(handlers, "digest off").text
    assert "Your daily digest is off" in say(handlers, "digest").text
    assert "07:45" in say(handlers, "digest on").text
    assert "“sometimes” is not a time of day" in say(handlers, "digest sometimes").text


def test_digest_without_a_zone_keeps_the_one_slack_gave(handlers, store):
    store.save_person("T1", "U2", tz="Asia/Tokyo", tz_checked_at="2026-11-28T00:00:00.000000Z")
    reply = say(handlers, "digest 08:00", Who("T1", "U2", "C1", None))
    assert "comes at 08:00 Asia/Tokyo" in reply.text
    assert store.person("T1", "U2").tz == "Asia/Tokyo"


@pytest.mark.parametrize("setting", ["channel topics ocr", "channel size 5", "channel quiet on"])
def test_a_setting_alone_never_starts_the_daily_thread(handlers, store, setting):
    reply = say(handlers, setting)
    assert "`/papers channel on` to start it" in reply.text
    assert store.channel("T1", "C1").enabled is False
    assert say(handlers, "channel status").text.startswith("Daily trending thread: off.")
    say(handlers, "channel on")
    say(handlers, setting)  # and a setting changed later leaves it on
    assert store.channel("T1", "C1").enabled is True


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("subscribe 2206.03001", "is one paper, not a topic: `/papers 2206.03001` shows it"),
        ("subscribe https://arxiv.org/abs/2206.03001v2", "is one paper, not a topic"),
        ("subscribe cat:", "`cat:` needs something after it"),
        ("subscribe author:", "`author:` needs something after it"),
        ("channel topics ocr, author:", "`author:` needs something after it"),
    ],
)
def test_ids_and_empty_filters_are_not_topics(handlers, store, text, says):
    reply = say(handlers, text)
    assert says in (getattr(reply, "problem", "") or reply.text)
    assert store.topics("T1", "U1") == []
