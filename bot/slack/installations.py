"""slack_sdk's InstallationStore and OAuthStateStore, kept in the project's store (SQLite).

Bolt's OAuth flow saves each workspace's installation here after `oauth.v2.access`, and its
`authorize` finds the bot token of the workspace a request comes from; the scheduler asks
`TeamClients` for each workspace's own WebClient.
"""

import logging
import secrets
import time
from datetime import datetime
from logging import Logger

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from slack_sdk.oauth.token_rotation.rotator import SlackTokenRotationError

from bot.config import Settings
from bot.slack.client import make_client

log = logging.getLogger(__name__)
STATE_SECONDS = 600  # an install link works for ten minutes, once
# Minutes before a rotating bot token's expiry when it is refreshed (Slack's last 12 hours).
ROTATE_MINUTES = 120


def _plain(data: dict) -> dict:
    """An Installation's dict with its datetimes as epoch seconds (JSON, and its constructor).

    `installed_at` stays a float; token expiry times are whole seconds, as slack_sdk wants.
    """

    def seconds(key: str, value):
        if not isinstance(value, datetime):
            return value
        return value.timestamp() if key == "installed_at" else int(value.timestamp())

    return {k: seconds(k, v) for k, v in data.items()}


def _installation(data: dict) -> Installation:
    return Installation(**{k: v for k, v in data.items() if k != "custom_values"})


class StoreInstallations(InstallationStore):
    """Installations per workspace (and enterprise org) in the project's SQLite store."""

    def __init__(self, store):
        self.store = store

    @property
    def logger(self) -> Logger:
        return log

    def save(self, installation: Installation) -> None:
        self.store.save_installation(_plain(installation.to_dict()))

    def save_bot(self, bot: Bot) -> None:
        # A refreshed bot token (token rotation) replaces the one in the latest installation.
        latest = self.store.installation(bot.enterprise_id, bot.team_id)
        if latest is None:
            log.warning("A bot token for a workspace with no installation was not saved")
            return
        fields = _plain(bot.to_dict())
        latest.update(
            {k: fields.get(k) for k in ("bot_token", "bot_refresh_token", "bot_token_expires_at")}
        )
        self.store.save_installation(latest)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        if is_enterprise_install:
            team_id = None  # an org-wide install is the enterprise's, whichever workspace asks
        data = self.store.installation(enterprise_id, team_id, user_id)
        if data is None:
            return None
        return _installation(data)

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = self.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return found.to_bot() if found is not None and found.bot_token else None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        # This app is its bot: without the bot token the installation answers nothing.
        self.store.delete_installation(enterprise_id, team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id:
            self.store.forget_user_token(enterprise_id, team_id, user_id)
        else:
            self.store.delete_installation(enterprise_id, team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.store.delete_installation(enterprise_id, team_id)


class StoreStates(OAuthStateStore):
    """The `state` of each install link: issued by /slack/install, good once, for STATE_SECONDS."""

    def __init__(self, store, expiration_seconds: int = STATE_SECONDS):
        self.store = store
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> Logger:
        return log

    def issue(self, *args, **kwargs) -> str:
        state = secrets.token_urlsafe(24)
        self.store.issue_state(state, time.time() + self.expiration_seconds)
        return state

    def consume(self, state: str) -> bool:
        if not state or not self.store.consume_state(state):
            log.warning("Refused an OAuth redirect with an unknown, used or expired state")
            return False
        return True


class TeamClients:
    """A WebClient per workspace, each with that workspace's own bot token.

    With SLACK_BOT_TOKEN (one workspace) every team gets the one client; with OAuth, the token
    comes from the store's latest installation of that team, read at each call (an uninstall
    or a refreshed token takes effect at once).
    """

    def __init__(self, settings: Settings, store, single: WebClient | None = None):
        self.settings = settings
        self.store = store
        self.single = single

    def for_team(self, team: str) -> WebClient | None:
        """The team's client, or None when the team has no installation (uninstalled).

        A rotating bot token within ROTATE_MINUTES of its expiry is refreshed first (through
        `oauth.v2.access`, grant_type=refresh_token) and the new one saved; if Slack refuses,
        the old token is used and the failure logged.
        """
        if self.single is not None:
            return self.single
        data = self.store.installation(None, team) or self._enterprise_install(team)
        if data is not None and data.get("bot_refresh_token"):
            data = self._rotated(data)
        token = (data or {}).get("bot_token")
        return make_client(self.settings, token) if token else None

    def _rotated(self, data: dict) -> dict:
        rotator = TokenRotator(
            client_id=self.settings.client_id or "",
            client_secret=self.settings.client_secret or "",
            client=make_client(self.settings),
        )
        try:
            fresh = rotator.perform_token_rotation(
                installation=_installation(data), minutes_before_expiration=ROTATE_MINUTES
            )
        except SlackTokenRotationError as exc:
            log.warning("Could not refresh the bot token of %s: %s", data.get("team_id"), exc)
            return data
        if fresh is None:
            return data
        StoreInstallations(self.store).save(fresh)
        log.info("Refreshed the bot token of %s", data.get("team_id"))
        return _plain(fresh.to_dict())

    def _enterprise_install(self, team: str) -> dict | None:
        """A workspace of an enterprise org: its own install, else the one org-wide install."""
        installed = self.store.installed_teams()
        for enterprise_id, team_id, _token in installed:
            if team_id == team:
                return self.store.installation(enterprise_id, team_id)
        org_wide = [e for e, team_id, _t in installed if e and not team_id]
        return self.store.installation(org_wide[0], None) if len(org_wide) == 1 else None
