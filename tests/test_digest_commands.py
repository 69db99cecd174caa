"""`/papers digest daily | weekly [day] | size N | HH:MM | on | off | status | why` (issue 11)."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import utcnow
from bot.core.commands import Handlers, Who, parse
from bot.core.digest_why import explain
from bot.core.models import Paper
from bot.core.replies import Notice
from tests.bot_process import run_digest
from tests.test_delivery import TEAM, run, seed_trending
from tests.test_digest_shared import listed_today, papers_on
from tests.test_time_zones import emu, slack

__all__ = ["emu", "slack"]  # fixtures

WHO = Who(TEAM, "U1", "C1", tz="Europe/Paris")


def say(store, text: str, who: Who = WHO):
    return Handlers(store).handle(parse(text), who)


def test_settings_are_stored_and_shown(store):
    store.add_topic(TEAM, "U1", "ocr")
    assert (
        "weekly digest comes on Mondays at 09:00 Europe/Paris" in say(store, "digest weekly").text
    )
    assert "on Fridays" in say(store, "digest weekly fri").text
    assert "up to 25 papers" in say(store, "digest size 25").text
    assert "on Fridays at 07:30" in say(store, "digest 7:30").text
    p = store.person(TEAM, "U1")
    assert (p.cadence, p.weekday, p.size, p.at) == ("weekly", 4, 25, "07:30")
    assert "Your weekly digest is off" in say(store, "digest off").text
    assert (
        "daily digest comes at 07:30 Europe/Paris, with up to 25" in say(store, "digest daily").text
    )
    assert store.person(TEAM, "U1").enabled


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("digest weekly someday", "“someday” is not a day of the week"),
        ("digest size 0", "“0” is not a digest size: give a number of papers from 3 to 30"),
        ("digest size 1000", "from 3 to 30"),
        ("digest size ten", "from 3 to 30"),
        ("digest 25:99", "“25:99” is not a time of day (00:00 to 23:59)"),
        ("digest daily please", "is not a time of day"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(store, text, said):
    store.add_topic(TEAM, "U1", "ocr")
    say(store, "digest weekly tuesday")
    before = store.person(TEAM, "U1")
    reply = say(store, text)
    assert isinstance(reply, Notice) and said in reply.text and "\n" not in reply.text
    assert store.person(TEAM, "U1") == before


def test_why_says_in_plain_words_why_nothing_would_come(emu, slack, store):
    assert "you follow no topics" in explain(store, TEAM, "U1")[0]
    store.add_topic(TEAM, "U1", "ocr")
    say(store, "digest off")
    assert "your digest is off. `/papers digest on` restarts it" in explain(store, TEAM, "U1")[0]
    say(store, "digest on")
    store.save_person(TEAM, "U1", paused="account_inactive")
    paused = explain(store, TEAM, "U1")[0]
    assert "paused because Slack says your account is deactivated" in paused
    say(store, "digest on")  # lifts the pause
    nothing = explain(store, TEAM, "U1")[0]
    assert "nothing new on your topics (“ocr”) in the last 24 hours" in nothing
    seed_trending(store)
    text, items = explain(store, TEAM, "U1")
    assert text.startswith("Your next digest (") and "would hold" in text
    assert items[0].startswith("ocr: ") and "“" in items[0]
    run(slack, store, users=True)  # sent
    after = explain(store, TEAM, "U1")[0]
    assert "nothing new on your topics (“ocr”) since your last digest (" in after


def test_why_says_when_everything_new_was_sent_already(emu, slack, store):
    seed_trending(store)
    store.add_topic(TEAM, "U1", "ocr")
    run(slack, store, users=True)
    store.save_person(TEAM, "U1", last_run_at=None)  # as if first: the same papers are new
    assert "were all sent to you already" in explain(store, TEAM, "U1")[0]


def test_why_goes_topic_by_topic(store):
    listed_today(store, papers_on("diffusion", 12, 0) + papers_on("agents", 1, 100))
    for topic in ("diffusion", "agents", "quantum"):
        store.add_topic(TEAM, "U1", topic)
    text, items = explain(store, TEAM, "U1")
    assert "would hold 10 paper(s)" in text
    assert items[0].startswith("diffusion: 9 papers: “Diffusion study number 0”")
    assert "(and 3 more than fit, `/papers diffusion`)" in items[0]
    assert items[1].startswith("agents: 1 paper: “Agents study number 0”")
    assert items[2] == "quantum: nothing new"


def test_size_is_honoured(emu, slack, store):
    listed_today(store, papers_on("diffusion", 12, 0))
    store.add_topic(TEAM, "U1", "diffusion")
    say(store, "digest size 3")
    run(slack, store, users=True)
    (dm,) = emu.messages("DU1")
    assert json.dumps(dm.blocks).count("arxiv.org/abs/") == 3


def test_weekly_comes_on_its_day_and_not_on_others(emu, slack, store):
    store.add_topic(TEAM, "U1", "diffusion")
    say(store, "digest weekly wednesday")  # 09:00 Europe/Paris
    monday = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)  # 09:30 in Paris
    for n in range(7):
        now = monday + timedelta(days=n)
        new = Paper(f"2611.{n:05d}", title=f"Diffusion {n}", published=now.date().isoformat())
        listed_today(store, [new])
        run(slack, store, users=True, force=False, now=now)
    (dm,) = emu.messages("DU1")  # one DM in the week, on Wednesday 2 Dec
    assert "Wed 2 Dec 2026" in dm.text
    ids = json.dumps(dm.blocks)
    assert "2611.00000" in ids and "2611.00002" in ids  # the week since, not only the day


def test_papers_bot_digest_users_honours_weekly_and_size(emu, store):
    listed_today(store, papers_on("diffusion", 12, 0))
    today = utcnow().weekday()
    for user, day in (("U5", today), ("U6", (today + 1) % 7)):
        emu.add_user(user, tz="UTC")
        store.add_topic(TEAM, user, "diffusion")
        store.save_person(TEAM, user, cadence="weekly", weekday=day, size=4, tz="UTC")
    done = run_digest(emu, store.path, "--users")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "person U6: today (" in done.stdout and "is not their digest day" in done.stdout
    (dm,) = emu.messages("DU5")
    assert emu.messages("DU6") == []
    assert json.dumps(dm.blocks).count("arxiv.org/abs/") == 4


def test_subscribe_tells_the_truth_about_the_dm(store):
    assert "in a daily DM" in say(store, "subscribe ocr").text
    say(store, "digest weekly thursday")
    assert "weekly DM on Thursdays" in say(store, "subscribe nerf").text
    say(store, "digest off")
    off = say(store, "subscribe gan").text
    assert "Your digest is off, so no DM will come" in off and "daily DM" not in off


def test_next_digest_names_the_day_and_time(store):
    from bot.core.digest_why import next_digest

    store.add_topic(TEAM, "U1", "ocr")
    say(store, "digest weekly wednesday")
    p = store.person(TEAM, "U1")
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert next_digest(store, p, monday) == "Wed 2 Dec 2026 at 09:00 Europe/Paris"
    say(store, "digest daily")
    p = store.person(TEAM, "U1")
    assert next_digest(store, p, monday) == "Mon 30 Nov 2026 at 09:00 Europe/Paris"
    late = monday + timedelta(hours=3)
    assert next_digest(store, p, late) == "due now: 09:00 Europe/Paris today has passed"
    # Past the grace period the scheduler will not send today's: tomorrow's is next.
    evening = monday + timedelta(hours=14)  # 22:00 Paris, 13 h after 09:00
    assert next_digest(store, p, evening) == "Tue 1 Dec 2026 at 09:00 Europe/Paris"
    assert next_digest(store, p, evening, grace_hours=24) == (
        "due now: 09:00 Europe/Paris today has passed"
    )
    console = say(store, "subscribe ocr", Who()).text  # console mode: team "local"
    assert "Console mode sends no DMs" in console and "DM on" not in console
