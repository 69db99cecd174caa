"""Slack payload fields checked into typed records (bot/slack/payloads.py)."""

import json

import pytest

from bot.core.commands import Who
from bot.slack.payloads import (
    MAX_OFFSET,
    CommandTooLong,
    ForgedPayload,
    MorePage,
    clicker,
    more_page,
    slash_command,
    unescape,
)

COMMAND = {"team_id": "T0001", "user_id": "U1", "channel_id": "C1", "text": "ocr"}


def test_unescape_decodes_slacks_three_entities_once():
    assert unescape("Q&amp;A &lt;think&gt;") == "Q&A <think>"
    assert unescape("&amp;lt;") == "&lt;"  # a person who typed "&lt;" gets "&lt;"
    assert unescape("AT&T &quot;x&quot;") == "AT&T &quot;x&quot;"


def test_a_slash_command_becomes_who_and_the_text_as_typed():
    typed = slash_command({**COMMAND, "text": "subscribe R&amp;D"})
    assert typed.who == Who(team="T0001", user="U1", channel="C1")
    assert typed.text == "subscribe R&D"
    assert slash_command({**COMMAND, "channel_id": None}).who.channel is None


@pytest.mark.parametrize(
    "field, value",
    [
        ("user_id", 12345),
        ("user_id", {"id": "U1"}),
        ("user_id", "u1; DROP"),
        ("team_id", None),
        ("team_id", "T" * 40),
        ("channel_id", ["C1"]),
        ("text", 10**30),
    ],
)
def test_forged_command_fields_are_refused(field, value):
    with pytest.raises(ForgedPayload) as exc:
        slash_command({**COMMAND, field: value})
    assert str(exc.value).startswith(field)  # names the field, never echoes the value


def test_a_long_command_text_is_told_as_too_long_not_as_forged():
    with pytest.raises(CommandTooLong) as exc:
        slash_command({**COMMAND, "text": "x" * 4001})
    assert "too long for /papers (4,001 characters)" in str(exc.value)
    assert slash_command({**COMMAND, "text": "x" * 4000}).text == "x" * 4000


CLICK = {"user": {"id": "U1"}, "team": {"id": "T0001"}, "channel": {"id": "C1"}}


def test_a_click_names_who_clicked():
    assert clicker(CLICK) == Who(team="T0001", user="U1", channel="C1")
    org_wide = {"user": {"id": "W1", "team_id": "T2"}, "team": None}
    assert clicker(org_wide) == Who(team="T2", user="W1", channel=None)


@pytest.mark.parametrize(
    "body",
    [
        {**CLICK, "user": "U1"},
        {**CLICK, "team": "T0001"},
        {**CLICK, "user": {"id": 7}},
        {**CLICK, "channel": "C1"},
        {"team": {"id": "T0001"}},
        "not an object",
    ],
)
def test_forged_clickers_are_refused(body):
    with pytest.raises(ForgedPayload):
        clicker(body)


def test_a_more_button_value_becomes_a_page():
    assert more_page(json.dumps({"q": "ocr", "o": 5})) == MorePage("ocr", 5)
    assert more_page(json.dumps({"q": "ocr", "o": MAX_OFFSET})).offset == MAX_OFFSET


@pytest.mark.parametrize(
    "value",
    [
        '{"q": "ocr", "o": 1000000000000000000000000000000}',  # 10**30
        '{"q": "ocr", "o": 9223372036854775808}',  # 2**63
        '{"q": "ocr", "o": 1e308}',
        '{"q": "ocr", "o": Infinity}',
        '{"q": "ocr", "o": NaN}',
        '{"q": "ocr", "o": -5}',
        '{"q": "ocr", "o": 5.0}',
        '{"q": "ocr", "o": true}',
        '{"q": "ocr", "o": "5"}',
        '{"q": 5, "o": 5}',
        '{"q": " ", "o": 5}',
        '{"o": 5}',
        '["ocr", 5]',
        "not json",
        "",
        None,
        7,
        '{"q": "' + "x" * 3000 + '", "o": 5}',
    ],
)
def test_forged_button_values_are_refused(value):
    with pytest.raises(ForgedPayload):
        more_page(value)


def test_mentions_in_command_text_are_dropped_links_kept():
    typed = slash_command({**COMMAND, "text": "<@U1|ann> ocr <#C123|general> <!here>"})
    assert typed.text == "ocr"
    link = slash_command({**COMMAND, "text": "<https://arxiv.org/abs/2206.03001|arxiv.org>"})
    assert link.text == "<https://arxiv.org/abs/2206.03001|arxiv.org>"
