"""`/papers`: ack at once, then parse, run the core, render, respond."""

import logging

from bot.core.commands import Command, Handlers, Who, parse
from bot.slack import blocks
from bot.slack.listeners.guard import answered

log = logging.getLogger(__name__)


def who_of(payload: dict) -> Who:
    """Who typed a command or clicked a button, from whatever fields the payload has."""
    team = payload.get("team_id") or (payload.get("team") or {}).get("id") or "unknown"
    user = payload.get("user_id") or (payload.get("user") or {}).get("id") or "unknown"
    channel = payload.get("channel_id") or (payload.get("channel") or {}).get("id")
    return Who(team=str(team), user=str(user), channel=channel and str(channel))


def papers(handlers: Handlers):
    def handle_papers(ack, command, respond, client):
        ack()  # first and trivially: Slack wants it within 3 s
        with answered(respond, "your /papers command"):
            text = command.get("text") if isinstance(command.get("text"), str) else ""
            parsed: Command = parse(text)
            who = who_of(command)
            reply = handlers.handle(parsed, who)
            respond(response_type="ephemeral", **blocks.render(reply))

    return handle_papers
