"""Saved papers, BibTeX, More like this and Not interested, on real SQLite stores."""

import logging
import re
import sqlite3

import pytest

from bot.core import bibtex as bib
from bot.core import similar
from bot.core.commands import Command, Handlers, Who
from bot.core.models import Paper, StoredPaper
from bot.core.replies import BibTeX, Notice, SavedList, Similar, Usage
from bot.errors import BadCommand, PaperNotFound, StoreError
from bot.store import Store
from tests.conftest import NOW

ANN = Who(team="T1", user="U1")
BOB = Who(team="T1", user="U2")
ANN_ELSEWHERE = Who(team="T2", user="U1")


@pytest.fixture
def handlers(seeded) -> Handlers:
    return Handlers(seeded, clock=lambda: NOW)


def test_save_lists_newest_first_per_person_and_workspace(handlers):
    assert "Saved" in handlers.save(ANN, "2206.03001").text
    assert "already" in handlers.save(ANN, "https://arxiv.org/abs/2206.03001v2").text
    handlers.save(ANN, "2307.12270")
    handlers.save(BOB, "2307.12270")
    page = handlers.handle(Command("saved"), ANN)
    assert isinstance(page, SavedList)
    assert [p.paper.id for p in page.papers] == ["2307.12270", "2206.03001"]
    assert page.total == 2 and not page.has_more
    other = handlers.handle(Command("saved"), ANN_ELSEWHERE)
    assert isinstance(other, Notice) and "no papers" in other.text


def test_saved_is_paged(handlers, seeded):
    saved = sorted(seeded.known_ids(p.paper.id for p in seeded.newest(7)))
    for paper_id in saved:
        handlers.save(ANN, paper_id)
    first = handlers.handle(Command("saved"), ANN)
    second = handlers.handle(Command("saved", "", 5), ANN)
    assert first.has_more and not second.has_more
    pages = [[p.paper.id for p in first.papers], [p.paper.id for p in second.papers]]
    assert [len(page) for page in pages] == [5, 2]
    assert sorted(pages[0] + pages[1]) == saved  # each saved paper once, on one page


def test_unsave_by_command_and_bad_ids(handlers, seeded):
    handlers.save(ANN, "2206.03001")
    assert "Removed" in handlers.handle(Command("unsave", "2206.03001"), ANN).text
    assert "not in your saved" in handlers.handle(Command("unsave", "2206.03001"), ANN).text
    assert isinstance(handlers.handle(Command("unsave", "hello"), ANN), Usage)
    assert seeded.count_saved("T1", "U1") == 0


@pytest.mark.parametrize("value", ["", "9999.99999", "2206.03001; DROP TABLE saved", "x" * 5000])
def test_forged_button_values_change_nothing(handlers, seeded, value):
    handlers.save(ANN, "2206.03001")
    for action in (handlers.save, handlers.more_like, handlers.not_interested, handlers.unsave):
        if action is handlers.unsave and value == "9999.99999":
            assert "not in your saved" in action(ANN, value).text
            continue
        with pytest.raises((BadCommand, PaperNotFound)):
            action(ANN, value)
    assert seeded.saved_ids("T1", "U1") == {"2206.03001"}
    assert seeded.not_interested_ids("T1", "U1") == set()


def test_search_results_know_which_papers_are_saved(handlers):
    handlers.save(ANN, "2206.03001")
    assert handlers.handle(Command("search", "ocr"), ANN).saved == {"2206.03001"}
    assert handlers.handle(Command("search", "ocr"), BOB).saved == frozenset()


def test_bibtex_entries_hold_the_design_fields(handlers):
    handlers.save(ANN, "2206.03001")
    reply = handlers.handle(Command("saved", "bibtex"), ANN)
    assert isinstance(reply, BibTeX) and reply.count == 1
    text = reply.text
    assert text.startswith("@misc{li2022ppocrv3,")
    for field in (
        "title = {{PP-OCRv3: More Attempts",
        "author = {Chenxia Li and Weiwei Liu",
        "year = {2022}",
        "eprint = {2206.03001}",
        "archivePrefix = {arXiv}",
        "primaryClass = {cs.CV}",
        "url = {https://arxiv.org/abs/2206.03001}",
    ):
        assert field in text


def _paper(pid: str, title: str, authors=("Jürgen Müller",)) -> StoredPaper:
    return StoredPaper(
        Paper(id=pid, title=title, authors=authors, published="1999-01-02", categories=("hep-th",))
    )


def test_bibtex_escapes_tex_and_keeps_keys_unique_and_stable():
    hostile = _paper("hep-th/9901001", "Q&A on 100% of $x_1^2$ {braces} #1 ~ \\cmd")
    twin = _paper("hep-th/9901002", "Q&A again")
    other = _paper("2206.03001", "Ünïcode Şen", authors=("Ö. Şen",))
    text = bib.bibtex([hostile, twin, other])
    assert r"Q\&A on 100\% of \$x\_1{\textasciicircum}2\$ \{braces\} \#1" in text
    assert r"{\textbackslash}cmd" in text
    assert r"J\"urgen M\"uller" in text and r"\c{S}en" in text
    found = re.findall(r"@misc\{([^,]+),", text)
    assert found == ["muller1999qa_hep-th_9901001", "muller1999qa_hep-th_9901002", "sen1999unicode"]
    assert re.findall(r"@misc\{([^,]+),", bib.bibtex([other])) == ["sen1999unicode"]
    # Braces stay balanced whatever the title held, so BibTeX reads every entry.
    assert text.count("{") - text.count("\\{") == text.count("}") - text.count("\\}")


def test_more_like_this_finds_the_ocr_neighbour_and_never_itself(seeded):
    item = seeded.get("2206.03001")  # PP-OCRv3
    found = similar.more_like_this(seeded, item, limit=5)
    ids = [p.paper.id for p in found]
    assert "2206.03001" not in ids
    assert ids[0] == "2307.12270"  # CPPD: scene text recognition, shared authors
    assert found == sorted(found, key=lambda p: -p.score)


def test_more_like_this_handler_answers_similar(handlers):
    reply = handlers.more_like(ANN, "2206.03001")
    assert isinstance(reply, Similar) and reply.source.paper.id == "2206.03001"
    assert all(p.paper.id != "2206.03001" for p in reply.papers)


def test_distinctive_terms_prefer_rare_title_words(seeded):
    terms = similar.distinctive_terms(seeded, seeded.get("2206.03001"))
    top = list(terms.words.values())[:6]
    assert "ocr" in top
    assert not {"the", "for", "and", "of"} & set(terms.words.values())


def test_stems_match_the_search_index():
    from bot.store.actions import stems_of

    assert stems_of(["recognition", "Decoders", "ocr"]) == {
        "recognition": "recognit",
        "Decoders": "decod",
        "ocr": "ocr",
    }


def test_not_interested_marks_and_pushes_down_very_like_papers(handlers, seeded):
    from dataclasses import replace

    from bot.core.models import Sighting

    assert similar.not_interested_penalties(seeded, "T1", "U1", seeded.newest(20)) == {}
    handlers.not_interested(ANN, "2206.03001")
    assert seeded.not_interested_ids("T1", "U1") == {"2206.03001"}
    assert seeded.not_interested_ids("T1", "U2") == set()
    # A near copy: the same work posted again under another id.
    ppocr = seeded.get("2206.03001").paper
    copy = replace(ppocr, id="2611.00001", title=ppocr.title.replace("v3", "v3.1"))
    seeded.upsert([Sighting(copy, "arxiv")], NOW)
    candidates = [seeded.get("2611.00001"), *seeded.newest(30)]
    penalties = similar.not_interested_penalties(seeded, "T1", "U1", candidates)
    assert penalties["2206.03001"] == 1.0
    assert penalties["2611.00001"] >= similar.VERY_ALIKE
    others = {pid: v for pid, v in penalties.items() if pid not in ("2206.03001", "2611.00001")}
    assert others and all(0 < v < similar.VERY_ALIKE for v in others.values())
    # Another person's digest is untouched.
    assert similar.not_interested_penalties(seeded, "T1", "U2", candidates) == {}


def test_saving_a_paper_not_stored_is_refused_by_the_store(store):
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        store.save_paper("T1", "U1", "2206.03001")
    assert store.count_saved("T1", "U1") == 0


def test_migration_adds_tables_to_an_existing_store(tmp_path, seed_sightings):
    path = tmp_path / "papers.db"
    first = Store(path)
    first.upsert(seed_sightings, NOW)
    first.save_paper("T1", "U1", "2206.03001")
    first.close()
    again = Store(path)
    assert again.saved_ids("T1", "U1") == {"2206.03001"}
    assert again.doc_frequencies(["ocr", "zzzunknown"])["zzzunknown"] == 0
    assert again.doc_frequencies(["ocr"])["ocr"] >= 2
    again.close()


def test_not_interested_keeps_the_paper_and_its_near_copy_out_of_the_dm(tmp_path):
    import json
    from dataclasses import replace

    from bot.clock import utcnow
    from bot.config import Settings
    from bot.core.models import Sighting
    from bot.slack.delivery import make_client
    from tests.slack_emulator import SlackEmulator
    from tests.test_delivery import TEAM, run, seed_trending

    store = Store(tmp_path / "papers.db")
    with SlackEmulator(bot_token="xoxb-test", team_id=TEAM) as emu:
        emu.add_user("U1", tz="Europe/Paris")
        emu.add_user("U2", tz="Europe/Paris")
        settings = Settings(bot_token="xoxb-test", slack_api_url=emu.api_url, db_path=store.path)
        slack = (settings, make_client(settings))
        seed_trending(store)
        ppocr = store.get("2206.03001").paper
        # A near copy announced today (recent, so DM-worthy): the same work under another id.
        copy = replace(
            ppocr,
            id="2611.00001",
            title=ppocr.title.replace("v3", "v3.1"),
            published=utcnow().date().isoformat(),
        )
        store.upsert([Sighting(copy, "hf", upvotes=1)])
        handlers = Handlers(store)
        for user in ("U1", "U2"):
            store.add_topic(TEAM, user, "ocr")
        handlers.not_interested(Who(team=TEAM, user="U1"), "2206.03001")
        run(slack, store, users=True)
        (dm1,) = emu.messages("DU1")
        (dm2,) = emu.messages("DU2")
        mine, theirs = json.dumps(dm1.blocks), json.dumps(dm2.blocks)
        assert "2206.03001" in theirs and "2611.00001" in theirs
        assert "2206.03001" not in mine and "2611.00001" not in mine
        assert "2307.12270" in mine  # other OCR papers still come
    store.close()


def test_more_like_this_with_common_terms_in_memory_agrees(seeded):
    item = seeded.get("2206.03001")
    before = [p.paper.id for p in similar.more_like_this(seeded, item)]
    assert seeded.load_common_terms(min_docs=3) > 0
    after = [p.paper.id for p in similar.more_like_this(seeded, item)]
    assert after[0] == before[0] == "2307.12270"
    assert "2206.03001" not in after


def test_an_unreadable_index_vocabulary_is_a_store_error_and_warm_up_only_logs(seeded, caplog):
    conn = sqlite3.connect(seeded.path)
    conn.execute("DROP TABLE papers_vocab")
    conn.close()
    with pytest.raises(
        StoreError, match=re.escape("terms could not be read (no such table: papers_vocab)")
    ):
        seeded.load_common_terms()
    with caplog.at_level(logging.WARNING):
        similar.warm_up(seeded).join(timeout=10)
    assert "Could not read common terms for More like this" in caplog.text


def test_held_back_drops_marked_and_pushes_like_papers_down(seeded):
    # PP-LCNet (2109.15099) is the seed paper most like PP-OCRv3 (likeness about 0.24);
    # the others here share little with it.
    ids = ["2510.24035", "2110.07367", "1907.12412", "2109.15099", "2503.16983", "2206.03001"]
    hits = {"ocr": ids}
    papers = {pid: seeded.get(pid) for pid in ids}
    assert similar.held_back(seeded, "T1", "U1", hits, papers) == (hits, set())
    seeded.mark_not_interested("T1", "U1", "2206.03001")
    ranked, dropped = similar.held_back(seeded, "T1", "U1", hits, papers)
    assert dropped == {"2206.03001"}
    assert ranked["ocr"] == ["2510.24035", "2110.07367", "1907.12412", "2503.16983", "2109.15099"]
    # Someone else's digest keeps its order.
    assert similar.held_back(seeded, "T1", "U2", hits, papers) == (hits, set())


def test_digest_why_says_what_not_interested_held_back(tmp_path):
    from bot.core.digest_why import explain
    from tests.test_delivery import seed_trending

    store = Store(tmp_path / "papers.db")
    seed_trending(store)
    store.add_topic("T1", "U1", "ocr")
    before, _ = explain(store, "T1", "U1")
    assert "held back" not in before
    Handlers(store).not_interested(Who(team="T1", user="U1"), "2206.03001")
    text, items = explain(store, "T1", "U1")
    assert "; 1 held back as you marked it (or one very like it) Not interested" in text
    assert "PP-OCRv3" not in " ".join(items)
    store.close()
