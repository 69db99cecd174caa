"""User text → a safe FTS5 query.

Every word is quoted, so nothing a person types is FTS5 syntax: `ocr AND`, `NEAR(`, `title:`
and `"x` are searched as words. `"two words"` stays a phrase, `-word` excludes, `cat:cs.RO`
(or a bare `cs.RO`) keeps papers of that category, primary or cross-list, and `author:lecun` or
`author:"Yann LeCun"` papers by that author. ML acronyms match their spelled-out forms both ways
(see `acronyms`); `u-net` and `unet` meet both ways; `c++`, `c#`, `f#`, `.net` are words; CJK
text is searched by character pairs (see `bot.core.text`). The same text is a topic.
"""

import re
import unicodedata
from dataclasses import dataclass

from bot.core import acronyms, text
from bot.errors import BadQuery

MAX_TERMS = 12
MAX_CHARS = 500
_TOKEN = re.compile(r'(-?)(?:(cat|category|author|au):)?"([^"]*)"?|(\S+)', re.IGNORECASE)
_FIELD = re.compile(r"^(cat|category|author|au):(.+)$", re.IGNORECASE)
_EMPTY_FILTERS = ("cat:", "category:", "author:", "au:")
# What a term keeps: symbol terms, and runs of letters and digits joined by `-`, `&` or `'`
# (`u-net`, `q&a`, `don't`: shown as typed, searched as their words).
_TERM_WORD = re.compile(r"\.net(?!\w)|[^\W_]+(?:\+\+|#)?(?:[-&'][^\W_]+)*")
_BARE_CATEGORY = re.compile(
    r"^(cs|math|stat|eess|econ|q-bio|q-fin|physics|astro-ph|cond-mat|nlin)\.[a-z][a-z-]*$",
    re.IGNORECASE,
)
_PIECE = re.compile(f"([{text._CJK_CLASS}]+)")


@dataclass(frozen=True)
class Query:
    """A parsed search: words and phrases to find and to exclude, and filters.

    Terms are lower case, normalised (`bot.core.text.normalize`), words separated by spaces;
    categories keep their arXiv spelling (`cs.RO`), authors are lower case words.
    """

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The query as a person would retype it."""
        parts = [f'"{p}"' if " " in p else p for p in self.include]
        parts += [f"cat:{c}" for c in self.categories]
        parts += [f'author:"{a}"' if " " in a else f"author:{a}" for a in self.authors]
        parts += [f'-"{p}"' if " " in p else f"-{p}" for p in self.exclude]
        return " ".join(parts)

    @property
    def filters_only(self) -> bool:
        """True when the query holds filters but no words: it lists papers newest first."""
        return not self.include


def clean(raw: str) -> str:
    """Normalised text (`text.normalize`) without control characters, squeezed, at most
    MAX_CHARS long."""
    raw = text.normalize(raw)
    raw = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in raw)
    return " ".join(raw.split())[:MAX_CHARS]


def term_of(raw: str) -> str:
    """The searchable words of `raw`, lower case, one space apart ('' when none)."""
    return " ".join(_TERM_WORD.findall(raw.lower()))


def _category(raw: str) -> str | None:
    raw = raw.strip()
    return raw if text.category_token(raw) and re.fullmatch(r"[\w.-]+", raw) else None


def parse(raw: str) -> Query:
    """Parse search text; raises BadQuery when it holds nothing searchable."""
    include: list[str] = []
    exclude: list[str] = []
    categories: list[str] = []
    authors: list[str] = []
    for match in _TOKEN.finditer(clean(raw)):
        negated, field, phrase, word = match.groups()
        value = phrase if phrase is not None else word
        if word is not None:
            if word.startswith("-") and len(word) > 1:
                negated, word = "-", word[1:]
            if word.lower() in _EMPTY_FILTERS:
                raise BadQuery(
                    f"`{word}` needs something after it, for example `cat:cs.RO` or "
                    '`author:lecun` (`author:"Yann LeCun"` for a full name).'
                )
            fielded = _FIELD.match(word)
            if fielded:
                field, word = fielded.groups()
            elif _BARE_CATEGORY.match(word):
                field = "cat"
            value = word
        field = (field or "").lower()
        if field in ("cat", "category") and not negated:
            category = _category(value)
            if category and category not in categories:
                categories.append(category)
            continue
        if field in ("author", "au") and not negated:
            name = term_of(value)
            if name and name not in authors:
                authors.append(name)
            continue
        term = term_of(value)
        if not term:
            continue
        target = exclude if negated else include
        if term not in target:
            target.append(term)
    if not include and not categories and not authors:
        if exclude:
            raise BadQuery("Add a word to search for: excluding words alone finds nothing.")
        raise BadQuery("Type a word or two to search for, for example `/papers ocr`.")
    return Query(
        tuple(include[:MAX_TERMS]),
        tuple(exclude[:MAX_TERMS]),
        tuple(categories[:MAX_TERMS]),
        tuple(authors[:MAX_TERMS]),
    )


# -- to FTS5 ---------------------------------------------------------------------------------


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


def to_fts(query: Query) -> str:
    """The FTS5 MATCH expression for a parsed query (columns as in the store's `papers_fts`)."""
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
