"""arXiv: both Atom layouts from recorded responses, and paging against a loopback server."""

import re
from dataclasses import replace

import pytest
from werkzeug import Response

from bot.core.models import IngestReport, Paper, Sighting
from bot.errors import BadPayload, SourceUnavailable
from bot.ingest import ingest_arxiv
from bot.sources import arxiv, arxiv_rss
from tests.conftest import FIXTURES, NOW

LEGACY = FIXTURES / "arxiv_api_2025-10-17_cs.RO_neural.xml"
CURRENT = FIXTURES / "arxiv_api_2026-06-14_transformer_cs.LG.xml"
# An announcement feed in the shape of arXiv's Atom feed specification (its own example
# entries among them), since no recording of one is at hand.
RSS = FIXTURES / "arxiv_rss_cs.CV.xml"


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


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (b"<feed", "the arXiv feed of cs.CV sent malformed XML (unclosed token"),
        (
            b"<html><body>Rate exceeded</body></html>",
            "the arXiv feed of cs.CV sent XML that is not an Atom feed (root 'html')",
        ),
    ],
)
def test_a_bad_announcement_feed_is_one_line_naming_its_category(body, line):
    # The same check as the export API's pages (arxiv.atom_root), in the feed's own words.
    with pytest.raises(BadPayload) as caught:
        arxiv_rss.parse_feed(body, "cs.CV", IngestReport())
    assert str(caught.value).startswith(line)


def test_entries_with_missing_fields_are_skipped():
    text = CURRENT.read_text()
    text = re.sub(r"<id>http://arxiv.org/abs/2606.13677v1</id>", "<id>nonsense</id>", text)
    report = IngestReport()
    sightings, _ = arxiv.parse_feed(text.encode(), report)
    assert len(sightings) == 4 and report.skipped == 1


TEMPLATE = CURRENT.read_text()
_HEAD = TEMPLATE.partition("<entry>")[0]
_ENTRY = "<entry>" + TEMPLATE.partition("<entry>")[2].split("</entry>")[0] + "</entry>"


def _feed(entries: list[tuple[str, str]], total: int) -> str:
    """A feed in the current layout: (id, submission day) entries cloned from the recording."""
    head = re.sub(r"<opensearch:totalResults>\d+", f"<opensearch:totalResults>{total}", _HEAD)
    body = "".join(
        _ENTRY.replace("2606.13677", pid).replace("2026-06-11T17:59:49Z", f"{day}T17:59:49Z")
        for pid, day in entries
    )
    return head + body + "</feed>"


class FakeExportApi:
    """The export API paging over `entries` like arXiv; `short[start] = n` answers n entries
    of that page once (0: a valid but empty page), `always_short` every time."""

    def __init__(self, entries, short=None, always_short=None):
        self.entries = entries
        self.short = dict(short or {})
        self.always_short = dict(always_short or {})
        self.requests: list[tuple[str, int]] = []

    def __call__(self, request):
        start, size = int(request.args["start"]), int(request.args["max_results"])
        self.requests.append((request.args["search_query"], start))
        page = self.entries[start : start + size]
        if start in self.short:
            page = page[: self.short.pop(start)]
        elif start in self.always_short:
            page = page[: self.always_short[start]]
        return Response(_feed(page, len(self.entries)), content_type="application/atom+xml")


def _ids(month: str, first: int, n: int, day: str) -> list[tuple[str, str]]:
    """n (id, submission day) pairs, newest first: month.first+n … month.first+1."""
    return [(f"{month}.{first + i:05d}", day) for i in range(n, 0, -1)]


def _arxiv_settings(settings, httpserver, categories=("cs.LG",), rss=None):
    return replace(
        settings,
        arxiv_api_url=httpserver.url_for("/api/query"),
        arxiv_categories=categories,
        arxiv_rss_url=rss,
    )


def test_walk_passes_papers_another_source_stored_and_ends_at_its_own_mark(
    httpserver, settings, store
):
    settings = _arxiv_settings(settings, httpserver)
    day1 = _ids("2606", 20000, 250, "2026-06-11")
    store.upsert([Sighting(Paper(day1[0][0], "Stored by Hugging Face"), "hf")], NOW)
    api = FakeExportApi(day1)
    httpserver.expect_request("/api/query").respond_with_handler(api)
    ingest_arxiv(settings, store, backoff=0.01)
    assert store.count() == 250 and len(api.requests) == 3  # not stopped by the HF paper
    assert store.mark("arxiv", "cs.LG") == "2026-06-11"
    # Day 2: 50 new papers, one held paper announced late that sorts among older ones,
    # and below the mark's margin 300 papers the walk must not fetch all of.
    held = ("2606.19990", "2026-06-09")
    older = _ids("2605", 10000, 300, "2026-06-04")
    api.entries = _ids("2606", 30000, 50, "2026-06-12") + day1[:70] + [held] + day1[70:] + older
    api.requests.clear()
    report = ingest_arxiv(settings, store, backoff=0.01)
    assert store.get("2606.19990") is not None
    assert [start for _, start in api.requests] == [0, 100, 200, 300, 400]
    assert api.requests[0][0] == "cat:cs.LG"
    assert store.mark("arxiv", "cs.LG") == "2026-06-12"
    assert report.added == 51 + 199  # today's 50, the held one, and 199 older on pages 3-4


def test_empty_and_short_pages_are_asked_again(httpserver, settings, store):
    settings = _arxiv_settings(settings, httpserver)
    api = FakeExportApi(_ids("2606", 20000, 250, "2026-06-11"), short={0: 60, 100: 0})
    httpserver.expect_request("/api/query").respond_with_handler(api)
    report = ingest_arxiv(settings, store, backoff=0.01)
    assert store.count() == 250 and report.added == 250 and not report.notes
    assert [start for _, start in api.requests] == [0, 0, 100, 100, 200]


def test_a_page_that_stays_short_keeps_the_mark_until_a_healthy_run(httpserver, settings, store):
    settings = _arxiv_settings(settings, httpserver)
    api = FakeExportApi(_ids("2606", 20000, 250, "2026-06-11"), always_short={100: 40})
    httpserver.expect_request("/api/query").respond_with_handler(api)
    report = ingest_arxiv(settings, store, backoff=0.01)
    assert store.count() == 190
    assert report.notes == [
        "arXiv cs.LG: the page at 100 held 40 of 100 papers after 3 tries; "
        "the next run asks for it again"
    ]
    assert store.mark("arxiv", "cs.LG") is None
    api.always_short.clear()
    ingest_arxiv(settings, store, backoff=0.01)
    assert store.count() == 250 and store.mark("arxiv", "cs.LG") == "2026-06-11"


def test_a_date_walks_that_submission_day_and_leaves_the_mark(httpserver, settings, store):
    settings = _arxiv_settings(settings, httpserver, categories=("cs.CV", "cs.CL"))
    api = FakeExportApi(_ids("2611", 0, 30, "2026-11-28"))
    httpserver.expect_request("/api/query").respond_with_handler(api)
    report = ingest_arxiv(settings, store, day="2026-11-28", backoff=0.01)
    assert [q for q, _ in api.requests] == [
        "cat:cs.CV AND submittedDate:[202611280000 TO 202611282359]",
        "cat:cs.CL AND submittedDate:[202611280000 TO 202611282359]",
    ]
    assert report.seen == 30 and report.added == 30  # papers, not sightings in two walks
    assert store.mark("arxiv", "cs.CV") is None


def test_parses_the_announcement_feed_by_announce_type():
    report = IngestReport()
    feed = arxiv_rss.parse_feed(RSS.read_bytes(), "cs.CV", report)
    assert feed.day == "2026-06-12"
    assert feed.counts == {"new": 1, "cross": 1, "replace": 1, "replace-cross": 1}
    assert report.skipped == 1
    new, cross = (s.paper for s in feed.first)
    assert new.id == "2606.13677" and new.published == "2026-06-12"
    assert new.abstract.startswith("Articulated tool manipulation remains")  # head stripped
    assert new.authors == ("Zhao-Heng Yin", "Guanya Shi", "Pieter Abbeel", "C. Karen Liu")
    assert cross.title == "Multiagent Protocols with Aggregated Confidence Signals"
    assert cross.categories == ("cs.AI", "cs.CV", "cs.MA")
    assert all(s.day == "2026-06-12" and s.list_name == "arxiv" for s in feed.first)
    replaced = [s.paper for s in feed.replaced]
    assert [p.id for p in replaced] == ["2206.03001", "2203.01250"]
    assert all(p.published is None and p.updated == "2026-06-12" for p in replaced)


def test_the_daily_run_adds_the_announcement_once_per_paper(httpserver, settings, seeded):
    settings = _arxiv_settings(
        settings, httpserver, categories=("cs.CV", "cs.LG"), rss=httpserver.url_for("/atom")
    )
    api = FakeExportApi([("2606.13677", "2026-06-11")])
    httpserver.expect_request("/api/query").respond_with_handler(api)
    httpserver.expect_request("/atom/cs.CV").respond_with_data(RSS.read_bytes())
    # cs.LG announces as new the paper cs.CV lists as a cross-list.
    lg = RSS.read_text().replace("Announce Type: cross", "Announce Type: new")
    lg = lg.replace(">cross</arxiv:announce_type>", ">new</arxiv:announce_type>")
    httpserver.expect_request("/atom/cs.LG").respond_with_data(lg)
    before = seeded.count()
    report = ingest_arxiv(settings, seeded, backoff=0.01)
    # New: the walked paper and the cross-list; the stored PP-OCRv3 updated by its
    # replacement; the replacement of a paper never stored is not stored.
    assert seeded.count() == before + 2
    assert (report.seen, report.added, report.changed) == (3, 2, 1)
    assert seeded.get("2203.01250") is None
    assert seeded.get("2206.03001").paper.updated == "2026-06-12"
    assert seeded.get("2206.03001").paper.title.startswith("PP-OCRv3")
    walked = seeded.get("2606.13677").paper
    assert walked.published == "2026-06-11" and walked.categories[0] == "cs.RO"  # the API's
    assert seeded.get("2206.03001").paper.categories[0] == "cs.CV"
    assert seeded.get("2606.13591").paper.published == "2026-06-12"  # announced, not walked
    listed = {p.paper.id for p in seeded.listed_on("2026-06-12", "arxiv")}
    assert listed == {"2606.13677", "2606.13591"}


def test_an_unreachable_announcement_feed_is_a_note(httpserver, settings, store):
    settings = _arxiv_settings(settings, httpserver, rss="http://127.0.0.1:9/atom")
    api = FakeExportApi(_ids("2606", 20000, 5, "2026-06-11"))
    httpserver.expect_request("/api/query").respond_with_handler(api)
    report = ingest_arxiv(settings, store, backoff=0.01)
    assert report.added == 5 and not report.failures
    assert report.notes == [
        "arXiv announcements is unavailable: could not connect (ConnectError); "
        "the export API walk stands in for it"
    ]


def test_unreachable_arxiv_is_one_line(settings, store):
    settings = settings.__class__(db_path=settings.db_path, arxiv_api_url="http://127.0.0.1:9/q")
    with pytest.raises(SourceUnavailable, match="arXiv is unavailable: could not connect"):
        ingest_arxiv(settings, store, attempts=2, backoff=0.01)


def test_a_garbled_page_is_asked_again_and_one_that_stays_garbled_is_one_error(
    httpserver, settings, store
):
    settings = _arxiv_settings(settings, httpserver)
    api = FakeExportApi(_ids("2606", 20000, 150, "2026-06-11"))
    garbled = [b"<html><body>Rate exceeded</body></html>"]  # answered once, at start=100

    def flaky(request):
        if request.args["start"] == "100" and garbled:
            return Response(garbled.pop())
        return api(request)

    httpserver.expect_request("/api/query").respond_with_handler(flaky)
    ingest_arxiv(settings, store, backoff=0.01)
    assert store.count() == 150 and store.mark("arxiv", "cs.LG") == "2026-06-11"
    httpserver.clear()
    httpserver.expect_request("/api/query").respond_with_data(b"<feed")
    with pytest.raises(BadPayload, match="arXiv sent malformed XML"):
        ingest_arxiv(settings, store, backoff=0.01)
    assert store.count() == 150
