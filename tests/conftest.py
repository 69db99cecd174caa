"""Shared fixtures: real SQLite files, recorded payloads, HF-shaped items built from the seed."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.models import IngestReport
from bot.sources import files
from bot.store import Store

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SEED = ROOT / "bot" / "sample" / "seed_papers.json"
NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)

# Everything a person might type that must never reach SQLite as syntax.
HOSTILE = [
    "ocr AND",
    '"unbalanced',
    "NEAR(",
    "title:",
    "*",
    "'; DROP TABLE papers; --",
    "ocr\x00nul",
    "\x00",
    "x" * 10_000,
    "ocr " * 2_500,
    "😀🔥",
    "ocr 😀",
    "التعرف على النص",
    "זיהוי טקסט",
    "-",
    "--",
    '""',
    "ocr OR",
    "NOT ocr",
    "(ocr",
    "ocr)",
    "^ocr",
    "ocr*",
    "{title}: ocr",
    "a:b:c",
    "\\",
    "%_%",
]


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(tmp_path / "papers.db")
    yield s
    s.close()


@pytest.fixture
def seed_sightings():
    report = IngestReport()
    with SEED.open("rb") as stream:
        return list(files.read(stream, report))


@pytest.fixture
def seeded(store, seed_sightings) -> Store:
    store.upsert(seed_sightings, NOW)
    return store


def hf_item(paper: dict, upvotes: int = 0, stars: int | None = None, day: str = "2026-11-27"):
    """A daily-papers item in the API's real shape, from a seed paper."""
    item = {
        "paper": {
            "id": paper["arxiv_id"],
            "authors": [
                {"_id": f"a{i}", "name": name, "hidden": False}
                for i, name in enumerate(paper["authors"])
            ],
            "publishedAt": f"{paper['published']}T00:00:00.000Z",
            "submittedOnDailyAt": f"{day}T00:00:00.000Z",
            "title": paper["title"],
            "summary": paper["summary"],
            "upvotes": upvotes,
            "discussionId": "d" + paper["arxiv_id"],
        },
        "publishedAt": f"{paper['published']}T04:00:00.000Z",
        "title": paper["title"],
        "summary": paper["summary"],
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{paper['arxiv_id']}.png",
        "numComments": 2,
        "submittedBy": {"_id": "u1", "fullname": "Someone", "name": "someone", "type": "user"},
        "isAuthorParticipating": False,
    }
    if paper.get("github_repo"):
        item["paper"]["githubRepo"] = paper["github_repo"]
        item["paper"]["githubStars"] = stars if stars is not None else 100
    return item


@pytest.fixture
def seed_papers() -> list[dict]:
    return json.loads(SEED.read_text())


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(db_path=tmp_path / "papers.db", arxiv_delay=0.0)


@pytest.fixture
def emu():
    """The project's Slack emulator on loopback: workspace T0001, person U1 (Paris), channel C1
    with the bot in it. Test files that need other people or channels define their own."""
    from tests.slack_emulator import SlackEmulator

    with SlackEmulator(bot_token="xoxb-test", app_token="xapp-test", team_id="T0001") as e:
        e.add_user("U1", tz="Europe/Paris", tz_offset=3600)
        e.add_channel("C1", member=True)
        yield e
