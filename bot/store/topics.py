"""Each person's topics, stored per (team, user)."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from bot.clock import iso, utcnow


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction that holds SQLite's write lock from its first read.

    A check and the write it decides (a cap, "is this day planned yet?") are then one step:
    no other writer can slip in between (a deferred transaction would let it).
    """
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        yield conn


class TopicsMixin:
    """Subscriptions: the topics each person follows."""

    def topics(self, team: str, user: str) -> list[str]:
        sql = (
            "SELECT topic FROM subscriptions WHERE team = ? AND user = ? ORDER BY created_at, topic"
        )
        return [r[0] for r in self.db.execute(sql, [team, user])]

    def add_topic(self, team: str, user: str, topic: str, cap: int | None = None) -> str:
        """Add a topic: `added`, `exists` (already followed) or `full` (`cap` topics already).

        The count and the insert are one transaction, so concurrent subscribes by one person
        never store more than `cap` topics.
        """
        with immediate(self.db.conn) as conn:
            if conn.execute(
                "SELECT 1 FROM subscriptions WHERE team = ? AND user = ? AND topic = ?",
                [team, user, topic],
            ).fetchone():
                return "exists"
            if cap is not None:
                (held,) = conn.execute(
                    "SELECT count(*) FROM subscriptions WHERE team = ? AND user = ?", [team, user]
                ).fetchone()
                if held >= cap:
                    return "full"
            conn.execute(
                "INSERT INTO subscriptions VALUES (?, ?, ?, ?)", [team, user, topic, iso(utcnow())]
            )
        return "added"

    def remove_topic(self, team: str, user: str, topic: str) -> bool:
        """Remove a topic; False if the person did not follow it."""
        with self.db.conn:
            cursor = self.db.execute(
                "DELETE FROM subscriptions WHERE team = ? AND user = ? AND topic = ?",
                [team, user, topic],
            )
        return cursor.rowcount == 1
