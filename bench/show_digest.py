"""Print a topic DM and a channel thread as the Slack emulator receives them, blocks as text.

`.venv/bin/python -m bench.show_digest`: seeds a temporary store with the test fixtures (listed
on Hugging Face today), follows three topics, and runs the same digest code the scheduler runs
against the project's Slack emulator on loopback. For reading what people get, not for timing.
"""

import tempfile
from pathlib import Path

from bot.config import Settings
from bot.core.digest_run import run_digests
from bot.slack.client import make_client
from bot.slack.delivery import Pacer, SlackDeliverer
from bot.store import Store
from tests.slack_emulator import SlackEmulator
from tests.test_delivery import seed_trending

TEAM = "T0001"


def as_text(message) -> str:
    """A posted message's sections, headers and context lines, one after another."""
    lines = []
    for block in message.blocks or []:
        if block["type"] in ("section", "header"):
            lines.append(block["text"]["text"])
        elif block["type"] == "context":
            lines.append(" ".join(e.get("text", "") for e in block["elements"]))
    return "\n".join(lines) if lines else message.text


def main() -> None:
    with (
        SlackEmulator(bot_token="xoxb-test", team_id=TEAM) as emu,
        tempfile.TemporaryDirectory() as tmp,
    ):
        emu.add_channel("CLIVE", name="papers")
        emu.add_user("U1", tz="Europe/Paris")
        db = Path(tmp) / "papers.db"
        store = Store(db)
        settings = Settings(bot_token="xoxb-test", slack_api_url=emu.api_url, db_path=db)
        seed_trending(store)
        for topic in ("ocr", "document understanding", "diffusion"):
            store.add_topic(TEAM, "U1", topic)
        store.save_person(TEAM, "U1", size=5)
        store.save_channel(TEAM, "CLIVE", size=3)
        slack = SlackDeliverer(make_client(settings), Pacer(0))
        run_digests(settings, store, slack)
        run_digests(settings, store, slack, users=True)
        thread = emu.messages("CLIVE")
        print("=== DM ===", as_text(emu.messages("DU1")[0]), sep="\n")
        print("=== thread parent ===", as_text(thread[0]), sep="\n")
        print("=== reply 1 ===", as_text(thread[1]), sep="\n")
        store.close()


if __name__ == "__main__":
    main()
