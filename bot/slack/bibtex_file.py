"""A BibTeX list longer than one message: shared as a `.bib` file in the person's DM.

slack_sdk's `files_upload_v2` (files.getUploadURLExternal, the upload, then
files.completeUploadExternal) into the DM the bot opens with `conversations.open`, so only that
person sees it. An install without `files:write` (made before it was added) falls back to the
message that shows what fits.
"""

import logging

from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.core.commands import Notice, Who
from bot.core.replies import BibTeX
from bot.slack import paper_blocks
from bot.slack.client import error_code

log = logging.getLogger(__name__)
FILENAME = "saved-papers.bib"
# More pieces than this (each up to 2,900 characters) go to a file instead of a message.
IN_MESSAGE = 12


def too_long(reply: BibTeX) -> bool:
    return len(paper_blocks.bibtex_chunks(reply.text)) > IN_MESSAGE


def share(client, who: Who, reply: BibTeX) -> BibTeX | Notice:
    """Upload the entries to the person's DM; a Notice saying where, or `reply` if Slack
    refused (then the message shows what fits)."""
    word = "entry" if reply.count == 1 else "entries"
    try:
        dm = client.conversations_open(users=who.user)["channel"]["id"]
        client.files_upload_v2(
            channel=dm,
            content=reply.text,
            filename=FILENAME,
            title=f"Your saved papers: {reply.count} BibTeX {word}",
        )
    except SlackApiError as exc:
        log.warning("Could not share BibTeX as a file: %s", error_code(exc))
        return reply
    except (SlackRequestError, OSError, KeyError, TypeError) as exc:
        log.warning("Could not share BibTeX as a file: %s", exc)
        return reply
    return Notice(
        f"Your {reply.count} BibTeX {word} are longer than one message: they are in "
        f"{FILENAME}, in our direct messages."
    )
