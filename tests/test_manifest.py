"""manifest.yml: valid against Slack's app-manifest rules, and its bot scopes match the code.

Sources for each rule checked here:

[S1] slackapi/manifest-schema, schemas/manifest.schema.1.0.0.json (the published JSON schema
     for `_metadata.major_version: 1`, github.com/slackapi/manifest-schema):
     - top level: `display_information` required; additionalProperties false, so only the
       listed keys may appear (TOP_LEVEL_KEYS below); same "no unknown keys" rule for
       display_information, features, bot_user, slash command items, oauth_config, scopes,
       settings, interactivity, event_subscriptions.
     - _metadata.major_version / minor_version: integers.
     - display_information.name: string, required, 1-35 chars; description 1-140;
       long_description 175-4000; background_color 4-7 chars, "^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$"
       (S1 spells that key "regex", so a JSON-schema validator ignores it; we enforce it).
     - features.bot_user: display_name required, 1-80 chars; always_online boolean.
     - features.slash_commands: 1-50 items; command and description required; command 2-32
       chars matching "^/"; url "^https?://" max 3000; description 1-2000; usage_hint 1-1000;
       should_escape boolean.
     - oauth_config.scopes.bot: array of strings (max 50 chars each), at most 255 items.
     - settings.interactivity: is_enabled required, boolean; request_url "^https?://".
     - settings.org_deploy_enabled / socket_mode_enabled / token_rotation_enabled: booleans.
     - settings.event_subscriptions: request_url "^https?://"; bot_events unique strings.
[S2] SchemaStore/schemastore, src/schemas/json/slack-app-manifest.json: bot_user.display_name
     pattern "^[\\w\\-.]+$" ("Allowed characters: a-z, 0-9, -, _, and ."), not in S1.
[S3] docs.slack.dev/reference/app-manifest (Slack's App manifest reference): field meanings,
     the "From an app manifest" flow; it states a long_description minimum of 174 chars where
     S1 says 175, so we use the stricter 175.
[S4] docs.slack.dev/reference/methods/<method> and /reference/scopes/<scope> (Slack Web API
     reference): chat.postMessage, chat.update, chat.postEphemeral -> chat:write;
     conversations.open -> im:write (bot tokens; mpim:write is user/legacy-bot only);
     users.info -> users:read; conversations.info -> channels:read for public channels,
     groups:read for private ones (im:read/mpim:read only for DMs, which we never inspect);
     views.publish -> no scope; chat.unfurl -> links:write; files.getUploadURLExternal and
     files.completeUploadExternal (slack_sdk's files_upload_v2) -> files:write; the
     link_shared event -> links:read; the app_home_opened event -> no scope.
[P]  Project convention, stricter than S1: the command is lowercase, "^/[a-z0-9_-]+$" (S1 only
     requires the leading "/"; a mixed-case or spaced command is never what we want).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_PATH = ROOT / "manifest.yml"
BOT_DIR = ROOT / "bot"

# [S1] keys allowed at each level (additionalProperties: false).
TOP_LEVEL_KEYS = {
    "$schema",
    "_metadata",
    "app_directory",
    "display_information",
    "features",
    "oauth_config",
    "settings",
    "functions",
    "workflows",
    "datastores",
    "outgoing_domains",
    "types",
    "external_auth_providers",
}
METADATA_KEYS = {"schema_version", "min_version", "major_version", "minor_version"}
DISPLAY_KEYS = {"name", "description", "background_color", "long_description"}
FEATURES_KEYS = {
    "app_home",
    "bot_user",
    "functions",
    "shortcuts",
    "slash_commands",
    "workflow_steps",
    "unfurl_domains",
    "assistant_view",
}
BOT_USER_KEYS = {"display_name", "always_online"}
SLASH_COMMAND_KEYS = {"command", "url", "description", "usage_hint", "should_escape"}
OAUTH_KEYS = {"redirect_urls", "scopes", "token_management_enabled", "pkce_enabled"}
SCOPES_KEYS = {"user", "bot", "user_optional", "bot_optional"}
SETTINGS_KEYS = {
    "allowed_ip_address_ranges",
    "event_subscriptions",
    "incoming_webhooks",
    "interactivity",
    "org_deploy_enabled",
    "socket_mode_enabled",
    "is_hosted",
    "token_rotation_enabled",
    "siws_links",
    "hermes_app_type",
    "function_runtime",
    "is_mcp_enabled",
}
SETTINGS_BOOL_KEYS = {
    "org_deploy_enabled",
    "socket_mode_enabled",
    "is_hosted",
    "token_rotation_enabled",
    "is_mcp_enabled",
}
INTERACTIVITY_KEYS = {"is_enabled", "request_url", "message_menu_options_url"}
EVENT_SUB_KEYS = {"request_url", "user_events", "bot_events", "metadata_subscriptions"}

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")  # [S1]
HTTP_URL = re.compile(r"^https?://")  # [S1]
BOT_DISPLAY_NAME = re.compile(r"^[\w\-.]+$")  # [S2]
COMMAND = re.compile(r"^/[a-z0-9_-]+$")  # [P], implies S1's "^/"

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
APP_HOME_KEYS = {"home_tab_enabled", "messages_tab_enabled", "messages_tab_read_only_enabled"}
UNFURL_DOMAIN = re.compile(r"^(?![\.\-])([-a-z0-9\.])+([a-z0-9])$")  # [S1]
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


def _check_keys(errors: list[str], where: str, obj: Any, allowed: set[str]) -> bool:
    if not isinstance(obj, dict):
        errors.append(f"{where}: must be a mapping, got {type(obj).__name__}")
        return False
    for key in sorted(set(obj) - allowed):
        errors.append(f"{where}: unknown key {key!r}")
    return True


def _check_str(
    errors: list[str],
    where: str,
    value: Any,
    min_len: int = 1,
    max_len: int | None = None,
    pattern: re.Pattern[str] | None = None,
) -> None:
    if not isinstance(value, str):
        errors.append(f"{where}: must be a string, got {type(value).__name__}")
        return
    if len(value) < min_len:
        errors.append(f"{where}: {len(value)} chars, minimum is {min_len}")
    if max_len is not None and len(value) > max_len:
        errors.append(f"{where}: {len(value)} chars, maximum is {max_len}")
    if pattern is not None and not pattern.search(value):
        errors.append(f"{where}: {value!r} does not match {pattern.pattern}")


def _check_bool(errors: list[str], where: str, value: Any) -> None:
    # bool is what YAML `true`/`false` load as; "true" (a string) or 1 would be rejected by Slack.
    if not isinstance(value, bool):
        errors.append(f"{where}: must be a boolean, got {value!r}")


def manifest_errors(m: Any) -> list[str]:
    """The schema rules (S1, S2, P) that apply to this app's manifest; [] when it is valid."""
    errors: list[str] = []
    if not _check_keys(errors, "manifest", m, TOP_LEVEL_KEYS):
        return errors

    if "_metadata" in m and _check_keys(errors, "_metadata", m["_metadata"], METADATA_KEYS):
        for key, value in m["_metadata"].items():
            if not isinstance(value, int) or isinstance(value, bool):
                errors.append(f"_metadata.{key}: must be an integer, got {value!r}")
        if m["_metadata"].get("major_version", 1) != 1:
            errors.append("_metadata.major_version: these rules are for schema version 1")

    if "display_information" not in m:
        errors.append("display_information: required")
    elif _check_keys(errors, "display_information", m["display_information"], DISPLAY_KEYS):
        d = m["display_information"]
        if "name" not in d:
            errors.append("display_information.name: required")
        else:
            _check_str(errors, "display_information.name", d["name"], 1, 35)
        if "description" in d:
            _check_str(errors, "display_information.description", d["description"], 1, 140)
        if "long_description" in d:
            _check_str(
                errors, "display_information.long_description", d["long_description"], 175, 4000
            )
        if "background_color" in d:
            _check_str(
                errors,
                "display_information.background_color",
                d["background_color"],
                4,
                7,
                HEX_COLOR,
            )

    features = m.get("features", {})
    if _check_keys(errors, "features", features, FEATURES_KEYS):
        if "bot_user" in features and _check_keys(
            errors, "features.bot_user", features["bot_user"], BOT_USER_KEYS
        ):
            bot_user = features["bot_user"]
            if "display_name" not in bot_user:
                errors.append("features.bot_user.display_name: required")
            else:
                _check_str(
                    errors,
                    "features.bot_user.display_name",
                    bot_user["display_name"],
                    1,
                    80,
                    BOT_DISPLAY_NAME,
                )
            if "always_online" in bot_user:
                _check_bool(errors, "features.bot_user.always_online", bot_user["always_online"])
        if "slash_commands" in features:
            _check_slash_commands(errors, features["slash_commands"])
        if "app_home" in features and _check_keys(
            errors, "features.app_home", features["app_home"], APP_HOME_KEYS
        ):
            for key, value in features["app_home"].items():
                _check_bool(errors, f"features.app_home.{key}", value)
        if "unfurl_domains" in features:
            domains = features["unfurl_domains"]
            if not isinstance(domains, list) or not 1 <= len(domains) <= 5:
                errors.append("features.unfurl_domains: must be a list of 1-5 domains")
            else:
                if len(set(map(str, domains))) != len(domains):
                    errors.append("features.unfurl_domains: duplicate domains")
                for domain in domains:
                    _check_str(errors, "features.unfurl_domains[]", domain, 1, 255, UNFURL_DOMAIN)

    oauth = m.get("oauth_config", {})
    if _check_keys(errors, "oauth_config", oauth, OAUTH_KEYS) and "scopes" in oauth:
        scopes = oauth["scopes"]
        if _check_keys(errors, "oauth_config.scopes", scopes, SCOPES_KEYS):
            for kind, items in scopes.items():
                where = f"oauth_config.scopes.{kind}"
                if not isinstance(items, list) or len(items) > 255:
                    errors.append(f"{where}: must be a list of at most 255 scopes")
                    continue
                for item in items:
                    _check_str(errors, f"{where}[]", item, 1, 50)
                if len(set(map(str, items))) != len(items):
                    errors.append(f"{where}: duplicate scopes")

    settings = m.get("settings", {})
    if _check_keys(errors, "settings", settings, SETTINGS_KEYS):
        for key in sorted(SETTINGS_BOOL_KEYS & set(settings)):
            _check_bool(errors, f"settings.{key}", settings[key])
        if "interactivity" in settings and _check_keys(
            errors, "settings.interactivity", settings["interactivity"], INTERACTIVITY_KEYS
        ):
            inter = settings["interactivity"]
            if "is_enabled" not in inter:
                errors.append("settings.interactivity.is_enabled: required")
            else:
                _check_bool(errors, "settings.interactivity.is_enabled", inter["is_enabled"])
            for key in ("request_url", "message_menu_options_url"):
                if key in inter:
                    _check_str(
                        errors, f"settings.interactivity.{key}", inter[key], 1, 3500, HTTP_URL
                    )
        if "event_subscriptions" in settings and _check_keys(
            errors, "settings.event_subscriptions", settings["event_subscriptions"], EVENT_SUB_KEYS
        ):
            subs = settings["event_subscriptions"]
            if "request_url" in subs:
                where = "settings.event_subscriptions.request_url"
                _check_str(errors, where, subs["request_url"], 1, 3500, HTTP_URL)
            for key in ("bot_events", "user_events"):
                events = subs.get(key, [])
                if not isinstance(events, list) or len(set(map(str, events))) != len(events):
                    errors.append(f"settings.event_subscriptions.{key}: must be a unique list")
    return errors


def _check_slash_commands(errors: list[str], commands: Any) -> None:
    if not isinstance(commands, list) or not 1 <= len(commands) <= 50:
        errors.append("features.slash_commands: must be a list of 1-50 commands")
        return
    for i, cmd in enumerate(commands):
        where = f"features.slash_commands[{i}]"
        if not _check_keys(errors, where, cmd, SLASH_COMMAND_KEYS):
            continue
        for key in ("command", "description"):
            if key not in cmd:
                errors.append(f"{where}.{key}: required")
        if "command" in cmd:
            _check_str(errors, f"{where}.command", cmd["command"], 2, 32, COMMAND)
        if "description" in cmd:
            _check_str(errors, f"{where}.description", cmd["description"], 1, 2000)
        if "usage_hint" in cmd:
            _check_str(errors, f"{where}.usage_hint", cmd["usage_hint"], 1, 1000)
        if "url" in cmd:
            _check_str(errors, f"{where}.url", cmd["url"], 1, 3000, HTTP_URL)
        if "should_escape" in cmd:
            _check_bool(errors, f"{where}.should_escape", cmd["should_escape"])


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
# The checkers themselves must reject bad input, or the tests above prove nothing.


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
        ("display_information.name", "x" * 40, "display_information.name: 40 chars"),
        ("display_information.name", "", "display_information.name: 0 chars"),
        ("display_information.description", "d" * 141, "description: 141 chars"),
        ("display_information.long_description", "too short", "long_description: 9 chars"),
        ("display_information.background_color", "1f3a5f", "does not match"),
        ("display_information.background_color", "#12345g", "does not match"),
        ("features.bot_user.display_name", "papers bot", "does not match"),
        ("features.bot_user.display_name", "p" * 81, "81 chars"),
        ("features.bot_user.always_online", "true", "must be a boolean"),
        ("features.slash_commands.0.command", "papers", "does not match"),
        ("features.slash_commands.0.command", "/Papers", "does not match"),
        ("features.slash_commands.0.command", "/" + "p" * 32, "33 chars"),
        ("features.slash_commands.0.description", "", "description: 0 chars"),
        ("features.slash_commands.0.usage_hint", "u" * 1001, "1001 chars"),
        ("features.slash_commands.0.should_escape", "no", "must be a boolean"),
        ("features.slash_commands.0.url", "ftp://x", "does not match"),
        ("features.slash_commands", [], "1-50 commands"),
        ("oauth_config.scopes.bot", ["chat:write", "chat:write"], "duplicate scopes"),
        ("settings.socket_mode_enabled", "yes", "must be a boolean"),
        ("settings.org_deploy_enabled", 0, "must be a boolean"),
        ("settings.token_rotation_enabled", None, "must be a boolean"),
        ("settings.interactivity", {"request_url": "https://x"}, "is_enabled: required"),
        ("settings.interactivity.is_enabled", 1, "must be a boolean"),
        ("settings.socket_mode", True, "unknown key 'socket_mode'"),
        ("features.slash_commands.0.hint", "x", "unknown key 'hint'"),
        ("_metadata.major_version", "1", "must be an integer"),
        ("features.app_home.home_tab_enabled", "yes", "must be a boolean"),
        ("features.app_home.tab", True, "unknown key 'tab'"),
        ("features.unfurl_domains", ["https://arxiv.org"], "does not match"),
        ("features.unfurl_domains", [".arxiv.org"], "does not match"),
        ("features.unfurl_domains", ["a.org", "a.org"], "duplicate domains"),
        ("features.unfurl_domains", [f"d{i}.org" for i in range(6)], "1-5 domains"),
    ],
)
def test_checker_rejects_broken_manifest(
    manifest: dict[str, Any], path: str, value: Any, expected: str
) -> None:
    errors = manifest_errors(_broken(manifest, path, value))
    assert any(expected in e for e in errors), errors


def test_checker_rejects_unknown_top_level_key_and_missing_required(
    manifest: dict[str, Any],
) -> None:
    m = copy.deepcopy(manifest)
    m["permissions"] = {"bot": ["chat:write"]}
    del m["display_information"]
    errors = manifest_errors(m)
    assert "manifest: unknown key 'permissions'" in errors
    assert "display_information: required" in errors
    m = copy.deepcopy(manifest)
    del m["features"]["slash_commands"][0]["description"]
    del m["features"]["bot_user"]["display_name"]
    errors = manifest_errors(m)
    assert "features.slash_commands[0].description: required" in errors
    assert "features.bot_user.display_name: required" in errors
    assert manifest_errors(["not", "a", "mapping"]) != []


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
