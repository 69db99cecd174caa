"""bot.store.fts: the index's tokenizer written once, and a parsed search as FTS5 MATCH text."""

import sqlite3

import pytest

from bot.core import query as q
from bot.core.models import Paper, Sighting
from bot.store import fts
from bot.store.fts import match_expression as fts_of


@pytest.mark.parametrize(
    ("typed", "fts"),
    [
        ("c++", '"cplusplus"'),
        ("Q&A", '"q a"'),
        ("c++,", '"cplusplus"'),
        ("c#", '"csharp"'),
        ("f#", '"fsharp"'),
        (".net", '"dotnet"'),
        ("u-net", '("u net" OR "unet")'),
        ("e-commerce", '("e commerce" OR "ecommerce")'),
        ("gpt-4", '("gpt 4" OR "gpt4")'),
        ("大语言模型", '"大语 语言 言模 模型"'),
        ("中文", '"中文"'),
        ("中", '"中" *'),
        ("llm中文", '"llm 中文"'),
        ("中文llm", '"中文 文 llm"'),
        ("cat:cs.RO", '"arxivcatcsro"'),
        ("cat:cs.RO grasping", '("grasping") AND "arxivcatcsro"'),
        ('author:"Yann LeCun"', '{authors} : "yann lecun"'),
        ("cat:cs.RO -robot", '("arxivcatcsro") NOT ("robot")'),
    ],
)
def test_a_parsed_search_becomes_quoted_fts5(typed, fts):
    assert fts_of(q.parse(typed)) == fts


def test_literal_holds_the_words_as_typed_without_expansions():
    assert fts.literal_words(q.parse("ocr")) == [" ocr"]
    assert fts.literal_words(q.parse("u-net seg")) == [" u", " net", " seg", " u net seg"]
    assert fts.literal_words(q.parse("中文")) == ["中文"]
    assert fts.literal_words(q.parse("cat:cs.RO")) == []
    assert fts.literal_words(q.parse("C++ .NET")) == [" c++", " net", " c++ net"]


def test_every_index_of_papers_uses_the_one_tokenizer(store):
    # The store's papers_fts (created by a migration) and the in-memory index of matching.
    conn = sqlite3.connect(store.path)
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'papers_fts'").fetchone()
    conn.close()
    assert f"tokenize='{fts.TOKENIZER}'" in sql
    assert "categories" in sql and all(field in sql for field in fts.FIELDS)


def test_any_word_quotes_each_word():
    assert fts.any_word(["ocr", "scene", "2026"]) == '"ocr" OR "scene" OR "2026"'


def test_the_same_query_compiles_once():
    fts.match_expression.cache_clear()
    parsed = q.parse("diffusion video")
    assert fts_of(parsed) == fts_of(q.parse("diffusion  video")) == '"diffusion" AND "video"'
    assert fts.match_expression.cache_info().hits == 1


def test_a_paper_is_indexed_the_same_in_memory_and_in_the_store(store):
    paper = Paper(
        "2606.00042",
        "U-Net for 大语言模型 OCR in C++",
        abstract="Scene text; kähler.",
        authors=("Léon Bottou", "Yann LeCun"),
        keywords=("ocr", "u-net"),
        categories=("cs.CV", "cs.CL"),
    )
    store.upsert([Sighting(paper, "file")])
    stored = store.get(paper.id)
    row = store.db.execute(
        f"SELECT {fts.INDEXED_SQL} FROM papers WHERE id = ?", [paper.id]
    ).fetchone()
    assert fts.index_row(stored.paper) == tuple(row)
    assert "csharp" not in row[0] and "cplusplus" in row[0]  # what the SQL gave is real text
