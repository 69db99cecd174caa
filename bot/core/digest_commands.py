"""`/papers digest ...`: a person's own digest: on, off, its time, daily or weekly, size, why.

A mixin of `bot.core.commands.Handlers`, like `channel_commands`. Every setting is checked
before anything is stored: bad input is one line saying what is accepted, and changes nothing.
"""

from bot.clock import iso, utcnow
from bot.core import digest as d
from bot.core.digest_why import explain
from bot.core.replies import Notice

ACCEPTED = (
    "try `/papers digest on`, `off`, `08:30`, `daily`, `weekly monday`, `size 10`, `status` "
    "or `why`"
)
SIZE_RANGE = f"{d.MIN_SIZE} to {d.PERSON_MAX_SIZE}"


def weekday_of(text: str) -> int | None:
    """`monday`, `Mon`, `tuesday`... → 0..6; None for anything else."""
    word = text.strip().lower()
    if len(word) < 3:
        return None
    found = [n for n, name in enumerate(d.WEEKDAYS) if name.startswith(word)]
    return found[0] if len(found) == 1 else None


def rhythm(p: d.PersonSettings | None) -> str:
    """`daily` or `weekly`, for a person's settings (daily when none)."""
    return "weekly" if p is not None and p.cadence == "weekly" else "daily"


class DigestCommands:
    """Handlers for a person's digest: `/papers digest <setting>`."""

    def do_digest(self, command, who):
        verb, _, rest = command.arg.strip().partition(" ")
        verb, rest = verb.lower(), rest.strip()
        person = self.store.person(who.team, who.user)
        if verb in ("", "status"):
            return self._digest_status(who, person)
        if verb == "why":
            text, items = explain(self.store, who.team, who.user, self.now())
            return Notice(text, items)
        if verb == "off":
            self.store.save_person(who.team, who.user, enabled=0)
            return Notice(f"Your {rhythm(person)} digest is off. `/papers digest on` restarts it.")
        fields = self._digest_fields(verb, rest, command.arg.strip(), person)
        if isinstance(fields, str):  # what was wrong, in one line; nothing stored
            return Notice(fields)
        tz, note = self._digest_zone(who, person)
        if not note:
            fields.update(tz=tz, tz_checked_at=iso(utcnow()))
        self.store.save_person(who.team, who.user, enabled=1, paused=None, **fields)
        return self._digest_status(who, self.store.person(who.team, who.user), note)

    def _digest_fields(self, verb: str, rest: str, typed: str, person) -> dict | str:
        """The settings `/papers digest <typed>` asks for, or one line saying what is wrong."""
        if verb == "on" and not rest:
            return {}
        if verb == "daily" and not rest:
            return {"cadence": "daily"}
        if verb == "weekly":
            day = weekday_of(rest) if rest else 0
            if day is None:
                return (
                    f"“{rest[:40]}” is not a day of the week: try `/papers digest weekly monday` "
                    "(monday to sunday)."
                )
            return {"cadence": "weekly", "weekday": day}
        if verb == "size":
            if not rest.isdigit() or not d.MIN_SIZE <= int(rest) <= d.PERSON_MAX_SIZE:
                return (
                    f"“{rest[:40]}” is not a digest size: give a number of papers from "
                    f"{SIZE_RANGE}, for example `/papers digest size 10`."
                )
            return {"size": int(rest)}
        at = d.parse_hhmm(typed) if not rest else None
        if at is None:
            return f"“{typed[:40]}” is not a time of day (00:00 to 23:59) or a setting: {ACCEPTED}."
        return {"at": at}

    def _digest_zone(self, who, person) -> tuple[str, str]:
        """(zone, note): the typer's zone from Slack, else the one stored, else UTC with a note."""
        tz, note = d.typed_zone(who.tz)
        if note and person and d.valid_zone(person.tz):  # Slack gave it before: better than UTC
            return person.tz, ""
        return tz, note

    def _digest_status(self, who, person, note: str | None = None):
        topics = self.store.topics(who.team, who.user)
        follow = (
            f"You follow {len(topics)} topic{'s' * (len(topics) != 1)}."
            if topics
            else "You follow no topics yet: `/papers subscribe <topic>` adds one."
        )
        if person and not person.enabled:
            return Notice(
                f"Your {rhythm(person)} digest is off. {follow} `/papers digest on` restarts it."
            )
        tz, zone_note = self._digest_zone(who, person)
        zone = d.valid_zone(person.tz if person else None) or tz
        note = (zone_note if zone == tz else "") if note is None else note
        at = person.at if person else d.DEFAULT_AT
        size = person.size if person else d.DEFAULT_SIZE
        paused = ""
        if person and person.paused:
            paused = f" It is paused: Slack said `{person.paused}`; `/papers digest on` resumes it."
        if rhythm(person) == "daily":
            when = f"Your daily digest comes at {at} {zone}{note}"
        else:
            day = d.WEEKDAYS[person.weekday].title()
            when = f"Your weekly digest comes on {day}s at {at} {zone}{note}"
        return Notice(
            f"{when}, with up to {size} papers.{paused} {follow} "
            "`/papers digest why` says what the next one would hold."
        )
