"""Finding one paper by id or link: from the store, else fetched from Hugging Face or arXiv
over real HTTP to a loopback server, stored and shown; not found and offline are one line."""

import json
from dataclasses import replace

import pytest
from werkzeug import Response

from bot.core.commands import Handlers, Who, parse
from bot.core.replies import Notice, Results
from bot.core.search import search
from bot.errors import PaperNotFound, SourceUnavailable
from bot.lookup import fetch_paper, paper_fetcher
from tests.conftest import FIXTURES, hf_item

OFFLINE = {"hf_endpoint": "http://127.0.0.1:9", "arxiv_api_url": "http://127.0.0.1:9/api/query"}
FAST = {"backoff": 0.01, "max_wait": 0.1}
CURRENT = (FIXTURES / "arxiv_api_2026-06-14_transformer_cs.LG.xml").read_text()


def _online(settings, httpserver):
    return replace(
        settings, hf_endpoint=httpserver.url_for(""), arxiv_api_url=httpserver.url_for("/api/query")
    )


def test_a_stored_paper_is_found_by_any_of_its_forms_without_asking_anyone(seeded):
    for text in ("2206.03001v2", "arXiv:2206.03001", "https://arxiv.org/pdf/2206.03001v1.pdf"):
        result = search(seeded, text)
        assert [p.paper.id for p in result.papers] == ["2206.03001"]
        assert result.query.text == "2206.03001" and not result.has_more
    assert search(seeded, "2206.03001", offset=5).papers == []  # "more" after one paper


def test_a_paper_not_stored_comes_from_hugging_face(httpserver, settings, store, seed_papers):
    paper = hf_item(seed_papers[0], upvotes=42)["paper"]
    httpserver.expect_oneshot_request(f"/api/papers/{paper['id']}").respond_with_json(paper)
    fetch = paper_fetcher(_online(settings, httpserver), store)
    result = search(store, f"https://huggingface.co/papers/{paper['id']}", fetch=fetch)
    assert [p.paper.id for p in result.papers] == [paper["id"]]
    stored = store.get(paper["id"])
    assert stored.paper.title == paper["title"] and stored.popularity.upvotes == 42
    again = search(store, paper["id"], fetch=fetch)  # now stored: no second request
    assert again.papers[0].paper.id == paper["id"] and len(httpserver.log) == 1


def test_a_paper_hugging_face_lacks_comes_from_arxiv(httpserver, settings, store):
    httpserver.expect_request("/api/papers/2606.13677").respond_with_json(
        {"error": "Paper not found"}, status=404
    )
    httpserver.expect_request(
        "/api/query", query_string={"id_list": "2606.13677", "max_results": "1"}
    ).respond_with_data(CURRENT, content_type="application/atom+xml")
    found = fetch_paper(_online(settings, httpserver), store, "2606.13677", **FAST)
    assert found.paper.title == "Mana: Dexterous Manipulation of Articulated Tools"
    assert found.paper.categories[0] == "cs.RO"
    assert store.get("2606.13677") is not None


def test_a_paper_neither_knows_is_one_line(httpserver, settings, store):
    httpserver.expect_request("/api/papers/2606.99999").respond_with_data("{}", status=404)
    empty = CURRENT.split("<entry>")[0] + "</feed>"
    empty = empty.replace("<opensearch:totalResults>28946", "<opensearch:totalResults>0")
    httpserver.expect_request("/api/query").respond_with_data(empty)
    with pytest.raises(PaperNotFound, match=r"^No paper 2606.99999 on Hugging Face or arXiv\.$"):
        fetch_paper(_online(settings, httpserver), store, "2606.99999", **FAST)
    assert store.count() == 0


def test_arxiv_rejecting_the_id_is_not_found(httpserver, settings, store):
    httpserver.expect_request("/api/papers/hep-th/9901001").respond_with_data("", status=404)
    httpserver.expect_request("/api/query").respond_with_data(
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/api/errors#incorrect_id_format_for_hep-th/9901001</id>"
        "<summary>incorrect id format for hep-th/9901001</summary></entry></feed>"
    )
    with pytest.raises(PaperNotFound, match="No paper hep-th/9901001 on Hugging Face or arXiv"):
        fetch_paper(_online(settings, httpserver), store, "hep-th/9901001", **FAST)


def test_offline_is_one_line_and_stores_nothing(settings, store):
    with pytest.raises(SourceUnavailable) as caught:
        fetch_paper(replace(settings, **OFFLINE), store, "2606.99999", **FAST)
    text = str(caught.value)
    assert text.startswith("Cannot look up 2606.99999: Hugging Face is unavailable")
    assert "arXiv is unavailable" in text and "\n" not in text
    assert store.count() == 0


def test_hugging_face_down_and_arxiv_without_it_names_both(httpserver, settings, store):
    httpserver.expect_request("/api/papers/2606.99999").respond_with_data("", status=503)
    httpserver.expect_request("/api/query").respond_with_handler(
        lambda request: Response(CURRENT.split("<entry>")[0] + "</feed>")
    )
    with pytest.raises(PaperNotFound, match=r"No paper 2606.99999 on arXiv \(Hugging Face is"):
        fetch_paper(_online(settings, httpserver), store, "2606.99999", **FAST)


def test_the_slash_command_answers_with_the_paper_or_one_line(
    httpserver, settings, store, seed_papers
):
    paper = hf_item(seed_papers[1])["paper"]
    httpserver.expect_request(f"/api/papers/{paper['id']}").respond_with_data(json.dumps(paper))
    handlers = Handlers(store, fetch_paper=paper_fetcher(_online(settings, httpserver), store))
    reply = handlers.handle(parse(f"<https://arxiv.org/abs/{paper['id']}v3>"), Who())
    assert isinstance(reply, Results) and reply.result.papers[0].paper.id == paper["id"]
    offline = Handlers(store, fetch_paper=paper_fetcher(replace(settings, **OFFLINE), store))
    reply = offline.handle(parse("2606.99999"), Who())
    assert isinstance(reply, Notice) and reply.text.startswith("Cannot look up 2606.99999")


def test_an_old_id_with_its_subject_class_is_asked_in_arxivs_form(httpserver, settings, store):
    httpserver.expect_request("/api/papers/math.GT/0309136").respond_with_data("", status=404)
    entry = CURRENT.replace("2606.13677", "math/0309136")
    httpserver.expect_request(
        "/api/query", query_string={"id_list": "math/0309136", "max_results": "1"}
    ).respond_with_data(entry, content_type="application/atom+xml")
    found = fetch_paper(_online(settings, httpserver), store, "math.GT/0309136", **FAST)
    assert found.paper.id == "math/0309136"
    assert search(store, "math.GT/0309136").papers[0].paper.id == "math/0309136"
