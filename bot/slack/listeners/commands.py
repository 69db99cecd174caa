"""`/papers`: ack at once, check the payload, then parse, run the core, render, respond.

Everything after `ack()` that can be slow (users.info, the search, Slack's answer) runs on the
WorkPool, never on the Bolt thread that acks: one rate-limited call delays one answer.
"""

import logging
from dataclasses import replace

from bot.core.commands import Command, Handlers, Notice, parse
from bot.core.replies import BibTeX
from bot.slack import bibtex_file, paper_blocks
from bot.slack.client import for_person, time_zone
from bot.slack.delivery import check_channel
from bot.slack.listeners import home
from bot.slack.listeners.guard import BUSY, answered, tell
from bot.slack.payloads import CommandTooLong, ForgedPayload, SlashCommand, slash_command
from bot.slack.work import WorkPool

log = logging.getLogger(__name__)

# Commands whose answer depends on the person's time zone (their digest hour, a channel's).
# Commands that change what the person's Home tab shows: it is published again after them.
CHANGES_HOME = {"subscribe", "unsubscribe", "save", "unsave", "digest"}
NEEDS_TZ = {"channel", "digest", "subscribe"}


def answer(handlers: Handlers, typed: SlashCommand, respond, client) -> None:
    """The work after the ack: run the command and respond with its answer (on the WorkPool)."""
    client = for_person(client)  # a long Retry-After is not waited out while a person waits
    with answered(respond, "your /papers command"):
        parsed: Command = parse(typed.text)
        who = typed.who
        if parsed.name in NEEDS_TZ:
            who = replace(who, tz=time_zone(client, who.user))
        reply = handlers.handle(parsed, who)
        verb = parsed.arg.lower().split(" ")[0]
        if parsed.name == "channel" and verb in ("on", "status") and who.channel:
            problem = check_channel(client, who.channel)
            if problem and isinstance(reply, Notice):
                reply = Notice(f"{reply.text}\n{problem}", reply.items)
        if isinstance(reply, BibTeX) and bibtex_file.too_long(reply):
            reply = bibtex_file.share(client, who, reply)
        respond(response_type="ephemeral", **paper_blocks.render(reply))
    if parsed.name in CHANGES_HOME and parsed.arg.strip().lower() not in ("", "status"):
        home.publish(handlers, client, who)


def papers(handlers: Handlers, pool: WorkPool):
    def handle_papers(ack, command, respond, client):
        ack()  # first and trivially: Slack wants it within 3 s
        try:
            typed = slash_command(command)
        except CommandTooLong as exc:
            tell(respond, str(exc))
            return
        except ForgedPayload as exc:
            log.warning("Refused a /papers payload: %s", exc)
            tell(respond, "Slack sent that command in a shape I cannot read; please try again.")
            return
        if not pool.submit(lambda: answer(handlers, typed, respond, client), "a /papers command"):
            log.warning("Too busy for a /papers command; answered 'busy'")
            tell(respond, BUSY)

    return handle_papers
