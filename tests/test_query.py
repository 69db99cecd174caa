"""bot.core.query: the grammar of search text and topics, and the FTS5 it becomes."""

import pytest

from bot.core import query as q
from bot.errors import BadQuery


@pytest.mark.parametrize(
    ("typed", "include", "exclude", "categories", "authors"),
    [
        ("cat:cs.RO grasping", ("grasping",), (), ("cs.RO",), ()),
        ("cs.RO", (), (), ("cs.RO",), ()),  # a bare category is a filter
        ("grasping CS.ro", ("grasping",), (), ("CS.ro",), ()),
        ("author:lecun", (), (), (), ("lecun",)),
        ('author:"Yann LeCun" cnn', ("cnn",), (), (), ("yann lecun",)),
        ("author:“Yann LeCun”", (), (), (), ("yann lecun",)),  # phone quotes
        ('diffusion -"video generation"', ("diffusion",), ("video generation",), (), ()),
        ("diffusion −video", ("diffusion",), ("video",), (), ()),  # U+2212 minus
        ("“scene text”", ("scene text",), (), (), ()),
        ("Q&A", ("q&a",), (), (), ()),
        ("c++ c# f# .NET", ("c++", "c#", "f#", ".net"), (), (), ()),
        ("U-Net", ("u-net",), (), (), ()),
        ("cat:cs.RO -robot", (), ("robot",), ("cs.RO",), ()),
    ],
)
def test_parse(typed, include, exclude, categories, authors):
    parsed = q.parse(typed)
    assert (parsed.include, parsed.exclude, parsed.categories, parsed.authors) == (
        include,
        exclude,
        categories,
        authors,
    )


def test_text_retypes_filters():
    parsed = q.parse('grasping cat:cs.RO author:"Yann LeCun" -sim')
    assert parsed.text == 'grasping cat:cs.RO author:"yann lecun" -sim'
    assert q.parse(parsed.text) == parsed


@pytest.mark.parametrize("typed", ['author:""', 'cat:""', "-cat:cs.RO", "-x -y"])
def test_nothing_to_find_is_a_bad_query(typed):
    # Empty filters and exclusions alone (an excluded category too) find nothing.
    with pytest.raises(BadQuery):
        q.parse(typed)


@pytest.mark.parametrize("typed", ["cat:", "ocr author:", "-Category:"])
def test_a_filter_with_nothing_after_it_is_one_clear_line(typed):
    with pytest.raises(BadQuery, match="needs something after it"):
        q.parse(typed)


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
def test_to_fts(typed, fts):
    assert q.to_fts(q.parse(typed)) == fts


def test_literal_holds_the_words_as_typed_without_expansions():
    assert q.literal_words(q.parse("ocr")) == [" ocr"]
    assert q.literal_words(q.parse("u-net seg")) == [" u", " net", " seg", " u net seg"]
    assert q.literal_words(q.parse("中文")) == ["中文"]
    assert q.literal_words(q.parse("cat:cs.RO")) == []
    assert q.literal_words(q.parse("C++ .NET")) == [" c++", " net", " c++ net"]
