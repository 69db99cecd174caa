"""Bolt listeners, one plain callback per concern, registered here."""

from slack_bolt import App

from bot.core.commands import Handlers
from bot.slack.blocks import MORE_ACTION
from bot.slack.listeners import actions, commands, errors, events
from bot.slack.work import WorkPool


def register(app: App, handlers: Handlers, pool: WorkPool) -> None:
    """Every listener on `app`; the work after each ack runs on `pool`."""
    app.command("/papers")(commands.papers(handlers, pool))
    app.action(MORE_ACTION)(actions.more_results(handlers, pool))
    app.event("app_uninstalled")(events.app_uninstalled(handlers.store))
    app.event("tokens_revoked")(events.tokens_revoked(handlers.store))
    app.error(errors.on_error)
