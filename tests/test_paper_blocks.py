"""Block Kit for saved lists, BibTeX, More like this, link previews and the Home tab: within
Slack's limits however much a person has, and escaped whatever a paper holds."""

import json

from bot.core.bibtex import bibtex
from bot.core.models import Paper, StoredPaper
from bot.core.replies import BibTeX, SavedList, Similar
from bot.slack import buttons, paper_blocks

NASTY = "<!channel> & <https://evil.example|click> *bold*"


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


def all_text(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_saved_list_pages_with_unsave_and_more():
    reply = SavedList([paper(n, NASTY) for n in range(5)], offset=5, total=12)
    payload = paper_blocks.saved_list(reply)
    assert len(payload["blocks"]) <= 50
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
    assert "<!channel>" not in all_text(payload) and "&lt;!channel&gt;" in all_text(payload)


def test_bibtex_of_many_papers_stays_within_one_message():
    text = bibtex([paper(n, "Q&A {x} 100%") for n in range(600)])
    payload = paper_blocks.bibtex(BibTeX(text, 600))
    assert len(payload["blocks"]) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in payload["blocks"] if b["type"] == "section")
    assert "longer than one message" in all_text(payload)
    small = paper_blocks.bibtex(BibTeX(bibtex([paper(1)]), 1))
    assert small["blocks"][1]["text"]["text"].startswith("```@misc{author2026paper,")


def test_bibtex_chunks_split_between_entries():
    entries = "\n\n".join(f"@misc{{k{n},\n  title = {{{'t' * 900}}}\n}}" for n in range(5))
    pieces = paper_blocks.bibtex_chunks(entries, size=2000)
    assert all(len(p) <= 2000 for p in pieces)
    assert "\n\n".join(pieces) == entries


def test_similar_and_unfurl_cards():
    reply = Similar(paper(0, NASTY), [paper(n) for n in range(1, 6)])
    payload = paper_blocks.similar(reply)
    assert payload["text"].startswith("Papers like")
    assert "<!channel>" not in all_text(payload)
    card = paper_blocks.unfurl_card(paper(7, NASTY))
    assert card["blocks"][0]["text"]["text"].startswith("*<https://arxiv.org/abs/2611.00007|")
    assert len(card["blocks"][1]["elements"][0]["text"]) <= 2000
    assert card["blocks"][-1]["elements"][0]["text"]["text"] == "Save"
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
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    body = all_text(view)
    assert "and 480 more" in body and "Turn digest off" in body
    shown = [b["text"]["text"] for b in view["blocks"] if "text" in b]
    assert not [t for t in shown if "<!channel>" in t]  # values carry the topic, never shown
    labels = [
        b["accessory"]["text"]["text"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("value") == "2611.00001"
    ]
    assert labels == ["Unsave", "Unsave"]  # in the saved list and in trending
