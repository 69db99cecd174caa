"""Block Kit builders for `/papers` answers: pure functions from core replies to messages.

Everything that came from a paper or a person is mrkdwn-escaped, and every text is clipped to
Slack's limits, however long the paper. Escaping happens in two places only: `escape()` for the
mrkdwn of the blocks, and `message()` for the top-level fallback `text`, which Slack also reads as
mrkdwn (notifications, screen readers). Builders hand `message()` the fallback as plain text, so a
title like `<think> & <!channel>` reaches a notification as text, never as a tag or a mention.
What a person typed (their topics) is shown back in `plain_text`, verbatim and inert.
"""

import json

from bot.core import labels, trending
from bot.core.models import StoredPaper
from bot.core.replies import Notice, Reply, Results, Trending, Usage
from bot.slack.buttons import SHARE_TRENDING, button, paper_actions

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_BUTTON = 75
MAX_CONTEXT = 2000
MAX_FALLBACK = 3000
MORE_ACTION = "papers_more"


def escape(text: str) -> str:
    """mrkdwn-escape the three characters Slack treats as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Text cut to `limit` characters at a word where possible, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def link(url: str, label: str) -> str:
    """A mrkdwn link; a `|` or `>` inside a stored URL cannot end the link early."""
    return f"<{escape(url).replace('|', '%7C')}|{escape(label)}>"


def authors_line(names: tuple[str, ...]) -> str:
    """The authors as a card shows them (`A, B, C et al.`), "Unknown authors" for none."""
    return labels.authors_line(names) or "Unknown authors"


def links_line(item: StoredPaper) -> str:
    """PDF · Code ★ 1.9k · HF page, each linked where the paper has it."""
    p = item.paper
    parts = [link(p.pdf_url, "PDF")]
    if p.code_url:
        stars = item.popularity.stars
        parts.append(link(p.code_url, f"Code ★ {trending.compact(stars)}" if stars else "Code"))
    if p.hf_url:
        parts.append(link(p.hf_url, "HF page"))
    return " · ".join(parts)


def paper_text(
    item: StoredPaper, number: int | None = None, *, limit: int = 300, links: bool = True
) -> str:
    """One paper as a section's mrkdwn: linked title, authors and date, why it trends, links.

    :param limit: characters of the title and of the authors line, each.
    """
    p = item.paper
    prefix = f"{number}. " if number else ""
    title = prefix + link(p.abs_url, clip(p.title, limit))
    meta = escape(clip(authors_line(p.authors), limit)) + f" · {p.published or 'undated'}"
    why = trending.why(item.popularity)
    lines = [f"*{title}*", meta]
    if why:
        lines.append(why)
    if links:
        lines.append(links_line(item))
    return clip("\n".join(lines), MAX_SECTION)


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION)}}


def plain_section(text: str) -> dict:
    """A section in plain_text: shown exactly as given, no markup, links or mentions."""
    return {"type": "section", "text": {"type": "plain_text", "text": clip(text, MAX_SECTION)}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_CONTEXT)}]}


def message(blocks: list[dict], fallback: str) -> dict:
    """A message payload: blocks within Slack's limit, plus fallback text for notifications.

    `fallback` is plain text (titles and topics as they are); it is escaped here, once.
    """
    return {"blocks": blocks[:MAX_BLOCKS], "text": escape(clip(fallback, MAX_FALLBACK))}


def more_value(query_text: str, offset: int) -> str:
    return json.dumps({"q": query_text, "o": offset}, ensure_ascii=False)


def results(reply: Results) -> dict:
    r = reply.result
    shown = f"{r.offset + 1}–{r.offset + len(r.papers)}"
    blocks = [context(f"Papers matching “{escape(r.query.text)}” · {shown}")]
    for number, item in enumerate(r.papers, r.offset + 1):
        blocks.append(section(paper_text(item, number)))
        blocks.append(paper_actions(item.paper.id, saved=item.paper.id in reply.saved))
    if r.has_more:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": MORE_ACTION,
                        "text": {"type": "plain_text", "text": clip("More results", MAX_BUTTON)},
                        "value": more_value(r.query.text, r.offset + len(r.papers)),
                    }
                ],
            }
        )
    titles = "; ".join(item.paper.title for item in r.papers)
    return message(blocks, f"Papers matching “{r.query.text}”: {titles}")


def trending_list(reply: Trending, shared_by: str | None = None) -> dict:
    """Today's trending list, privately with a "Share to channel" button; `shared_by` (a
    user id, checked by the caller) makes the copy posted in the channel, without it."""
    title = labels.trending_title(reply.day)
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    if reply.note:
        blocks.append(context(escape(reply.note)))
    for n, item in enumerate(reply.papers, 1):
        blocks.append(section(paper_text(item, n)))
        blocks.append(paper_actions(item.paper.id, saved=item.paper.id in reply.saved))
    if shared_by:
        blocks.insert(1, context(f"Shared by <@{shared_by}> with `/papers trending`"))
    elif reply.papers:
        share = button(SHARE_TRENDING, reply.day, style="primary")
        blocks.append({"type": "actions", "elements": [share]})
    return message(blocks, title)


def notice(reply: Notice) -> dict:
    """A sentence of ours in mrkdwn; one that lists a person's own words (their topics) is
    plain_text instead, so each topic shows exactly as typed and nothing in it is markup."""
    if not reply.items:
        return message([section(escape(reply.text))], reply.text)
    lines = [f"• {item}" for item in reply.items]
    text = "\n".join([reply.text, *lines])
    chunks, left = pack_lines([reply.text, *lines], MAX_BLOCKS - 1)
    if left:
        chunks.append(f"… and {left} more lines.")
    return message([plain_section(chunk) for chunk in chunks], text)


def pack_lines(lines: list[str], room: int) -> tuple[list[str], int]:
    """Lines packed into at most `room` texts of at most MAX_SECTION characters each, split
    between lines (a longer line is clipped); and how many lines, from the end, did not fit."""
    packed: list[str] = []
    for number, line in enumerate(lines):
        line = clip(line, MAX_SECTION)
        if packed and len(packed[-1]) + 1 + len(line) <= MAX_SECTION:
            packed[-1] += "\n" + line
        elif len(packed) < room:
            packed.append(line)
        else:
            return packed, len(lines) - number
    return packed, 0


def usage(reply: Usage) -> dict:
    rows = "\n".join(
        f"`{escape(u)}` — {escape(what)}, e.g. `{escape(example)}`"
        for u, what, example in reply.rows
    )
    blocks = [section(escape(reply.problem))] if reply.problem else []
    blocks.append(section(f"*How to use /papers*\n{rows}"))
    return message(blocks, (reply.problem + " " if reply.problem else "") + "How to use /papers")


def render(reply: Reply) -> dict:
    """Any core reply as a Slack message payload (`blocks` and fallback `text`)."""
    for kind, builder in (
        (Results, results),
        (Trending, trending_list),
        (Notice, notice),
        (Usage, usage),
    ):
        if isinstance(reply, kind):
            return builder(reply)
    raise TypeError(f"cannot render {reply!r}")


def problem(text: str) -> dict:
    """A one-line answer when something went wrong."""
    return message([section(f":warning: {escape(text)}")], text)
