"""What people do with papers: saved lists, "not interested" marks, and the term statistics
"More like this" reads. Everything is per (team, user): one workspace never sees another's."""

import sqlite3
import threading
from collections.abc import Iterable

from bot.clock import iso, utcnow
from bot.errors import StoreError
from bot.store.fts import TOKENIZER  # stems as the search index makes them
from bot.store.rows import SELECT_PAPER, stored_of

# Document frequencies kept in memory (see doc_frequencies): about 8 MB at most.
DF_CACHE = 100_000
# Terms in at least this many papers are read into memory at start (load_common_terms).
COMMON_DOCS = 20
# Below this many papers every term is read (a few MB at most), none estimated.
ALL_TERMS_BELOW = 50_000
_COMMON_LOCK = threading.Lock()


class ActionsMixin:
    """Saved papers, "not interested" marks, and document frequencies of index terms."""

    # -- saved papers -----------------------------------------------------------------------

    def save_paper(self, team: str, user: str, paper_id: str) -> bool:
        """Add a stored paper to a person's saved list; False if it was already there.

        Raises sqlite3.IntegrityError when `paper_id` is not stored (check with `get` first).
        """
        with self.translating_errors(), self.db.conn:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO saved VALUES (?, ?, ?, ?)",
                [team, user, paper_id, iso(utcnow())],
            )
        return cursor.rowcount == 1

    def unsave_paper(self, team: str, user: str, paper_id: str) -> bool:
        """Remove a paper from a person's saved list; False if it was not there."""
        with self.translating_errors(), self.db.conn:
            cursor = self.db.execute(
                "DELETE FROM saved WHERE team = ? AND user = ? AND paper_id = ?",
                [team, user, paper_id],
            )
        return cursor.rowcount == 1

    def is_saved(self, team: str, user: str, paper_id: str) -> bool:
        sql = "SELECT 1 FROM saved WHERE team = ? AND user = ? AND paper_id = ?"
        return self.db.execute(sql, [team, user, paper_id]).fetchone() is not None

    def saved_ids(self, team: str, user: str) -> set[str]:
        """The ids a person has saved (to label Save / Unsave buttons)."""
        sql = "SELECT paper_id FROM saved WHERE team = ? AND user = ?"
        return {r[0] for r in self.db.execute(sql, [team, user])}

    def count_saved(self, team: str, user: str) -> int:
        sql = "SELECT count(*) FROM saved WHERE team = ? AND user = ?"
        return self.db.execute(sql, [team, user]).fetchone()[0]

    def saved_papers(self, team: str, user: str, limit: int = -1, offset: int = 0) -> list:
        """A person's saved papers as StoredPaper, newest saved first; `limit` -1 means all."""
        sql = f"""SELECT {SELECT_PAPER} FROM saved s JOIN papers p ON p.id = s.paper_id
                  WHERE s.team = ? AND s.user = ?
                  ORDER BY s.saved_at DESC, p.n DESC LIMIT ? OFFSET ?"""
        return [stored_of(r) for r in self.db.query(sql, [team, user, limit, offset])]

    def get_n(self, n: int):
        """The paper stored as row `n`, or None (benchmarks sample papers this way)."""
        row = next(
            iter(self.db.query(f"SELECT {SELECT_PAPER} FROM papers p WHERE n = ?", [n])), None
        )
        return stored_of(row) if row else None

    # -- not interested ---------------------------------------------------------------------

    def mark_not_interested(self, team: str, user: str, paper_id: str) -> bool:
        """Keep a stored paper out of a person's digests; False if it was marked before."""
        with self.translating_errors(), self.db.conn:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO not_interested VALUES (?, ?, ?, ?)",
                [team, user, paper_id, iso(utcnow())],
            )
        return cursor.rowcount == 1

    def not_interested_ids(self, team: str, user: str) -> set[str]:
        """The ids a person marked "Not interested"."""
        sql = "SELECT paper_id FROM not_interested WHERE team = ? AND user = ?"
        return {r[0] for r in self.db.execute(sql, [team, user])}

    # -- term statistics --------------------------------------------------------------------

    def indexed_count(self) -> int:
        """How many papers the search index holds (N in idf = log(N / df))."""
        row = self.db.execute(
            "SELECT coalesce(max(n), 0) FROM papers"  # n is dense enough for idf
        ).fetchone()
        return max(1, row[0])

    def load_common_terms(self, min_docs: int = COMMON_DOCS) -> int:
        """Read the document count of every term in at least `min_docs` papers into memory.

        One pass over FTS5's vocabulary (about 10 s at a million papers, on a background
        thread at start-up); after it, `doc_frequencies` answers common terms from memory and
        knows any other term is rarer than `min_docs` (in a store of fewer than
        ALL_TERMS_BELOW papers: every term is read). Returns how many terms were read; raises
        StoreError (StoreDamaged, StoreFull) when the index cannot be read.
        """
        try:
            with self.translating_errors():
                return self._load_common_terms(min_docs)
        except sqlite3.Error as exc:
            raise StoreError(f"The search index's terms could not be read ({exc}).") from exc

    def _load_common_terms(self, min_docs: int) -> int:
        if self.indexed_count() < ALL_TERMS_BELOW:
            min_docs = 1  # a small store: every term, so no count is ever an estimate
        conn = self._connect()  # its own connection: this runs beside the bot's threads
        try:
            rows = conn.execute("SELECT term, doc FROM papers_vocab WHERE doc >= ?", [min_docs])
            common = dict(rows.fetchall())
        finally:
            conn.close()
        self.__dict__["_common_terms"] = (common, min_docs)
        return len(common)

    def ensure_common_terms(self) -> int:
        """`load_common_terms` once per process; how many common terms are in memory."""
        with _COMMON_LOCK:
            if "_common_terms" not in self.__dict__:
                self.load_common_terms()
            return len(self.__dict__["_common_terms"][0])

    def doc_frequencies(self, stems: Iterable[str], exact: bool = True) -> dict[str, int]:
        """Index stem → how many papers hold it (0 for a stem the index lacks).

        fts5vocab counts a term's documents by reading its whole posting list, and every
        lookup costs a fraction of a millisecond even for a rare term. So counts of common
        terms come from memory once `load_common_terms` ran; with `exact=False` a term not
        among them is answered as half that floor without asking the index (it is rare:
        its exact count matters little to its idf). Counts asked for are kept (up to
        DF_CACHE terms) for the life of the process: an idf moves little as a few thousand
        papers a day join a million.
        """
        cache = self.__dict__.setdefault("_df_cache", {})
        common, floor = self.__dict__.get("_common_terms", ({}, 0))
        out: dict[str, int] = {}
        sql = "SELECT doc FROM papers_vocab WHERE term = ?"
        for stem in stems:
            if stem in common:
                out[stem] = common[stem]
            elif stem in cache:
                out[stem] = cache[stem]
            elif floor and not exact:
                out[stem] = floor // 2
            else:
                row = self.db.execute(sql, [stem]).fetchone()
                if len(cache) >= DF_CACHE:
                    cache.clear()  # rare: a long-running bot that met very many terms
                out[stem] = cache[stem] = row[0] if row else 0
        return out


def stems_of(words: Iterable[str]) -> dict[str, str]:
    """Each word → the stem the search index stores for it (words that index nothing drop out).

    Uses SQLite's own tokenizer through a throwaway in-memory FTS5 table, so the stems are
    exactly the index's: one row per word, read back through fts5vocab's instance table.
    """
    unique = list(dict.fromkeys(words))
    if not unique:
        return {}
    con = sqlite3.connect(":memory:")
    try:
        con.execute(f"CREATE VIRTUAL TABLE t USING fts5(w, tokenize='{TOKENIZER}')")
        con.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        con.executemany("INSERT INTO t (rowid, w) VALUES (?, ?)", enumerate(unique, 1))
        out: dict[str, str] = {}
        for term, doc in con.execute("SELECT term, doc FROM v WHERE offset = 0"):
            out.setdefault(unique[doc - 1], term)
        return out
    finally:
        con.close()
