"""Search: safe FTS5 queries, acronyms both ways, ranking on the seed papers, hostile text."""

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import query as q
from bot.core.search import search
from bot.errors import BadQuery
from tests.conftest import HOSTILE, NOW


def ids(result):
    return [p.paper.id for p in result.papers]


def test_ocr_ranks_pp_ocrv3_first_and_finds_scene_text_recognition(seeded):
    result = search(seeded, "ocr", limit=10, now=NOW)
    assert ids(result)[0] == "2206.03001"  # PP-OCRv3
    assert "2307.12270" in ids(result)  # CPPD: "scene text recognition", no "OCR" in it


def test_long_form_finds_the_acronym(seeded):
    result = search(seeded, "optical character recognition", limit=10, now=NOW)
    assert ids(result)[0] == "2206.03001"


@pytest.mark.parametrize(
    ("text", "fts"),
    [
        ("ocr", '("ocr" OR "optical character recognition" OR "text recognition")'),
        ("LLMs", '("llms" OR "large language model")'),
        ("mixture of experts", '("mixture of experts" OR "moe")'),
        ('"scene text" -video', '"scene text" NOT "video"'),
        ("ocr AND", '("ocr" OR "optical character recognition" OR "text recognition") AND "and"'),
        ('say "hi', '"say" AND "hi"'),
        ("NEAR(", '"near"'),
        ("title:", '"title"'),
        ("pp-ocrv3", '"pp ocrv3"'),
    ],
)
def test_user_text_becomes_quoted_fts(text, fts):
    assert q.to_fts(q.parse(text)) == fts


@pytest.mark.parametrize("text", ["", "*", "😀", "-foo", "---", "\x00", '""', "_"])
def test_text_with_nothing_to_search_is_a_bad_query(text):
    with pytest.raises(BadQuery):
        q.parse(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_never_raises_sqlite_errors_and_keeps_rows(seeded, text):
    before = seeded.count()
    try:
        search(seeded, text, now=NOW)
    except BadQuery as exc:
        assert str(exc)  # a message a person can read
    assert seeded.count() == before
    assert seeded.db.execute("SELECT count(*) FROM papers_fts").fetchone()[0] == before


def test_newer_and_popular_papers_rise_among_equally_relevant_ones(store):
    from bot.core.models import Paper, Sighting

    old = Sighting(Paper("1901.00001", "Graph networks", published="2019-01-01"), "file")
    new = Sighting(Paper("2611.00001", "Graph networks", published="2026-11-20"), "hf", upvotes=80)
    store.upsert([old, new], NOW)
    assert ids(search(store, "graph", now=NOW)) == ["2611.00001", "1901.00001"]


def test_paging_reports_more(seeded):
    first = search(seeded, "model", limit=2, now=NOW)
    second = search(seeded, "model", limit=2, offset=2, now=NOW)
    assert first.has_more
    assert not set(ids(first)) & set(ids(second))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.text(max_size=200),
        # Dense in FTS5 syntax, so the parser meets quotes, operators and columns often.
        st.text(alphabet=list("ab\"-*():^{}+ ANDORNEAR\x00'_"), max_size=60),
    )
)
def test_no_text_makes_search_raise(seeded, text):
    # BadQuery is the readable "type a word" answer; anything else fails the test.
    with contextlib.suppress(BadQuery):
        search(seeded, text, now=NOW)
