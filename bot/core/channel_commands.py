"""`/papers channel ...`: the daily thread's settings (a person's own digest: digest_commands).

A mixin of `bot.core.commands.Handlers`. Times are in the typer's time zone (`Who.tz`, from
Slack); UTC when unknown.
"""

from bot.core import digest as d
from bot.core.digest_why import next_thread
from bot.core.pauses import pause_text
from bot.core.replies import Notice
from bot.core.topics import check_topic, normalize_topic
from bot.errors import BadCommand

CHANNEL_VERBS = ("on", "off", "status", "topics", "size", "quiet")


class ChannelCommands:
    """Handlers for the channel's daily thread and a person's daily DM."""

    def do_channel(self, command, who):
        verb, _, rest = command.arg.partition(" ")
        verb, rest = verb.lower(), rest.strip()
        if verb not in CHANNEL_VERBS:
            raise BadCommand(
                "Try `/papers channel on [HH:MM]`, `off`, `status`, `topics <topic, ...>`, "
                "`size N` or `quiet on|off`."
            )
        if not who.channel or who.channel.startswith("D"):
            return Notice(
                "Type this in the channel that should get the daily thread, not in a direct "
                f"message: `/papers channel {command.arg.strip()}`."
            )
        current = self.store.channel(who.team, who.channel)
        return getattr(self, f"_channel_{verb}")(rest, who, current)

    def _channel_on(self, rest, who, current):
        at = d.parse_hhmm(rest) if rest else (current.at if current else d.DEFAULT_AT)
        if at is None:
            return Notice(f"“{rest}” is not a time of day; try `/papers channel on 09:00`.")
        tz, note = d.typed_zone(who.tz)
        self.store.save_channel(
            who.team, who.channel, who.user, enabled=1, at=at, tz=tz, paused=None, checked_day=None
        )
        size = current.size if current else d.DEFAULT_SIZE
        return Notice(
            f"This channel gets a thread of the top {size} trending papers every day at "
            f"{at} {tz}{note}. `/papers channel status` shows its settings; "
            "`/papers channel off` stops it."
        )

    def _channel_off(self, rest, who, current):
        if not current or not current.enabled:
            return Notice("This channel's daily thread is already off.")
        self.store.save_channel(who.team, who.channel, who.user, enabled=0)
        return Notice("Daily thread off for this channel. `/papers channel on` brings it back.")

    def _channel_status(self, rest, who, current):
        if current is None:
            return Notice(
                "This channel has no daily thread. `/papers channel on` starts one at 09:00 "
                "in your time zone (`/papers channel on 08:30` for another time)."
            )
        lines = [
            f"Time: {current.at} {current.tz}",
            f"Papers: {current.size}",
            "Topics: " + (", ".join(current.topics) if current.topics else "all trending papers"),
            "Days with nothing new: "
            + ("nothing is posted" if current.quiet else "a one-line note says so"),
        ]
        last = self.store.last_posted(who.team, who.channel)
        lines.append(f"Last posted: {last[:16].replace('T', ' ')} UTC" if last else "Never posted")
        if current.enabled:
            lines.append(next_thread(self.store, current, self.now()))
        state = "on" if current.enabled else "off"
        head = f"Daily trending thread: {state}."
        if current.enabled and current.paused:
            head += " " + pause_text(current.paused, current.paused_at)
        return Notice(head, tuple(lines))

    def _channel_topics(self, rest, who, current):
        topics = tuple(dict.fromkeys(t for t in (normalize_topic(x) for x in rest.split(",")) if t))
        for topic in topics:
            check_topic(topic)
        if len(topics) > 10:
            return Notice("A channel can filter on at most 10 topics.")
        self._save_setting(who, current, topics=topics)
        tail = _start_hint(current)
        if not topics:
            return Notice("The daily thread shows all trending papers (no topic filter)." + tail)
        return Notice(
            "The daily thread shows only trending papers matching any of these:" + tail, topics
        )

    def _save_setting(self, who, current, **fields) -> None:
        """Save a channel setting; a channel with no settings yet stays off until `channel on`."""
        enabled = current.enabled if current else 0
        self.store.save_channel(who.team, who.channel, who.user, enabled=enabled, **fields)

    def _channel_size(self, rest, who, current):
        if not rest.isdigit() or not d.MIN_SIZE <= int(rest) <= d.MAX_SIZE:
            return Notice(
                f"The size is a number of papers from {d.MIN_SIZE} to {d.MAX_SIZE}, "
                "for example `/papers channel size 5`."
            )
        self._save_setting(who, current, size=int(rest))
        tail = _start_hint(current)
        return Notice(f"The daily thread will hold up to {int(rest)} papers.{tail}")

    def _channel_quiet(self, rest, who, current):
        if rest.lower() not in ("on", "off"):
            return Notice(
                "`/papers channel quiet on` posts nothing on days with nothing new; "
                "`/papers channel quiet off` posts a one-line note instead."
            )
        quiet = rest.lower() == "on"
        self._save_setting(who, current, quiet=int(quiet))
        tail = _start_hint(current)
        if quiet:
            return Notice("On days with nothing new, nothing will be posted here." + tail)
        return Notice("On days with nothing new, a one-line note will say so." + tail)


def _start_hint(current) -> str:
    """What to add to a settings reply while the channel's thread is off."""
    return "" if current and current.enabled else " Type `/papers channel on` to start it."
