"""A DM shares its places across the person's topics (issue 11), through the emulator."""

import json

from bot.clock import utcnow
from bot.core.models import Paper, Sighting
from tests.block_kit import check_blocks
from tests.bot_process import run_digest
from tests.test_delivery import TEAM, posted_to, run
from tests.test_time_zones import emu, slack

__all__ = ["emu", "slack"]  # fixtures


def listed_today(store, papers: list[Paper]) -> None:
    """Papers on today's Hugging Face list, the first most upvoted."""
    day = str(utcnow().date())
    store.upsert(
        [Sighting(p, "hf", upvotes=500 - n, day=day, position=n + 1) for n, p in enumerate(papers)]
    )


def papers_on(word: str, count: int, start: int) -> list[Paper]:
    return [
        Paper(f"2611.{start + n:05d}", title=f"{word.title()} study number {n}", abstract="A.")
        for n in range(count)
    ]


def linked_ids(message) -> list[str]:
    body = json.dumps(message.blocks)
    return [part.split("|")[0] for part in body.split("arxiv.org/abs/")[1:]]


def test_three_topics_one_dm_with_papers_of_each(emu, store):
    # The first topic matches 30 papers, all trending above the others' few.
    listed_today(
        store,
        papers_on("diffusion", 30, 0)
        + papers_on("agents", 3, 100)
        + papers_on("splatting", 2, 200),
    )
    for topic in ("diffusion", "agents", "splatting"):
        store.add_topic(TEAM, "U1", topic)
    done = run_digest(emu, store.path, "--users")
    assert done.returncode == 0, done.stdout + done.stderr
    (dm,) = emu.messages("DU1")
    ids = linked_ids(dm)
    assert len(ids) == len(set(ids)) == 10
    assert {int(pid[5:]) // 100 for pid in ids} == {0, 1, 2}  # every topic has a paper
    body = json.dumps(dm.blocks, ensure_ascii=False)
    assert "more — `/papers diffusion`" in body
    assert body.index("*diffusion*") < body.index("*agents*") < body.index("*splatting*")


def test_a_paper_on_two_topics_appears_once_noting_the_other(emu, slack, store):
    both = Paper("2611.00900", title="Diffusion agents that plan", abstract="A.")
    listed_today(store, [both, *papers_on("agents", 2, 100)])
    store.add_topic(TEAM, "U1", "diffusion")
    store.add_topic(TEAM, "U1", "agents")
    run(slack, store, users=True)
    (dm,) = emu.messages("DU1")
    ids = linked_ids(dm)
    assert sorted(ids) == ["2611.00100", "2611.00101", "2611.00900"]  # the shared one once
    assert "also on agents" in json.dumps(dm.blocks) or "also on diffusion" in json.dumps(dm.blocks)


def test_twenty_five_matching_topics_fit_one_dm_within_block_kit_limits(emu, slack, store):
    words = [f"topic{chr(97 + n)}{'x' * 80}" for n in range(25)]  # long topics, long lines
    papers = [
        Paper(f"2611.{n:05d}", title=f"{w} " + "long title words " * 30, abstract="A.")
        for n, w in enumerate(words)
        for _ in range(1)
    ]
    listed_today(store, papers)
    for w in words:
        assert store.add_topic(TEAM, "U1", w, cap=25) == "added"
    report = run(slack, store, users=True)
    assert report.failed == [] and posted_to(report) == ["person U1"]
    (dm,) = emu.messages("DU1")
    check_blocks(dm.blocks)
    assert len(linked_ids(dm)) == 10
    assert json.dumps(dm.blocks, ensure_ascii=False).count("1 more — `/papers topic") == 15
