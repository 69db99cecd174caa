"""End to end: the real `papers-bot run` against the Slack emulator; buttons clicked as Slack
would, found in the blocks the bot sent. Save, list, BibTeX, Unsave, More like this, the Home
tab, link previews."""

import json

import pytest

from tests.block_kit import check_home
from tests.bot_process import BotProcess, bot_env
from tests.slack_emulator import SlackEmulator

TEAM = "T0001"


@pytest.fixture
def emu():
    with SlackEmulator(bot_token="xoxb-test", app_token="xapp-test", team_id=TEAM) as e:
        e.add_user("U1", tz="Europe/Paris", tz_offset=3600)
        e.add_user("U2", tz="Asia/Tokyo", tz_offset=32400)
        e.add_channel("C1", member=True)
        yield e


@pytest.fixture
def bot(emu, seeded, tmp_path):
    process = BotProcess(bot_env(emu, seeded.path), log_path=tmp_path / "bot.log")
    try:
        emu.wait_socket_connected(timeout=20)
    except TimeoutError:
        process.stop()
        raise AssertionError(f"bot never connected:\n{process.log}") from None
    yield process
    process.stop()


def ask(emu, text: str, user: str = "U1") -> dict:
    url = emu.new_response_url()
    eid = emu.send_slash_command(text=text, user_id=user, channel_id="C1", response_url=url)
    assert emu.wait_ack(eid, timeout=5).latency < 3
    (answer,) = emu.response_posts(timeout=10, url=url)
    return answer


def buttons_in(blocks: list[dict]) -> list[dict]:
    """Every button in a message or view, in order, from actions blocks and accessories."""
    found = []
    for block in blocks:
        if block.get("type") == "actions":
            found += [e for e in block["elements"] if e.get("type") == "button"]
        elif block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def find_button(blocks: list[dict], label: str, value: str | None = None) -> dict:
    for element in buttons_in(blocks):
        if element["text"]["text"] == label and value in (None, element["value"]):
            return element
    raise AssertionError(f"no {label} button ({value}) in {json.dumps(blocks)[:2000]}")


def click(emu, element: dict, user: str = "U1") -> dict:
    """Click a button on a message; return the answer posted to its response_url."""
    url = emu.new_response_url()
    eid = emu.send_block_action(
        action_id=element["action_id"], value=element["value"], user_id=user, response_url=url
    )
    assert emu.wait_ack(eid, timeout=5).latency < 3
    (answer,) = emu.response_posts(timeout=10, url=url)
    return answer


def texts(answer: dict) -> str:
    return json.dumps(answer["blocks"], ensure_ascii=False)


def test_save_list_bibtex_unsave_by_clicking(emu, bot):
    results = ask(emu, "ocr")
    save = find_button(results["blocks"], "Save", "2206.03001")
    assert find_button(results["blocks"], "More like this", "2206.03001")
    answer = click(emu, save)
    assert answer["response_type"] == "ephemeral" and "Saved “PP-OCRv3" in answer["text"]
    assert "already in your saved papers" in click(emu, save)["text"]
    # The next search knows it is saved: its button says Unsave.
    again = ask(emu, "ocr")
    assert find_button(again["blocks"], "Unsave", "2206.03001")
    saved = ask(emu, "saved")
    assert "PP-OCRv3" in texts(saved) and "1–1 of 1" in texts(saved)
    bib = ask(emu, "saved bibtex")
    assert "@misc{li2022ppocrv3," in texts(bib) and "eprint = {2206.03001}" in texts(bib)
    # Another person's list is their own.
    assert "saved no papers" in ask(emu, "saved", user="U2")["text"]
    unsave = find_button(saved["blocks"], "Unsave", "2206.03001")
    assert "Removed" in click(emu, unsave)["text"]
    assert "saved no papers" in ask(emu, "saved")["text"]


def test_more_like_this_answers_similar_papers_never_itself(emu, bot):
    results = ask(emu, "ocr")
    answer = click(emu, find_button(results["blocks"], "More like this", "2206.03001"))
    assert answer["text"].startswith("Papers like “PP-OCRv3")
    linked = [b["value"] for b in buttons_in(answer["blocks"]) if b["text"]["text"] == "Save"]
    assert linked and "2206.03001" not in linked
    assert "2307.12270" in linked  # scene text recognition, same group's authors


FORGED = [
    ("paper_save", "9999.99999"),
    ("paper_save", "not an id"),
    ("paper_more_like", "'; DROP TABLE saved; --"),
    ("paper_not_interested", "x" * 3000),
    ("topic_remove", "never followed"),
    ("papers_saved_more", "-1"),
    ("digest_set", "sideways"),
]


def test_forged_button_values_are_one_line_and_change_nothing(emu, bot, seeded):
    for action_id, value in FORGED:
        url = emu.new_response_url()
        eid = emu.send_block_action(action_id=action_id, value=value, response_url=url)
        assert emu.wait_ack(eid, timeout=5).latency < 3
        (answer,) = emu.response_posts(timeout=10, url=url)
        assert answer["response_type"] == "ephemeral"
        assert len(answer["text"].splitlines()) == 1, (action_id, answer["text"])
        assert "Traceback" not in answer["text"]
    assert seeded.count_saved(TEAM, "U1") == 0
    assert seeded.not_interested_ids(TEAM, "U1") == set()
    assert seeded.topics(TEAM, "U1") == []
    assert bot.proc.poll() is None
    assert "Traceback" not in bot.log


def test_home_tab_opens_and_refreshes_after_remove_and_unsave(emu, bot):
    ask(emu, "subscribe ocr")
    ask(emu, "subscribe diffusion video")
    ask(emu, "save 2206.03001")
    publishes = len(emu.calls("views.publish"))
    emu.send_event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    # The commands above publish the Home too; wait for the one with all three.
    emu.wait_for(lambda: len(emu.calls("views.publish")) > publishes, timeout=10)
    emu.wait_for(lambda: "Your saved papers* (1)" in texts(emu.home_view("U1")), timeout=10)
    view = emu.home_view("U1")
    check_home(view)
    body = texts(view)
    assert "Your digest" in body and "ocr" in body and "PP-OCRv3" in body
    assert "Trending today" in body
    remove = find_button(view["blocks"], "Remove", "ocr")
    eid = emu.send_block_action(remove["action_id"], remove["value"], view_id="V1")
    assert emu.wait_ack(eid).latency < 3
    # A Home click has no response_url: the refreshed Home is the answer, its outcome on top.
    emu.wait_for(lambda: "Unsubscribed from “ocr”" in texts(emu.home_view("U1")), timeout=10)
    after = emu.home_view("U1")
    assert find_button(after["blocks"], "Remove", "diffusion video")
    assert not [b for b in buttons_in(after["blocks"]) if b["value"] == "ocr"]
    unsave = find_button(after["blocks"], "Unsave", "2206.03001")
    emu.send_block_action(unsave["action_id"], unsave["value"], view_id="V1")
    emu.wait_for(lambda: "Your saved papers* (0)" in texts(emu.home_view("U1")), timeout=10)
    assert "Removed “PP-OCRv3" in texts(emu.home_view("U1"))
    off = find_button(emu.home_view("U1")["blocks"], "Turn digest off")
    emu.send_block_action(off["action_id"], off["value"], view_id="V1")
    emu.wait_for(lambda: "Turn digest on" in texts(emu.home_view("U1")), timeout=10)
    assert "digest is off" in texts(emu.home_view("U1"))
    weekly = find_button(emu.home_view("U1")["blocks"], "Make it weekly (Mondays)")
    emu.send_block_action(weekly["action_id"], weekly["value"], view_id="V1")
    emu.wait_for(lambda: "Make it daily" in texts(emu.home_view("U1")), timeout=10)


def test_home_tab_stays_within_100_blocks(emu, bot, seeded):
    for paper in seeded.newest(18):
        seeded.save_paper(TEAM, "U2", paper.paper.id)
    for n in range(25):
        seeded.add_topic(TEAM, "U2", f"topic number {n}")
    emu.send_event({"type": "app_home_opened", "user": "U2", "channel": "D2", "tab": "home"})
    view = emu.wait_for(lambda: emu.home_view("U2"), timeout=10)
    check_home(view)
    removes = [b["value"] for b in buttons_in(view["blocks"]) if b["text"]["text"] == "Remove"]
    assert sorted(removes) == sorted(f"topic number {n}" for n in range(25))


LINKS = [
    "https://arxiv.org/abs/2206.03001v2",
    "https://arxiv.org/pdf/2206.03001.pdf",
    "https://huggingface.co/papers/2206.03001",
    "https://www.alphaxiv.org/abs/2206.03001",
]


def test_link_previews_for_each_domain(emu, bot):
    for n, url in enumerate(LINKS):
        ts = f"1700000000.{n}"
        emu.send_link_shared([url, "https://arxiv.org/list/cs.CV/recent"], message_ts=ts)
        emu.wait_for(lambda n=n: len(emu.unfurls()) > n, timeout=10)
        call = emu.unfurls()[n]
        assert call["channel"] == "C1" and call["ts"] == ts
        assert list(call["unfurls"]) == [url]  # the listing page gets no card
        card = call["unfurls"][url]["blocks"]
        assert "<https://arxiv.org/abs/2206.03001|PP-OCRv3" in card[0]["text"]["text"]
        assert find_button(card, "Save", "2206.03001")


def test_unknown_paper_link_gets_no_card(emu, bot):
    # The bot's Hugging Face and arXiv endpoints are unreachable: no paper, so no card.
    emu.send_link_shared(["https://arxiv.org/abs/2601.99999"])
    emu.send_link_shared(["https://arxiv.org/abs/2206.03001"])
    emu.wait_for(emu.unfurls, timeout=20)
    assert [list(c["unfurls"]) for c in emu.unfurls()] == [["https://arxiv.org/abs/2206.03001"]]
    assert bot.proc.poll() is None


def test_dm_buttons_and_not_interested_keeps_a_paper_out_of_the_next_dm(emu, tmp_path):
    import subprocess
    import sys
    from dataclasses import replace
    from datetime import timedelta

    from bot.clock import utcnow
    from bot.config import Settings
    from bot.core.models import Sighting
    from bot.slack.delivery import make_client
    from bot.store import Store
    from tests.bot_process import ROOT
    from tests.test_delivery import run, seed_trending

    store = Store(tmp_path / "papers.db")
    seed_trending(store)
    bot = BotProcess(bot_env(emu, store.path), log_path=tmp_path / "bot.log")
    try:
        emu.wait_socket_connected(timeout=20)
        ask(emu, "subscribe ocr")
        sent = subprocess.run(
            [sys.executable, "-m", "bot", "digest", "--users"],
            env=bot_env(emu, store.path, PAPERS_POST_INTERVAL="0.05"),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        (dm,) = emu.messages("DU1")
        refuse = find_button(dm.blocks, "Not interested", "2206.03001")
        assert find_button(dm.blocks, "Save", "2206.03001")
        like = click(emu, find_button(dm.blocks, "More like this", "2206.03001"))
        assert like["text"].startswith("Papers like “PP-OCRv3")
        answer = click(emu, refuse)
        assert (
            answer["response_type"] == "ephemeral" and "stay out of your digests" in answer["text"]
        )
        assert store.not_interested_ids(TEAM, "U1") == {"2206.03001"}
    finally:
        bot.stop()
    # Tomorrow: a near copy of the refused paper and another OCR paper arrive.
    tomorrow = utcnow() + timedelta(days=1)
    ppocr = store.get("2206.03001").paper
    fresh = tomorrow.date().isoformat()  # announced then: recent, so DM-worthy
    copy = replace(ppocr, id="2611.00001", title=ppocr.title.replace("v3", "v3.1"), published=fresh)
    other = replace(
        ppocr,
        id="2611.00002",
        title="Handwritten OCR for field notes",
        abstract="We read notes.",
        published=fresh,
    )
    store.upsert(
        [Sighting(copy, "hf", upvotes=9), Sighting(other, "hf", upvotes=1)],
        tomorrow - timedelta(hours=1),
    )
    settings = Settings(bot_token="xoxb-test", slack_api_url=emu.api_url, db_path=store.path)
    run((settings, make_client(settings)), store, users=True, now=tomorrow)
    latest = json.dumps(emu.messages("DU1")[-1].blocks)
    assert "2611.00002" in latest and "2611.00001" not in latest
    store.close()


def test_home_follows_slash_commands_and_slack_failures_are_survived(emu, bot):
    emu.send_event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    emu.wait_for(lambda: emu.home_view("U1"), timeout=10)
    ask(emu, "subscribe diffusion video")
    emu.wait_for(lambda: "diffusion video" in texts(emu.home_view("U1")), timeout=10)
    # Slack refusing a Home tab once: logged; the next change publishes it again.
    emu.fail_next("views.publish", "invalid_blocks")
    ask(emu, "save 2206.03001")
    ask(emu, "save 2307.12270")
    emu.wait_for(lambda: "Your saved papers* (2)" in texts(emu.home_view("U1")), timeout=10)
    # A 429 on chat.unfurl is waited out and the card still arrives.
    emu.fail_next("chat.unfurl", "ratelimited", status=429, retry_after=1)
    emu.send_link_shared(["https://arxiv.org/abs/2206.03001"])
    emu.wait_for(emu.unfurls, timeout=15)
    assert bot.proc.poll() is None
    assert "views.publish failed for U1: invalid_blocks" in bot.log
    assert "Traceback" not in bot.log


def test_a_long_bibtex_list_comes_as_a_file_in_the_dm(emu, seeded, tmp_path):
    from bot.core.models import Paper, Sighting

    many = [
        Sighting(
            Paper(
                id=f"2611.{n:05d}",
                title=f"Paper number {n} on {'very ' * 20}long titles & 100% TeX",
                authors=("Ann Author", "Bo Writer", "Cy Third"),
                published="2026-11-27",
                categories=("cs.CL",),
            ),
            "file",
        )
        for n in range(1, 151)
    ]
    seeded.upsert(many)
    for s in many:
        seeded.save_paper(TEAM, "U1", s.paper.id)
    bot = BotProcess(bot_env(emu, seeded.path), log_path=tmp_path / "bot.log")
    try:
        emu.wait_socket_connected(timeout=20)
        answer = ask(emu, "saved bibtex")
        assert "150 BibTeX entries are longer than one message" in answer["text"]
        (shared,) = emu.files("DU1")
        assert shared["name"] == "saved-papers.bib"
        assert shared["content"].count("@misc{") == 150
        assert r"100\% TeX" in shared["content"] and r"\&" in shared["content"]
        # Slack refusing the file (an install without files:write): the message shows what fits.
        emu.fail_next("files.getUploadURLExternal", "missing_scope")
        answer = ask(emu, "saved bibtex")
        assert answer["text"] == "150 BibTeX entries"
        assert answer["blocks"][1]["text"]["text"].startswith("```@misc{")
        assert len(emu.files("DU1")) == 1
        assert "Could not share BibTeX as a file: missing_scope" in bot.log
    finally:
        bot.stop()


def test_share_to_channel_posts_the_private_trending_list_for_everyone(emu, bot):
    private = ask(emu, "trending")
    assert private["response_type"] == "ephemeral"
    share = find_button(private["blocks"], "Share to channel")
    shared = click(emu, share, user="U2")
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    assert "Shared by <@U2>" in texts(shared)
    assert shared["text"] == private["text"]  # the same list, now for the channel
    with pytest.raises(AssertionError):
        find_button(shared["blocks"], "Share to channel")  # shared once, not again
    assert find_button(shared["blocks"], "Save")  # each person can still save from it
    forged = click(emu, {**share, "value": "not a day"})
    assert forged["response_type"] == "ephemeral" and "not one I can act on" in texts(forged)
