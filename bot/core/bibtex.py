"""BibTeX entries for saved papers: `@misc` with arXiv's eprint fields, TeX-safe text.

Keys read like `li2022ppocrv3` (first author's family name, year, first title word) and
depend only on the paper, so a paper keeps its key from one export to the next. Papers that
would share a key within one export each get their arXiv id appended
(`li2022ppocrv3_2206.03001`), so keys are unique. Text is TeX-encoded by pylatexenc
(`&` → `\\&`, `ä` → `\\"a`), and entries are written by bibtexparser.
"""

import re
import unicodedata
from collections import Counter

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat
from pylatexenc.latexencode import UnicodeToLatexEncoder

from bot.core.models import StoredPaper

# Words that make a poor key: a title's first word that says something is used instead.
_SKIP = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "towards", "toward", "with"}
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# pylatexenc's default rules escape TeX's specials (& % $ # _ { } ~ ^ \\) as well as accents.
_ENCODER = UnicodeToLatexEncoder(unknown_char_policy="keep", unknown_char_warning=False)
_FORMAT = BibtexFormat()
_FORMAT.indent = "  "
_FORMAT.block_separator = "\n"


def tex(text: str) -> str:
    """Text with TeX's special characters escaped and accented letters as TeX accents."""
    return _ENCODER.unicode_to_latex(text)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def base_key(item: StoredPaper) -> str:
    """`familyname` + year + first telling title word, ASCII lower case: `li2022ppocrv3`."""
    p = item.paper
    first = p.authors[0] if p.authors else ""
    family = _ASCII_WORD.findall(_ascii(first.split(",")[0].split()[-1] if first else ""))
    # A title's words as written (`PP-OCRv3` is one word, `ppocrv3`), skipping filler words.
    words = [w for w in ("".join(_ASCII_WORD.findall(_ascii(t))) for t in p.title.split()) if w]
    words = [w for w in words if w not in _SKIP] or words
    year = (p.published or "")[:4]
    key = "".join(family) + year + (words[0] if words else "")
    return key or "arxiv" + re.sub(r"[^0-9a-z]", "", p.id.lower())


def keys(papers: list[StoredPaper]) -> list[str]:
    """One unique key per paper, in order (see the module docstring)."""
    bases = [base_key(p) for p in papers]
    seen = Counter(bases)
    return [
        base if seen[base] == 1 else f"{base}_{p.paper.id.replace('/', '_')}"
        for base, p in zip(bases, papers, strict=True)
    ]


def entry(item: StoredPaper, key: str) -> Entry:
    p = item.paper
    fields = [
        # Double braces keep the title's capitals (PP-OCRv3) as typed in any bibliography style.
        Field("title", "{" + tex(" ".join(p.title.split())) + "}"),
        Field("author", " and ".join(tex(name) for name in p.authors) or "{Unknown}"),
    ]
    if p.published:
        fields.append(Field("year", p.published[:4]))
    fields += [Field("eprint", p.id), Field("archivePrefix", "arXiv")]
    if p.categories:
        fields.append(Field("primaryClass", p.categories[0]))
    fields.append(Field("url", p.abs_url))
    return Entry("misc", key, fields)


def bibtex(papers: list[StoredPaper]) -> str:
    """BibTeX text with one `@misc` entry per paper, in the order given; '' for none."""
    papers = list({p.paper.id: p for p in reversed(papers)}.values())[::-1]  # each once
    if not papers:
        return ""
    library = Library([entry(p, k) for p, k in zip(papers, keys(papers), strict=True)])
    return bibtexparser.write_string(library, bibtex_format=_FORMAT).strip() + "\n"
