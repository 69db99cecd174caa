"""Small wording every adapter shows (Slack's blocks, the console, core replies), written once.

Plain text, not escaped: each adapter escapes what it renders. Dates are ISO strings as the
store keeps them (`2026-11-28`, or a timestamp that starts with one).
"""

from datetime import date

# What a person types to let the bot into a channel (Slack's own command, the bot's handle).
INVITE = "`/invite @papers-bot`"


def authors_line(names: tuple[str, ...], shown: int = 3) -> str:
    """`A, B, C et al.` past `shown` names, else all of them; "" when there are none."""
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + " et al."


def date_words(published: str | None) -> str:
    """`2025-03-21` (or `2025-03-21T…`) → `21 Mar 2025`; "" when unknown or not a date."""
    try:
        d = date.fromisoformat((published or "")[:10])
    except ValueError:
        return ""
    return f"{d.day} {d:%b %Y}"


def day_label(day: str, *, year: bool = True) -> str:
    """`2026-11-28` → `Sat 28 Nov 2026` (`Sat 28 Nov` without the year).

    :raises ValueError: `day` is not an ISO date.
    """
    d = date.fromisoformat(day)
    return f"{d:%a} {d.day} {d:%b %Y}" if year else f"{d:%a} {d.day} {d:%b}"


def trending_title(day: str) -> str:
    """The title of a day's trending list: `Trending papers · Sat 28 Nov 2026`."""
    return f"Trending papers · {day_label(day)}"
