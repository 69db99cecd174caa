"""Every message builder, fed hostile titles, authors and topics: nothing reaches Slack as markup.

Slack reads the blocks' mrkdwn and the top-level fallback `text` alike as mrkdwn: a raw `<think>`
becomes a broken link, `<!channel>` pings everyone. Both must carry the text escaped, once.
"""

import re

import pytest

from bot.core import query
from bot.core.models import Paper, Popularity, StoredPaper
from bot.core.replies import Notice, Results, Trending, Usage
from bot.core.search import SearchResult
from bot.slack import blocks, digest_blocks

HOSTILE = ["<think>", "</think>", "&", "<!channel>", "<!here>", "*bold*", "<@U123>", "&lt;"]
TITLE = "<think> Less & More: <!channel> *bold* p<0.05 &lt;x&gt;"
# Our own links: <https://…|label>. Everything else must hold no < or > and only whole entities.
OUR_LINK = re.compile(r"<https?://[^<>|\s]+\|[^<>]*>")
BARE_AMP = re.compile(r"&(?!amp;|lt;|gt;)")


def paper(n: int, title: str = TITLE) -> StoredPaper:
    return StoredPaper(
        Paper(
            f"2611.0000{n}",
            title,
            "Abstract <script> & <!everyone>",
            authors=("Ann <@U999>", "Bo & Co"),
            published="2026-11-27",
            categories=("cs.CL", "<!here>"),
            code_url="https://github.com/x/y|<!channel>",
            hf_url=f"https://huggingface.co/papers/2611.0000{n}",
        ),
        Popularity(upvotes=12, stars=1900, comments=3),
    )


def messages() -> dict[str, dict]:
    papers = [paper(1), paper(2)]
    result = SearchResult(query.parse("<think> & *x*"), papers, 0, 5, has_more=True)
    return {
        "results": blocks.render(Results(result)),
        "trending": blocks.render(Trending("2026-11-28", papers, note="<!channel> & co")),
        "notice": blocks.render(Notice("No papers match “<think> & co”.")),
        "notice with topics": blocks.render(Notice("You follow 2 topics:", ("r&d", "<!here>"))),
        "usage": blocks.render(Usage("<think> is not a command & never was")),
        "problem": blocks.problem("Slack refused <!channel> & more"),
        "thread parent": digest_blocks.thread_parent("2026-11-28", papers),
        "thread reply": digest_blocks.thread_reply(1, papers[0]),
        "nothing new": digest_blocks.nothing_new("2026-11-28", "<!here> & nothing"),
        "personal": digest_blocks.personal(
            "2026-11-28", [("<think> & co", papers)], {"<think> & co": 3, "*x*": 2}
        ),
    }


def text_objects(node, kind=None):
    """Every (type, text) of the Block Kit text objects inside `node`."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node["type"], node["text"]
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from text_objects(value)


def assert_inert_mrkdwn(text: str, where: str) -> None:
    outside_links = OUR_LINK.sub("", text)
    assert "<" not in outside_links and ">" not in outside_links, f"{where}: {text!r}"
    assert not BARE_AMP.search(text), f"{where}: bare & in {text!r}"
    for link in OUR_LINK.findall(text):
        assert "<!" not in link and "<@" not in link, f"{where}: {link!r}"


@pytest.mark.parametrize("name", list(messages()))
def test_fallback_text_and_blocks_are_escaped_alike(name):
    message = messages()[name]
    assert message["text"], name
    assert_inert_mrkdwn(message["text"], f"{name} text")
    for kind, text in text_objects(message["blocks"]):
        if kind == "mrkdwn":
            assert_inert_mrkdwn(text, f"{name} block")
        else:  # plain_text is shown as is: never escaped, so never double-escaped either
            assert "&amp;" not in text, f"{name}: {text!r}"


def test_titles_are_escaped_once_not_twice():
    message = blocks.render(Notice("No papers match “Q&A”."))
    assert message["text"] == "No papers match “Q&amp;A”."
    assert message["blocks"][0]["text"]["text"] == "No papers match “Q&amp;A”."
    reply = digest_blocks.thread_reply(1, paper(1, "Q&A <think>"))
    assert reply["text"].startswith("1. Q&amp;A &lt;think&gt; — ")
    assert "|Q&amp;A &lt;think&gt;>" in reply["blocks"][0]["text"]["text"]


def test_topics_are_shown_as_typed_in_plain_text():
    message = blocks.render(Notice("You follow 2 topics:", ("r&d", "*bold* <!here>")))
    (section,) = message["blocks"]
    assert section["text"] == {
        "type": "plain_text",
        "text": "You follow 2 topics:\n• r&d\n• *bold* <!here>",
    }
    assert message["text"] == "You follow 2 topics:\n• r&amp;d\n• *bold* &lt;!here&gt;"


def test_a_stored_link_cannot_close_its_mrkdwn_link_early():
    assert blocks.link("https://x.org/a|<!channel>", "code") == (
        "<https://x.org/a%7C&lt;!channel&gt;|code>"
    )


def test_a_long_notice_is_split_between_lines_within_block_kit_limits():
    items = tuple(f"topic {i}: " + "x" * 180 for i in range(40))  # about 8,000 characters
    message = blocks.notice(Notice("Your next digest would hold:", items))
    texts = [b["text"]["text"] for b in message["blocks"]]
    assert len(texts) > 1 and all(len(t) <= blocks.MAX_SECTION for t in texts)
    shown = "\n".join(texts).splitlines()
    assert shown == ["Your next digest would hold:", *(f"• {item}" for item in items)]
    huge = blocks.notice(Notice("Many:", tuple("y" * 2900 for _ in range(80))))
    assert len(huge["blocks"]) == blocks.MAX_BLOCKS
    assert (
        huge["blocks"][-1]["text"]["text"] == "… and 31 more lines."
    )  # 1 + 48 sections hold 49 of 80
