"""bot/slack/blocks.py, and every message builder fed hostile or huge papers.

Slack reads the blocks' mrkdwn and the top-level fallback `text` alike as mrkdwn: a raw `<think>`
becomes a broken link, `<!channel>` pings everyone. Both must carry the text escaped, once. And
however long a title, however many authors or papers, each message stays a list of blocks Slack
takes (`tests.block_kit.check_blocks`: slack_sdk's models, 50 blocks, 3,000 per section).
"""

import json
import re

import pytest

from bot.core import query
from bot.core.models import Paper, Popularity, StoredPaper
from bot.core.replies import BibTeX, Notice, Results, SavedList, Similar, Trending, Usage
from bot.core.search import SearchResult
from bot.slack import blocks, buttons, digest_blocks, paper_blocks
from tests.block_kit import check_blocks, check_home, shown, text_objects
from tests.slack_emulator import MAX_TEXT  # Slack's limit on a message's text

TITLE = "<think> Less & More: <!channel> *bold* p<0.05 &lt;x&gt;"
# Our own links: <https://…|label>. Everything else must hold no < or > and only whole entities.
OUR_LINK = re.compile(r"<https?://[^<>|\s]+\|[^<>]*>")
BARE_AMP = re.compile(r"&(?!amp;|lt;|gt;)")
DAY = "2026-11-28"


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


def huge(n: int) -> StoredPaper:
    """A paper past every limit: 5,000-character title, 400 authors, a 20,000-character
    abstract, markup everywhere."""
    return StoredPaper(
        Paper(
            f"2611.{n:05d}",
            ("<!channel> & *x* " * 300)[:5000],
            "word & <b> " * 2000,
            authors=tuple(f"Author {i} <@U{i}>" for i in range(400)),
            published="2026-11-27",
            categories=tuple(f"cs.X{i}" for i in range(40)),
            code_url="https://github.com/x/" + "y" * 500,
            hf_url=f"https://huggingface.co/papers/2611.{n:05d}",
            ai_summary="summary & <b> " * 200,
        ),
        Popularity(upvotes=10**6, stars=10**7, comments=10**5),
    )


def messages(make=paper, count: int = 2, topic: str = "<think> & co") -> dict[str, dict]:
    """Every message builder's payload (Slack's, the digest's, the paper actions'), `count`
    papers made by `make` in each."""
    papers = [make(n) for n in range(1, count + 1)]
    result = SearchResult(query.parse("<think> & *x*"), papers, 0, 5, has_more=True)
    bib = "\n\n".join(
        f"@misc{{k{n},\n  title = {{{p.paper.title}}}\n}}" for n, p in enumerate(papers)
    )
    return {
        "results": blocks.render(Results(result)),
        "trending": blocks.render(Trending(DAY, papers, note="<!channel> & co")),
        "trending shared": blocks.trending_list(Trending(DAY, papers), shared_by="U1"),
        "notice": blocks.render(Notice("No papers match “<think> & co”.")),
        "notice with topics": blocks.render(Notice("You follow 2 topics:", ("r&d", "<!here>"))),
        "usage": blocks.render(Usage("<think> is not a command & never was")),
        "problem": blocks.problem("Slack refused <!channel> & more"),
        "saved": paper_blocks.render(SavedList(papers, offset=0, total=count + 30)),
        "bibtex": paper_blocks.render(BibTeX(bib, count)),
        "similar": paper_blocks.render(Similar(make(0), papers)),
        "thread parent": digest_blocks.thread_parent(DAY, papers),
        "thread reply": digest_blocks.thread_reply(1, papers[0]),
        "nothing new": digest_blocks.nothing_new(DAY, "<!here> & nothing"),
        "personal": digest_blocks.personal(
            DAY, [(topic, papers), ("*x*", papers[:1])], {topic: 3, "<!here>": 2}
        ),
        "safe reply": digest_blocks.safe_reply(1, papers[0]),
        "safe parent": digest_blocks.safe_parent(DAY, count),
        "safe nothing new": digest_blocks.safe_nothing_new(DAY),
        "safe personal": digest_blocks.safe_personal(DAY, [(topic, papers)]),
    }


def views(make=paper, count: int = 2) -> dict[str, dict]:
    """The payloads that are not messages: a link preview's card and a Home tab."""
    papers = [make(n) for n in range(1, count + 1)]
    home = paper_blocks.home_view(
        digest_text="Your digest <!here> & more",
        digest_on=True,
        topics=["<think> & co", "*bold*"] * count,
        saved=papers,
        saved_total=count + 500,
        trending_papers=papers,
        trending_day=DAY,
        saved_ids={papers[0].paper.id},
    )
    return {"unfurl card": paper_blocks.unfurl_card(papers[0]), "home": home}


def assert_inert_mrkdwn(text: str, where: str) -> None:
    outside_links = OUR_LINK.sub("", text)
    assert "<" not in outside_links and ">" not in outside_links, f"{where}: {text!r}"
    assert not BARE_AMP.search(text), f"{where}: bare & in {text!r}"
    for link in OUR_LINK.findall(text):
        assert "<!" not in link and "<@" not in link, f"{where}: {link!r}"


def assert_inert_blocks(payload: dict, name: str) -> None:
    for kind, text in text_objects(payload.get("blocks", [])):
        if kind == "mrkdwn":
            # The one mention we post on purpose: who shared a trending list (a checked user id).
            assert_inert_mrkdwn(text.replace("<@U1>", ""), f"{name} block")
        else:  # plain_text is shown as is: never escaped, so never double-escaped either
            assert "&amp;" not in text, f"{name}: {text!r}"


# ------------------------------------------------------------------ hostile text, every builder


@pytest.mark.parametrize("name", list(messages()))
def test_fallback_text_and_blocks_are_escaped_alike(name):
    message = messages()[name]
    assert message["text"], name
    assert_inert_mrkdwn(message["text"], f"{name} text")
    assert_inert_blocks(message, name)


@pytest.mark.parametrize("name", list(views()))
def test_cards_and_home_tab_are_escaped(name):
    assert_inert_blocks(views()[name], name)


def test_hostile_words_reach_the_reader_escaped_not_dropped():
    message = messages()["results"]
    escaped = "&lt;think&gt; Less &amp; More: &lt;!channel&gt; *bold* p&lt;0.05 &amp;lt;x&amp;gt;"
    assert message["text"] == f"Papers matching “think x”: {escaped}; {escaped}"
    first = message["blocks"][1]["text"]["text"]
    assert first.startswith(
        "*1. <https://arxiv.org/abs/2611.00001|&lt;think&gt; Less &amp; More: &lt;!channel&gt; "
    )
    assert "\nAnn &lt;@U999&gt;, Bo &amp; Co · 2026-11-27\n" in first
    assert "<https://github.com/x/y%7C&lt;!channel&gt;|Code ★ 1.9k>" in first


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


# ------------------------------------------------------------------ Slack's limits, every builder


@pytest.mark.parametrize("name", list(messages()))
def test_every_message_is_block_kit_slack_takes(name):
    message = messages()[name]
    if "blocks" in message:
        check_blocks(message["blocks"])
    assert len(message["text"]) <= MAX_TEXT


@pytest.mark.parametrize("name", list(messages(huge, 60)))
def test_huge_papers_stay_within_slacks_limits(name):
    message = messages(huge, 60, topic="t " * 3000)[name]
    if "blocks" in message:
        check_blocks(message["blocks"])
        assert len(json.dumps(message)) < 150_000, "far past what one message should carry"
    # Cut to MAX_FALLBACK characters, then escaped (each & < > grows to 4 or 5).
    assert len(message["text"]) <= 5 * blocks.MAX_FALLBACK <= MAX_TEXT


@pytest.mark.parametrize("make", [paper, huge])
def test_cards_and_home_tab_are_block_kit_slack_takes(make):
    found = views(make, 60)
    check_blocks(found["unfurl card"]["blocks"])
    check_home(found["home"])


def test_the_block_checks_themselves_refuse_what_slack_refuses():
    ok = blocks.section("fine")
    with pytest.raises(AssertionError, match="51 blocks"):
        check_blocks([ok] * 51)
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(Exception, match="cannot exceed 3000"):
        check_blocks([too_long])
    with pytest.raises(AssertionError, match="not a Block Kit block"):
        check_blocks([{"type": "sektion", "text": {"type": "mrkdwn", "text": "x"}}])
    with pytest.raises(AssertionError, match="slack_sdk reads it otherwise"):
        check_blocks([{**ok, "txt": "typo"}])
    label = buttons.button(buttons.SAVE, "2611.00001", "S" * 75)
    label["text"]["text"] += "!"
    with pytest.raises(Exception, match="cannot exceed 75"):
        check_blocks([{"type": "actions", "elements": [label]}])


# ------------------------------------------------------------------ each builder's content


def plain(n: int, **kw) -> StoredPaper:
    fields = {"authors": ("Ann A", "Bob B", "Cy C", "Di D"), "published": "2025-03-21"}
    return StoredPaper(Paper(f"2503.0000{n}", f"Paper {n}", "An abstract.", **(fields | kw)))


def test_results_number_each_paper_with_its_buttons_and_a_more_button():
    starred = StoredPaper(
        plain(1, code_url="https://github.com/x/y").paper, Popularity(upvotes=142, stars=1900)
    )
    result = SearchResult(query.parse("layout"), [starred, plain(2)], 5, 2, has_more=True)
    message = blocks.results(Results(result, saved=frozenset({"2503.00002"})))
    assert message["text"] == "Papers matching “layout”: Paper 1; Paper 2"
    assert [b["type"] for b in message["blocks"]] == [
        "context",
        "section",
        "actions",
        "section",
        "actions",
        "actions",
    ]
    assert shown(message["blocks"][:2]) == [
        "Papers matching “layout” · 6–7",
        "*6. <https://arxiv.org/abs/2503.00001|Paper 1>*\n"
        "Ann A, Bob B, Cy C et al. · 2025-03-21\n"
        "▲ 142 · ★ 1.9k\n"
        "<https://arxiv.org/pdf/2503.00001|PDF> · <https://github.com/x/y|Code ★ 1.9k>",
    ]
    saves = [b["elements"][0] for b in message["blocks"] if b["type"] == "actions"][:2]
    assert [(s["text"]["text"], s["value"]) for s in saves] == [
        ("Save", "2503.00001"),
        ("Unsave", "2503.00002"),
    ]
    (more,) = message["blocks"][-1]["elements"]
    assert more["action_id"] == blocks.MORE_ACTION
    assert json.loads(more["value"]) == {"q": "layout", "o": 7}


def test_the_last_page_has_no_more_button():
    result = SearchResult(query.parse("layout"), [plain(1)], 0, 5, has_more=False)
    message = blocks.results(Results(result))
    assert blocks.MORE_ACTION not in json.dumps(message)
    assert [b["type"] for b in message["blocks"]] == ["context", "section", "actions"]


def test_trending_list_private_has_share_button_shared_copy_names_who_shared():
    reply = Trending(DAY, [plain(1)], note="The latest list the store has.")
    private = blocks.trending_list(reply)
    assert private["text"] == "Trending papers · Sat 28 Nov 2026"
    assert shown(private["blocks"])[:2] == [
        "Trending papers · Sat 28 Nov 2026",
        "The latest list the store has.",
    ]
    share = private["blocks"][-1]["elements"][0]
    assert (share["action_id"], share["value"], share["style"]) == (
        buttons.SHARE_TRENDING,
        DAY,
        "primary",
    )
    shared = blocks.trending_list(reply, shared_by="U7")
    assert shown(shared["blocks"])[1] == "Shared by <@U7> with `/papers trending`"
    assert buttons.SHARE_TRENDING not in json.dumps(shared)
    nothing = blocks.trending_list(Trending(DAY, []))
    assert buttons.SHARE_TRENDING not in json.dumps(nothing)


def test_usage_shows_the_problem_then_every_row():
    message = blocks.usage(Usage("Unknown command “x”.", rows=[("/papers <q>", "search", "ocr")]))
    assert shown(message["blocks"]) == [
        "Unknown command “x”.",
        "*How to use /papers*\n`/papers &lt;q&gt;` — search, e.g. `ocr`",
    ]
    assert message["text"] == "Unknown command “x”. How to use /papers"
    assert blocks.usage(Usage(rows=[]))["text"] == "How to use /papers"


def test_problem_is_one_warning_line():
    assert blocks.problem("Slack is down & out") == {
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": ":warning: Slack is down &amp; out"},
            }
        ],
        "text": "Slack is down &amp; out",
    }


def test_render_refuses_what_it_cannot_render():
    with pytest.raises(TypeError, match="cannot render"):
        blocks.render("not a reply")


def test_clip_cuts_at_a_word_with_an_ellipsis():
    assert blocks.clip("short", 10) == "short"
    assert blocks.clip("one two three four", 15) == "one two three…"
    assert blocks.clip("one two three four", 12) == "one two thr…"  # a word too far back
    assert blocks.clip("x" * 20, 10) == "x" * 9 + "…"


def test_a_long_notice_is_split_between_lines_within_block_kit_limits():
    items = tuple(f"topic {i}: " + "x" * 180 for i in range(40))  # about 8,000 characters
    message = blocks.notice(Notice("Your next digest would hold:", items))
    check_blocks(message["blocks"])
    texts = [b["text"]["text"] for b in message["blocks"]]
    assert "\n".join(texts).splitlines() == [
        "Your next digest would hold:",
        *(f"• {item}" for item in items),
    ]
    # The heading and 15 lines of 193 characters fill 2,923 of a section's 3,000; then 15, 10.
    assert [len(t.splitlines()) for t in texts] == [16, 15, 10]
    huge_notice = blocks.notice(Notice("Many:", tuple("y" * 2900 for _ in range(80))))
    check_blocks(huge_notice["blocks"])
    assert len(huge_notice["blocks"]) == blocks.MAX_BLOCKS
    # "Many:" and 48 lines of 2,902 characters, one a section; then what was left out.
    assert huge_notice["blocks"][-1]["text"]["text"] == "… and 31 more lines."


def test_pack_lines_fills_each_text_to_3000_then_says_what_is_left():
    lines = ["a" * 2000, "b" * 999, "c", "d"]
    assert blocks.pack_lines(lines, 1) == (["a" * 2000 + "\n" + "b" * 999], 2)
    assert blocks.pack_lines(lines, 2) == (["a" * 2000 + "\n" + "b" * 999, "c\nd"], 0)
    assert blocks.pack_lines(["x" * 3500], 1) == (["x" * 2999 + "…"], 0)
    assert blocks.pack_lines(lines, 0) == ([], 4)
