"""Channel threads, personal digests and the record of every delivery, in SQLite."""

from collections.abc import Iterable
from datetime import datetime

from bot.clock import iso, utcnow
from bot.core.targets import ChannelSettings, Delivery, PersonSettings
from bot.store.rows import SELECT_PAPER, stored_of
from bot.store.topics import immediate

_CHANNEL_FIELDS = {"enabled", "at", "tz", "topics", "size", "quiet", "paused", "checked_day"}
_PERSON_FIELDS = {
    *("enabled", "at", "tz", "tz_checked_at", "dm_channel", "paused", "last_run_at"),
    *("cadence", "weekday", "size"),
}
_DELIVERY_COLUMNS = ("team", "target", "day", "paper_id", "kind", "position", "detail")


def _channel_of(row: dict) -> ChannelSettings:
    return ChannelSettings(
        team=row["team"],
        channel=row["channel"],
        enabled=bool(row["enabled"]),
        at=row["at"],
        tz=row["tz"],
        topics=tuple(t for t in row["topics"].split("\n") if t),
        size=row["size"],
        quiet=bool(row["quiet"]),
        paused=row["paused"],
        paused_at=row["paused_at"],
        checked_day=row["checked_day"],
    )


def _person_of(row: dict, topics: tuple[str, ...] = ()) -> PersonSettings:
    return PersonSettings(
        team=row["team"],
        user=row["user"],
        enabled=bool(row["enabled"]),
        at=row["at"],
        tz=row["tz"],
        tz_checked_at=row["tz_checked_at"],
        dm_channel=row["dm_channel"],
        paused=row["paused"],
        last_run_at=row["last_run_at"],
        topics=topics,
        cadence=row["cadence"],
        weekday=row["weekday"],
        size=row["size"],
    )


class DigestsMixin:
    """Channel settings, people's digest settings and deliveries (see schema 0003_digests)."""

    # -- channels --------------------------------------------------------------------------

    def channel(self, team: str, channel: str) -> ChannelSettings | None:
        rows = list(
            self.db.query("SELECT * FROM channels WHERE team = ? AND channel = ?", [team, channel])
        )
        return _channel_of(rows[0]) if rows else None

    def channels(self, enabled: bool = True) -> list[ChannelSettings]:
        sql = "SELECT * FROM channels" + (" WHERE enabled" if enabled else "")
        return [_channel_of(r) for r in self.db.query(sql + " ORDER BY team, channel")]

    def save_channel(self, team: str, channel: str, who: str | None = None, **fields) -> None:
        """Create or update a channel's settings; `paused` set to a reason stamps `paused_at`."""
        unknown = set(fields) - _CHANNEL_FIELDS
        if unknown:
            raise TypeError(f"unknown channel fields: {sorted(unknown)}")
        if "topics" in fields:
            fields["topics"] = "\n".join(fields["topics"])
        if "paused" in fields:
            fields["paused_at"] = iso(utcnow()) if fields["paused"] else None
        fields["updated_by"] = who
        fields["updated_at"] = iso(utcnow())
        names = list(fields)
        with self.db.conn:
            self.db.execute(
                "INSERT OR IGNORE INTO channels (team, channel, updated_at) VALUES (?, ?, ?)",
                [team, channel, fields["updated_at"]],
            )
            self.db.execute(
                f"UPDATE channels SET {', '.join(f'{n} = ?' for n in names)} "
                "WHERE team = ? AND channel = ?",
                [*(fields[n] for n in names), team, channel],
            )

    # -- people ----------------------------------------------------------------------------

    def person(self, team: str, user: str) -> PersonSettings | None:
        rows = list(self.db.query("SELECT * FROM people WHERE team = ? AND user = ?", [team, user]))
        return _person_of(rows[0], tuple(self.topics(team, user))) if rows else None

    def save_person(self, team: str, user: str, **fields) -> None:
        unknown = set(fields) - _PERSON_FIELDS
        if unknown:
            raise TypeError(f"unknown person fields: {sorted(unknown)}")
        if "paused" in fields:
            fields["paused_at"] = iso(utcnow()) if fields["paused"] else None
        names = list(fields)
        with self.db.conn:
            self.db.execute("INSERT OR IGNORE INTO people (team, user) VALUES (?, ?)", [team, user])
            if names:
                self.db.execute(
                    f"UPDATE people SET {', '.join(f'{n} = ?' for n in names)} "
                    "WHERE team = ? AND user = ?",
                    [*(fields[n] for n in names), team, user],
                )

    def subscribers(self) -> list[PersonSettings]:
        """Everyone who follows a topic, with their topics (a digest is on by default)."""
        with self.db.conn:
            self.db.execute(
                "INSERT OR IGNORE INTO people (team, user) "
                "SELECT DISTINCT team, user FROM subscriptions"
            )
        topics: dict[tuple[str, str], list[str]] = {}
        for team, user, topic in self.db.execute(
            "SELECT team, user, topic FROM subscriptions ORDER BY team, user, created_at, topic"
        ):
            topics.setdefault((team, user), []).append(topic)
        return [
            _person_of(row, tuple(topics[(row["team"], row["user"])]))
            for row in self.db.query("SELECT * FROM people ORDER BY team, user")
            if (row["team"], row["user"]) in topics
        ]

    # -- deliveries ------------------------------------------------------------------------

    def deliveries(self, team: str, target: str, day: str) -> list[Delivery]:
        sql = """SELECT * FROM deliveries WHERE team = ? AND target = ? AND day = ?
                 ORDER BY position, paper_id"""
        rows = list(self.db.query(sql, [team, target, day]))
        for row in rows:
            del row["created_at"]
        return [Delivery(**row) for row in rows]

    def plan(self, rows: Iterable[Delivery], owner: str, now: datetime | None = None) -> bool:
        """Record what one target gets on one day, before posting any of it: all or nothing.

        False (and nothing written) when that target's day already has a plan, another run's:
        the caller then resumes that plan. New rows are claimed by `owner` (see `claim`).
        """
        rows = list(rows)
        first = rows[0]
        with immediate(self.db.conn) as conn:
            if self._planned(conn, first.team, first.target, first.day):
                return False
            self._insert_plan(rows, owner, iso(now or utcnow()))
        return True

    @staticmethod
    def _planned(conn, team: str, target: str, day: str) -> bool:
        sql = "SELECT 1 FROM deliveries WHERE team = ? AND target = ? AND day = ? LIMIT 1"
        return conn.execute(sql, [team, target, day]).fetchone() is not None

    def _insert_plan(self, rows: Iterable[Delivery], owner: str, stamp: str) -> None:
        self.db.conn.executemany(
            f"INSERT INTO deliveries ({', '.join(_DELIVERY_COLUMNS)}, state, "
            f"created_at, claimed_by, claimed_at) "
            f"VALUES ({', '.join('?' * len(_DELIVERY_COLUMNS))}, ?, ?, ?, ?)",
            [
                (*(getattr(r, c) for c in _DELIVERY_COLUMNS), r.state, stamp, owner, stamp)
                for r in rows
            ],
        )

    def claim(self, team: str, target: str, day: str, owner: str, holder: str | None) -> bool:
        """Make `owner` the sender of a target's day if `holder` (as last read) still holds it."""
        with self.db.conn:
            cursor = self.db.execute(
                "UPDATE deliveries SET claimed_by = ?, claimed_at = ? WHERE team = ? "
                "AND target = ? AND day = ? AND paper_id = '' AND claimed_by IS ?",
                [owner, iso(utcnow()), team, target, day, holder],
            )
        return cursor.rowcount == 1

    def release(self, team: str, target: str, day: str, owner: str) -> None:
        with self.db.conn:
            self.db.execute(
                "UPDATE deliveries SET claimed_by = NULL WHERE team = ? AND target = ? "
                "AND day = ? AND paper_id = '' AND claimed_by = ?",
                [team, target, day, owner],
            )

    def mark_posted(
        self,
        team: str,
        target: str,
        day: str,
        paper_ids: Iterable[str],
        ts: str,
        channel: str,
        now: datetime | None = None,
    ) -> None:
        """Slack accepted the message `ts`: these rows are posted."""
        stamp = iso(now or utcnow())
        with self.db.conn:
            self.db.conn.executemany(
                "UPDATE deliveries SET state = 'posted', ts = ?, channel = ?, posted_at = ? "
                "WHERE team = ? AND target = ? AND day = ? AND paper_id = ?",
                [(ts, channel, stamp, team, target, day, pid) for pid in paper_ids],
            )

    def plan_people(
        self, plans: dict[tuple[str, str], list[Delivery]], owner: str, now: datetime
    ) -> set[tuple[str, str]]:
        """Record many people's plans and their digest time in one transaction.

        :param plans: (team, user) → that person's rows for one day.
        Returns the (team, user) planned now; a person whose day another run planned first
        keeps that plan, untouched.
        """
        stamp = iso(now)
        with immediate(self.db.conn) as conn:
            mine = {
                key: rows
                for key, rows in plans.items()
                if not self._planned(conn, key[0], key[1], rows[0].day)
            }
            self._insert_plan((row for rows in mine.values() for row in rows), owner, stamp)
            conn.executemany(
                "INSERT INTO people (team, user, last_run_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO UPDATE SET last_run_at = excluded.last_run_at",
                [(team, user, stamp) for team, user in mine],
            )
        return set(mine)

    def mark_attempt(self, row: Delivery, now: datetime | None = None) -> None:
        """A post of `row` is about to be sent: until it is marked posted, it may be in Slack."""
        with self.db.conn:
            self.db.execute(
                "UPDATE deliveries SET attempted_at = ? "
                "WHERE team = ? AND target = ? AND day = ? AND paper_id = ?",
                [iso(now or utcnow()), row.team, row.target, row.day, row.paper_id],
            )

    def mark_refused(self, row: Delivery, error: str, failed: bool) -> None:
        """Slack refused `row`'s message for its content (`error`); `failed`: the safe one too."""
        with self.db.conn:
            self.db.execute(
                "UPDATE deliveries SET error = ?, state = CASE WHEN ? THEN 'failed' ELSE state END "
                "WHERE team = ? AND target = ? AND day = ? AND paper_id = ?",
                [error, failed, row.team, row.target, row.day, row.paper_id],
            )

    def sent_among(self, paper_ids: Iterable[str]) -> set[tuple[str, str, str]]:
        """(team, target, paper) for every posted delivery of these papers: one query for all."""
        ids = list(dict.fromkeys(paper_ids))
        found: set[tuple[str, str, str]] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            sql = f"""SELECT team, target, paper_id FROM deliveries
                      WHERE state = 'posted' AND paper_id IN ({",".join("?" * len(chunk))})"""
            found.update(tuple(r) for r in self.db.execute(sql, chunk))
        return found

    def posted_since(self, team: str, target: str, day: str) -> set[str]:
        """Papers posted to a target on `day` or later (a day is YYYY-MM-DD)."""
        sql = """SELECT paper_id FROM deliveries WHERE team = ? AND target = ? AND day >= ?
                 AND paper_id != '' AND state = 'posted'"""
        return {r[0] for r in self.db.execute(sql, [team, target, day])}

    def last_posted(self, team: str, target: str) -> str | None:
        """When a target last got a message (ISO time), if ever."""
        sql = """SELECT max(posted_at) FROM deliveries
                 WHERE team = ? AND target = ? AND state = 'posted'"""
        return self.db.execute(sql, [team, target]).fetchone()[0]

    def new_papers(self, since: datetime):
        """Papers first stored at or after `since`."""
        sql = f"SELECT {SELECT_PAPER} FROM papers p WHERE p.n >= ? ORDER BY p.n"
        return [stored_of(r) for r in self.db.query(sql, [self.first_since(since)])]

    def listed_since(self, day: str) -> set[str]:
        """Ids of the papers on a Hugging Face list of `day` (YYYY-MM-DD) or later."""
        sql = "SELECT DISTINCT paper_id FROM listings WHERE day >= ?"
        return {r[0] for r in self.db.execute(sql, [day])}

    def day_states(self, since_day: str) -> dict[tuple[str, str, str], int]:
        """(team, target, day) → how many of its rows are still pending, for days ≥ `since_day`."""
        sql = """SELECT team, target, day, sum(state = 'pending') FROM deliveries
                 WHERE day >= ? GROUP BY team, target, day"""
        return {(t, g, d): n for t, g, d, n in self.db.execute(sql, [since_day])}
