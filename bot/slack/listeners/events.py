"""`app_uninstalled` and `tokens_revoked`: forget a workspace, or the tokens it revoked.

Slack sends both as Events API callbacks; Bolt acks them itself. The deletions are the store's
(`Store.forget_team` lists every team-keyed table in one place).
"""

import logging

log = logging.getLogger(__name__)


def app_uninstalled(store):
    def on_app_uninstalled(body: dict) -> None:
        team = body.get("team_id") or ""
        enterprise = body.get("enterprise_id")
        removed = store.forget_team(team) if team else {}
        if enterprise and body.get("is_enterprise_install"):
            removed["installations"] = removed.get("installations", 0) + (
                store.delete_installation(enterprise, None)
            )
        log.info(
            "Uninstalled from %s: deleted %s",
            team or enterprise,
            ", ".join(f"{n} {table}" for table, n in removed.items()) or "nothing",
        )

    return on_app_uninstalled


def tokens_revoked(store):
    def on_tokens_revoked(body: dict, event: dict) -> None:
        team = body.get("team_id")
        enterprise = body.get("enterprise_id")
        tokens = event.get("tokens") or {}
        users = [u for u in tokens.get("oauth") or () if isinstance(u, str)]
        for user in users:
            store.forget_user_token(enterprise, team, user)
        bots = bool(tokens.get("bot"))
        if bots:  # this app is its bot: without the bot token the workspace's install is gone
            store.delete_installation(enterprise, team)
        log.info(
            "Tokens revoked in %s: %d user token(s)%s",
            team or enterprise,
            len(users),
            ", the bot token" if bots else "",
        )

    return on_tokens_revoked
