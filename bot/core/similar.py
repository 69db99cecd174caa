"""More like this, and how like each other two papers are: from what the store already holds.

A paper's *distinctive terms* are its words weighted by where they stand (title above keywords
above abstract) times their inverse document frequency in the whole index (FTS5's own counts,
through fts5vocab). Similar papers are found with those terms as one OR query ranked by bm25,
then blended with shared authors and arXiv categories. The same terms give `likeness`, which
digests use to push down papers very like one a person marked "Not interested".
"""

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.models import StoredPaper
from bot.errors import PapersError
from bot.store import Store
from bot.store.actions import stems_of

# How many terms make the query: enough to describe a paper, few enough to stay fast.
MAX_TERMS = 12
# Terms are added rarest first while the papers they match add up to at most this many, so
# bm25 ranks every match (never just the newest) and a query stays within milliseconds at
# a million papers (docs/BENCHMARKS.md).
MATCH_BUDGET = 3_000
# How many of a paper's best terms are counted exactly (the rest may be estimates).
EXACT_TERMS = MAX_TERMS + 6
# How many bm25-best candidates are blended with authors and categories.
POOL = 60
# Where a word stands: a title word says more about a paper than an abstract word.
FIELD_WEIGHTS = (("title", 3.0), ("keywords", 2.0), ("abstract", 1.0))
# Blend: bm25 (scaled to 0..1 within the pool) plus these for what the papers share.
AUTHOR_WEIGHT = 0.3  # per shared author, at most two counted
PRIMARY_WEIGHT = 0.15  # the same primary category
CATEGORY_WEIGHT = 0.05  # any other shared category
# Papers at least this alike (0..1, see `likeness`) count as "very like" one another.
VERY_ALIKE = 0.5

_WORD = re.compile(r"[^\W_]+")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Terms:
    """A paper's distinctive terms: stem → weight (tf × idf), and a word to query each stem by."""

    weights: dict[str, float]
    words: dict[str, str]
    df: dict[str, int]


def _field_text(item: StoredPaper, name: str) -> str:
    value = getattr(item.paper, name)
    return " ".join(value) if isinstance(value, tuple) else value or ""


def distinctive_terms(store: Store, item: StoredPaper, limit: int = MAX_TERMS * 2) -> Terms:
    """The `limit` terms of a paper with the highest tf × idf, best first.

    idf is bm25's, log(1 + (N - df + 0.5) / (df + 0.5)), with N and df from the store's
    search index. Terms no other paper holds (df ≤ 1) and one- or two-letter words and
    numbers are left out: they cannot find another paper or say little about one.
    """
    counts: Counter[str] = Counter()
    for name, weight in FIELD_WEIGHTS:
        for word in _WORD.findall(_field_text(item, name)):
            if len(word) > 2 and not word.isdigit():
                counts[word.lower()] += weight
    stems = stems_of(counts)
    by_stem: Counter[str] = Counter()
    words: dict[str, str] = {}
    for word, weight in counts.items():
        stem = stems.get(word)
        if stem is None:
            continue
        by_stem[stem] += weight
        if stem not in words or len(word) < len(words[stem]):
            words[stem] = word
    total = store.indexed_count()

    def ranked(df: dict[str, int]) -> dict[str, float]:
        return {
            stem: tf * math.log(1 + (total - df[stem] + 0.5) / (df[stem] + 0.5))
            for stem, tf in by_stem.items()
            if df[stem] > 1
        }

    # Rare terms first ranked on an estimate of their count, then counted exactly: only
    # the few that can make the list cost a lookup in the index.
    df = store.doc_frequencies(by_stem, exact=False)
    guess = ranked(df)
    short = sorted(guess, key=lambda s: (-guess[s], s))[:EXACT_TERMS]
    df.update(store.doc_frequencies(short))
    weights = ranked(df)
    best = sorted(weights, key=lambda s: (-weights[s], s))[:limit]
    return Terms({s: weights[s] for s in best}, {s: words[s] for s in best}, df)


def query_terms(terms: Terms) -> list[str]:
    """The stems to query by: the best MAX_TERMS, rarest first while within MATCH_BUDGET."""
    chosen: list[str] = []
    matched = 0
    for stem in sorted(list(terms.weights)[:MAX_TERMS], key=lambda s: terms.df[s]):
        if chosen and matched + terms.df[stem] > MATCH_BUDGET:
            break
        chosen.append(stem)
        matched += terms.df[stem]
    return chosen


def more_like_this(store: Store, item: StoredPaper, limit: int = 5) -> list[StoredPaper]:
    """Up to `limit` stored papers most like `item`, best first; never `item` itself.

    Each comes back with `score` set to the blend (bm25 share plus shared authors and
    categories). An empty list when the paper has no term another paper holds.
    """
    terms = distinctive_terms(store, item)
    chosen = query_terms(terms)
    if not chosen:
        return []
    words = [terms.words[stem] for stem in chosen]
    rows = store.similar(words, exclude_id=item.paper.id, window=MATCH_BUDGET, pool=POOL)
    if not rows:
        return []
    top = max(bm for _, bm in rows) or 1.0
    authors = {a.lower() for a in item.paper.authors}
    cats = set(item.paper.categories)
    primary = item.paper.categories[0] if item.paper.categories else None

    def blend(candidate: StoredPaper, bm: float) -> float:
        p = candidate.paper
        shared = len(authors & {a.lower() for a in p.authors})
        score = bm / top + AUTHOR_WEIGHT * min(shared, 2)
        if primary and p.categories and p.categories[0] == primary:
            score += PRIMARY_WEIGHT
        score += CATEGORY_WEIGHT * min(len(cats & set(p.categories[1:])), 2)
        return score

    scored = [(blend(c, bm), c) for c, bm in rows]
    scored.sort(key=lambda pair: (-pair[0], pair[1].paper.id))
    return [
        StoredPaper(c.paper, c.popularity, c.first_seen, round(s, 4)) for s, c in scored[:limit]
    ]


def likeness(a: Terms, b: Terms) -> float:
    """Cosine of two papers' distinctive-term weights: 0 (nothing shared) to 1 (the same)."""
    dot = sum(w * b.weights.get(s, 0.0) for s, w in a.weights.items())
    norm = math.sqrt(sum(w * w for w in a.weights.values())) * math.sqrt(
        sum(w * w for w in b.weights.values())
    )
    return dot / norm if norm else 0.0


def not_interested_penalties(
    store: Store, team: str, user: str, candidates: Iterable[StoredPaper]
) -> dict[str, float]:
    """For a person's digest: paper id → how alike it is (0..1) to a paper they turned down.

    A paper they marked "Not interested" gets 1.0; one at least VERY_ALIKE to any of them
    should be left out, others pushed down by their value (multiply a score by 1 − value).
    Papers like none of them are not in the answer. Reads the marks from the store.
    """
    marked = store.not_interested_ids(team, user)
    if not marked:
        return {}
    store.ensure_common_terms()  # every candidate's terms are counted: read common ones once
    refused = [store.get(pid) for pid in sorted(marked)]
    refused_terms = [distinctive_terms(store, r) for r in refused if r is not None]
    out: dict[str, float] = {}
    for item in candidates:
        if item.paper.id in marked:
            out[item.paper.id] = 1.0
            continue
        terms = distinctive_terms(store, item)
        value = max((likeness(terms, r) for r in refused_terms), default=0.0)
        if value > 0:
            out[item.paper.id] = round(value, 4)
    return out


def not_interested_effect(
    store: Store, team: str, user: str, candidates: Iterable[StoredPaper]
) -> tuple[set[str], dict[str, float]]:
    """What a person's "Not interested" marks do to these candidates for their digest:
    (ids left out, id → how far down to push the rest).

    Left out: papers they marked, and papers at least VERY_ALIKE to one. Pushed down: the
    others like one, by their likeness (a paper 0.4 alike ranks as if 1 / 0.6 times as far
    down). Both empty for a person with no marks.
    """
    penalty = not_interested_penalties(store, team, user, candidates)
    dropped = {pid for pid, value in penalty.items() if value >= VERY_ALIKE}
    return dropped, {pid: v for pid, v in penalty.items() if pid not in dropped}


def pushed_down(rank: dict[str, float], penalty: dict[str, float]) -> dict[str, float]:
    """Places (0 is best) with each penalised paper moved down in proportion to its penalty."""
    return {pid: (n + 1) / (1 - penalty.get(pid, 0.0)) - 1 for pid, n in rank.items()}


def held_back(
    store: Store, team: str, user: str, hits: dict[str, list[str]], papers: dict[str, StoredPaper]
) -> tuple[dict[str, list[str]], set[str]]:
    """A person's topic hits with their "Not interested" applied: (hits, ids left out).

    `papers`: id → StoredPaper for every id in `hits`. Unchanged without marks.
    """
    if not store.not_interested_ids(team, user):
        return hits, set()
    wanted = sorted({pid for ids in hits.values() for pid in ids})
    dropped, penalty = not_interested_effect(store, team, user, [papers[p] for p in wanted])

    def reorder(ids: list[str]) -> list[str]:
        place = pushed_down({pid: n for n, pid in enumerate(ids)}, penalty)
        return sorted((pid for pid in ids if pid not in dropped), key=place.__getitem__)

    return {topic: reorder(ids) for topic, ids in hits.items()}, dropped


def warm_up(store: Store) -> threading.Thread:
    """Read common terms' counts (Store.load_common_terms) on a background thread, so the
    first "More like this" clicks after a start are as fast as later ones."""

    def load() -> None:
        try:
            count = store.ensure_common_terms()
            log.info("More like this: %d common terms read", count)
        except PapersError as exc:  # clicks then count terms one by one
            log.warning("Could not read common terms for More like this: %s", exc)

    thread = threading.Thread(target=load, name="common-terms", daemon=True)
    thread.start()
    return thread
