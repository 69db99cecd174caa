"""bot.core.topics: one normal form and one length limit for every topic, a person's or a
channel's."""

import pytest

from bot.core.commands import Handlers, Who, parse
from bot.core.replies import Usage
from bot.core.topics import MAX_TOPIC_CHARS, check_topic, normalize_topic
from bot.errors import BadCommand, BadQuery

LONGEST = "a" * MAX_TOPIC_CHARS


def test_a_topic_is_stored_cleaned_and_lower_case():
    assert normalize_topic("  Scene\u00a0TEXT \t“OCR” ") == 'scene text "ocr"'


def test_a_topic_is_a_search_within_the_limit():
    assert check_topic(LONGEST).include == (LONGEST,)
    with pytest.raises(BadCommand, match=f"at most {MAX_TOPIC_CHARS} characters"):
        check_topic(LONGEST + "a")
    with pytest.raises(BadQuery):
        check_topic("-video")


@pytest.mark.parametrize("command", ["subscribe {}", "channel topics ocr, {}"])
def test_people_and_channels_share_the_limit(store, command):
    handlers = Handlers(store)
    who = Who("T1", "U1", "C1", "UTC")
    assert not isinstance(handlers.handle(parse(command.format(LONGEST)), who), Usage)
    refused = handlers.handle(parse(command.format(LONGEST + "a")), who)
    assert isinstance(refused, Usage)
    assert refused.problem == f"A topic can be at most {MAX_TOPIC_CHARS} characters long."
