"""Clicks on paper cards (Save, Unsave, More like this, Not interested), on the Home tab
(Remove a topic, digest on/off) and on "More saved papers".

Each listener acks first, then checks who clicked and what the button carried: a value that
is not what the bot sent (no arXiv id, a paper not stored, a topic the person does not follow)
is answered with one line and changes nothing. A click on a message is answered through its
response_url, privately; a click in the Home tab has none, so the refreshed Home tab is the
answer, with the outcome in a line at its top.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import replace

from bot.core.commands import Command, Handlers, Notice, Trending, Who
from bot.errors import PapersError
from bot.slack import blocks, buttons, paper_blocks
from bot.slack.client import for_person
from bot.slack.listeners import home
from bot.slack.listeners.guard import BUSY, answered, tell
from bot.slack.payloads import ForgedPayload, clicker

log = logging.getLogger(__name__)
STALE = "That button is not one I can act on any more; try /papers again."
# What each paper button does, by action id: a Handlers method taking (who, arXiv id text).
PAPER_METHODS = {
    buttons.SAVE: "save",
    buttons.UNSAVE: "unsave",
    buttons.MORE_LIKE: "more_like",
    buttons.NOT_INTERESTED: "not_interested",
}
# Clicks that change what the Home tab shows.
CHANGES_HOME = {buttons.SAVE, buttons.UNSAVE, buttons.REMOVE_TOPIC, buttons.DIGEST}
Run = Callable[[Callable[[], None], str], object]
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def inline(job: Callable[[], None], what: str) -> bool:
    """Run the work after the ack right here (a WorkPool's `submit` can stand in for it)."""
    job()
    return True


class BadClick(PapersError):
    """A button click whose payload is not one the bot sent."""


def value_of(action: object) -> str:
    """The button's value: a string of at most 2,000 characters, else BadClick."""
    value = action.get("value") if isinstance(action, dict) else None
    if not isinstance(value, str) or not value or len(value) > buttons.MAX_VALUE:
        raise BadClick("the button value is not a short string")
    return value


def from_home(body: dict) -> bool:
    container = body.get("container") if isinstance(body, dict) else None
    return isinstance(container, dict) and container.get("type") == "view"


def _carry_out(handlers: Handlers, action_id: str, who: Who, value: str):
    """The core reply to one click."""
    if action_id in PAPER_METHODS:
        return getattr(handlers, PAPER_METHODS[action_id])(who, value)
    if action_id == buttons.REMOVE_TOPIC:
        return handlers.handle(Command("unsubscribe", value), who)
    if action_id == buttons.DIGEST:
        if value not in ("on", "off", "daily", "weekly"):
            raise BadClick("the digest button carried none of on, off, daily, weekly")
        return handlers.handle(Command("digest", value), who)
    if action_id == paper_blocks.SAVED_MORE:
        if not value.isdigit() or int(value) > 10_000:
            raise BadClick("the page is not a small whole number")
        return handlers.handle(Command("saved", "", int(value)), who)
    raise BadClick(f"unknown action {action_id}")


def _answer_message(handlers, client, action_id, who, value, respond) -> None:
    with answered(respond, f"the {buttons.LABELS.get(action_id, 'More saved papers')} button"):
        try:
            reply = _carry_out(handlers, action_id, who, value)
        except BadClick as exc:
            log.warning("Refused a %s click: %s", action_id, exc)
            reply = Notice(STALE)
        replace = action_id == paper_blocks.SAVED_MORE
        respond(
            response_type="ephemeral",
            replace_original=replace,
            **paper_blocks.render(reply),
        )
    if action_id in CHANGES_HOME:
        home.publish(handlers, client, who)


def _answer_home(handlers, client, action_id, who, value) -> None:
    try:
        reply = _carry_out(handlers, action_id, who, value)
        note = reply.text if isinstance(reply, Notice) else ""
    except BadClick as exc:
        log.warning("Refused a Home tab %s click: %s", action_id, exc)
        note = STALE
    except PapersError as exc:  # a paper no longer stored, a store that cannot be used
        log.info("Could not carry out a Home tab click: %s", exc)
        note = str(exc)
    home.publish(handlers, client, who, note)


def _share_trending(handlers, who: Who, day: str, respond) -> None:
    """Post the trending list into the channel where it was shown, for everyone there."""
    with answered(respond, "the Share to channel button"):
        reply = handlers.handle(Command("trending", ""), who)
        if not isinstance(reply, Trending) or reply.day != day:
            tell(respond, "That list has changed since; type `/papers trending` for today's.")
            return
        shared = blocks.trending_list(replace(reply, saved=frozenset()), shared_by=who.user)
        respond(response_type="in_channel", replace_original=False, **shared)


def shares(handlers: Handlers, run: Run = inline):
    """The listener for "Share to channel" under a private `/papers trending` answer."""

    def handle_share(ack, body, action, respond):
        ack()
        try:
            who = clicker(body)
            day = value_of(action)
            if not _DAY.fullmatch(day) or respond is None:
                raise BadClick("the share button carried no day, or came with no response_url")
        except (BadClick, ForgedPayload) as exc:
            log.warning("Refused a share click: %s", exc)
            if respond is not None:
                tell(respond, STALE)
            return
        if not run(lambda: _share_trending(handlers, who, day, respond), "a share click"):
            tell(respond, BUSY)

    return handle_share


def clicks(handlers: Handlers, run: Run = inline):
    """The listener for every paper and Home tab button (`app.action` by action_id)."""

    def handle_click(ack, body, action, respond, client):
        ack()
        action_id = action.get("action_id") if isinstance(action, dict) else None
        on_home = from_home(body)
        try:
            who = clicker(body)
            value = value_of(action)
        except (BadClick, ForgedPayload) as exc:
            log.warning("Refused a button click: %s", exc)
            if respond is not None and not on_home:
                tell(respond, STALE)
            return
        quick = for_person(client)  # a long Retry-After is not waited out while a person waits
        if on_home:
            job = lambda: _answer_home(handlers, quick, action_id, who, value)  # noqa: E731
        else:
            job = lambda: _answer_message(handlers, quick, action_id, who, value, respond)  # noqa: E731
        if not run(job, "a button click"):
            log.warning("Too busy for a %s click; answered 'busy'", action_id)
            if on_home:
                home.publish(handlers, quick, who, BUSY)
            else:
                tell(respond, BUSY)

    return handle_click
