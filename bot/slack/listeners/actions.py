"""The "More results" button: the next page replaces the message."""

import json
import logging

from bot.core.commands import Command, Handlers
from bot.slack import blocks
from bot.slack.listeners.commands import who_of
from bot.slack.listeners.guard import answered

log = logging.getLogger(__name__)


def more_results(handlers: Handlers):
    def handle_more(ack, body, action, respond):
        ack()
        with answered(respond, "the More results button"):
            try:
                state = json.loads(action.get("value") or "")
                text, offset = str(state["q"]), int(state["o"])
            except (ValueError, KeyError, TypeError):
                log.warning("A More results button carried an unreadable value")
                respond(
                    response_type="ephemeral",
                    **blocks.problem("That button has expired; search again with /papers."),
                )
                return
            reply = handlers.handle(Command("search", text, max(0, offset)), who_of(body))
            respond(replace_original=True, response_type="ephemeral", **blocks.render(reply))

    return handle_more
