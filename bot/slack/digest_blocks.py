"""Block Kit builders for the daily thread and the personal DM: pure functions, Slack's limits kept.

Each returns a message payload (`blocks` and fallback `text`). Everything that came from a paper
or a person is mrkdwn-escaped; sections stay under 3,000 characters and messages under 50 blocks.
"""

from bot.core import trending
from bot.core.labels import date_words, day_label, trending_title
from bot.core.models import StoredPaper
from bot.slack.blocks import (
    MAX_BLOCKS,
    authors_line,
    clip,
    context,
    escape,
    link,
    links_line,
    message,
    pack_lines,
    section,
)
from bot.slack.buttons import paper_actions

MAX_HEADER = 150
EXCERPT = 500
LIST_TITLE = 200
SUMMARY = 220


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, MAX_HEADER)}}


def sections(lines: list[str], room: int) -> list[dict]:
    """Lines packed into as few sections as fit 3,000 characters each, at most `room` of them."""
    return [section(text) for text in pack_lines(lines, room)[0]]


def summary(paper) -> str:
    """Hugging Face's one-line `ai_summary` when there is one, else the abstract's first
    sentence, at most SUMMARY characters."""
    text = " ".join((paper.ai_summary or "").split())
    if not text:
        abstract = " ".join(paper.abstract.split())
        end = abstract.find(". ", 20)
        text = abstract[: end + 1] if end > 0 else abstract
    return clip(text, SUMMARY)


def list_line(number: int, item: StoredPaper) -> str:
    line = f"{number}. {link(item.paper.abs_url, clip(item.paper.title, LIST_TITLE))}"
    why = trending.why_words(item.popularity)
    return f"{line} · {why}" if why else line


def thread_parent(day: str, papers: list[StoredPaper]) -> dict:
    """The parent: a header with the date and the papers as a numbered compact list."""
    title = trending_title(day)
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
    meta = [escape(authors_line(p.authors)), date_words(p.published) or "undated"]
    if p.categories:
        meta.append(escape(" ".join(p.categories[:4])))
    lines = [f"*{number}. {link(p.abs_url, clip(p.title, 300))}*", " · ".join(meta)]
    why = trending.why_words(item.popularity)
    if why:
        lines.append(why)
    if p.ai_summary:
        lines.append("_" + escape(summary(p)) + "_")
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


def dm_line(item: StoredPaper, also: list[str] | None = None) -> str:
    """One paper in the DM: linked title; first authors, date, figures in words; its summary;
    code and HF links; the person's other topics it matches."""
    p = item.paper
    meta = [escape(clip(authors_line(p.authors), 120))]
    meta += [x for x in (date_words(p.published), trending.why_words(item.popularity)) if x]
    lines = [f"• {link(p.abs_url, clip(p.title, LIST_TITLE))}", "   " + " · ".join(meta)]
    text = summary(p)
    if text:
        lines.append("   _" + escape(text) + "_")
    extra = []
    if p.code_url:
        extra.append(link(p.code_url, "Code"))
    if p.hf_url:
        extra.append(link(p.hf_url, "HF page"))
    if also:
        extra.append("also on " + escape(clip(", ".join(also), 200)))
    if extra:
        lines.append("   " + " · ".join(extra))
    return "\n".join(lines)


def personal(
    day: str,
    groups: list[tuple[str, list[StoredPaper]]],
    more: dict[str, int],
    also: dict[str, list[str]] | None = None,
) -> dict:
    """The DM: new papers grouped by topic, with `and N more — /papers <topic>` per topic.

    :param also: paper id → the person's other topics it matches, noted on its line.
    """
    also = also or {}
    count = sum(len(papers) for _, papers in groups)
    title = f"New papers on your topics · {day_label(day)}"
    blocks = [header(title)]
    # Each paper its own section with Save, More like this and Not interested under it, as
    # far as 50 blocks allow (23 papers); a topic's heading and its "and N more" are packed
    # with the paper after them, and papers past the 23rd are listed without buttons.
    lines: list[str] = []
    with_buttons = (MAX_BLOCKS - 4) // 2

    def flush() -> None:
        blocks.extend(sections(lines, 1))
        lines.clear()

    for topic, papers in groups:
        lines.append(f"*{escape(topic)}*")
        for item in papers:
            lines.append(dm_line(item, also.get(item.paper.id)))
            if with_buttons:
                with_buttons -= 1
                flush()
                blocks.append(paper_actions(item.paper.id, not_interested=True))
        if more.get(topic):
            lines.append(f"and {more[topic]} more — `/papers {escape(topic)}`")
    for topic, n in more.items():
        if topic not in {t for t, _ in groups}:
            lines.append(f"*{escape(topic)}*: {n} more — `/papers {escape(topic)}`")
    blocks += sections(lines, MAX_BLOCKS - 1 - len(blocks))
    blocks.append(context("`/papers digest off` stops these; `/papers topics` lists your topics."))
    papers_word = "paper" if count == 1 else "papers"
    topics = ", ".join(t for t, _ in groups)
    return message(blocks, f"{title}: {count} new {papers_word} on {topics}")


# -- minimal renderings ---------------------------------------------------------------------
# Posted once in place of a message Slack refused for its content (msg_too_long,
# invalid_blocks, ...): plain escaped text, no blocks, short, so whatever tripped Slack is gone.
SAFE_TITLE = 150
SAFE_TEXT = 2_000


def _safe(text: str) -> dict:
    return {"text": escape(clip(text, SAFE_TEXT))}


def safe_reply(number: int, item: StoredPaper) -> dict:
    """One paper as one plain line: number, title, arXiv link."""
    return _safe(f"{number}. {clip(item.paper.title, SAFE_TITLE)} {item.paper.abs_url}")


def safe_parent(day: str, count: int) -> dict:
    return _safe(f"{trending_title(day)}: {count} papers, one per reply below.")


def safe_nothing_new(day: str) -> dict:
    return _safe(f"No new trending papers for {day_label(day)}.")


def safe_personal(day: str, groups: list[tuple[str, list[StoredPaper]]]) -> dict:
    """The DM as plain lines: each topic, then each paper's title and arXiv link."""
    lines = [f"New papers on your topics · {day_label(day)}"]
    for topic, papers in groups:
        lines.append(clip(topic, SAFE_TITLE) + ":")
        lines += [f"• {clip(p.paper.title, SAFE_TITLE)} {p.paper.abs_url}" for p in papers]
    return _safe("\n".join(lines))
