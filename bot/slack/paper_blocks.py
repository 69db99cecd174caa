"""Block Kit for what people do with papers: the saved list, BibTeX, More like this, link
previews (unfurl cards) and the Home tab. Pure functions, Slack's limits kept."""

from bot.core import labels
from bot.core.models import StoredPaper
from bot.core.replies import BibTeX, Reply, SavedList, Similar
from bot.slack import blocks as b
from bot.slack.buttons import (
    DIGEST,
    REMOVE_TOPIC,
    SAVE,
    UNSAVE,
    button,
    paper_actions,
    save_button,
)

SAVED_MORE = "papers_saved_more"
# A Home tab holds at most 100 blocks; these bounds keep it well inside whatever a person has.
MAX_VIEW_BLOCKS = 100
HOME_TOPICS = 25
HOME_SAVED = 20
HOME_TRENDING = 5
EXCERPT = 280
# BibTeX in code blocks of at most this many characters each (a section holds 3,000).
BIBTEX_CHUNK = 2900


def saved_list(reply: SavedList) -> dict:
    shown = f"{reply.offset + 1}–{reply.offset + len(reply.papers)} of {reply.total}"
    blocks = [b.context(f"Your saved papers, newest saved first · {shown}")]
    for number, item in enumerate(reply.papers, reply.offset + 1):
        blocks.append(b.section(b.paper_text(item, number)))
        blocks.append(paper_actions(item.paper.id, saved=True))
    if reply.has_more:
        next_offset = str(reply.offset + len(reply.papers))
        blocks.append(
            {"type": "actions", "elements": [button(SAVED_MORE, next_offset, "More saved papers")]}
        )
    blocks.append(b.context("`/papers saved bibtex` gives them as BibTeX."))
    titles = "; ".join(item.paper.title for item in reply.papers)
    return b.message(blocks, f"Your saved papers ({shown}): {titles}")


def bibtex_chunks(text: str, size: int = BIBTEX_CHUNK) -> list[str]:
    """BibTeX split between entries into pieces of at most `size` characters (an entry longer
    than that is cut into pieces of its own)."""
    pieces: list[str] = []
    for entry in text.strip().split("\n\n"):
        while len(entry) > size:
            pieces.append(entry[:size])
            entry = entry[size:]
        if pieces and len(pieces[-1]) + 2 + len(entry) <= size:
            pieces[-1] += "\n\n" + entry
        else:
            pieces.append(entry)
    return pieces


def bibtex(reply: BibTeX) -> dict:
    """The entries in code blocks (sections of at most 3,000 characters each)."""
    pieces = bibtex_chunks(reply.text)
    word = "entry" if reply.count == 1 else "entries"
    head = b.context(f"{reply.count} BibTeX {word} for your saved papers")
    room = b.MAX_BLOCKS - 2
    blocks = [head] + [b.section(f"```{b.escape(p)}```") for p in pieces[:room]]
    if len(pieces) > room:
        blocks.append(
            b.context("The list is longer than one message holds; unsave some to see all.")
        )
    return b.message(blocks, f"{reply.count} BibTeX {word}")


def similar(reply: Similar) -> dict:
    source = reply.source.paper
    blocks = [b.context(f"Papers like {b.link(source.abs_url, b.clip(source.title, 200))}")]
    for number, item in enumerate(reply.papers, 1):
        blocks.append(b.section(b.paper_text(item, number)))
        blocks.append(paper_actions(item.paper.id))
    titles = "; ".join(item.paper.title for item in reply.papers)
    return b.message(blocks, f"Papers like “{source.title}”: {titles}")


def render(reply: Reply) -> dict:
    """Any core reply as a message: the saved list, BibTeX and More like this here, the rest
    by `bot.slack.blocks.render`."""
    for kind, builder in ((SavedList, saved_list), (BibTeX, bibtex), (Similar, similar)):
        if isinstance(reply, kind):
            return builder(reply)
    return b.render(reply)


def unfurl_card(item: StoredPaper) -> dict:
    """One link preview: title (linked), authors, date, why it trends, an excerpt, Save."""
    p = item.paper
    blocks = [b.section(b.paper_text(item))]
    if p.abstract.strip():
        blocks.append(b.context(b.escape(b.clip(" ".join(p.abstract.split()), EXCERPT))))
    blocks.append({"type": "actions", "elements": [save_button(p.id)]})
    return {"blocks": blocks}


def _with_button(text: str, element: dict) -> dict:
    block = b.section(text)
    block["accessory"] = element
    return block


def home_view(
    digest_text: str,
    digest_on: bool,
    topics: list[str],
    saved: list[StoredPaper],
    saved_total: int,
    trending_papers: list[StoredPaper],
    trending_day: str | None,
    saved_ids: set[str],
    weekly: bool = False,
) -> dict:
    """A person's Home tab (a `views.publish` view), newest saved first, within 100 blocks."""
    header = {"type": "header", "text": {"type": "plain_text", "text": "papers-bot"}}
    blocks: list[dict] = [header, b.section("*Your digest*\n" + b.escape(digest_text))]
    blocks.append(
        {
            "type": "actions",
            "elements": [
                button(DIGEST, "off", "Turn digest off")
                if digest_on
                else button(DIGEST, "on", "Turn digest on", style="primary"),
                button(DIGEST, "daily", "Make it daily")
                if weekly
                else button(DIGEST, "weekly", "Make it weekly (Mondays)"),
            ],
        }
    )
    blocks += [{"type": "divider"}, b.section(f"*Your topics* ({len(topics)})")]
    if not topics:
        blocks.append(b.context("None yet: `/papers subscribe diffusion video` adds one."))
    for topic in topics[:HOME_TOPICS]:
        blocks.append(_with_button(b.escape(topic), button(REMOVE_TOPIC, topic)))
    blocks += [{"type": "divider"}, b.section(f"*Your saved papers* ({saved_total})")]
    if not saved:
        blocks.append(b.context("None yet: click Save on any paper."))
    for item in saved[:HOME_SAVED]:
        blocks.append(
            _with_button(b.paper_text(item, limit=200, links=False), button(UNSAVE, item.paper.id))
        )
    if saved_total > min(len(saved), HOME_SAVED):
        more = saved_total - min(len(saved), HOME_SAVED)
        blocks.append(b.context(f"and {more} more — `/papers saved` lists them all."))
    if trending_papers:
        label = labels.day_label(trending_day, year=False) if trending_day else ""
        blocks += [{"type": "divider"}, b.section(f"*Trending today* · {label}".rstrip(" ·"))]
        for item in trending_papers[:HOME_TRENDING]:
            saved_now = item.paper.id in saved_ids
            element = button(UNSAVE if saved_now else SAVE, item.paper.id)
            blocks.append(_with_button(b.paper_text(item, limit=200, links=False), element))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}
