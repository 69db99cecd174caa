"""User text → a safe FTS5 query.

Every word is quoted, so nothing a person types is FTS5 syntax: `ocr AND`, `NEAR(`, `title:`
and `"x` are searched as words. `"two words"` stays a phrase, `-word` excludes, and ML acronyms
match their spelled-out forms both ways (see `acronyms`).
"""

import re
import unicodedata
from dataclasses import dataclass

from bot.core import acronyms
from bot.errors import BadQuery

MAX_TERMS = 12
MAX_CHARS = 500
# A searchable token holds a letter or digit; `_`, punctuation and emoji are separators to FTS5.
_WORDISH = re.compile(r"[^\W_]")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Query:
    """A parsed search: the words and phrases to find and those to exclude."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The query as a person would retype it."""
        parts = [f'"{p}"' if " " in p else p for p in self.include]
        parts += [f'-"{p}"' if " " in p else f"-{p}" for p in self.exclude]
        return " ".join(parts)


def clean(text: str) -> str:
    """Text without control characters (NUL included), squeezed, at most MAX_CHARS long."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(text.split())[:MAX_CHARS]


def _words(text: str) -> str:
    # Keep only what the tokenizer would index: letters and digits, runs joined by spaces.
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def parse(text: str) -> Query:
    """Parse search text; raises BadQuery when it holds nothing searchable."""
    include: list[str] = []
    exclude: list[str] = []
    for match in _TOKEN.finditer(clean(text)):
        negated, phrase, word = match.groups()
        raw = phrase if phrase is not None else word
        if word is not None and word.startswith("-") and len(word) > 1:
            negated, raw = "-", word[1:]
        words = _words(raw)
        if not words:
            continue
        target = exclude if negated else include
        if words not in target:
            target.append(words)
    if not include:
        if exclude:
            raise BadQuery("Add a word to search for: excluding words alone finds nothing.")
        raise BadQuery("Type a word or two to search for, for example `/papers ocr`.")
    return Query(tuple(include[:MAX_TERMS]), tuple(exclude[:MAX_TERMS]))


def _quote(words: str) -> str:
    return '"' + words.replace('"', '""') + '"'


def _alternatives(term: str) -> list[str]:
    """The term itself plus what it stands for or abbreviates."""
    found = [term, *acronyms.lookup(term)]
    short = acronyms.EXPANSIONS.get(tuple(term.split()))
    if short:
        found.append(short)
    return found


def _group(options: list[str]) -> str:
    quoted = [_quote(o) for o in dict.fromkeys(options)]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


def to_fts(query: Query) -> str:
    """The FTS5 MATCH expression for a parsed query."""
    terms = _with_long_forms(list(query.include))
    expression = " AND ".join(_group(_alternatives(t)) for t in terms)
    for term in query.exclude:
        expression += f" NOT {_quote(term)}"
    return expression


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
