"""Bolt listeners, one plain callback per concern, registered here."""

from slack_bolt import App

from bot.core.commands import Handlers
from bot.slack import buttons, paper_blocks
from bot.slack.blocks import MORE_ACTION
from bot.slack.listeners import actions, commands, errors, events, home, links, paper_buttons
from bot.slack.work import WorkPool


def register(app: App, handlers: Handlers, pool: WorkPool) -> None:
    """Every listener on `app`; the work after each ack runs on `pool`."""
    app.command("/papers")(commands.papers(handlers, pool))
    app.action(MORE_ACTION)(actions.more_results(handlers, pool))
    app.event("app_uninstalled")(events.app_uninstalled(handlers.store))
    app.event("tokens_revoked")(events.tokens_revoked(handlers.store))
    click = paper_buttons.clicks(handlers, pool.submit)
    for action_id in (
        *buttons.PAPER_ACTIONS,
        buttons.REMOVE_TOPIC,
        buttons.DIGEST,
        paper_blocks.SAVED_MORE,
    ):
        app.action(action_id)(click)
    app.action(buttons.SHARE_TRENDING)(paper_buttons.shares(handlers, pool.submit))
    app.event("app_home_opened")(home.home_opened(handlers, pool.submit))
    app.event("link_shared")(links.link_shared(handlers, pool.submit))
    app.error(errors.on_error)
