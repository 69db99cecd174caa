"""Workspaces: Slack installations, OAuth states, forgetting a workspace, the scheduler lease.

Installations are kept as plain dicts (the fields of slack_sdk's `Installation`, JSON in the
`data` column); `bot.slack.installations` turns them into slack_sdk objects, so no Slack
import reaches the store. Key columns use '' for "none" (no enterprise, or an org-wide
install with no team).
"""

import json
import time

from bot.store.topics import immediate

# Every table holding a workspace's records, with the column naming the workspace. Forgetting a
# workspace (app_uninstalled) deletes its rows from each: a new team-keyed table goes here.
TEAM_TABLES = {
    "subscriptions": "team",
    "channels": "team",
    "people": "team",
    "deliveries": "team",
    "saved": "team",
    "not_interested": "team",
    "installations": "team_id",
}
TEAM_INSTALL = ""  # user_id of the row holding a workspace's latest installation


class WorkspacesMixin:
    """Installations per (enterprise, team, user), OAuth states, leases (0010_workspaces)."""

    # -- installations -----------------------------------------------------------------------

    def save_installation(self, data: dict) -> None:
        """Store one installation (`Installation.to_dict()`-shaped, times as epoch seconds).

        Written twice in one transaction: as the installing user's row, and as the
        workspace's latest installation (user ''), whose bot token answers that workspace.
        """
        key = (data.get("enterprise_id") or "", data.get("team_id") or "")
        text = json.dumps(data, sort_keys=True)
        installed_at = float(data.get("installed_at") or time.time())
        with self.translating_errors(), immediate(self.db.conn) as conn:
            for user in {data.get("user_id") or "", TEAM_INSTALL}:
                conn.execute(
                    "INSERT OR REPLACE INTO installations VALUES (?, ?, ?, ?, ?, ?)",
                    [*key, user, data.get("bot_token"), text, installed_at],
                )

    def installation(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> dict | None:
        """The workspace's latest installation (or that user's), as saved; None if none."""
        row = self.db.execute(
            "SELECT data FROM installations "
            "WHERE enterprise_id = ? AND team_id = ? AND user_id = ?",
            [enterprise_id or "", team_id or "", user_id or TEAM_INSTALL],
        ).fetchone()
        return json.loads(row[0]) if row else None

    def delete_installation(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> int:
        """Delete one user's installation row, or with no user every row of the workspace."""
        sql = "DELETE FROM installations WHERE enterprise_id = ? AND team_id = ?"
        params = [enterprise_id or "", team_id or ""]
        if user_id:
            sql += " AND user_id = ?"
            params.append(user_id)
        with self.translating_errors(), self.db.conn:
            return self.db.execute(sql, params).rowcount

    def forget_user_token(self, enterprise_id: str | None, team_id: str | None, user: str) -> int:
        """Drop a revoked user token: that user's row, and the token in the workspace's row."""
        removed = self.delete_installation(enterprise_id, team_id, user)
        latest = self.installation(enterprise_id, team_id)
        if latest and latest.get("user_id") == user and latest.get("user_token"):
            latest.update(user_token=None, user_refresh_token=None, user_token_expires_at=None)
            self.save_installation(latest)
        return removed

    def installed_teams(self) -> list[tuple[str, str, str]]:
        """(enterprise_id, team_id, bot_token) of every workspace with a bot token."""
        sql = (
            "SELECT enterprise_id, team_id, bot_token FROM installations "
            "WHERE user_id = ? AND bot_token IS NOT NULL ORDER BY enterprise_id, team_id"
        )
        return [tuple(r) for r in self.db.execute(sql, [TEAM_INSTALL])]

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete everything of one workspace (TEAM_TABLES) in one transaction: rows per table."""
        removed = {}
        with self.translating_errors(), immediate(self.db.conn) as conn:
            for table, column in TEAM_TABLES.items():
                cursor = conn.execute(f"DELETE FROM {table} WHERE {column} = ?", [team_id])
                removed[table] = cursor.rowcount
        return removed

    # -- OAuth states ------------------------------------------------------------------------

    def issue_state(self, state: str, expires_at: float) -> None:
        """Remember an install link's `state` until `expires_at` (epoch seconds)."""
        with self.translating_errors(), self.db.conn:
            self.db.execute("DELETE FROM oauth_states WHERE expires_at < ?", [time.time()])
            self.db.execute("INSERT INTO oauth_states VALUES (?, ?)", [state, expires_at])

    def consume_state(self, state: str, now: float | None = None) -> bool:
        """True once for a state issued here and not expired; it is gone afterwards."""
        with self.translating_errors(), self.db.conn:
            cursor = self.db.execute(
                "DELETE FROM oauth_states WHERE state = ? AND expires_at >= ?",
                [state, time.time() if now is None else now],
            )
        return cursor.rowcount == 1

    # -- leases ------------------------------------------------------------------------------

    def take_lease(self, name: str, holder: str, ttl: float, now: float | None = None) -> bool:
        """Take or renew the lease `name` for `ttl` seconds; False while another holds it.

        The check and the write are one IMMEDIATE transaction, so two processes asking at
        once never both get it.
        """
        now = time.time() if now is None else now
        with self.translating_errors(), immediate(self.db.conn) as conn:
            row = conn.execute(
                "SELECT holder, expires_at FROM leases WHERE name = ?", [name]
            ).fetchone()
            if row and row[0] != holder and row[1] > now:
                return False
            conn.execute(
                "INSERT OR REPLACE INTO leases VALUES (?, ?, ?)", [name, holder, now + ttl]
            )
        return True

    def lease(self, name: str) -> tuple[str, float] | None:
        """(holder, expires_at epoch seconds) of the lease `name`, or None if never taken."""
        row = self.db.execute(
            "SELECT holder, expires_at FROM leases WHERE name = ?", [name]
        ).fetchone()
        return (row[0], row[1]) if row else None

    def release_lease(self, name: str, holder: str) -> None:
        """Give up the lease if `holder` has it (a clean shutdown hands over at once)."""
        with self.translating_errors(), self.db.conn:
            self.db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder])
