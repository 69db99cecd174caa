"""Digest lines worth reading: dates, figures in words, a summary (pure builders, issue 11)."""

from dataclasses import replace

from bot.core import trending
from bot.core.models import Paper, Popularity, StoredPaper
from bot.slack import digest_blocks as b

POP = Popularity(upvotes=142, stars=1900, comments=12, stars_growth=310)
PAPER = Paper(
    "2503.17213",
    title="PP-DocLayout: a layout model",
    abstract="We detect layouts of documents quickly. Then we do more.",
    authors=("Ann A", "Bob B", "Cy C", "Di D"),
    published="2025-03-21",
    code_url="https://github.com/x/y",
    hf_url="https://huggingface.co/papers/2503.17213",
)


def test_figures_are_words_a_screen_reader_reads():
    assert trending.why_words(POP) == "142 upvotes · 1.9k stars (+310 today) · 12 comments"
    assert trending.why_words(Popularity(upvotes=1)) == "1 upvote"
    assert trending.why_words(Popularity()) == ""


def test_a_dm_line_has_date_authors_figures_summary_and_links():
    line = b.dm_line(StoredPaper(PAPER, POP), ["ocr"])
    assert "Ann A, Bob B, Cy C et al. · 21 Mar 2025 · 142 upvotes · 1.9k stars (+310" in line
    assert "_We detect layouts of documents quickly._" in line  # first sentence, no summary
    assert (
        "<https://github.com/x/y|Code> · <https://huggingface.co/papers/2503.17213|HF page>" in line
    )
    assert "also on ocr" in line
    assert "▲" not in line and "★" not in line and "💬" not in line


def test_the_hf_ai_summary_is_shown_when_there_is_one():
    summarised = replace(PAPER, ai_summary="A fast layout detector & more.")
    line = b.dm_line(StoredPaper(summarised))
    assert "_A fast layout detector &amp; more._" in line
    reply = b.thread_reply(1, StoredPaper(summarised, POP))
    text = reply["blocks"][0]["text"]["text"]
    assert "21 Mar 2025" in text and "142 upvotes" in text and "A fast layout detector" in text
    assert "142 upvotes" in reply["text"]
