"""bot/slack/paper_blocks.py: saved lists, BibTeX, More like this, link previews and the Home
tab: within Slack's limits however much a person has, and escaped whatever a paper holds."""

import json

from bot.core.bibtex import bibtex
from bot.core.models import Paper, StoredPaper
from bot.core.replies import BibTeX, SavedList, Similar
from bot.slack import blocks as b
from bot.slack import buttons, paper_blocks
from tests.block_kit import check_blocks, check_home, shown

NASTY = "<!channel> & <https://evil.example|click> *bold*"
NASTY_ESCAPED = "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; *bold*"


def paper(n: int, title: str = "A paper") -> StoredPaper:
    return StoredPaper(
        Paper(
            id=f"2611.{n:05d}",
            title=f"{title} {n}",
            abstract="word " * 400,
            authors=("Ann Author", "Bo Writer"),
            published="2026-11-27",
            categories=("cs.CV",),
        )
    )


def card_text(n: int, title: str = "A paper", number: int | None = None) -> str:
    """What a paper card of `paper(n)` says (no figures, no code: title, authors, PDF)."""
    prefix = f"{number}. " if number else ""
    return (
        f"*{prefix}<https://arxiv.org/abs/2611.{n:05d}|{title} {n}>*\n"
        "Ann Author, Bo Writer · 2026-11-27\n"
        f"<https://arxiv.org/pdf/2611.{n:05d}|PDF>"
    )


def all_text(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_saved_list_pages_with_unsave_and_more():
    reply = SavedList([paper(n, NASTY) for n in range(5)], offset=5, total=12)
    payload = paper_blocks.saved_list(reply)
    check_blocks(payload["blocks"])
    values = [
        e["value"]
        for b in payload["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == buttons.UNSAVE
    ]
    assert values == [f"2611.{n:05d}" for n in range(5)]
    more = payload["blocks"][-2]["elements"][0]
    assert more["action_id"] == paper_blocks.SAVED_MORE and more["value"] == "10"
    assert shown(payload["blocks"][:1]) == ["Your saved papers, newest saved first · 6–10 of 12"]
    assert payload["blocks"][1]["text"]["text"] == card_text(0, NASTY_ESCAPED, 6)
    assert payload["text"] == "Your saved papers (6–10 of 12): " + "; ".join(
        f"{NASTY_ESCAPED} {n}" for n in range(5)
    )


def test_the_last_saved_page_has_no_more_button_and_says_how_to_export():
    payload = paper_blocks.saved_list(SavedList([paper(1)], offset=0, total=1))
    check_blocks(payload["blocks"])
    assert payload == {
        "blocks": [
            b.context("Your saved papers, newest saved first · 1–1 of 1"),
            b.section(card_text(1, number=1)),
            buttons.paper_actions("2611.00001", saved=True),
            b.context("`/papers saved bibtex` gives them as BibTeX."),
        ],
        "text": "Your saved papers (1–1 of 1): A paper 1",
    }


def test_bibtex_of_many_papers_stays_within_one_message():
    text = bibtex([paper(n, "Q&A {x} 100%") for n in range(600)])
    payload = paper_blocks.bibtex(BibTeX(text, 600))
    check_blocks(payload["blocks"])
    assert len(payload["blocks"]) == b.MAX_BLOCKS  # the message is full: a heading, 48, a note
    assert shown(payload["blocks"][:1]) == ["600 BibTeX entries for your saved papers"]
    assert shown(payload["blocks"][-1:]) == [
        "The list is longer than one message holds; unsave some to see all."
    ]
    pieces = [block["text"]["text"] for block in payload["blocks"][1:-1]]
    assert pieces[0].startswith("```@misc{author2026qa_2611.00000,\n  title = {{Q\\&amp;A ")
    assert all(p.startswith("```@misc{") and p.endswith("}```") for p in pieces)
    assert payload["text"] == "600 BibTeX entries"
    small = paper_blocks.bibtex(BibTeX(bibtex([paper(1)]), 1))
    assert small["blocks"][1]["text"]["text"].startswith("```@misc{author2026paper,")
    assert small["text"] == "1 BibTeX entry"


def test_bibtex_chunks_split_between_entries():
    entries = [f"@misc{{k{n},\n  title = {{{'t' * 900}}}\n}}" for n in range(5)]
    pieces = paper_blocks.bibtex_chunks("\n\n".join(entries), size=2000)
    # Two entries of 921 characters fit in 2,000 with the blank line between; a third does not.
    assert pieces == [
        entries[0] + "\n\n" + entries[1],
        entries[2] + "\n\n" + entries[3],
        entries[4],
    ]
    assert paper_blocks.bibtex_chunks("x" * 25, size=10) == ["x" * 10, "x" * 10, "x" * 5]


def test_similar_lists_papers_like_the_source():
    reply = Similar(paper(0, NASTY), [paper(n) for n in range(1, 6)])
    payload = paper_blocks.similar(reply)
    check_blocks(payload["blocks"])
    assert shown(payload["blocks"][:1]) == [
        f"Papers like <https://arxiv.org/abs/2611.00000|{NASTY_ESCAPED} 0>"
    ]
    assert [block["text"]["text"] for block in payload["blocks"][1::2]] == [
        card_text(n, number=n) for n in range(1, 6)
    ]
    assert payload["text"] == f"Papers like “{NASTY_ESCAPED} 0”: " + "; ".join(
        f"A paper {n}" for n in range(1, 6)
    )
    assert "<!channel>" not in all_text(payload)


def test_unfurl_card_is_the_paper_an_excerpt_and_save():
    card = paper_blocks.unfurl_card(paper(7, NASTY))
    check_blocks(card["blocks"])
    assert card["blocks"][0]["text"]["text"] == card_text(7, NASTY_ESCAPED)
    # An excerpt of at most EXCERPT (280) characters, cut at the last whole word that fits.
    assert card["blocks"][1]["elements"][0]["text"] == "word " * 54 + "word…"
    assert card["blocks"][2] == {"type": "actions", "elements": [buttons.save_button("2611.00007")]}
    assert "<!channel>" not in all_text(card)


def test_home_view_within_100_blocks_with_everything():
    view = paper_blocks.home_view(
        digest_text="Your daily digest comes at 09:00 UTC.",
        digest_on=True,
        topics=[f"{NASTY} {n}" for n in range(25)],
        saved=[paper(n) for n in range(20)],
        saved_total=500,
        trending_papers=[paper(n, "Trend") for n in range(30)],
        trending_day="2026-11-30",
        saved_ids={"2611.00001"},
    )
    check_home(view)
    texts = shown(view["blocks"])
    assert texts[:4] == [
        "papers-bot",
        "*Your digest*\nYour daily digest comes at 09:00 UTC.",
        "Turn digest off",
        "Make it weekly (Mondays)",
    ]
    assert "and 480 more — `/papers saved` lists them all." in texts
    assert "*Trending today* · Mon 30 Nov" in texts
    topics = [
        blk for blk in view["blocks"] if blk.get("accessory", {}).get("action_id") == "topic_remove"
    ]
    assert [t["text"]["text"] for t in topics] == [f"{NASTY_ESCAPED} {n}" for n in range(25)]
    assert [t["accessory"]["value"] for t in topics] == [f"{NASTY} {n}" for n in range(25)]
    labels = [
        b["accessory"]["text"]["text"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("value") == "2611.00001"
    ]
    assert labels == ["Unsave", "Unsave"]  # in the saved list and in trending
    trending = [blk for blk in view["blocks"] if "Trend " in blk.get("text", {}).get("text", "")]
    # HOME_TRENDING (5) of the 30, in order.
    assert [blk["accessory"]["value"] for blk in trending] == [f"2611.{n:05d}" for n in range(5)]


def test_an_empty_home_tab_says_how_to_start():
    view = paper_blocks.home_view("Your digest is off.", False, [], [], 0, [], None, set())
    check_home(view)
    assert shown(view["blocks"]) == [
        "papers-bot",
        "*Your digest*\nYour digest is off.",
        "Turn digest on",
        "Make it weekly (Mondays)",
        "*Your topics* (0)",
        "None yet: `/papers subscribe diffusion video` adds one.",
        "*Your saved papers* (0)",
        "None yet: click Save on any paper.",
    ]
    weekly = paper_blocks.home_view("Weekly.", True, [], [], 0, [], None, set(), weekly=True)
    assert shown(weekly["blocks"])[2:4] == ["Turn digest off", "Make it daily"]
