"""Search: safe FTS5 queries, acronyms both ways, ranking on the seed papers, hostile text."""

import contextlib
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import query as q
from bot.core.digest import match_topics
from bot.core.models import IngestReport, Paper, Sighting
from bot.core.search import search
from bot.errors import BadQuery
from bot.sources import files
from bot.store import db as store_db
from bot.store.fts import match_expression
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
        ("pp-ocrv3", '("pp ocrv3" OR "ppocrv3")'),
    ],
)
def test_user_text_becomes_quoted_fts(text, fts):
    assert match_expression(q.parse(text)) == fts


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


# -- text as people type it and as sources send it (shared/cases 03, 04, 06, 07, 10) ----------


def stored(store, *papers: Paper):
    store.upsert([Sighting(p, "file") for p in papers], NOW)
    return store


def test_an_ampersand_word_finds_the_paper(store):
    stored(store, Paper("2606.30001", "Q&A over Long Technical Manuals"), Paper("2606.30003", "A"))
    assert ids(search(store, "Q&A", now=NOW)) == ["2606.30001"]


def test_curly_quotes_and_unicode_minus_mean_what_straight_ones_do(store):
    stored(
        store,
        Paper("2606.31001", "Latent Diffusion for Video Generation at Scale"),
        Paper("2606.31002", "Diffusion Transformers for Image Generation"),
        Paper("2606.31004", "Scene Text Recognition with Diffusion Priors"),
        Paper("2606.31005", "Text-Guided Scene Editing without Paired Data"),
    )
    for straight, curly in [
        ('diffusion -"video generation"', "diffusion −“video generation”"),
        ('"scene text"', "“scene text”"),
        ("diffusion -video", "diffusion –video"),
    ]:
        assert sorted(ids(search(store, straight, now=NOW))) == sorted(
            ids(search(store, curly, now=NOW))
        )
    assert ids(search(store, "“scene text”", now=NOW)) == ["2606.31004"]


def test_chinese_and_japanese_words_are_found_inside_titles(store):
    stored(
        store,
        Paper("2606.33001", "ZhBench: 面向中文大语言模型的评测基准", "覆盖阅读理解与常识推理。"),
        Paper("2606.33002", "JaEval: 大規模言語モデルの日本語評価"),
        Paper("2606.33003", "Sparse Attention for Long Context"),
    )
    for typed, want in [
        ("大语言模型", ["2606.33001"]),
        ("中文", ["2606.33001"]),  # a two-character word
        ("评测基准", ["2606.33001"]),
        ("常识", ["2606.33001"]),  # in the abstract
        ("准", ["2606.33001"]),  # one character, the last of its run
        ("大規模言語モデル", ["2606.33002"]),
        ("日本語", ["2606.33002"]),
        ("ZhBench", ["2606.33001"]),
        ("语言模型 -中文", []),
    ]:
        assert ids(search(store, typed, now=NOW)) == want, typed


def test_symbol_terms_find_their_own_papers(store):
    stored(
        store,
        Paper("2606.34001", "Translating C++ Templates into Safe Rust"),
        Paper("2606.34002", "Refactoring C# Codebases with Language Models"),
        Paper("2606.34003", "Sparse Attention", authors=("C. Wang", "J. Doe")),
        Paper("2606.34004", "Type Inference for F# Programs"),
        Paper("2606.34005", "Porting .NET Services"),
    )
    for typed, want in [
        ("c++", ["2606.34001"]),
        ("C#", ["2606.34002"]),
        ("f#", ["2606.34004"]),
        (".net", ["2606.34005"]),
    ]:
        assert ids(search(store, typed, now=NOW)) == want, typed


@pytest.mark.parametrize(
    ("joined", "hyphenated"), [("unet", "u-net"), ("gpt4", "gpt-4"), ("ecommerce", "e-commerce")]
)
def test_joined_and_hyphenated_spellings_meet_both_ways(store, joined, hyphenated):
    stored(
        store,
        Paper("2606.35001", f"Results with {joined.upper()}"),
        Paper("2606.35002", f"Results with {hyphenated.title()}"),
        Paper("2606.35003", "Results with nothing of the kind"),
    )
    for typed in (joined, hyphenated):
        assert sorted(ids(search(store, typed, now=NOW))) == ["2606.35001", "2606.35002"], typed


SNAPSHOT_RECORD = {
    "id": "0911.0042",
    "authors": "Jos\\'e Fict\\'icio (1), Zo\\\"e M\\\"uller (1 and 2) ((1) Univ, (2) Inst)",
    "title": 'Vanishing theorems on some K\\"{a}hler manifolds',
    "abstract": '  A theorem for K\\"ahler manifolds in the sense\nof Schr\\"odinger, 50% shorter.',
    "categories": "math.DG math.AG",
    "versions": [{"version": "v1", "created": "Tue, 3 Nov 2009 10:00:00 GMT"}],
    "update_date": "2009-11-04",
}


@pytest.mark.parametrize("with_parsed", [True, False])
def test_tex_and_affiliations_stay_out_of_stored_text(store, with_parsed):
    record = dict(SNAPSHOT_RECORD)
    if with_parsed:
        record["authors_parsed"] = [["Fict\\'icio", "Jos\\'e", ""], ['M\\"uller', 'Zo\\"e', ""]]
    store.upsert([files.parse_record(record)], NOW)
    paper = store.get("0911.0042").paper
    assert paper.title == "Vanishing theorems on some Kähler manifolds"
    assert paper.authors == ("José Fictício", "Zoë Müller")
    abstract = " ".join(paper.abstract.split())  # the snapshot's line breaks may stay
    assert abstract == "A theorem for Kähler manifolds in the sense of Schrödinger, 50% shorter."
    for typed in ["kähler", "kahler", "schrödinger", "müller", 'author:"zoe muller"']:
        assert ids(search(store, typed, now=NOW)) == ["0911.0042"], typed


# -- filters --------------------------------------------------------------------------------


@pytest.fixture
def robots(store):
    return stored(
        store,
        Paper(
            "2606.36001",
            "Grasping with Tactile Sensing",
            categories=("cs.RO",),
            published="2026-06-01",
        ),
        Paper(
            "2606.36002", "Grasping Videos", categories=("cs.CV", "cs.RO"), published="2026-06-03"
        ),
        Paper("2606.36003", "Grasping Language", categories=("cs.CL",), published="2026-06-02"),
        Paper(
            "2606.36004",
            "Scaling Laws",
            authors=("Yann LeCun", "Léon Bottou"),
            categories=("cs.LG",),
        ),
        Paper(
            "2606.36005", "Another Scaling Study", authors=("Leon Smith",), categories=("cs.LG",)
        ),
    )


@pytest.mark.parametrize(
    ("typed", "want"),
    [
        ("cat:cs.RO grasping", ["2606.36001", "2606.36002"]),  # primary and cross-list
        ("grasping cs.RO", ["2606.36001", "2606.36002"]),  # a bare category means the same
        ("cat:cs.RO", ["2606.36002", "2606.36001"]),  # filters only: newest first
        ("cat:cs", ["2606.36005", "2606.36004", "2606.36002", "2606.36003", "2606.36001"]),
        ("author:lecun", ["2606.36004"]),
        ('author:"Yann LeCun" scaling', ["2606.36004"]),
        ("author:leon", ["2606.36005", "2606.36004"]),  # accents ignored
        ("author:bottou -scaling", []),
        ("cat:cs.RO -tactile", ["2606.36002"]),
        ("cat:math.AG grasping", []),
    ],
)
def test_filters(robots, typed, want):
    got = ids(search(robots, typed, limit=10, now=NOW))
    if q.parse(typed).filters_only:  # newest first (undated papers count as stored today)
        assert got == want
    else:
        assert sorted(got) == sorted(want)


def test_topic_matching_takes_the_same_grammar(robots):
    papers = [robots.get(f"2606.3600{i}") for i in range(1, 6)]
    hits = match_topics(papers, ["cat:cs.RO grasping", 'author:"Léon Bottou"', "c++", "cs.CL"])
    assert hits == {
        "cat:cs.RO grasping": ["2606.36001", "2606.36002"],
        'author:"Léon Bottou"': ["2606.36004"],
        "c++": [],
        "cs.CL": ["2606.36003"],
    }


# -- ranking --------------------------------------------------------------------------------


def test_a_backfill_in_any_file_order_ranks_by_the_calendar(tmp_path, monkeypatch):
    # The window of "newest matches" is small here, as it is small against a million papers.
    monkeypatch.setattr(store_db, "SEARCH_WINDOW", 4)
    new = [Paper(f"2606.{i:05d}", "Graph networks", published="2026-06-10") for i in range(6)]
    old = [
        Paper(f"hep-th/99010{i:02d}", "Graph networks", published="1999-01-05") for i in range(6)
    ]
    answers = []
    for name, order in [("new-first", new + old), ("old-first", old + new)]:
        store = store_db.Store(tmp_path / f"{name}.db")
        stored(store, *order)
        answers.append(sorted(ids(search(store, "graph networks", limit=4, now=NOW))))
        store.close()
    assert answers[0] == answers[1]
    assert all(pid.startswith("2606.") for pid in answers[0])


def test_literal_words_outrank_an_acronym_expansion(seeded):
    got = ids(search(seeded, "scene text recognition", now=NOW))
    assert got.index("2307.12270") < got.index("2206.03001")  # the title says it; PP-OCRv3 is "OCR"


def test_the_exact_word_form_outranks_a_stem_only_match(store):
    stored(
        store,
        Paper("2606.37001", "Learned Ranking Models", published="2026-06-10"),
        Paper("2606.37002", "Learning Ranking Models", published="2026-06-01"),
    )
    assert ids(search(store, "learning", now=NOW)) == ["2606.37002", "2606.37001"]
    assert ids(search(store, "learned", now=NOW)) == ["2606.37001", "2606.37002"]


def test_scores_follow_the_order_shown(seeded):
    for typed in ["ocr", "language model", "pre-training", "document layout"]:
        scores = [p.score for p in search(seeded, typed, limit=10, now=NOW).papers]
        assert scores == sorted(scores, reverse=True) and scores[0] > 0, typed


def test_changed_date_and_title_move_the_paper_in_the_index(store):
    stored(store, Paper("2606.38001", "Old title", published="2020-01-01"))
    stored(store, Paper("2606.38001", "New title", published="2026-06-01"))
    assert ids(search(store, "new", now=NOW)) == ["2606.38001"]
    assert ids(search(store, "old", now=NOW)) == []
    store.db.execute("INSERT INTO papers_fts(papers_fts) VALUES('integrity-check')")


def test_an_index_built_by_another_text_version_is_rebuilt_at_start(tmp_path, seed_sightings):
    first = store_db.Store(tmp_path / "p.db")
    first.upsert(seed_sightings, NOW)
    first.db.execute("UPDATE meta SET value = 'older' WHERE key = 'index_version'")
    first.db.conn.commit()
    first.close()
    again = store_db.Store(tmp_path / "p.db")
    assert not again.index_is_stale()
    assert ids(search(again, "ocr", now=NOW))[0] == "2206.03001"
    again.close()


def test_a_snapshot_line_in_tex_is_read_not_skipped():
    report = IngestReport()
    stream = io.BufferedReader(io.BytesIO(json.dumps(SNAPSHOT_RECORD).encode() + b"\n"))
    assert [s.paper.id for s in files.read(stream, report)] == ["0911.0042"]
    assert not report.skipped


def test_a_topic_is_the_same_grammar_and_text_as_a_search(robots):
    from bot.core.commands import Handlers, Who, parse

    handlers, who = Handlers(robots), Who("T1", "U1")
    reply = handlers.handle(parse("subscribe cat:cs.RO grasping"), who)
    assert "2 stored papers" in reply.text
    reply = handlers.handle(parse("subscribe R&D"), who)
    assert "“r&d”" in reply.text
    assert robots.topics("T1", "U1") == ["cat:cs.ro grasping", "r&d"]
