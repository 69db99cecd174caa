"""What Slack sends, validated into small typed records before any of it is used.

Slash commands and button clicks arrive as JSON or form fields that anyone holding a signed
request (or a bug in Slack) can shape at will: ids given as numbers or objects, a page offset of
`10**30`, `1e308` or `Infinity`. Each reader here returns a frozen record or raises
`ForgedPayload` with a short reason that names the field, never its value.
"""

import json
import re
from dataclasses import dataclass

from bot.core.commands import Who
from bot.errors import PapersError

# Slack ids: a capital letter then capitals and digits (U0123ABCD, W…, T…, E…, C…, D…, G…).
SLACK_ID = re.compile(r"[A-Z][A-Z0-9]{1,31}")
# Slack caps slash-command text at 4,000 characters; a button value at 2,000.
MAX_COMMAND_TEXT = 4000
MAX_BUTTON_VALUE = 2000
# Search pages go no deeper than this: 200 pages of 5, far past anything a person clicks through.
MAX_OFFSET = 1000


class ForgedPayload(PapersError):
    """A Slack payload whose fields are missing, of the wrong type or out of range."""


class CommandTooLong(PapersError):
    """Slash-command text longer than MAX_COMMAND_TEXT: a person's text, not a forgery."""


@dataclass(frozen=True)
class SlashCommand:
    """A `/papers` command: who typed it, where, and the text as they typed it."""

    who: Who
    text: str


@dataclass(frozen=True)
class MorePage:
    """The state a "More results" button carries: the query and the next page's offset."""

    query: str
    offset: int  # 0 ≤ offset ≤ MAX_OFFSET


# Mentions Slack writes into command text (`<@U1|ann>`, `<#C1|general>`, `<!here>`): not
# words anyone searches for. Links (`<https://…|label>`) stay: a pasted paper link is a query.
_MENTION = re.compile(r"<[@#!][^<>]*>")


def unescape(text: str) -> str:
    """Slack's `&amp;` `&lt;` `&gt;` back to `&` `<` `>`, once (`&amp;lt;` stays `&lt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_id(value: object, field: str) -> str:
    """A Slack id, or ForgedPayload naming `field`."""
    if isinstance(value, str) and SLACK_ID.fullmatch(value):
        return value
    raise ForgedPayload(f"{field} is not a Slack id")


def _nested_id(payload: dict, field: str, required: bool = True) -> str | None:
    """`payload[field]["id"]` (block_actions shape), checked."""
    value = payload.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise ForgedPayload(f"{field} is not an object")
    return slack_id(value.get("id"), f"{field}.id")


def slash_command(command: object) -> SlashCommand:
    """A slash command's form fields → SlashCommand; the text unescaped as Slack escaped it."""
    if not isinstance(command, dict):
        raise ForgedPayload("the command is not an object")
    text = command.get("text", "")
    if not isinstance(text, str):
        raise ForgedPayload("text is not a string")
    channel = command.get("channel_id")
    who = Who(
        team=slack_id(command.get("team_id"), "team_id"),
        user=slack_id(command.get("user_id"), "user_id"),
        channel=None if channel in (None, "") else slack_id(channel, "channel_id"),
    )
    if len(text) > MAX_COMMAND_TEXT:
        raise CommandTooLong(
            f"That is too long for /papers ({len(text):,} characters); a search or topic "
            f"needs only a few words (at most {MAX_COMMAND_TEXT:,} characters)."
        )
    return SlashCommand(who, unescape(" ".join(_MENTION.sub(" ", text).split())))


def clicker(body: object) -> Who:
    """Who clicked a button (block_actions `user`, `team`, `channel` objects), checked."""
    if not isinstance(body, dict):
        raise ForgedPayload("the payload is not an object")
    team = body.get("team")
    if team is None and isinstance(body.get("user"), dict):  # Enterprise Grid org-wide apps
        team = {"id": body["user"].get("team_id")}
    return Who(
        team=_nested_id({"team": team}, "team"),
        user=_nested_id(body, "user"),
        channel=_nested_id(body, "channel", required=False),
    )


def more_page(value: object) -> MorePage:
    """A "More results" button value (`{"q": query, "o": offset}` as JSON) → MorePage."""
    if not isinstance(value, str) or len(value) > MAX_BUTTON_VALUE:
        raise ForgedPayload("the button value is not a short string")
    try:
        # parse_constant refuses NaN and ±Infinity, which Python's json would accept.
        state = json.loads(value, parse_constant=_refuse_constant)
    except ValueError:
        raise ForgedPayload("the button value is not JSON") from None
    if not isinstance(state, dict):
        raise ForgedPayload("the button value is not an object")
    query, offset = state.get("q"), state.get("o")
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_COMMAND_TEXT:
        raise ForgedPayload("the button's query is not a string")
    # bool is an int in Python; floats (1e308) and huge ints (10**30, 2**63) are refused.
    if type(offset) is not int or not 0 <= offset <= MAX_OFFSET:
        raise ForgedPayload(f"the button's offset is not a whole number from 0 to {MAX_OFFSET}")
    return MorePage(query, offset)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")
