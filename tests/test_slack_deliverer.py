"""SlackDeliverer, the core's Deliverer on Slack: Slack's answers become the core's terms.

Against the Slack emulator with a real WebClient; one stub client for an answer the emulator
never gives (users.info without a user).
"""

import pytest

from bot.core.deliverer import Pause, Person
from bot.errors import ConfigError
from bot.slack.delivery import Pacer, SlackDeliverer
from bot.slack.installations import TeamClients
from tests.test_delivery import TEAM, emu, slack

__all__ = ["emu", "slack"]  # fixtures


def test_a_person_is_their_time_zone_or_the_pause_reason(emu, slack):
    _, client = slack
    deliverer = SlackDeliverer(client, Pacer(0))
    assert deliverer.person(TEAM, "U1") == Person(tz="Europe/Paris")
    assert deliverer.person(TEAM, "UGONE") == Person(gone=Pause.ACCOUNT_INACTIVE)
    assert deliverer.person(TEAM, "UNOBODY") == Person(gone=Pause.USER_NOT_FOUND)
    emu.fail_next("users.info", "ratelimited")
    assert deliverer.person(TEAM, "U1") is None  # Slack could not say now: nothing decided


def test_a_users_info_answer_without_a_user_decides_nothing():
    class NoUser:
        def users_info(self, user):
            return {"ok": True}

    assert SlackDeliverer(NoUser()).person(TEAM, "U1") is None


def test_can_post_says_what_to_do(emu, slack):
    _, client = slack
    deliverer = SlackDeliverer(client, Pacer(0))
    assert deliverer.can_post(TEAM, "CLIVE") is None
    assert deliverer.can_post(TEAM, "COUT") == (
        "I'm not in #random yet: type `/invite @papers-bot` in the channel."
    )


def test_a_workspace_without_an_installation_has_no_deliveries(slack, store):
    settings, _ = slack
    deliverer = SlackDeliverer(TeamClients(settings, store), Pacer(0))  # no installation stored
    assert deliverer.has_workspace(TEAM) is False
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        SlackDeliverer(None)
