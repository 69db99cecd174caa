"""Many workspaces: Bolt's OAuth install flow, with installations and states in the store.

`GET /slack/install` answers a page with the "Add to Slack" link (its `state` stored for
STATE_SECONDS, and set as a cookie in the browser that asked); `GET /slack/oauth_redirect`
checks both, exchanges the code through `oauth.v2.access` at SLACK_API_URL, and saves the
workspace's installation. Every failure is one short page that says what to do; nothing is
written unless the exchange succeeded.
"""

import html
import logging

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse

from bot.config import Settings
from bot.slack.client import make_client
from bot.slack.installations import (
    ROTATE_MINUTES,
    STATE_SECONDS,
    StoreInstallations,
    StoreStates,
)

log = logging.getLogger(__name__)

# The bot scopes of manifest.yml (tests/test_oauth.py keeps the two equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "im:history",
    "links:read",
    "links:write",
    "files:write",
)
NOT_INSTALLED = (
    "papers-bot is not installed in this workspace (or was removed): "
    "ask an admin to install it again from its /slack/install page."
)
_WHY = {
    "invalid_browser": "this link was opened in another browser than the one that started "
    "the install, or its cookie was blocked",
    "invalid_state": "this install link is unknown, was used already, or is over 10 minutes old",
    "missing_code": "Slack sent no code",
    "invalid_code": "Slack refused the code (it was used already, or SLACK_CLIENT_ID and "
    "SLACK_CLIENT_SECRET do not match the app)",
    "storage_error": "the installation could not be saved",
    "access_denied": "the install was cancelled",
}


def _page(status: int, title: str, line: str) -> BoltResponse:
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>papers-bot</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(line)}</p></body></html>"
    )
    return BoltResponse(status=status, body=body, headers={"Content-Type": "text/html"})


def _success(args: SuccessArgs) -> BoltResponse:
    team = args.installation.team_name or args.installation.team_id or "your organization"
    log.info("Installed in %s (%s)", args.installation.team_id, args.installation.enterprise_id)
    return _page(
        200,
        "papers-bot is installed",
        f"papers-bot is installed in {team}: type /papers help in Slack.",
    )


def _failure(args: FailureArgs) -> BoltResponse:
    why = _WHY.get(args.reason, f"Slack said {args.reason}")
    log.warning("An install failed: %s", args.reason)
    status = args.suggested_status_code if args.suggested_status_code >= 400 else 400
    return _page(
        status,
        "papers-bot was not installed",
        f"Not installed: {why}. Start again from /slack/install.",
    )


def oauth_settings(settings: Settings, store) -> OAuthSettings:
    """Bolt's OAuthSettings: client id and secret from the settings, the store for the rest.

    Its `authorize` finds the installation of each request's workspace in the store every time
    (an uninstall takes effect at once) but remembers each token's `auth.test` answer, which
    Bolt would otherwise ask Slack for on every request.
    """
    installations = StoreInstallations(store)
    oauth = OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        installation_store=installations,
        state_store=StoreStates(store),
        state_expiration_seconds=STATE_SECONDS,
        token_rotation_expiration_minutes=ROTATE_MINUTES,
        callback_options=CallbackOptions(success=_success, failure=_failure),
    )
    oauth.authorize = InstallationStoreAuthorize(
        logger=log,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        token_rotation_expiration_minutes=ROTATE_MINUTES,
        installation_store=installations,
        cache_enabled=True,
        # Refreshes go to SLACK_API_URL too (without a client, Bolt's would go to slack.com).
        client=make_client(settings),
    )
    return oauth
