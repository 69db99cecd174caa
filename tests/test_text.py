"""bot.core.text: one normalisation for papers and queries, TeX, and what the index is given."""

import pytest

from bot.core import text


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Q&amp;A", "Q&amp;A"),  # Slack's escaping is undone where Slack text enters, not here
        ("“scene text”", '"scene text"'),
        ("„x‟ «y» ″z″", '"x" "y" "z"'),
        ("‘single’", "'single'"),
        ("diffusion −video", "diffusion -video"),  # U+2212 minus at a word start
        ("diffusion –video —x", "diffusion -video -x"),
        ("u‐net", "u-net"),  # U+2010 hyphen
        ("2–3 layers", "2–3 layers"),  # an en dash inside a range stays
        ("eﬃcient ﬁne-tuning", "efficient fine-tuning"),  # ligatures
        ("trans\u00adformer", "transformer"),  # soft hyphen: not a word break
        ("zero\u200bwidth\u200c\u200d\u2060\ufeff", "zerowidth"),
        ("ＧＰＴ－４", "GPT-4"),  # full-width forms
    ],
)
def test_normalize(raw, normal):
    assert text.normalize(raw) == normal


@pytest.mark.parametrize(
    ("tex", "plain"),
    [
        (r"Vanishing theorems on K\"{a}hler manifolds", "Vanishing theorems on Kähler manifolds"),
        (r"Jos\'e Mar\'ia Fict\'icio", "José María Fictício"),
        (r"Schr\"odinger and M\"uller", "Schrödinger and Müller"),
        (r"\emph{Fast} $O(n^2)$ sorting with $\alpha$-nets", "Fast $O(n^2)$ sorting with $α$-nets"),
        (r"50% better \cite{x} on Q&A", "50% better <cit.> on Q&A"),  # bare % and & are text
        ("no tex at all", "no tex at all"),
        ("{unbalanced", "unbalanced"),
    ],
)
def test_detex(tex, plain):
    assert text.detex(tex) == plain


def test_detex_leaves_text_it_cannot_parse_as_is():
    deep = "\\x" + "{" * 5000 + "}" * 5000
    assert isinstance(text.detex(deep), str)  # no RecursionError reaches the caller


def test_strip_affiliations():
    raw = "José Fictício (1), Zoë Müller (1 and 2) ((1) Universidad Inventada, (2) Instituto)"
    assert text.strip_affiliations(raw) == "José Fictício, Zoë Müller"


@pytest.mark.parametrize(
    ("field", "indexed"),
    [
        ("Translating C++ Templates", "Translating  cplusplus  Templates"),
        ("C# and F# for .NET", " csharp  and  fsharp  for  dotnet "),
        ("U-Net and GPT-4 for e-commerce", "U-Net and GPT-4 for e-commerce UNet GPT4 ecommerce"),
        ("评测基准", " 评测 测基 基准 准 "),
        ("ZhBench: 中文", "ZhBench:  中文 文 "),
        ("", ""),
        (None, ""),
    ],
)
def test_index_text(field, indexed):
    assert text.index_text(field) == indexed


def test_category_text_has_one_token_per_category_and_archive():
    assert text.category_text("cs.RO cs.CV math-ph") == (
        "arxivcatcsro arxivcatcs arxivcatcscv arxivcatmathph"
    )
    assert text.category_token("cond-mat.stat-mech") == "arxivcatcondmatstatmech"
    assert text.category_token("..") == ""
