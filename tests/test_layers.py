"""The layers, read from the source with `ast`: only bot/slack (and the composition root,
bot/cli.py) may import Slack — slack_sdk, slack_bolt or the adapter bot.slack itself; the
scheduler imports neither the digests nor the ingest it runs."""

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
SLACK = ("slack_sdk", "slack_bolt", "bot.slack")
MAY_IMPORT_SLACK = ("slack/", "cli.py")


def imported(source: str) -> list[str]:
    """Every module an `import` or `from ... import` names, at any depth (late imports too)."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            if node.module == "bot":  # `from bot import slack` names the adapter itself
                names += [f"bot.{alias.name}" for alias in node.names]
    return names


def slack_imports(source: str) -> list[str]:
    return sorted(
        {n for n in imported(source) if any(n == s or n.startswith(s + ".") for s in SLACK)}
    )


def test_the_finder_sees_every_form_of_a_slack_import():
    source = (
        "import os\n"
        "from bot.core import digest\n"
        "def late():\n"
        "    from slack_sdk.errors import SlackApiError\n"
        "    import slack_bolt\n"
        "    from bot import slack\n"
        "    from bot.slack.delivery import Pacer\n"
    )
    assert slack_imports(source) == [
        "bot.slack",
        "bot.slack.delivery",
        "slack_bolt",
        "slack_sdk.errors",
    ]
    assert slack_imports("import slackish\nfrom bot.slacker import x\n") == []


def test_nothing_outside_bot_slack_imports_slack():
    found = {}
    for path in sorted(BOT.rglob("*.py")):
        relative = path.relative_to(BOT).as_posix()
        if relative.startswith(MAY_IMPORT_SLACK):
            continue
        names = slack_imports(path.read_text(encoding="utf-8"))
        if names:
            found[relative] = names
    assert found == {}
    assert (BOT / "core" / "digest_run.py").is_file()  # the walk covers the digest run


def test_the_scheduler_runs_what_it_is_handed():
    source = (BOT / "scheduler.py").read_text(encoding="utf-8")
    names = imported(source)
    assert [n for n in names if n.startswith(("bot.ingest", "bot.digest", "bot.core.digest"))] == []
    assert slack_imports(source) == []
