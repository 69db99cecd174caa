"""Each person's topics, stored per (team, user)."""

from bot.clock import iso, utcnow


class TopicsMixin:
    """Subscriptions: the topics each person follows."""

    def topics(self, team: str, user: str) -> list[str]:
        sql = (
            "SELECT topic FROM subscriptions WHERE team = ? AND user = ? ORDER BY created_at, topic"
        )
        return [r[0] for r in self.db.execute(sql, [team, user])]

    def add_topic(self, team: str, user: str, topic: str) -> bool:
        """Add a topic; False if the person already follows it."""
        with self.db.conn:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO subscriptions VALUES (?, ?, ?, ?)",
                [team, user, topic, iso(utcnow())],
            )
        return cursor.rowcount == 1

    def remove_topic(self, team: str, user: str, topic: str) -> bool:
        """Remove a topic; False if the person did not follow it."""
        with self.db.conn:
            cursor = self.db.execute(
                "DELETE FROM subscriptions WHERE team = ? AND user = ? AND topic = ?",
                [team, user, topic],
            )
        return cursor.rowcount == 1
