"""User text → a parsed search (`Query`); the store compiles it to FTS5 (`bot.store.fts`).

Nothing a person types is search syntax: `ocr AND`, `NEAR(`, `title:` and `"x` are words.
`"two words"` stays a phrase, `-word` excludes, `cat:cs.RO`
(or a bare `cs.RO`) keeps papers of that category, primary or cross-list, and `author:lecun` or
`author:"Yann LeCun"` papers by that author. ML acronyms match their spelled-out forms both ways
(see `acronyms`); `u-net` and `unet` meet both ways; `c++`, `c#`, `f#`, `.net` are words; CJK
text is searched by character pairs (see `bot.core.text`). The same text is a topic.
"""

import re
import unicodedata
from dataclasses import dataclass

from bot.core import text
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
    if not raw.isprintable():  # printable text holds no control (C*) character: skip the walk
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
