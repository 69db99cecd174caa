"""`papers-bot doctor`: each thing the bot depends on, checked, as one line with what to do.

Checks, in order: the store (integrity, migrations), the Slack token(s) and their scopes against
manifest.yml's (one per installed workspace with OAuth), the bot's membership in each enabled
channel, and the paper sources' reachability. Nothing is written, except what opening the
store always does (pending migrations are applied then, and reported here as applied).
"""

from dataclasses import dataclass

import httpx
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.errors import StoreError


@dataclass(frozen=True)
class Finding:
    """One check: `ok`, what was checked, and (when not ok) what to do."""

    ok: bool
    what: str
    text: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.what}: {self.text}"


def check_store(store) -> list[Finding]:
    from bot.store.schema import migrations

    try:
        store.check()
    except StoreError as exc:
        return [Finding(False, "store", str(exc))]
    pending = [m.name for m in migrations.pending(store.db)]
    if pending:
        return [Finding(False, "store", f"migrations not applied: {', '.join(pending)}; restart")]
    applied = migrations.applied(store.db)
    last = applied[-1].name if applied else "none"
    return [
        Finding(True, "store", f"{store.path}: intact, {store.count():,} papers, schema {last}")
    ]


def _scopes(client, label: str, wanted: set[str]) -> Finding:
    from bot.slack.client import error_code

    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        return Finding(
            False, label, f"Slack rejected the token ({error_code(exc)}): install the app again"
        )
    except (SlackRequestError, OSError) as exc:
        return Finding(False, label, f"cannot reach Slack at {client.base_url} ({exc})")
    given = answer.headers.get("x-oauth-scopes") or answer.headers.get("X-OAuth-Scopes")
    who = f"{answer.get('user')} in {answer.get('team')} ({answer.get('team_id')})"
    if not given:
        return Finding(True, label, f"token works as {who}; Slack did not list its scopes")
    missing = sorted(wanted - {s.strip() for s in given.split(",")})
    if missing:
        return Finding(
            False,
            label,
            f"token of {who} lacks {', '.join(missing)}: add them (manifest.yml) and reinstall",
        )
    return Finding(True, label, f"token works as {who}, with every scope of manifest.yml")


def check_slack(settings, store, clients) -> list[Finding]:
    """The token(s) and their scopes, then the bot's membership in each enabled channel."""
    from bot.slack.delivery import check_channel
    from bot.slack.oauth import BOT_SCOPES

    wanted = set(BOT_SCOPES)
    if settings.oauth:
        teams = [team for _e, team, _t in store.installed_teams()]
        if not teams:
            return [Finding(False, "slack", "no workspace installed yet: open /slack/install")]
    elif settings.bot_token:
        teams = [None]
    else:
        return [Finding(False, "slack", "no SLACK_BOT_TOKEN (nor SLACK_CLIENT_ID/SECRET) set")]
    found = [_scopes(clients.for_team(team), f"slack {team or 'token'}", wanted) for team in teams]
    for ch in store.channels(enabled=True):
        client = clients.for_team(ch.team)
        label = f"channel {ch.channel} ({ch.team})"
        if client is None:
            found.append(Finding(False, label, "its workspace has no installation; turn it off"))
            continue
        problem = check_channel(client, ch.channel)
        found.append(Finding(problem is None, label, problem or "the bot can post there"))
    return found


def check_sources(settings) -> list[Finding]:
    """One small request to each paper source."""
    probes = [
        ("source Hugging Face", f"{settings.hf_endpoint}/api/daily_papers", {"limit": 1}),
        (
            "source arXiv",
            settings.arxiv_api_url,
            {"search_query": f"cat:{settings.arxiv_categories[0]}", "max_results": 1},
        ),
    ]
    found = []
    with httpx.Client(timeout=10, follow_redirects=True) as http:
        for label, url, params in probes:
            try:
                status = http.get(url, params=params).status_code
            except httpx.HTTPError as exc:
                found.append(Finding(False, label, f"{url} unreachable ({exc}); check the network"))
                continue
            ok = status < 400
            text = f"{url} answered {status}" + (
                "" if ok else "; ingests will fail until it answers"
            )
            found.append(Finding(ok, label, text))
    return found
