"""bot.core.query: the grammar of search text and topics (bot.store.fts compiles it)."""

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
