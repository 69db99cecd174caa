"""arXiv ids and paper links: every form a person pastes, and what is not one paper."""

import pytest

from bot.core.ids import id_forms, normalize_id, paper_id_in


@pytest.mark.parametrize(
    ("text", "paper_id"),
    [
        ("2206.03001", "2206.03001"),
        ("2206.03001v2", "2206.03001"),
        ("arXiv:2206.03001", "2206.03001"),
        ("arxiv:2206.03001v12", "2206.03001"),
        ("  2206.03001 ", "2206.03001"),
        ("1412.0001", "1412.0001"),  # four digits after the dot until 1412
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v3", "hep-th/9901001"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("cs/0112017", "cs/0112017"),
        ("https://arxiv.org/abs/2206.03001", "2206.03001"),
        ("https://arxiv.org/abs/2206.03001v2", "2206.03001"),
        ("http://www.arxiv.org/abs/2206.03001/", "2206.03001"),
        ("https://arxiv.org/pdf/2206.03001", "2206.03001"),
        ("https://arxiv.org/pdf/2206.03001v2.pdf", "2206.03001"),
        ("https://arxiv.org/pdf/2206.03001.pdf", "2206.03001"),
        ("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001"),
        ("https://arxiv.org/abs/2206.03001?context=cs.CV#x", "2206.03001"),
        ("https://export.arxiv.org/abs/2206.03001", "2206.03001"),
        ("arxiv.org/abs/2206.03001", "2206.03001"),
        ("https://huggingface.co/papers/2206.03001", "2206.03001"),
        ("https://huggingface.co/papers/2206.03001#community", "2206.03001"),
        ("https://www.alphaxiv.org/abs/2206.03001", "2206.03001"),
        ("https://alphaxiv.org/overview/2206.03001v1", "2206.03001"),
        ("<https://arxiv.org/abs/2206.03001>", "2206.03001"),  # as Slack sends a link
        ("<https://arxiv.org/abs/2206.03001|arxiv.org/abs/2206.03001>", "2206.03001"),
    ],
)
def test_one_id_or_link_is_that_paper(text, paper_id):
    assert paper_id_in(text) == paper_id


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ocr",
        "2206.03001 diffusion",  # an id among words is a search
        "2206 03001",
        "2213.03001",  # no month 13
        "2206.030",
        "12206.03001",
        "https://example.org/abs/2206.03001",
        "https://arxiv.org/list/cs.CV/recent",
        "https://huggingface.co/2206.03001",
        "https://arxiv.org/abs/",
        "ftp://arxiv.org/abs/2206.03001",
        "javascript:alert(1)",
        "hep-th/990100",
        "\x00",
    ],
)
def test_anything_else_is_not_one_paper(text):
    assert paper_id_in(text) is None


def test_source_ids_normalise_as_before():
    assert normalize_id("http://arxiv.org/abs/2510.14968v1") == "2510.14968"
    assert normalize_id("oai:arXiv.org:2203.01250v3") == "2203.01250"
    assert normalize_id("math.GT/0309136") == "math.GT/0309136"
    assert normalize_id(None) is None and normalize_id("nonsense") is None


def test_an_old_id_with_its_subject_class_is_also_its_plain_form():
    assert id_forms("math.GT/0309136") == ("math.GT/0309136", "math/0309136")
    assert id_forms("2206.03001") == ("2206.03001",)


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("ARXIV:2206.03001V2", "2206.03001"),  # shouted, as some PDFs print it
        ("0704.0001", "0704.0001"),  # four digits after the dot until 1412
        ("1412.9999v3", "1412.9999"),
        ("2206.0300", None),  # since 1501 five digits: a typo, not an id to fetch
        ("1501.0001", None),
    ],
)
def test_id_shapes_follow_the_calendar_and_any_case(typed, found):
    assert paper_id_in(typed) == found
