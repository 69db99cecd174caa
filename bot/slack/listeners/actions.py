"""The "More results" button: the next page replaces the message."""

import logging

from bot.core.commands import Command, Handlers, Who
from bot.slack import blocks
from bot.slack.listeners.guard import BUSY, answered, tell
from bot.slack.payloads import ForgedPayload, MorePage, clicker, more_page
from bot.slack.work import WorkPool

log = logging.getLogger(__name__)
EXPIRED = "That button has expired; search again with /papers."


def next_page(handlers: Handlers, page: MorePage, who: Who, respond) -> None:
    """The work after the ack: search the next page and replace the message with it."""
    with answered(respond, "the More results button"):
        reply = handlers.handle(Command("search", page.query, page.offset), who)
        respond(replace_original=True, response_type="ephemeral", **blocks.render(reply))


def more_results(handlers: Handlers, pool: WorkPool):
    def handle_more(ack, body, action, respond):
        ack()
        try:
            who = clicker(body)
            page = more_page(action.get("value") if isinstance(action, dict) else None)
        except ForgedPayload as exc:
            log.warning("Refused a More results click: %s", exc)
            tell(respond, EXPIRED)
            return
        if not pool.submit(lambda: next_page(handlers, page, who, respond), "a More results click"):
            log.warning("Too busy for a More results click; answered 'busy'")
            tell(respond, BUSY)

    return handle_more
