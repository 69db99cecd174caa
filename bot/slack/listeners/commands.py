"""`/papers`: ack at once, then parse, run the core, render, respond."""

import logging
from dataclasses import replace

from slack_sdk.errors import SlackApiError

from bot.core.commands import Command, Handlers, Notice, Who, parse
from bot.slack import paper_blocks
from bot.slack.client import error_code
from bot.slack.delivery import check_channel
from bot.slack.listeners.guard import answered

log = logging.getLogger(__name__)


def who_of(payload: dict) -> Who:
    """Who typed a command or clicked a button, from whatever fields the payload has."""
    team = payload.get("team_id") or (payload.get("team") or {}).get("id") or "unknown"
    user = payload.get("user_id") or (payload.get("user") or {}).get("id") or "unknown"
    channel = payload.get("channel_id") or (payload.get("channel") or {}).get("id")
    return Who(team=str(team), user=str(user), channel=channel and str(channel))


# Commands whose answer depends on the person's time zone (their digest hour, a channel's).
NEEDS_TZ = {"channel", "digest", "subscribe"}


def time_zone(client, user: str) -> str | None:
    """The person's IANA time zone from users.info; None (UTC) if Slack will not say."""
    try:
        return client.users_info(user=user)["user"].get("tz")
    except SlackApiError as exc:
        log.warning("users.info failed for a /papers user: %s", error_code(exc))
    except (KeyError, TypeError):
        log.warning("users.info answered without a user")
    return None


def papers(handlers: Handlers):
    def handle_papers(ack, command, respond, client):
        ack()  # first and trivially: Slack wants it within 3 s
        with answered(respond, "your /papers command"):
            text = command.get("text") if isinstance(command.get("text"), str) else ""
            parsed: Command = parse(text)
            who = who_of(command)
            if parsed.name in NEEDS_TZ:
                who = replace(who, tz=time_zone(client, who.user))
            reply = handlers.handle(parsed, who)
            if parsed.name == "channel" and parsed.arg.lower().startswith("on") and who.channel:
                problem = check_channel(client, who.channel)
                if problem and isinstance(reply, Notice):
                    reply = Notice(f"{reply.text}\n{problem}", reply.items)
            respond(response_type="ephemeral", **paper_blocks.render(reply))

    return handle_papers
