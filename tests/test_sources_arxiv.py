"""arXiv: both Atom layouts from recorded responses, and paging against a loopback server."""

import re
import time

import pytest

from bot.core.models import IngestReport
from bot.errors import BadPayload, SourceUnavailable
from bot.ingest import ingest_arxiv
from bot.sources import arxiv
from tests.conftest import FIXTURES, NOW

LEGACY = FIXTURES / "arxiv_api_2025-10-17_cs.RO_neural.xml"
CURRENT = FIXTURES / "arxiv_api_2026-06-14_transformer_cs.LG.xml"


def test_parses_the_legacy_layout():
    sightings, total = arxiv.parse_feed(LEGACY.read_bytes(), IngestReport())
    assert total == 5619 and len(sightings) == 2
    rdd = sightings[0].paper
    assert rdd.id == "2510.14968"  # version suffix dropped
    assert rdd.title.startswith("RDD: Retrieval-Based Demonstration Decomposer for Planner")
    assert "\n" not in rdd.title and "  " not in rdd.title
    assert rdd.abstract.startswith("To tackle long-horizon tasks, recent hierarchical")
    assert "\n" not in rdd.abstract  # hard wraps joined
    assert rdd.categories[0] == "cs.RO" and len(set(rdd.categories)) == len(rdd.categories)
    assert rdd.authors[:2] == ("Mingxuan Yan", "Yuping Wang")
    assert rdd.published == "2025-10-16"


def test_parses_the_current_layout_and_keeps_real_paragraphs():
    sightings, total = arxiv.parse_feed(CURRENT.read_bytes(), IngestReport())
    assert total == 28946 and len(sightings) == 5
    assert sightings[0].paper.id == "2606.13677"
    assert sightings[0].paper.categories[0] == "cs.RO"
    with_break = [s for s in sightings if "\n" in s.paper.abstract]
    assert len(with_break) == 1
    assert "\nThis paper argues that DiT serving" in with_break[0].paper.abstract


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<feed", "malformed XML"),
        (b"", "malformed XML"),
        (b"<html><body>Rate exceeded</body></html>", "not an Atom feed"),
        (
            b'<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
            b"<id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>"
            b"<summary>incorrect id format for 1234</summary></entry></feed>",
            "rejected the query",
        ),
    ],
)
def test_bad_feeds_are_clear_errors(body, match):
    with pytest.raises(BadPayload, match=match):
        arxiv.parse_feed(body, IngestReport())


def test_entries_with_missing_fields_are_skipped():
    text = CURRENT.read_text()
    text = re.sub(r"<id>http://arxiv.org/abs/2606.13677v1</id>", "<id>nonsense</id>", text)
    report = IngestReport()
    sightings, _ = arxiv.parse_feed(text.encode(), report)
    assert len(sightings) == 4 and report.skipped == 1


def _page(ids: list[str]) -> str:
    """A feed in the current layout holding these ids (entries cloned from the recording)."""
    text = CURRENT.read_text()
    head, _, rest = text.partition("<entry>")
    entry = "<entry>" + rest.split("</entry>")[0] + "</entry>"
    entries = "".join(entry.replace("2606.13677", i) for i in ids)
    head = re.sub(r"<opensearch:totalResults>\d+", "<opensearch:totalResults>100000", head)
    return head + entries + "</feed>"


def test_pages_newest_first_and_stops_at_stored_papers(httpserver, settings, store):
    settings = settings.__class__(
        db_path=settings.db_path,
        arxiv_api_url=httpserver.url_for("/api/query"),
        arxiv_categories=("cs.CV", "cs.CL"),
        arxiv_delay=0.2,
    )
    page0 = [f"2611.{i:05d}" for i in range(100, 0, -1)]
    page1 = [f"2610.{i:05d}" for i in range(100, 0, -1)]
    store.upsert(arxiv.parse_feed(_page(page1[50:]), IngestReport())[0], NOW)  # already stored
    for start, ids in ((0, page0), (100, page1)):
        httpserver.expect_request(
            "/api/query",
            query_string={
                "search_query": "cat:cs.CV OR cat:cs.CL",
                "sortBy": "submittedDate",
                "sortOrder": "descending",
                "start": str(start),
                "max_results": "100",
            },
        ).respond_with_data(_page(ids), content_type="application/atom+xml")
    began = time.monotonic()
    report = ingest_arxiv(settings, store, backoff=0.01)
    assert time.monotonic() - began >= 0.2  # the pause between requests arXiv asks for
    assert len(httpserver.log) == 2  # stopped at the page that reached stored papers
    assert report.added == 150 and store.count() == 200


def test_unreachable_arxiv_is_one_line(settings, store):
    settings = settings.__class__(db_path=settings.db_path, arxiv_api_url="http://127.0.0.1:9/q")
    with pytest.raises(SourceUnavailable, match="arXiv is unavailable: could not connect"):
        ingest_arxiv(settings, store, attempts=2, backoff=0.01)
