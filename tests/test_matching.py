"""bot.store.matching: topics against a few papers in an in-memory FTS5 index."""

import logging

from bot.core import query as q
from bot.core.models import Paper
from bot.store import fts
from bot.store.matching import PaperIndex

PAPERS = [
    Paper("2601.00001", "Scene text OCR in the wild", abstract="We read signs."),
    Paper("2601.00002", "Video diffusion", abstract="A model; ocr is not its subject."),
    Paper("2601.00003", "Grasping", authors=("Yann LeCun",), categories=("cs.RO",)),
]


def searches(*topics: str) -> list[tuple[str, q.Query]]:
    return [(t, q.parse(t)) for t in topics]


def test_hits_come_in_paper_order_and_a_title_word_outweighs_an_abstract_word():
    with PaperIndex(PAPERS) as index:
        found = dict(index.hits(searches("ocr", "grasping author:lecun", "cat:cs.CV"), True))
    assert [n for n, _ in found["ocr"]] == [0, 1]
    assert found["ocr"][0][1] > found["ocr"][1][1] > 0  # title weight 10, abstract 1
    assert [n for n, _ in found["grasping author:lecun"]] == [2]
    assert found["cat:cs.CV"] == []


def test_without_scores_every_score_is_zero():
    with PaperIndex(PAPERS) as index:
        found = dict(index.hits(searches("ocr"), scores=False))
    assert found == {"ocr": [(0, 0.0), (1, 0.0)]}


def test_a_query_fts5_cannot_run_matches_nothing_and_the_others_still_run(monkeypatch, caplog):
    real = fts.match_expression
    monkeypatch.setattr(
        fts, "match_expression", lambda query: "NEAR(" if query.include == ("bad",) else real(query)
    )
    with caplog.at_level(logging.WARNING), PaperIndex(PAPERS) as index:
        found = dict(index.hits(searches("bad", "video"), scores=True))
    assert found["bad"] == [] and [n for n, _ in found["video"]] == [1]
    assert "topic 'bad': FTS5 could not run it" in caplog.text
