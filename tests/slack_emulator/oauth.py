"""OAuth install and tokens: codes the test issues, `oauth.v2.access`, `auth.test`, revocation."""

from __future__ import annotations

import uuid
from typing import Any

from tests.slack_emulator.records import APP_ID, BOT_ID, BOT_USER_ID, SlackError


class OAuth:
    """OAuth half of `SlackEmulator` (uses its `_cond`, `_codes`, `_team_tokens`, `_revoked`)."""

    def issue_oauth_code(
        self,
        team_id: str,
        team_name: str = "",
        *,
        installer: str = "UINSTALLER",
        enterprise_id: str | None = None,
        scope: str = "commands,chat:write",
        expires_in: int | None = None,
    ) -> str:
        """A code, as Slack's authorize page hands it to the redirect URL; good for one exchange.

        With `expires_in` (seconds), the app rotates tokens: each grant has a refresh token,
        exchanged through ``oauth.v2.access`` with ``grant_type=refresh_token`` for a new token.
        """
        code = f"code-{uuid.uuid4().hex[:12]}"
        with self._cond:
            self._codes[code] = {
                "team": {"id": team_id, "name": team_name or team_id},
                "enterprise": {"id": enterprise_id, "name": enterprise_id}
                if enterprise_id
                else None,
                "installer": installer,
                "scope": scope,
                "expires_in": expires_in,
            }
        return code

    def team_of(self, token: str | None) -> str | None:
        """The workspace a token was issued for (the default bot token: ``team_id``)."""
        if token == self.bot_token:
            return self.team_id
        grant = self._team_tokens.get(token or "")
        return grant["team"]["id"] if grant else None

    def revoke_token(self, token: str) -> None:
        """From now on the token is refused (``token_revoked``), as after an uninstall."""
        with self._cond:
            self._revoked.add(token)

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        grant = self._team_tokens.get(self._current_token or "")
        if grant is not None:
            enterprise = grant["enterprise"] or {}
            return {
                "url": f"https://{grant['team']['id'].lower()}.slack.com/",
                "team": grant["team"]["name"],
                "user": "papers-bot",
                "team_id": grant["team"]["id"],
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "enterprise_id": enterprise.get("id"),
                "is_enterprise_install": False,
            }
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Papers Test",
            "user": "papers-bot",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.client_id is not None and params.get("client_id") != self.client_id:
            raise SlackError("invalid_client_id")
        if self.client_secret is not None and params.get("client_secret") != self.client_secret:
            raise SlackError("bad_client_secret")
        if params.get("grant_type") == "refresh_token":
            grant = self._refresh_tokens.get(str(params.get("refresh_token") or ""))
            if grant is None:
                raise SlackError("invalid_refresh_token")
        else:
            grant = self._codes.pop(str(params.get("code") or ""), None)  # single use
            if grant is None:
                raise SlackError("invalid_code")
        token = f"xoxb-{grant['team']['id']}-{uuid.uuid4().hex[:16]}"
        self._team_tokens[token] = grant
        rotation = {}
        if grant.get("expires_in"):
            refresh = f"xoxe-1-{uuid.uuid4().hex[:16]}"
            self._refresh_tokens[refresh] = grant
            rotation = {"refresh_token": refresh, "expires_in": grant["expires_in"]}
        return {
            **rotation,
            "app_id": APP_ID,
            "authed_user": {"id": grant["installer"]},
            "scope": grant["scope"],
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": BOT_USER_ID,
            "team": grant["team"],
            "enterprise": grant["enterprise"],
            "is_enterprise_install": False,
        }
