"""Time zones checked against the tz database; one bad record never fails the batch (kind 10)."""

import pytest

from bot.config import Settings
from bot.core import digest as d
from bot.core.commands import Handlers, Who, parse
from bot.slack.client import make_client
from tests.bot_process import run_digest
from tests.slack_emulator import SlackEmulator
from tests.test_delivery import TEAM, posted_to, run, seed_trending

BAD_ZONES = ["Mars/Olympus", "America", "x" * 300, "../../etc/passwd", "", "UTC\x00"]


@pytest.fixture
def emu():
    with SlackEmulator(bot_token="xoxb-test", team_id=TEAM) as emulator:
        emulator.add_channel("CLIVE", name="papers")
        emulator.add_user("U1", tz="Europe/Paris")
        emulator.add_user("U2", tz="Asia/Tokyo")
        for n, tz in enumerate(BAD_ZONES):
            emulator.add_user(f"UBAD{n}", tz=tz)
        yield emulator


@pytest.fixture
def slack(emu, tmp_path):
    settings = Settings(
        bot_token="xoxb-test", slack_api_url=emu.api_url, db_path=tmp_path / "papers.db"
    )
    return settings, make_client(settings)


@pytest.mark.parametrize("name", [*BAD_ZONES, None, 42])
def test_unknown_zones_are_not_zones_and_count_as_utc(name):
    assert d.valid_zone(name) is None
    assert d.zone(name).key == "UTC"
    assert d.local_day(name, d.due_at("2026-11-28", "09:00", "UTC")) == "2026-11-28"


def test_known_zones_are_kept():
    assert d.valid_zone("Europe/Paris") == "Europe/Paris"
    assert d.valid_zone("UTC") == "UTC"
    assert d.zone("Australia/Lord_Howe").key == "Australia/Lord_Howe"


@pytest.mark.parametrize("tz", ["Mars/Olympus", "America", "x" * 300])
def test_commands_with_an_unknown_zone_answer_in_utc_with_a_note(store, tz):
    handlers = Handlers(store)
    who = Who(TEAM, "U1", "C1", tz=tz)
    reply = handlers.handle(parse("digest 08:30"), who)
    assert reply.text.startswith("Your daily digest comes at 08:30 UTC (Slack gave your time zone")
    assert "which the tz database does not know" in reply.text
    handlers.handle(parse("subscribe ocr"), who)
    assert store.person(TEAM, "U1").tz is None  # never stored
    status = handlers.handle(parse("digest status"), who)
    assert "08:30 UTC (Slack gave" in status.text
    channel = handlers.handle(parse("channel on"), who)
    assert "UTC" in channel.text and store.channel(TEAM, "C1").tz == "UTC"


def test_bad_zones_from_slack_fall_back_to_utc_and_everyone_gets_a_dm(emu, slack, store):
    seed_trending(store)
    people = [f"UBAD{n}" for n in range(len(BAD_ZONES))] + ["U1"]
    for user in people:
        store.add_topic(TEAM, user, "ocr")
    report = run(slack, store, users=True)
    assert report.failed == [] and report.paused == []
    assert len(report.posted) == len(people)
    for user in people[:-1]:
        assert store.person(TEAM, user).tz == "UTC"
        assert len(emu.messages(f"D{user}")) == 1
    assert store.person(TEAM, "U1").tz == "Europe/Paris"


def test_one_bad_record_is_skipped_and_named_the_others_go_on(emu, slack, store):
    seed_trending(store)
    for user in ("U1", "U2"):
        store.add_topic(TEAM, user, "ocr")
    store.save_person(TEAM, "U1", at="25:99")  # written by hand, or by an older version
    store.save_person(TEAM, "U2", tz="Mars/Olympus")
    store.save_channel(TEAM, "CLIVE", at="9 o'clock", size=3)
    report = run(slack, store, users=True)
    assert "person U1: skipped: its digest time '25:99' is not a time of day (HH:MM)" in (
        report.skipped
    )
    assert posted_to(report) == ["person U2"] and len(emu.messages("DU2")) == 1
    threads = run(slack, store)
    assert threads.skipped == [
        """channel CLIVE: skipped: its digest time "9 o'clock" is not a time of day (HH:MM)"""
    ]


def test_cli_digest_users_with_bad_zones_posts_and_never_says_cannot_reach_slack(
    emu, store, tmp_path
):
    seed_trending(store)
    for n in range(3):
        store.add_topic(TEAM, f"UBAD{n}", "ocr")
    store.add_topic(TEAM, "U1", "ocr")
    done = run_digest(emu, store.path, "--users")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Cannot reach Slack" not in done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "4 posted, 0 skipped, 0 paused, 0 failed."
