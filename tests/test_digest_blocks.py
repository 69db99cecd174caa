"""bot/slack/digest_blocks.py: the daily thread and the DM (pure builders), lines worth reading."""

from dataclasses import replace

from bot.core import trending
from bot.core.models import Paper, Popularity, StoredPaper
from bot.slack import digest_blocks as b
from tests.block_kit import check_blocks

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


# -- thread and DM ------------------------------------------------------------------------------

NASTY = StoredPaper(
    Paper(
        "2601.09999",
        title="<script> & <b>bold</b> " + "very long title " * 40,
        abstract="A & B <c> " + "word " * 400,
        authors=tuple(f"Author <{i}> & co" for i in range(30)),
        categories=("cs.CV", "cs.LG"),
        published="2026-11-27",
        code_url="https://github.com/x/y",
        hf_url="https://huggingface.co/papers/2601.09999",
    ),
    Popularity(upvotes=142, stars=1900, stars_growth=310),
)


def _texts(payload: dict) -> list[str]:
    out = []
    for block in payload["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element["text"]  # a context's mrkdwn, or a button's plain_text label
            out.append(text if isinstance(text, str) else text["text"])
    return out


def _within_limits(payload: dict) -> None:
    assert payload["text"], "fallback text on every message"
    check_blocks(payload["blocks"])


def test_thread_parent_is_numbered_linked_and_within_limits():
    payload = b.thread_parent("2026-11-27", [NASTY] * 20)
    _within_limits(payload)
    assert payload["blocks"][0]["text"]["text"] == "Trending papers · Fri 27 Nov 2026"
    body = "\n".join(_texts(payload))
    assert "1. <https://arxiv.org/abs/2601.09999|&lt;script&gt; &amp; &lt;b&gt;" in body
    assert "20. <https://arxiv.org/abs/2601.09999|" in body
    assert "<script>" not in body and "142 upvotes · 1.9k stars (+310 today)" in body


def test_thread_reply_holds_everything_escaped():
    payload = b.thread_reply(3, NASTY)
    _within_limits(payload)
    body = "\n".join(_texts(payload))
    assert "*3. <https://arxiv.org/abs/2601.09999|" in body
    assert (
        "Author &lt;0&gt; &amp; co, Author &lt;1&gt; &amp; co, Author &lt;2&gt; &amp; co et al."
        in body
    )
    assert "27 Nov 2026 · cs.CV cs.LG" in body
    excerpt = payload["blocks"][1]["text"]["text"]
    # 500 characters of the abstract, cut back to the last whole word: 494 and an ellipsis.
    assert excerpt == "A &amp; B &lt;c&gt; " + "word " * 96 + "word…"
    assert "<https://arxiv.org/pdf/2601.09999|PDF>" in body
    assert "<https://github.com/x/y|Code ★ 1.9k>" in body
    assert "<https://huggingface.co/papers/2601.09999|HF page>" in body


def test_personal_dm_grouped_with_more_and_escaped_topics():
    payload = b.personal("2026-11-28", [("a<b", [NASTY] * 10)], {"a<b": 7, "other": 3})
    _within_limits(payload)
    body = "\n".join(_texts(payload))
    assert "*a&lt;b*" in body
    assert "and 7 more — `/papers a&lt;b`" in body
    assert "*other*: 3 more — `/papers other`" in body
    assert "10 new papers" in payload["text"]


def test_nothing_new_note():
    payload = b.nothing_new("2026-11-28", "no papers are stored yet.")
    _within_limits(payload)
    assert (
        payload["text"] == "No new trending papers for Sat 28 Nov 2026: no papers are stored yet."
    )


def numbered(n: int, **kw) -> StoredPaper:
    return StoredPaper(Paper(f"2611.{n:05d}", f"Paper {n} & co", "Short. Abstract.", **kw))


def test_thread_parent_is_a_compact_numbered_list_with_figures_in_words():
    upvoted = StoredPaper(numbered(2).paper, Popularity(upvotes=3))
    payload = b.thread_parent("2026-11-28", [numbered(1), upvoted])
    check_blocks(payload["blocks"])
    assert payload == {
        "blocks": [
            b.header("Trending papers · Sat 28 Nov 2026"),
            b.section(
                "1. <https://arxiv.org/abs/2611.00001|Paper 1 &amp; co>\n"
                "2. <https://arxiv.org/abs/2611.00002|Paper 2 &amp; co> · 3 upvotes"
            ),
            b.context("One reply per paper in the thread: abstract and links."),
        ],
        "text": "Trending papers · Sat 28 Nov 2026: 1. Paper 1 &amp; co; 2. Paper 2 &amp; co",
    }


def test_a_dm_of_30_papers_has_buttons_under_the_first_23_and_lists_the_rest():
    payload = b.personal("2026-11-28", [("ocr", [numbered(n) for n in range(30)])], {})
    check_blocks(payload["blocks"])
    kinds = [block["type"] for block in payload["blocks"]]
    assert kinds == ["header", *["section", "actions"] * 23, "section", "context"]
    actions = [block for block in payload["blocks"] if block["type"] == "actions"]
    assert [a["elements"][2]["value"] for a in actions] == [f"2611.{n:05d}" for n in range(23)]
    assert {a["elements"][2]["text"]["text"] for a in actions} == {"Not interested"}
    rest = payload["blocks"][-2]["text"]["text"]
    assert [line for line in rest.splitlines() if line.startswith("• ")] == [
        f"• <https://arxiv.org/abs/2611.{n:05d}|Paper {n} &amp; co>" for n in range(23, 30)
    ]
    assert payload["text"] == "New papers on your topics · Sat 28 Nov 2026: 30 new papers on ocr"


def test_minimal_renderings_are_one_short_escaped_text_without_blocks():
    assert b.safe_reply(2, numbered(1)) == {
        "text": "2. Paper 1 &amp; co https://arxiv.org/abs/2611.00001"
    }
    assert b.safe_parent("2026-11-28", 3) == {
        "text": "Trending papers · Sat 28 Nov 2026: 3 papers, one per reply below."
    }
    assert b.safe_nothing_new("2026-11-28") == {
        "text": "No new trending papers for Sat 28 Nov 2026."
    }
    groups = [("ocr", [numbered(1), numbered(2)]), ("a<b", [numbered(3)])]
    assert b.safe_personal("2026-11-28", groups)["text"].splitlines() == [
        "New papers on your topics · Sat 28 Nov 2026",
        "ocr:",
        "• Paper 1 &amp; co https://arxiv.org/abs/2611.00001",
        "• Paper 2 &amp; co https://arxiv.org/abs/2611.00002",
        "a&lt;b:",
        "• Paper 3 &amp; co https://arxiv.org/abs/2611.00003",
    ]


def test_summary_is_the_ai_summary_else_the_abstracts_first_sentence():
    abstract = "We detect layouts of documents quickly. Then we do more."
    assert b.summary(replace(PAPER, abstract=abstract)) == "We detect layouts of documents quickly."
    assert b.summary(replace(PAPER, ai_summary="  One   line. ")) == "One line."
    # A first "sentence" under 20 characters is no sentence (an abbreviation, say): all of it.
    assert b.summary(replace(PAPER, abstract="Short. Abstract.")) == "Short. Abstract."
    # At most SUMMARY (220) characters, cut at a word: 217 and an ellipsis.
    assert b.summary(replace(PAPER, abstract="w " * 300)) == "w " * 108 + "w…"
