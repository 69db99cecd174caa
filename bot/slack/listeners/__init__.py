"""Bolt listeners, one plain callback per concern, registered here."""

from slack_bolt import App

from bot.core.commands import Handlers
from bot.slack.blocks import MORE_ACTION
from bot.slack.listeners import actions, commands, errors


def register(app: App, handlers: Handlers) -> None:
    app.command("/papers")(commands.papers(handlers))
    app.action(MORE_ACTION)(actions.more_results(handlers))
    app.error(errors.on_error)
