"""Console mode's loop: lines in, answers out, as a person types them (no Slack)."""

import io

from bot import console
from bot.core.commands import Handlers


def session(store, *lines: str) -> str:
    out = io.StringIO()
    console.loop(Handlers(store), io.StringIO("".join(f"{line}\n" for line in lines)), out)
    return out.getvalue()


def test_more_pages_the_search_just_shown_and_nothing_else(seeded):
    first = session(seeded, "/papers model")
    assert "(1–5)" in first and "More: type `more`." in first
    assert "“model” (6–" in session(seeded, "/papers model", "more")
    assert "Nothing to page through" in session(seeded, "more")
    after_trending = session(seeded, "/papers ocr", "/papers trending", "more")
    assert after_trending.rstrip().endswith(
        "Nothing to page through: search first, e.g. `/papers ocr`."
    )


def test_already_following_says_what_the_list_is(seeded):
    out = session(seeded, "/papers subscribe ocr", "/papers subscribe OCR")
    assert "You already follow “ocr”. Your topics:\n  • ocr" in out
