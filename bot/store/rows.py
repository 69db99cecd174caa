"""The papers table's row shape: its columns, and a row (a dict by column name) as a StoredPaper.

Every store module that reads papers selects `SELECT_PAPER` from `papers p` and maps rows
with `stored_of`, so the shape is written once.
"""

from bot.core.models import Paper, Popularity, StoredPaper

TEXT_FIELDS = (
    "title",
    "abstract",
    "authors",
    "keywords",
    "categories",
    "published",
    "updated",
    "code_url",
    "project_url",
    "hf_url",
    "ai_summary",
)
COUNT_FIELDS = ("upvotes", "stars", "comments")
PAPER_COLUMNS = ("n", "id", *TEXT_FIELDS, *COUNT_FIELDS, "first_seen")
# The select list of a paper row, from the papers table aliased `p`.
SELECT_PAPER = ", ".join(f"p.{c}" for c in PAPER_COLUMNS)


def _split(text: str | None, sep: str) -> tuple[str, ...]:
    return tuple(part for part in (text or "").split(sep) if part)


def paper_of(row: dict) -> Paper:
    """A Paper from a papers row (authors and keywords stored `, `-joined, categories ` `)."""
    return Paper(
        id=row["id"],
        title=row["title"],
        abstract=row["abstract"],
        authors=_split(row["authors"], ", "),
        published=row["published"],
        updated=row["updated"],
        categories=_split(row["categories"], " "),
        code_url=row["code_url"],
        project_url=row["project_url"],
        hf_url=row["hf_url"],
        keywords=_split(row["keywords"], ", "),
        ai_summary=row["ai_summary"],
    )


def stored_of(row: dict, before: dict | None = None, score: float = 0.0) -> StoredPaper:
    """A StoredPaper from a papers row; `before` holds the counts a day earlier, if known."""
    now = {k: row.get(k) or 0 for k in COUNT_FIELDS}
    was = {k: (before or {}).get(k) or 0 for k in COUNT_FIELDS}
    popularity = Popularity(**now, **{f"{k}_growth": max(0, now[k] - was[k]) for k in COUNT_FIELDS})
    return StoredPaper(paper_of(row), popularity, row.get("first_seen", ""), score)
