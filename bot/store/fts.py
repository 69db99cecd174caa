"""The search index's text and syntax, written once: its tokenizer, columns and bm25 weights,
what a paper gives each column, and a parsed search (`bot.core.query.Query`) as an FTS5 MATCH
expression.

Every MATCH string the store runs is built here from a Query or from plain words, each word
quoted, so nothing a person types is FTS5 syntax. ML acronyms match their spelled-out forms
both ways (`bot.core.acronyms`); `u-net` also finds `unet`; CJK text is matched by character
pairs, as `bot.core.text.index_text` indexes it.
"""

import re
from functools import lru_cache

from bot.core import acronyms, text
from bot.core.models import Paper
from bot.core.query import Query

# FTS5's tokenizer for every index of papers (the store's papers_fts, schema 0007, and the
# in-memory ones of bot.store.matching): Porter stems of Unicode words, accents folded.
TOKENIZER = "porter unicode61 remove_diacritics 2"
# The index's columns, in order.
FIELDS = ("title", "keywords", "abstract", "authors", "categories")
# bm25 weights in FIELDS order: a word in the title counts ten abstract words; categories
# only filter.
WEIGHTS = "10.0, 4.0, 1.0, 2.0, 0.0"
# Compiled expressions kept for the life of the process: the same topics come back daily.
COMPILED_CACHE = 50_000

_PIECE = re.compile(f"([{text._CJK_CLASS}]+)")


# What each column is given: a function of bot.core.text applied to the stored field. Store
# connections register each as an SQL function of the same name (`INDEXED_SQL` calls them).
FIELD_TEXT = {
    "title": text.index_text,
    "keywords": text.index_text,
    "abstract": text.index_text,
    "authors": text.index_text,
    "categories": text.category_text,
}
# The same, as SQL over a papers row, in FIELDS order.
INDEXED_SQL = ", ".join(f"{FIELD_TEXT[f].__name__}({f})" for f in FIELDS)


def index_row(paper: Paper) -> tuple[str, ...]:
    """What the index holds for a paper, in FIELDS order: what `INDEXED_SQL` gives for its
    stored row (authors and keywords stored `, `-joined, categories ` `-joined)."""
    stored = {
        "title": paper.title,
        "keywords": ", ".join(paper.keywords),
        "abstract": paper.abstract,
        "authors": ", ".join(paper.authors),
        "categories": " ".join(paper.categories),
    }
    return tuple(FIELD_TEXT[f](stored[f]) for f in FIELDS)


def any_word(words: list[str]) -> str:
    """A MATCH expression for papers holding any of `words` (runs of letters and digits)."""
    return " OR ".join(f'"{w}"' for w in words if re.fullmatch(r"[^\W_]+", w))


# -- a Query as FTS5 ---------------------------------------------------------------------


def _tokens(term: str) -> tuple[list[str], bool]:
    """A term → the FTS5 tokens of its phrase, and whether the last one is a prefix.

    Symbol terms become their tokens, compounds their parts, CJK runs their character pairs
    (with the run's last character when more follows, as documents are indexed).
    """
    pieces: list[str] = []
    for word in term.split():
        for part in re.findall(r"[^\W_]+", text.symbols(word)):
            pieces.extend(p for p in _PIECE.split(part) if p)
    tokens: list[str] = []
    prefix = False
    for i, piece in enumerate(pieces):
        if not text.is_cjk(piece):
            tokens.append(piece)
        elif i < len(pieces) - 1:
            tokens.extend(text.bigrams(piece))
        elif len(piece) == 1:
            tokens.append(piece)
            prefix = True
        else:
            tokens.extend(piece[j : j + 2] for j in range(len(piece) - 1))
    return tokens, prefix


def _phrase(term: str) -> str:
    tokens, prefix = _tokens(term)
    return '"' + " ".join(tokens).replace('"', '""') + '"' + (" *" if prefix else "")


def _spellings(term: str) -> list[str]:
    """The term, plus its joined form when it is one hyphenated compound (`u-net` → `unet`)."""
    found = [_phrase(term)]
    if " " not in term and "-" in term:
        found.append(_phrase(term.replace("-", "")))
    return found


def _alternatives(term: str) -> list[str]:
    """The term's spellings plus what it stands for or abbreviates, as FTS5 phrases."""
    found = _spellings(term)
    found += [_phrase(long) for long in acronyms.lookup(term)]
    short = acronyms.EXPANSIONS.get(tuple(term.split()))
    if short:
        found.append(_phrase(short))
    return found


def _group(options: list[str]) -> str:
    unique = list(dict.fromkeys(options))
    return unique[0] if len(unique) == 1 else "(" + " OR ".join(unique) + ")"


def _filters(query: Query) -> list[str]:
    parts = [f'"{text.category_token(c)}"' for c in query.categories]
    parts += [f"{{authors}} : {_phrase(a)}" for a in query.authors]
    return parts


@lru_cache(maxsize=COMPILED_CACHE)
def match_expression(query: Query) -> str:
    """The FTS5 MATCH expression of a parsed search, over FIELDS; the same Query gives the same
    string (cached)."""
    terms = _with_long_forms(list(query.include))
    filters = _filters(query)
    if terms:
        words = " AND ".join(_group(_alternatives(t)) for t in terms)
        for term in query.exclude:
            words += f" NOT {_group(_spellings(term))}"
        return " AND ".join([f"({words})", *filters]) if filters else words
    expression = " AND ".join(filters)
    if query.exclude:
        excluded = " OR ".join(_group(_spellings(t)) for t in query.exclude)
        expression = f"({expression}) NOT ({excluded})"
    return expression


def literal_words(query: Query) -> list[str]:
    """What a title holding the query's words as typed contains, lower case, punctuation as
    spaces: each word at a word start (` learning`; CJK words anywhere), then all the words in
    a row when there are several (` object detection`). Acronyms are not expanded, words not
    stemmed: the store lifts such titles above expansion-only and stem-only matches."""
    words = [
        part
        for term in query.include
        for word in term.split()
        for part in ([word.lstrip(".")] if word in text.SYMBOLS else re.findall(r"[^\W_]+", word))
    ]
    found = [w if text.is_cjk(w) else " " + w for w in words]
    if len(words) > 1:
        found.append(" " + " ".join(words))
    return list(dict.fromkeys(found))


# Multi-word long forms by their first word, longest first.
_LONGEST_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _long in sorted(acronyms.EXPANSIONS, key=len, reverse=True):
    if len(_long) > 1:
        _LONGEST_FIRST.setdefault(_long[0], []).append(_long)


def _with_long_forms(terms: list[str]) -> list[str]:
    """Join consecutive single words that spell a known long form into one phrase term.

    So `optical character recognition` also finds `OCR` (the phrase or the acronym),
    rather than needing all three words somewhere in the paper.
    """
    out: list[str] = []
    i = 0
    while i < len(terms):
        for long in _LONGEST_FIRST.get(terms[i], ()):
            n = len(long)
            if tuple(terms[i : i + n]) == long:
                out.append(" ".join(long))
                i += n
                break
        else:
            out.append(terms[i])
            i += 1
    return out
