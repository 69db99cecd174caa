"""manifest.yml: valid against Slack's published app-manifest schema; its bot scopes match the code.

Schema: slackapi/manifest-schema @ c50cfa8508ff1017344550a5e5fb29a1416e5b98,
schemas/manifest.schema.1.0.0.json, vendored as tests/fixtures/slack_manifest.schema.1.0.0.json
(tests/fixtures/SOURCES.md). That repo's root manifest.schema.json sends
`_metadata.major_version: 1` (ours) to this file and 2 to the next-generation platform's
manifest.schema.2.0.0.json; version 1 is also the stricter one (no unknown top-level keys).

Rules checked beyond that schema (PROJECT_RULES, also run through jsonschema):
[S1] the background_color pattern: Slack's file spells that keyword "regex", so a JSON-schema
     validator ignores it; we apply it as "pattern".
[S2] SchemaStore/schemastore, src/schemas/json/slack-app-manifest.json: bot_user.display_name
     "^[\\w\\-.]+$" ("Allowed characters: a-z, 0-9, -, _, and .").
[S4] docs.slack.dev/reference/methods/<method> and /reference/scopes/<scope> (Slack Web API
     reference): chat.postMessage, chat.update, chat.postEphemeral -> chat:write;
     conversations.open -> im:write (bot tokens; mpim:write is user/legacy-bot only);
     users.info -> users:read; conversations.info -> channels:read for public channels,
     groups:read for private ones (im:read/mpim:read only for DMs, which we never inspect);
     views.publish -> no scope; chat.unfurl -> links:write; files.getUploadURLExternal and
     files.completeUploadExternal (slack_sdk's files_upload_v2) -> files:write; the
     link_shared event -> links:read; the app_home_opened event -> no scope.
[P]  Project conventions, stricter than Slack: the command is lowercase, "^/[a-z0-9_-]+$" (the
     schema only requires the leading "/"); no scope is listed twice.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_PATH = ROOT / "manifest.yml"
BOT_DIR = ROOT / "bot"
SCHEMA_PATH = ROOT / "tests" / "fixtures" / "slack_manifest.schema.1.0.0.json"
# sha256 of the vendored file as fetched; a local edit of "Slack's" schema fails the suite.
SCHEMA_SHA256 = "f2adf9f9800230e2fe44bab0762796492871edaab817e9160fdcdf0eb4642e58"

PROJECT_RULES: dict[str, Any] = {
    "properties": {
        "display_information": {
            "properties": {"background_color": {"pattern": "^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$"}}
        },
        "features": {
            "properties": {
                "bot_user": {"properties": {"display_name": {"pattern": r"^[\w\-.]+$"}}},
                "slash_commands": {
                    "items": {"properties": {"command": {"pattern": "^/[a-z0-9_-]+$"}}}
                },
            }
        },
        "oauth_config": {
            "properties": {
                "scopes": {"additionalProperties": {"type": "array", "uniqueItems": True}}
            }
        },
    }
}

# [S4] Web API method -> bot scopes it needs. None of these need more than what is listed.
METHOD_SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "conversations.open": {"im:write"},
    "users.info": {"users:read"},
    "conversations.info": {"channels:read", "groups:read"},
    # Read back only to find the bot's own posts by their metadata (exactly-once delivery):
    # threads in public and private channels, and the DMs.
    "conversations.history": {"channels:history", "groups:history", "im:history"},
    "conversations.replies": {"channels:history", "groups:history", "im:history"},
    "views.publish": set(),
    "chat.unfurl": {"links:write"},
    # slack_sdk's helper: files.getUploadURLExternal, then files.completeUploadExternal.
    "files.upload_v2": {"files:write"},
}
# [S4] Event -> bot scopes needed to receive it.
EVENT_SCOPES: dict[str, set[str]] = {
    "app_home_opened": set(),
    "link_shared": {"links:read"},
    # Sent to every app, no scope needed.
    "app_uninstalled": set(),
    "tokens_revoked": set(),
}
# Scopes the manifest may request beyond what the code scan finds, each with its reason.
# Empty on purpose: every requested scope must be justified by a call in bot/.
DOCUMENTED_EXTRAS: dict[str, str] = {}


def _snake(method: str) -> str:
    """`chat.postMessage` -> `chat_postMessage`, the slack_sdk WebClient method name."""
    return method.replace(".", "_")


# `.chat_postMessage(` (any receiver: client, app.client, self._client) or api_call("x.y".
_CALL_RE = re.compile(
    r"\.(?P<snake>" + "|".join(re.escape(_snake(m)) for m in METHOD_SCOPES) + r")\s*\("
    r"|api_call\(\s*(?:api_method\s*=\s*)?[\"'](?P<dotted>[a-zA-Z]+\.[a-zA-Z.]+)[\"']"
)
_COMMAND_RE = re.compile(r"\.command\(\s*[\"'](/[^\"']+)[\"']")
_ACTION_RE = re.compile(r"\.(?:action|block_action)\(")
_EVENT_RE = re.compile(r"\b\w*app\.(?:event|message)\(")
_EVENT_NAME_RE = re.compile(r"\b\w*app\.event\(\s*[\"']([a-z_]+)[\"']")


def load_manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "manifest.yml must be a YAML mapping"
    return data


def _bot_sources() -> dict[str, str]:
    if not BOT_DIR.is_dir():
        return {}
    return {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for p in sorted(BOT_DIR.rglob("*.py"))
    }


def find_api_methods(sources: dict[str, str]) -> dict[str, set[str]]:
    """Slack Web API methods called in `sources`, mapped to the files that call them."""
    by_snake = {_snake(m): m for m in METHOD_SCOPES}
    found: dict[str, set[str]] = {}
    for path, text in sources.items():
        for match in _CALL_RE.finditer(text):
            method = by_snake[match["snake"]] if match["snake"] else match["dotted"]
            found.setdefault(method, set()).add(path)
    return found


def needed_scopes(methods: set[str], manifest: dict[str, Any]) -> set[str]:
    unknown = methods - METHOD_SCOPES.keys()
    assert not unknown, f"add these Web API methods to METHOD_SCOPES: {sorted(unknown)}"
    scopes: set[str] = set()
    for method in methods:
        scopes |= METHOD_SCOPES[method]
    if manifest.get("features", {}).get("slash_commands"):
        scopes.add("commands")
    events = manifest.get("settings", {}).get("event_subscriptions", {}).get("bot_events", [])
    unknown_events = set(events) - EVENT_SCOPES.keys()
    assert not unknown_events, f"add these events to EVENT_SCOPES: {sorted(unknown_events)}"
    for event in events:
        scopes |= EVENT_SCOPES[event]
    return scopes


def _validators() -> tuple[Draft7Validator, Draft7Validator]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)  # the root manifest.schema.json declares draft-07
    return Draft7Validator(schema), Draft7Validator(PROJECT_RULES)


def manifest_errors(m: Any) -> list[str]:
    """`"dotted.path: message"` for each rule of Slack's schema or PROJECT_RULES that `m` breaks."""
    errors = []
    for validator in _validators():
        for error in validator.iter_errors(m):
            where = ".".join(str(part) for part in error.absolute_path) or "manifest"
            errors.append(f"{where}: {error.message}")
    return sorted(errors)


# --------------------------------------------------------------------------------------------
# The real manifest.


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return load_manifest()


def test_manifest_satisfies_schema_rules(manifest: dict[str, Any]) -> None:
    assert manifest_errors(manifest) == []


def test_manifest_targets_schema_v1(manifest: dict[str, Any]) -> None:
    assert manifest["_metadata"]["major_version"] == 1


def test_display_information(manifest: dict[str, Any]) -> None:
    display = manifest["display_information"]
    assert display["name"] == "papers-bot"
    assert manifest["features"]["bot_user"] == {"display_name": "papers-bot", "always_online": True}
    long_description = display["long_description"]
    for usage in ("/papers channel on", "/papers <query>", "/papers subscribe <topic>"):
        assert usage in long_description, f"long_description should explain {usage!r}"


def test_declares_the_papers_command(manifest: dict[str, Any]) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/papers"}
    papers = commands["/papers"]
    assert papers["should_escape"] is False
    for sub in ("subscribe", "topics", "trending", "channel on", "help"):
        assert sub in papers["usage_hint"]


def test_settings_for_socket_mode(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True  # the "More results" button
    assert settings["token_rotation_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    # Socket Mode: Slack delivers over the websocket, so no request URL may be left behind.
    assert "request_url" not in settings["interactivity"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])


def test_home_tab_and_link_previews(manifest: dict[str, Any]) -> None:
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    # DMs (the daily digest) still show in the Messages tab, read-only.
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert set(manifest["features"]["unfurl_domains"]) == {
        "arxiv.org",
        "huggingface.co",
        "alphaxiv.org",
    }


def test_http_mode_instructions_are_in_a_comment() -> None:
    text = MANIFEST_PATH.read_text(encoding="utf-8")
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    assert "https://<host>/slack/events" in comments
    assert "socket_mode_enabled: false" in comments


# --------------------------------------------------------------------------------------------
# Bot scopes versus the code.


def test_bot_scopes_match_the_code(manifest: dict[str, Any]) -> None:
    methods = find_api_methods(_bot_sources())
    if not methods:
        pytest.skip(
            "bot/ makes no Slack Web API calls yet (no client.chat_postMessage( etc.), "
            "so there is nothing to derive the bot scopes from"
        )
    needed = needed_scopes(set(methods), manifest)
    declared = set(manifest["oauth_config"]["scopes"]["bot"])
    missing = needed - declared
    assert not missing, f"manifest lacks scopes the code needs: {sorted(missing)} ({methods})"
    unused = declared - needed - DOCUMENTED_EXTRAS.keys()
    assert not unused, (
        f"manifest requests scopes no call in bot/ needs: {sorted(unused)}; "
        "drop them or justify them in DOCUMENTED_EXTRAS"
    )


def test_bot_scopes_are_exactly_the_intended_set(manifest: dict[str, Any]) -> None:
    # The expected set is itself derived from the method table: every method the bot is
    # designed to call, plus `commands`. The test above checks the table against the code.
    designed = {
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
        "conversations.open",
        "users.info",
        "conversations.info",
        "views.publish",
        "chat.unfurl",
        "files.upload_v2",
        "conversations.history",
        "conversations.replies",
    }
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed_scopes(designed, manifest)
    assert "user" not in manifest["oauth_config"]["scopes"], "the bot needs no user token"


def test_commands_registered_in_code_are_declared(manifest: dict[str, Any]) -> None:
    registered = {c for text in _bot_sources().values() for c in _COMMAND_RE.findall(text)}
    if not registered:
        pytest.skip("bot/ registers no slash command handler yet (no app.command('/...'))")
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert registered <= declared


def test_event_handlers_in_code_match_subscriptions(manifest: dict[str, Any]) -> None:
    sources = _bot_sources()
    handled = {e for text in sources.values() for e in _EVENT_NAME_RE.findall(text)}
    assert not any("app.message(" in text for text in sources.values()), "app.message: no event"
    subscribed = set(
        manifest.get("settings", {}).get("event_subscriptions", {}).get("bot_events", [])
    )
    assert handled == subscribed, (
        f"bot/ handles events {sorted(handled - subscribed)} the manifest does not subscribe to"
        f" and the manifest subscribes to {sorted(subscribed - handled)} that bot/ ignores"
    )


def test_action_handlers_need_interactivity(manifest: dict[str, Any]) -> None:
    if not any(_ACTION_RE.search(text) for text in _bot_sources().values()):
        pytest.skip("bot/ registers no app.action handler yet")
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


# --------------------------------------------------------------------------------------------
# The checks themselves must reject bad input, or the tests above prove nothing.


def test_vendored_schema_is_the_one_fetched() -> None:
    assert hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == SCHEMA_SHA256


def _broken(manifest: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `manifest` with the dotted `path` set to `value` (list index as int)."""
    m = copy.deepcopy(manifest)
    *parents, last = path.split(".")
    node: Any = m
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return m


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("display_information.name", "x" * 40, "is too long"),
        ("display_information.name", "", "should be non-empty"),
        ("display_information.description", "d" * 141, "is too long"),
        ("display_information.long_description", "l" * 174, "is too short"),
        ("display_information.background_color", "1f3a5f", "does not match"),
        ("display_information.background_color", "#12345g", "does not match"),
        ("features.bot_user.display_name", "papers bot", "does not match"),
        ("features.bot_user.display_name", "p" * 81, "is too long"),
        ("features.bot_user.always_online", "true", "is not of type 'boolean'"),
        ("features.slash_commands.0.command", "papers", "does not match"),
        ("features.slash_commands.0.command", "/Papers", "does not match"),
        ("features.slash_commands.0.command", "/" + "p" * 32, "is too long"),
        ("features.slash_commands.0.description", "", "should be non-empty"),
        ("features.slash_commands.0.usage_hint", "u" * 1001, "is too long"),
        ("features.slash_commands.0.should_escape", "no", "is not of type 'boolean'"),
        ("features.slash_commands.0.url", "ftp://x", "does not match"),
        ("features.slash_commands", [], "should be non-empty"),
        ("oauth_config.scopes.bot", ["chat:write", "chat:write"], "has non-unique elements"),
        ("settings.socket_mode_enabled", "yes", "is not of type 'boolean'"),
        ("settings.org_deploy_enabled", 0, "is not of type 'boolean'"),
        ("settings.token_rotation_enabled", None, "is not of type 'boolean'"),
        ("settings.interactivity.is_enabled", 1, "is not of type 'boolean'"),
        ("_metadata.major_version", "1", "is not of type 'integer'"),
        ("features.app_home.home_tab_enabled", "yes", "is not of type 'boolean'"),
        ("features.unfurl_domains.0", "https://arxiv.org", "does not match"),
        ("features.unfurl_domains.0", ".arxiv.org", "does not match"),
    ],
)
def test_checker_rejects_broken_manifest(
    manifest: dict[str, Any], path: str, value: Any, expected: str
) -> None:
    errors = manifest_errors(_broken(manifest, path, value))
    # One error, or two where Slack's rule and ours both say no ("papers" lacks the "/");
    # "does not match" is followed by the pattern.
    assert 1 <= len(errors) <= 2, errors
    assert all(e.startswith(f"{path}: {value!r} {expected}") for e in errors), errors


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("settings.socket_mode", True, "'socket_mode' was unexpected"),
        ("features.slash_commands.0.hint", "x", "'hint' was unexpected"),
        ("features.app_home.tab", True, "'tab' was unexpected"),
        ("settings.interactivity", {"request_url": "https://x"}, "'is_enabled' is a required"),
        ("features.unfurl_domains", ["a.org", "a.org"], "has non-unique elements"),
        ("features.unfurl_domains", [f"d{i}.org" for i in range(6)], "is too long"),
    ],
)
def test_checker_rejects_broken_structure(
    manifest: dict[str, Any], path: str, value: Any, expected: str
) -> None:
    parent = path.rsplit(".", 1)[0] if "unexpected" in expected else path
    errors = manifest_errors(_broken(manifest, path, value))
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{parent}: ")
    assert expected in errors[0]


def test_checker_rejects_unknown_top_level_key_and_missing_required(
    manifest: dict[str, Any],
) -> None:
    m = copy.deepcopy(manifest)
    m["permissions"] = {"bot": ["chat:write"]}
    del m["display_information"]
    assert manifest_errors(m) == [
        "manifest: 'display_information' is a required property",
        "manifest: Additional properties are not allowed ('permissions' was unexpected)",
    ]
    m = copy.deepcopy(manifest)
    del m["features"]["slash_commands"][0]["description"]
    del m["features"]["bot_user"]["display_name"]
    assert manifest_errors(m) == [
        "features.bot_user: 'display_name' is a required property",
        "features.slash_commands.0: 'description' is a required property",
    ]
    assert manifest_errors(["not", "a", "mapping"]) == [
        "manifest: ['not', 'a', 'mapping'] is not of type 'object'"
    ]


def test_checker_accepts_boundary_values(manifest: dict[str, Any]) -> None:
    m = _broken(manifest, "display_information.name", "n" * 35)
    m = _broken(m, "display_information.long_description", "l" * 175)
    m = _broken(m, "display_information.background_color", "#abc")
    m = _broken(m, "features.slash_commands.0.command", "/" + "p" * 31)
    assert manifest_errors(m) == []


def test_scan_finds_calls_and_maps_scopes(manifest: dict[str, Any]) -> None:
    sources = {
        "bot/a.py": "await client.chat_postMessage(channel=c, text=t)\n"
        "app.client.users_info(user=u)\n",
        "bot/b.py": "self._client.conversations_open(users=u)\n"
        "client.api_call('conversations.info', params={'channel': c})\n"
        "client.views_publish(user_id=u, view=v)\n",
        "bot/c.py": "# chat_update is mentioned but not called\nchat_postEphemeral = None\n",
    }
    methods = find_api_methods(sources)
    assert set(methods) == {
        "chat.postMessage",
        "users.info",
        "conversations.open",
        "conversations.info",
        "views.publish",
    }
    assert methods["users.info"] == {"bot/a.py"}
    assert needed_scopes(set(methods), manifest) == {
        "commands",
        "links:read",  # from the link_shared event subscription
        "chat:write",
        "users:read",
        "im:write",
        "channels:read",
        "groups:read",
    }
    # Without the chat/users calls those scopes would be unjustified: the subset check bites.
    only_dm = needed_scopes({"conversations.open"}, manifest)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) - only_dm - DOCUMENTED_EXTRAS.keys()
    with pytest.raises(AssertionError, match="METHOD_SCOPES"):
        needed_scopes({"reactions.add"}, manifest)


def _fake_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "slack.py").write_text(code, encoding="utf-8")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "BOT_DIR", tmp_path / "bot")


FULL_BOT = (
    "client.chat_postMessage(channel=c)\nclient.chat_update(channel=c, ts=t)\n"
    "client.chat_postEphemeral(channel=c, user=u)\nclient.conversations_open(users=u)\n"
    "client.users_info(user=u)\nclient.conversations_info(channel=c)\n"
    "client.chat_unfurl(channel=c, ts=t)\nclient.files_upload_v2(channel=c, content=t)\n"
    "client.conversations_history(channel=c)\nclient.conversations_replies(channel=c, ts=t)\n"
)


def test_scope_test_passes_on_complete_code(
    manifest: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_bot(tmp_path, monkeypatch, FULL_BOT)
    test_bot_scopes_match_the_code(manifest)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (FULL_BOT + "client.reactions_add(name=n)\nclient.api_call('reactions.add')\n", "METHOD"),
        (FULL_BOT.replace("client.users_info(user=u)\n", ""), "no call in bot/ needs"),
    ],
)
def test_scope_test_fails_on_mismatched_code(
    manifest: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    message: str,
) -> None:
    _fake_bot(tmp_path, monkeypatch, code)
    with pytest.raises(AssertionError, match=message):
        test_bot_scopes_match_the_code(manifest)


def test_scope_test_fails_when_manifest_lacks_a_scope(
    manifest: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_bot(tmp_path, monkeypatch, FULL_BOT)
    m = copy.deepcopy(manifest)
    m["oauth_config"]["scopes"]["bot"].remove("im:write")
    with pytest.raises(AssertionError, match="lacks scopes the code needs"):
        test_bot_scopes_match_the_code(m)


def test_event_test_fails_when_code_handles_events(
    manifest: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_bot(tmp_path, monkeypatch, "@app.event('app_mention')\ndef f(): ...\n")
    with pytest.raises(AssertionError, match="app_mention"):
        test_event_handlers_in_code_match_subscriptions(manifest)
