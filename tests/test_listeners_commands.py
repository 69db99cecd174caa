"""bot/slack/listeners/commands.py, its callback called as Bolt calls it: `Mock(Ack)` and
`Mock(Respond)`, the bolt-python starter template's listener tests. The store is a real SQLite
file; the WorkPool runs the work at once (or is full), so the answer is there when it returns.
Signed requests through the whole app: tests/test_slack_listeners.py.
"""

from unittest.mock import Mock

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.core.commands import Handlers
from bot.slack.listeners import commands
from bot.slack.listeners.guard import BUSY


class InlinePool:
    """A WorkPool whose job runs on the caller's thread; `full` refuses it, as a full pool does."""

    def __init__(self, full: bool = False):
        self.full = full

    def submit(self, job, what: str) -> bool:
        if self.full:
            return False
        job()
        return True


def form(text: str, **fields) -> dict:
    """A `/papers` command's form fields, as Bolt hands them to the listener."""
    return {"team_id": "T0001", "user_id": "U1", "channel_id": "C1", "text": text, **fields}


def call(store, text: str, pool=None, **fields):
    ack, respond = Mock(Ack), Mock(Respond)
    # No Web API call is made for these commands: a client with an unroutable URL proves it.
    client = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/")
    listener = commands.papers(Handlers(store), pool or InlinePool())
    listener(ack=ack, command=form(text, **fields), respond=respond, client=client)
    return ack, respond


def answered_text(respond) -> str:
    respond.assert_called_once()
    assert respond.call_args.kwargs["response_type"] == "ephemeral"
    return respond.call_args.kwargs["text"]


def test_a_search_is_acked_once_then_answered_privately_with_its_matches(seeded):
    ack, respond = call(seeded, "ocr")
    ack.assert_called_once_with()
    text = answered_text(respond)
    assert text.startswith("Papers matching “ocr”: PP-OCRv3: More Attempts for the Improvement")


def test_topics_with_none_followed_says_so(store):
    ack, respond = call(store, "topics")
    ack.assert_called_once_with()
    assert answered_text(respond).startswith("You follow no topics")


def test_a_forged_command_is_acked_and_answered_in_one_line(store):
    ack, respond = call(store, "ocr", user_id="not a user")
    ack.assert_called_once_with()
    assert answered_text(respond) == (
        "Slack sent that command in a shape I cannot read; please try again."
    )


def test_a_full_pool_is_answered_busy_after_the_ack(seeded):
    ack, respond = call(seeded, "ocr", pool=InlinePool(full=True))
    ack.assert_called_once_with()
    assert answered_text(respond) == BUSY
