"""bot.core.pauses: every reason Slack can pause a target for is said in plain words."""

from bot.core.deliverer import Pause
from bot.core.pauses import CHANNEL_REASONS, PERSON_REASONS, pause_text, person_pause
from bot.slack.delivery import CHANNEL_PAUSES, PERSON_PAUSES


def test_every_pausing_code_has_its_words():
    assert CHANNEL_REASONS.keys() >= set(CHANNEL_PAUSES.values())
    assert PERSON_REASONS.keys() >= set(PERSON_PAUSES.values())
    assert CHANNEL_REASONS.keys() | PERSON_REASONS.keys() == set(Pause)  # no reason unsaid


def test_a_channel_pause_says_since_when_and_how_to_lift_it():
    text = pause_text("not_in_channel", "2026-11-30T08:00:05+00:00")
    assert text == (
        "Paused since 2026-11-30 08:00 UTC: I am not a member of this channel: type "
        "`/invite @papers-bot` here. I try again once a day at its time; "
        "`/papers channel on` lifts the pause now."
    )


def test_an_unknown_reason_is_named_as_slack_gave_it():
    assert "Slack answered `team_blocked` when I posted" in pause_text("team_blocked", None)
    assert person_pause("user_disabled") == "Slack says your account is disabled"
    assert person_pause("team_blocked") == "Slack answered `team_blocked`"
