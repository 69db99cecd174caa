"""`papers-bot doctor`'s Slack checks: the token(s) and their scopes, the bot in each channel.

Scopes are compared with manifest.yml's (bot.slack.oauth.BOT_SCOPES), one token per installed
workspace with OAuth; each enabled channel is checked as the digest run checks it.
"""

from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.doctor import Finding
from bot.slack.client import error_code
from bot.slack.delivery import check_channel
from bot.slack.oauth import BOT_SCOPES


def _scopes(client, label: str, wanted: set[str]) -> Finding:
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
