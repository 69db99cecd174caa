"""One text normalisation for both sides of search: papers at ingest, queries and topics at parse.

`normalize` makes typed and pasted text comparable (quotes, dashes, ligatures, invisible
characters). Slack's `&amp; &lt; &gt;` are decoded once where Slack text enters
(`bot.slack.payloads`), never here: `&amp;lt;` sent by Slack means a typed `&lt;`.
`detex` decodes TeX in titles, abstracts and authors; `index_text`
is what the FTS5 tokenizer is given for a document field, and `bot.core.query` turns query words
into the same tokens, so that `c++`, `u-net`/`unet` and Chinese or Japanese words meet.
"""

import re
import unicodedata
from collections.abc import Iterator

from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import LatexWalkerError, get_default_latex_context_db

# Invisible characters that PDFs and editors put inside words: removed, not word breaks.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# Look-alike quotes → straight ones; before NFKC, which turns ″ into two primes.
_QUOTES = str.maketrans(
    {
        **dict.fromkeys("“”„‟«»″‶〝〞＂", '"'),
        **dict.fromkeys("‘’‚‛′‵", "'"),
        **dict.fromkeys("\u2010\u2011", "-"),  # Unicode hyphens are hyphens anywhere
    }
)
_TRANSLATED = re.compile(
    "[" + "".join(chr(c) for c in (*_INVISIBLE, *_QUOTES)).replace("-", "\\-") + "]"
)
# A minus sign or dash that starts a word is a `-` (an exclusion in a query).
_DASHES = "\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_DASH_AT_WORD_START = re.compile(f"(?<!\\S)[{_DASHES}](?=\\S)")


def normalize(text: str) -> str:
    """Text as search compares it: invisible characters removed,
    look-alike quotes straight, NFKC (ligatures, full-width forms), a dash or minus sign at the
    start of a word made `-`. Never raises; the result may still hold control characters."""
    # The checks before each step skip it for the common text it would not change.
    if not text.isascii():
        if _TRANSLATED.search(text):  # str.translate is slow on text it would not change
            text = text.translate(_INVISIBLE).translate(_QUOTES)
        text = unicodedata.normalize("NFKC", text)
        if any(dash in text for dash in _DASHES):
            text = _DASH_AT_WORD_START.sub("-", text)
    return text


# -- TeX ----------------------------------------------------------------------------------

# `$...$` stays, with `\alpha` inside made `α`: math reads as math, and its words stay searchable.
_LATEX = LatexNodes2Text(math_mode="with-delimiters")
# Built once: pylatexenc would build it again for every text it is given.
_LATEX_CONTEXT = get_default_latex_context_db()
# In arXiv metadata a bare `%` is a percent sign and a bare `&` an ampersand, not TeX syntax.
_BARE = re.compile(r"(?<!\\)([%&])")


# Where TeX can be: math (`$...$`, `\(...\)`, `\[...\]`, an environment), or a word holding
# `\` or `{`.
_TEX_SPAN = re.compile(
    r"[^\s$\\]*(?:\\\(.*?\\\)|\\\[.*?\\\]|\\begin\{([a-z]+\*?)\}.*?\\end\{\1\})"
    r"|\$\$[^$]*\$\$|\$[^$]*\$|[^\s$]*[\\{][^\s$]*",
    re.DOTALL,
)
# TeX's text ligatures, which pylatexenc decoded in the whole text before it was given spans.
_TEX_TEXT = str.maketrans({"~": " "})
_TEX_DASHES = (("---", "—"), ("--", "–"), ("``", "“"), ("''", "”"))
_WORD_REST = re.compile(r"\S*")


def detex(text: str) -> str:
    """TeX accents and commands decoded (`K\\"{a}hler` → `Kähler`, `\\emph{x}` → `x`).

    Text without a backslash or a brace is returned as is (most text). Only the spans that
    hold TeX go through pylatexenc (it reads a character at a time: a whole abstract took
    5 ms, its one `$\\alpha$` takes 0.1 ms); the text between them is kept as it was. A span
    pylatexenc cannot parse is kept unchanged.
    """
    if "\\" not in text and "{" not in text:
        return text
    parts = []
    last = 0
    for start, end in _tex_spans(text):
        parts.append(_ligatures(text[last:start]))
        parts.append(_decode(text[start:end]))
        last = end
    parts.append(_ligatures(text[last:]))
    return "".join(parts).strip()


def _ligatures(plain: str) -> str:
    if "~" in plain:
        plain = plain.translate(_TEX_TEXT)
    for tex, char in _TEX_DASHES:
        if tex in plain:
            plain = plain.replace(tex, char)
    return plain


def _tex_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of `text` that holds TeX: a `$...$` holding `\\` or `{`, or a
    word holding one, stretched over the following words until its braces close."""
    position = 0
    while match := _TEX_SPAN.search(text, position):
        start, end = match.span()
        span = match[0]
        if "\\" not in span and "{" not in span:  # `$5 and $10`: no TeX in it
            position = max(end, start + 1)
            continue
        depth = span.count("{") - span.count("}")
        while depth > 0 and end < len(text):  # `\\emph{deep learning}` spans two words
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        end = _WORD_REST.match(text, end).end()
        yield start, end
        position = end


def _decode(tex: str) -> str:
    try:
        decoded = _LATEX.latex_to_text(_BARE.sub(r"\\\1", tex), latex_context=_LATEX_CONTEXT)
    except (LatexWalkerError, RecursionError, IndexError, ValueError):
        return tex
    return decoded.replace("\xa0", " ")


def clean_field(text: str, *, keep_lines: bool = False) -> str:
    """A title, abstract or author name as stored: TeX decoded, normalised, spaces squeezed
    (with `keep_lines`, for abstracts, only stripped: their line breaks are the source's)."""
    text = normalize(detex(text))
    if keep_lines or ("  " not in text and "\n" not in text and "\t" not in text):
        return text.strip()  # most titles and names: one line, single spaces
    return " ".join(text.split())


_PARENS = re.compile(r"\([^()]*\)")


def strip_affiliations(authors: str) -> str:
    """`A (1), B (1 and 2) ((1) Univ, (2) Inst)` → `A, B`: parenthesised groups removed."""
    previous = None
    while previous != authors:  # innermost first, so nested groups go too
        previous, authors = authors, _PARENS.sub("", authors)
    return " ".join(authors.replace(" ,", ",").split()).strip(" ,")


# -- what the index holds -------------------------------------------------------------------

# Terms whose meaning is in their symbols, as tokens the tokenizer keeps.
SYMBOLS = {"c++": "cplusplus", "c#": "csharp", "f#": "fsharp", ".net": "dotnet"}
_SYMBOL = re.compile(r"(?<![\w.+#])(c\+\+|c#|f#|\.net)(?![\w+#])", re.IGNORECASE)
# Hyphenated compounds (`u-net`, `gpt-4`, `e-commerce`): also indexed joined (`unet`).
_COMPOUND = re.compile(r"[^\W_]+(?:-[^\W_]+)+")
_MAX_JOINED = 40
# Han, kana and CJK compatibility ideographs: written without spaces between words.
_CJK_CLASS = (
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
)
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_CJK_ONLY = re.compile(f"^[{_CJK_CLASS}]+$")


def symbols(text: str) -> str:
    """`C++`, `C#`, `F#`, `.NET` → `cplusplus`, `csharp`, `fsharp`, `dotnet`."""
    if "+" not in text and "#" not in text and ".n" not in text and ".N" not in text:
        return text
    return _SYMBOL.sub(lambda m: f" {SYMBOLS[m[1].lower()]} ", text)


def bigrams(run: str) -> list[str]:
    """A CJK run → its overlapping character pairs, then its last character alone.

    `评测基准` → `评测 测基 基准 准`: any word of two or more characters is a phrase of these
    pairs; a one-character word is a prefix of a pair or the final single character.
    """
    pairs = [run[i : i + 2] for i in range(len(run) - 1)]
    return [*pairs, run[-1]]


def _cjk(text: str) -> str:
    return _CJK_RUN.sub(lambda m: " " + " ".join(bigrams(m[0])) + " ", text)


def index_text(text: str | None) -> str:
    """A document field as the FTS5 tokenizer should see it (never shown to anyone).

    Symbol terms become tokens, CJK runs become character pairs, and each hyphenated compound
    is appended once more joined (`U-Net` → `... U-Net ... unet`), after the text so phrases
    in it keep their positions.
    """
    if not text:
        return ""
    text = symbols(text)
    joined = []
    if "-" in text:  # words one by one: a regex over the whole text is ten times slower
        for word in text.split():
            if "-" in word:
                joined += [
                    m[0].replace("-", "")
                    for m in _COMPOUND.finditer(word)
                    if len(m[0]) <= _MAX_JOINED and not _CJK_RUN.search(m[0])
                ]
    if not text.isascii() and _CJK_RUN.search(text):
        text = _cjk(text)
    if joined:
        text = text + " " + " ".join(joined)
    return text


# Category tokens start with this, so no word a person types matches one by chance (`cs`, `math`):
# words then need no column filter, which would cost FTS5 a quarter more time per query.
CATEGORY_MARK = "arxivcat"


def category_text(categories: str | None) -> str:
    """`cs.RO math-ph` → `arxivcatcsro arxivcatcs arxivcatmathph`: one token per category, plus
    each archive once."""
    tokens: list[str] = []
    for category in (categories or "").split():
        tokens.append(category_token(category))
        archive = category.split(".", 1)[0]
        if "." in category:
            tokens.append(category_token(archive))
    return " ".join(dict.fromkeys(tokens))


def category_token(category: str) -> str:
    """An arXiv category as one token: `cs.RO` → `arxivcatcsro`, `cond-mat.stat-mech` →
    `arxivcatcondmatstatmech`; '' when it holds no letter or digit."""
    joined = "".join(ch for ch in normalize(category).lower() if ch.isalnum())
    return CATEGORY_MARK + joined if joined else ""


def is_cjk(word: str) -> bool:
    return bool(_CJK_ONLY.match(word))
