"""Block Kit builders for the daily thread and the personal DM: pure functions, Slack's limits kept.

Each returns a message payload (`blocks` and fallback `text`). Everything that came from a paper
or a person is mrkdwn-escaped; sections stay under 3,000 characters and messages under 50 blocks.
"""

from bot.core import trending
from bot.core.digest import day_label
from bot.core.models import StoredPaper
from bot.slack.blocks import (
    MAX_BLOCKS,
    MAX_SECTION,
    authors_line,
    clip,
    context,
    escape,
    link,
    links_line,
    message,
    section,
)
from bot.slack.buttons import paper_actions

MAX_HEADER = 150
EXCERPT = 500
LIST_TITLE = 200


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, MAX_HEADER)}}


def sections(lines: list[str], room: int) -> list[dict]:
    """Lines packed into as few sections as fit 3,000 characters each, at most `room` of them."""
    packed: list[str] = []
    for line in lines:
        line = clip(line, MAX_SECTION)
        if packed and len(packed[-1]) + 1 + len(line) <= MAX_SECTION:
            packed[-1] += "\n" + line
        else:
            packed.append(line)
    return [section(text) for text in packed[:room]]


def list_line(number: int, item: StoredPaper) -> str:
    line = f"{number}. {link(item.paper.abs_url, clip(item.paper.title, LIST_TITLE))}"
    why = trending.why(item.popularity)
    return f"{line} · {why}" if why else line


def thread_parent(day: str, papers: list[StoredPaper]) -> dict:
    """The parent: a header with the date and the papers as a numbered compact list."""
    title = f"Trending papers · {day_label(day)}"
    blocks = [header(title)]
    blocks += sections([list_line(n, p) for n, p in enumerate(papers, 1)], MAX_BLOCKS - 2)
    blocks.append(context("One reply per paper in the thread: abstract and links."))
    titles = "; ".join(f"{n}. {p.paper.title}" for n, p in enumerate(papers, 1))
    return message(blocks, f"{title}: {titles}")


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """About `limit` characters of an abstract, cut at a word."""
    return clip(" ".join(text.split()), limit)


def thread_reply(number: int, item: StoredPaper) -> dict:
    """One paper in the thread: linked title, authors, date, categories, why, abstract, links."""
    p = item.paper
    meta = [escape(authors_line(p.authors)), p.published or "undated"]
    if p.categories:
        meta.append(escape(" ".join(p.categories[:4])))
    lines = [f"*{number}. {link(p.abs_url, clip(p.title, 300))}*", " · ".join(meta)]
    why = trending.why(item.popularity)
    if why:
        lines.append(why)
    blocks = [section("\n".join(lines))]
    if p.abstract.strip():
        blocks.append(section(escape(excerpt(p.abstract))))
    blocks.append(context(links_line(item)))
    blocks.append(paper_actions(p.id))  # Save and More like this, for whoever clicks
    fallback = f"{number}. {p.title} — {authors_line(p.authors)}"
    return message(blocks, fallback + (f" · {why}" if why else ""))


def nothing_new(day: str, reason: str) -> dict:
    """The one short message of a day with nothing new for the channel."""
    text = f"No new trending papers for {day_label(day)}: {reason}"
    return message([section(escape(text))], text)


def personal(day: str, groups: list[tuple[str, list[StoredPaper]]], more: dict[str, int]) -> dict:
    """The DM: new papers grouped by topic, with `and N more — /papers <topic>` per topic."""
    count = sum(len(papers) for _, papers in groups)
    title = f"New papers on your topics · {day_label(day)}"
    blocks = [header(title)]
    # Each paper its own section with Save, More like this and Not interested under it;
    # a topic's heading and its "and N more" are packed with the paper before them.
    lines: list[str] = []

    def flush() -> None:
        blocks.extend(sections(lines, 1))
        lines.clear()

    for topic, papers in groups:
        lines.append(f"*{escape(topic)}*")
        for item in papers:
            p = item.paper
            why = trending.why(item.popularity)
            line = f"• {link(p.abs_url, clip(p.title, LIST_TITLE))} — "
            line += escape(clip(authors_line(p.authors), 120))
            lines.append(line + (f" · {why}" if why else ""))
            flush()
            blocks.append(paper_actions(p.id, not_interested=True))
        if more.get(topic):
            lines.append(f"and {more[topic]} more — `/papers {escape(topic)}`")
    for topic, n in more.items():
        if topic not in {t for t, _ in groups}:
            lines.append(f"*{escape(topic)}*: {n} more — `/papers {escape(topic)}`")
    if lines:
        flush()
    blocks = blocks[: MAX_BLOCKS - 1]
    blocks.append(context("`/papers digest off` stops these; `/papers topics` lists your topics."))
    papers_word = "paper" if count == 1 else "papers"
    topics = ", ".join(t for t, _ in groups)
    return message(blocks, f"{title}: {count} new {papers_word} on {topics}")
