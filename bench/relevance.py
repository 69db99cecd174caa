"""Relevance on real papers: P@5 of `/papers` search beside plain FTS5 bm25, in the same run.

`python -m bench.relevance [--sample PATH]` loads the 3,934-paper arXiv sample (real metadata,
`arxiv_cs_sample.jsonl`) into a fresh store exactly as `papers-bot ingest --source file` does,
runs each judged query through `bot.core.search.search`, and the same words through a plain
FTS5 index of the same papers (`porter unicode61`, `ORDER BY bm25` with the title weighted 10).

Each query is judged by a regular expression on the title (or on the categories or authors for
filter queries). P@5 is the share of relevant papers among the first five; a query whose corpus
holds fewer than five relevant papers counts against its own maximum (its attainable P@5), and
the mean is of P@5 / attainable.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.core.models import IngestReport, Paper
from bot.core.search import search
from bot.sources import files
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_NAME = "arxiv_cs_sample.jsonl"
CANDIDATES = (
    ROOT / "data",
    ROOT.parent / "shared" / "data",
    ROOT.parent.parent / "shared" / "data",
)
NOW = datetime(2026, 7, 1, tzinfo=UTC)
K = 5


@dataclass(frozen=True)
class Judged:
    """A query and what makes a paper relevant to it."""

    query: str
    title: str = ""  # regex on the title (case-insensitive)
    category: str = ""  # this category among the paper's, primary or cross-list
    author: str = ""  # regex on the authors

    def relevant(self, paper: Paper) -> bool:
        ok = True
        if self.title:
            ok &= bool(re.search(self.title, paper.title, re.IGNORECASE))
        if self.category:
            ok &= self.category in paper.categories
        if self.author:
            ok &= bool(re.search(self.author, ", ".join(paper.authors), re.IGNORECASE))
        return ok


LLM = r"\bllms?\b|large language models?"
RAG = r"\brag\b|retrieval[- ]augmented"
VLM = r"\bvlms?\b|vision[- ]language models?"
MOE = r"\bmoe\b|mixture[- ]of[- ]experts?"
VIT = r"\bvits?\b|vision transformers?"
GS = r"gaussian splatting|\b3dgs\b"
COT = r"\bcot\b|chain[- ]of[- ]thought"
QUERIES = (
    # acronyms, both ways
    Judged("llm", LLM),
    Judged("large language models", LLM),
    Judged("rag", RAG),
    Judged("retrieval augmented generation", RAG),
    Judged("vlm", VLM),
    Judged("vision language model", VLM),
    Judged("moe", MOE),
    Judged("mixture of experts", MOE),
    Judged("vit", VIT),
    Judged("vision transformer", VIT),
    Judged("3dgs", GS),
    Judged("gaussian splatting", GS),
    Judged("cot", COT),
    Judged("chain of thought", COT),
    Judged("lora", r"\blora\b|low[- ]rank adaptation"),
    Judged("qa", r"\bqa\b|question answering"),
    Judged("rl", r"\brl\b|reinforcement learning"),
    Judged("asr", r"\basr\b|speech recognition"),
    Judged("gnn", r"\bgnns?\b|graph neural"),
    Judged("ocr", r"\bocr\b|optical character|text recognition"),
    # multi-word topics
    Judged("scene text recognition", r"scene text|text recognition"),
    Judged("anomaly detection", r"anomal\w* detect"),
    Judged("medical image segmentation", r"(?=.*medical)(?=.*segment)"),
    Judged("point cloud", r"point[- ]?clouds?"),
    Judged("autonomous driving", r"autonomous driving|self-driving"),
    Judged("knowledge graph", r"knowledge[- ]graphs?"),
    Judged("hallucination", r"hallucinat"),
    Judged("multi-agent", r"multi-?agent"),
    Judged("object detection", r"object detect"),
    Judged("in-context learning", r"in-context learning"),
    # joined and hyphenated spellings
    Judged("unet", r"\bu-?net"),
    Judged("u-net", r"\bu-?net"),
    Judged("ecommerce", r"\be-?commerce"),
    # categories and authors
    Judged("cat:cs.RO", category="cs.RO"),
    Judged("cs.RO manipulation", r"manipulat", category="cs.RO"),
    Judged("cat:cs.IR recommendation", r"recommend", category="cs.IR"),
    Judged('author:"Trung-Nghia Le"', author=r"Trung-Nghia Le"),
    Judged("author:tran", author=r"\btran\b"),
)


def find_sample(given: str | None) -> Path:
    if given:
        return Path(given)
    for folder in CANDIDATES:
        if (folder / SAMPLE_NAME).exists():
            return folder / SAMPLE_NAME
    raise SystemExit(f"{SAMPLE_NAME} not found in {', '.join(map(str, CANDIDATES))}: use --sample")


def _plain_words(query: str) -> list[str]:
    """What plain bm25 is given: the query's words, field names (`cat:`, `author:`) dropped."""
    text = re.sub(r"\b(cat|author):", " ", query)
    return re.findall(r"[^\W_]+", text.lower())


class PlainBm25:
    """Plain FTS5: the same papers' text as stored, AND of quoted words, bm25 (title × 10)."""

    def __init__(self, papers: list[Paper]):
        self.papers = papers
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute(
            "CREATE VIRTUAL TABLE f USING fts5(title, abstract, authors, "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        self.conn.executemany(
            "INSERT INTO f (rowid, title, abstract, authors) VALUES (?, ?, ?, ?)",
            [(n, p.title, p.abstract, ", ".join(p.authors)) for n, p in enumerate(papers)],
        )

    def top(self, query: str, k: int = K) -> list[Paper]:
        words = _plain_words(query)
        if not words:
            return []
        match = " AND ".join(f'"{w}"' for w in words)
        rows = self.conn.execute(
            "SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f, 10.0, 1.0, 1.0) LIMIT ?",
            (match, k),
        )
        return [self.papers[n] for (n,) in rows]


def precision(judged: Judged, top: list[Paper]) -> float:
    return sum(judged.relevant(p) for p in top[:K]) / K


def run(sample: Path) -> list[dict]:
    """One row per judged query: P@5 of ours and of plain bm25, and the attainable P@5."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "papers.db")
        report = IngestReport()
        with sample.open("rb") as stream:
            store.upsert(list(files.read(stream, report)), NOW)
        papers = [s.paper for s in store.newest(store.count())]
        plain = PlainBm25(papers)
        rows = []
        for judged in QUERIES:
            relevant = sum(judged.relevant(p) for p in papers)
            ours = [p.paper for p in search(store, judged.query, limit=K, now=NOW).papers]
            rows.append(
                {
                    "query": judged.query,
                    "relevant": relevant,
                    "attainable": min(relevant, K) / K,
                    "ours": precision(judged, ours),
                    "bm25": precision(judged, plain.top(judged.query)),
                }
            )
        store.close()
    return rows


def summary(rows: list[dict]) -> dict:
    scored = [r for r in rows if r["attainable"]]
    return {
        "queries": len(rows),
        "ours": sum(r["ours"] / r["attainable"] for r in scored) / len(scored),
        "bm25": sum(r["bm25"] / r["attainable"] for r in scored) / len(scored),
        "below_bm25": [r["query"] for r in rows if r["ours"] < r["bm25"]],
    }


def markdown(rows: list[dict]) -> str:
    lines = [
        "| query | relevant in corpus | attainable P@5 | ours P@5 | plain bm25 P@5 |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        mark = " (below bm25)" if r["ours"] < r["bm25"] else ""
        lines.append(
            f"| `{r['query']}` | {r['relevant']} | {r['attainable']:.1f} | "
            f"{r['ours']:.1f}{mark} | {r['bm25']:.1f} |"
        )
    s = summary(rows)
    lines.append(
        f"| **mean P@5 / attainable** ({s['queries']} queries) | | 1.00 | "
        f"**{s['ours']:.3f}** | {s['bm25']:.3f} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", help=f"path of {SAMPLE_NAME}")
    args = parser.parse_args(argv)
    rows = run(find_sample(args.sample))
    print(markdown(rows))
    s = summary(rows)
    print(f"\nqueries below plain bm25: {', '.join(s['below_bm25']) or 'none'}")


if __name__ == "__main__":
    main()
