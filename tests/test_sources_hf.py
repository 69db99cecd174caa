"""Hugging Face daily papers: parsing recorded payloads, and real HTTP to a loopback server."""

import json
import time

import httpx
import pytest
from werkzeug import Response

from bot.core.models import IngestReport
from bot.errors import BadPayload, SourceUnavailable
from bot.ingest import ingest_hf
from bot.sources import hf
from bot.sources.http import Fetcher, make_client
from tests.conftest import FIXTURES, hf_item

FAST = {"backoff": 0.01, "max_wait": 1.0}


def _parse(name: str):
    report = IngestReport()
    sightings, size = hf.parse_page((FIXTURES / name).read_bytes(), report)
    return sightings, size, report


def test_parses_the_new_schema_with_github_and_keywords():
    sightings, size, report = _parse("hf_daily_papers_2026-06-12.json")
    assert size == len(sightings) == 30 and report.skipped == 0
    with_code = [s for s in sightings if s.paper.code_url]
    assert len(with_code) == 16 and all(s.stars is not None for s in with_code)
    first = sightings[0]
    assert first.paper.id == "2606.00467"
    assert first.day == "2026-06-12" and first.position == 1
    assert first.paper.published == "2026-05-30"  # paper.publishedAt, not the item's
    assert "decision stickiness" in first.paper.keywords
    assert first.paper.hf_url == "https://huggingface.co/papers/2606.00467"


@pytest.mark.parametrize(
    "name", ["hf_daily_papers_2026-07-31.json", "hf_daily_papers_2026-08-03.json"]
)
def test_parses_older_layouts_without_ai_fields(name):
    sightings, size, report = _parse(name)
    assert len(sightings) == size and report.skipped == 0
    assert all(s.paper.keywords == () for s in sightings)


def test_items_with_missing_fields_are_skipped_and_counted(seed_papers):
    good = hf_item(seed_papers[0])
    no_id = hf_item(seed_papers[1])
    del no_id["paper"]["id"]
    no_title = hf_item(seed_papers[2])
    no_title["paper"]["title"] = no_title["title"] = ""
    odd = hf_item(seed_papers[3])
    odd["paper"]["upvotes"] = "many"
    odd["paper"]["authors"] = [None, {"name": 3}, {"name": "Ann"}]
    report = IngestReport()
    sightings, _ = hf.parse_page(json.dumps([good, no_id, no_title, odd, 7]), report)
    assert [s.paper.id for s in sightings] == [good["paper"]["id"], odd["paper"]["id"]]
    assert sightings[1].upvotes is None and sightings[1].paper.authors == ("Ann",)
    assert report.skipped == 3


@pytest.mark.parametrize("body", [b"", b"[{", b"{}", b"<html>", b'{"error": "x"}'])
def test_malformed_payload_is_a_clear_error(body):
    with pytest.raises(BadPayload, match="Hugging Face"):
        hf.parse_page(body, IngestReport())


def test_fetches_every_page_and_the_trending_list(httpserver, settings, store, seed_papers):
    # 150 items over two pages, built from the seed papers in the API's real item shape.
    items = [hf_item({**seed_papers[i % 18], "arxiv_id": f"2611.{i:05d}"}) for i in range(150)]
    day = "2026-11-27"
    base = {"date": day, "limit": "100"}
    httpserver.expect_request(
        "/api/daily_papers", query_string={**base, "p": "0"}
    ).respond_with_json(items[:100])
    httpserver.expect_request(
        "/api/daily_papers", query_string={**base, "p": "1"}
    ).respond_with_json(items[100:])
    trending = {"sort": "trending", "limit": "100", "p": "0"}
    httpserver.expect_request("/api/daily_papers", query_string=trending).respond_with_json(
        [hf_item(seed_papers[15], upvotes=142)]
    )
    settings = settings.__class__(db_path=settings.db_path, hf_endpoint=httpserver.url_for(""))
    report = ingest_hf(settings, store, day=day, **FAST)
    assert store.count() == 151
    assert report.added == 151
    assert store.latest_listing_day() == day
    agents = {r.headers["User-Agent"] for r, _ in httpserver.log}
    assert agents and all(a.startswith("papers-bot/") for a in agents)
    again = ingest_hf(settings, store, day=day, **FAST)
    assert again.added == 0 and again.changed == 0


def _hf_settings(settings, httpserver):
    return settings.__class__(db_path=settings.db_path, hf_endpoint=httpserver.url_for(""))


def test_retries_500_and_429_then_succeeds(httpserver, settings, store, seed_papers):
    httpserver.expect_ordered_request("/api/daily_papers").respond_with_data("boom", status=500)
    httpserver.expect_ordered_request("/api/daily_papers").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "0"})
    )
    httpserver.expect_ordered_request("/api/daily_papers").respond_with_json(
        [hf_item(seed_papers[0])]
    )
    httpserver.expect_ordered_request("/api/daily_papers").respond_with_json([])
    report = ingest_hf(_hf_settings(settings, httpserver), store, day="2026-11-27", **FAST)
    assert report.added == 1
    assert len(httpserver.log) == 4


def test_persistent_500_fails_with_one_line_and_keeps_rows(httpserver, settings, seeded):
    httpserver.expect_request("/api/daily_papers").respond_with_data("boom", status=500)
    with pytest.raises(SourceUnavailable, match="Hugging Face is unavailable: HTTP 500"):
        ingest_hf(_hf_settings(settings, httpserver), seeded, day="2026-11-27", **FAST)
    assert len(httpserver.log) == 4  # bounded: the configured attempts, no more
    assert seeded.count() == 18


def test_truncated_json_keeps_rows(httpserver, settings, seeded, seed_papers):
    body = json.dumps([hf_item(p) for p in seed_papers])[:-300]
    httpserver.expect_request("/api/daily_papers").respond_with_data(body)
    with pytest.raises(BadPayload, match="malformed JSON"):
        ingest_hf(_hf_settings(settings, httpserver), seeded, day="2026-11-27", **FAST)
    assert seeded.count() == 18


def test_timeout_is_retried_then_reported(httpserver):
    def slow(request):
        time.sleep(0.5)
        return Response("[]")

    httpserver.expect_request("/api/daily_papers").respond_with_handler(slow)
    client = make_client(httpserver.url_for(""), timeout=httpx.Timeout(0.1))
    fetcher = Fetcher("Hugging Face", client, attempts=2, backoff=0.01)
    with pytest.raises(SourceUnavailable, match="Hugging Face is unavailable: timed out"):
        list(hf.fetch_daily(fetcher, "2026-11-27", IngestReport()))
    client.close()
