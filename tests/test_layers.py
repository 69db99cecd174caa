"""The layers, read from the source with `ast`: only bot/slack (and the composition root,
bot/cli.py) may import Slack — slack_sdk, slack_bolt or the adapter bot.slack itself; the
scheduler imports neither the digests nor the ingest it runs; each lower layer imports only
what README's "What each layer may import" says."""

import ast
from pathlib import Path

from tests.test_import_graph import _imported, modules

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


# README "What each layer may import", for the layers below the adapters: a module of the layer
# may import the bot modules named here (a name stands for itself and the modules under it).
MAY_IMPORT = {
    "bot.errors": (),
    "bot.clock": (),
    "bot.config": ("bot.errors",),
    "bot.sources": ("bot.sources", "bot.errors", "bot.core.models", "bot.core.text", "bot"),
    # The core's record types and the text rules the index shares with queries; never the
    # core's services (search, digest, commands), which import the store.
    "bot.store": (
        "bot.store",
        "bot.errors",
        "bot.clock",
        "bot.core",  # the package: `from bot.core import text` (its __init__ is empty)
        "bot.core.models",
        "bot.core.targets",
        "bot.core.query",
        "bot.core.text",
        "bot.core.acronyms",
    ),
    "bot.core": ("bot.core", "bot.errors", "bot.clock", "bot.config", "bot.store"),
}


def _outside(layer: str, imports: list[str]) -> list[str]:
    allowed = MAY_IMPORT[layer]
    return [
        t
        for t in imports
        if not any(t == a or (a != "bot" and t.startswith(a + ".")) for a in allowed)
    ]


def layer_breaches(root: Path) -> list[str]:
    """`module imports target` for every import of a bot module that its layer may not make."""
    known = modules(root)
    found = []
    for name, path in sorted(known.items()):
        layer = next((lay for lay in MAY_IMPORT if name == lay or name.startswith(lay + ".")), None)
        if layer is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = _imported(node, known, root.name)
            found += [f"{name} imports {t}" for t in _outside(layer, targets)]
    return found


def test_the_layer_check_finds_an_upward_import(tmp_path):
    bot = tmp_path / "bot"
    (bot / "core").mkdir(parents=True)
    for init in (bot / "__init__.py", bot / "core" / "__init__.py"):
        init.write_text("")
    (bot / "digest_why.py").write_text("X = 1\n")
    (bot / "errors.py").write_text("class E(Exception): ...\n")
    (bot / "core" / "ok.py").write_text("from bot.core import ok\nfrom bot.errors import E\n")
    (bot / "core" / "up.py").write_text("def f():\n    from bot.digest_why import X\n")
    assert layer_breaches(bot) == ["bot.core.up imports bot.digest_why"]


# Libraries a layer never imports (README): the core none of the platform's or storage's.
NEVER = {
    "bot/core/": ("sqlite3", "sqlite_utils", "httpx", "apscheduler", "slack_sdk", "slack_bolt"),
    "bot/store/": ("httpx", "apscheduler", "slack_sdk", "slack_bolt"),
    "bot/sources/": ("sqlite3", "sqlite_utils", "apscheduler", "slack_sdk", "slack_bolt"),
}


def test_each_lower_layer_imports_only_what_readme_allows():
    assert layer_breaches(BOT) == []
    found = []
    for path in sorted(BOT.rglob("*.py")):
        relative = path.relative_to(BOT.parent).as_posix()
        for folder, libraries in NEVER.items():
            if relative.startswith(folder):
                names = imported(path.read_text(encoding="utf-8"))
                found += [f"{relative}: {n}" for n in names if n.split(".")[0] in libraries]
    assert found == []
    readme = (BOT.parent / "README.md").read_text(encoding="utf-8")
    assert "What each layer may import" in readme  # the table above mirrors that section


def test_the_command_handlers_are_built_only_by_the_composition_root():
    # bot/cli.py builds the core's `/papers` Handlers (and their paper fetcher) and hands them
    # to the Slack app and the console; no adapter builds its own.
    builders = []
    for path in sorted(BOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
                "Handlers",
                "paper_fetcher",
            ):
                builders.append(f"{path.relative_to(BOT).as_posix()}:{node.func.id}")
    assert sorted(set(builders)) == ["cli.py:Handlers", "cli.py:paper_fetcher"]
