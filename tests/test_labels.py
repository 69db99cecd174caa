"""bot/core/labels.py: the small wording every adapter shows, each fact written once."""

import pytest

from bot.core import labels
from bot.core.models import Paper, StoredPaper
from bot.core.pauses import CHANNEL_REASONS
from bot.core.replies import Trending
from bot.slack import blocks, digest_blocks, paper_blocks


def test_authors_line_names_three_then_et_al():
    assert labels.authors_line(("Ann A", "Bob B", "Cy C", "Di D")) == "Ann A, Bob B, Cy C et al."
    assert labels.authors_line(("Ann A", "Bob B", "Cy C")) == "Ann A, Bob B, Cy C"
    assert labels.authors_line(("Ann A",)) == "Ann A"
    assert labels.authors_line(()) == ""
    assert labels.authors_line(("A", "B", "C"), shown=1) == "A et al."


def test_a_card_says_unknown_authors_where_the_console_says_nothing():
    assert blocks.authors_line(()) == "Unknown authors"
    assert blocks.authors_line(("A", "B", "C", "D")) == "A, B, C et al."


def test_dates_in_words():
    assert labels.date_words("2025-03-21") == "21 Mar 2025"
    assert labels.date_words("2025-03-01T09:30:00Z") == "1 Mar 2025"
    assert labels.date_words(None) == "" and labels.date_words("soon") == ""


def test_day_labels():
    assert labels.day_label("2026-11-28") == "Sat 28 Nov 2026"
    assert labels.day_label("2026-03-01", year=False) == "Sun 1 Mar"
    assert labels.trending_title("2026-11-28") == "Trending papers · Sat 28 Nov 2026"
    with pytest.raises(ValueError):
        labels.day_label("28/11/2026")


def test_every_trending_title_is_the_same_words():
    item = StoredPaper(Paper("2611.00001", "T", "A", published="2026-11-27"))
    title = "Trending papers · Sat 28 Nov 2026"
    assert blocks.trending_list(Trending("2026-11-28", [item]))["text"] == title
    assert digest_blocks.thread_parent("2026-11-28", [item])["blocks"][0]["text"]["text"] == title
    assert digest_blocks.safe_parent("2026-11-28", 1)["text"].startswith(title + ": 1 papers")
    home = paper_blocks.home_view("", True, [], [], 0, [item], "2026-11-28", set())
    assert {"type": "mrkdwn", "text": "*Trending today* · Sat 28 Nov"} in [
        b.get("text") for b in home["blocks"]
    ]


def test_the_invite_advice_is_slacks_command_with_the_bots_handle():
    assert labels.INVITE == "`/invite @papers-bot`"
    assert CHANNEL_REASONS["not_in_channel"] == (
        "I am not a member of this channel: type `/invite @papers-bot` here"
    )
