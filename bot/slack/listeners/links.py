"""Link previews: `link_shared` for arxiv.org, huggingface.co/papers and alphaxiv.org links,
answered with `chat.unfurl` paper cards. A paper not stored is fetched (bot.lookup); a link
the bot does not handle, or an id no source knows, gets no card rather than a wrong one."""

import logging

from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.core import ids
from bot.core.commands import Handlers
from bot.core.models import StoredPaper
from bot.errors import PaperNotFound, SourceUnavailable, StoreError
from bot.slack import paper_blocks
from bot.slack.client import error_code

log = logging.getLogger(__name__)
# Slack sends at most a handful of links per message; more are not worth a card each.
MAX_LINKS = 10


def _paper(handlers: Handlers, paper_id: str) -> StoredPaper | None:
    found = handlers.stored(paper_id)
    if found is not None or handlers.fetch_paper is None:
        return found
    try:
        return handlers.fetch_paper(paper_id)
    except (PaperNotFound, SourceUnavailable) as exc:
        log.info("No link preview for %s: %s", paper_id, exc)
        return None


def cards(handlers: Handlers, links: object) -> dict[str, dict]:
    """URL → unfurl card for each paper link among `links` (link_shared's `links`)."""
    out: dict[str, dict] = {}
    if not isinstance(links, list):
        return out
    for link in links[:MAX_LINKS]:
        url = link.get("url") if isinstance(link, dict) else None
        paper_id = ids.paper_id_in(url) if isinstance(url, str) and "://" in url else None
        if paper_id is None or url in out:
            continue
        try:
            item = _paper(handlers, paper_id)
        except StoreError as exc:
            log.warning("No link preview for %s: %s", paper_id, exc)
            continue
        if item is not None:
            out[url] = paper_blocks.unfurl_card(item)
    return out


def link_shared(handlers: Handlers, run=None):
    """`link_shared`: paper cards through chat.unfurl. `run(job, what)` runs the work (a
    lookup can take seconds) off Bolt's threads (WorkPool.submit); inline when None."""

    def handle_link_shared(event, client):
        if not isinstance(event, dict):
            return
        if run is None:
            unfurl(handlers, event, client)
        elif not run(lambda: unfurl(handlers, event, client), "a link_shared event"):
            log.warning("Too busy for a link_shared event; those links get no card")

    return handle_link_shared


def unfurl(handlers: Handlers, event: dict, client) -> None:
    """The work of one link_shared event: cards for its paper links, sent with chat.unfurl."""
    unfurls = cards(handlers, event.get("links"))
    if not unfurls:
        return
    where = (
        {"source": event["source"], "unfurl_id": event["unfurl_id"]}
        if event.get("source") == "composer" and event.get("unfurl_id")
        else {"channel": event.get("channel"), "ts": event.get("message_ts")}
    )
    try:
        client.chat_unfurl(unfurls=unfurls, **where)
    except SlackApiError as exc:
        log.warning("chat.unfurl failed: %s", error_code(exc))
    except (SlackRequestError, OSError) as exc:
        log.warning("Could not reach Slack to unfurl links: %s", exc)
