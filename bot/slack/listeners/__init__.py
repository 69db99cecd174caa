"""Bolt listeners, one plain callback per concern, registered here."""

from slack_bolt import App

from bot.core.commands import Handlers
from bot.slack import buttons, paper_blocks
from bot.slack.blocks import MORE_ACTION
from bot.slack.listeners import actions, commands, errors, home, links, paper_buttons


def register(app: App, handlers: Handlers) -> None:
    app.command("/papers")(commands.papers(handlers))
    app.action(MORE_ACTION)(actions.more_results(handlers))
    click = paper_buttons.clicks(handlers)
    for action_id in (
        *buttons.PAPER_ACTIONS,
        buttons.REMOVE_TOPIC,
        buttons.DIGEST,
        paper_blocks.SAVED_MORE,
    ):
        app.action(action_id)(click)
    app.event("app_home_opened")(home.home_opened(handlers))
    app.event("link_shared")(links.link_shared(handlers))
    app.error(errors.on_error)
