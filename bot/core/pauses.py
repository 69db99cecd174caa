"""Why a digest is paused, in plain words: the one place that says it.

A delivery that Slack refuses in a way only a person can fix (the bot is not in the channel,
the account is gone: a `bot.core.deliverer.Pause`) pauses its target and
records the reason; `/papers channel status`, `/papers digest why` read it here.
"""

from bot.core.deliverer import Pause
from bot.core.labels import INVITE

# A channel's pause reason → what is wrong, and how to fix it. The store keeps a reason as its
# word (a Pause is a str), so a stored "not_in_channel" finds Pause.NOT_IN_CHANNEL here.
CHANNEL_REASONS = {
    Pause.NOT_IN_CHANNEL: f"I am not a member of this channel: type {INVITE} here",
    Pause.CHANNEL_NOT_FOUND: (
        "Slack cannot find this channel for me (a private channel I am not in?): "
        f"type {INVITE} here"
    ),
    Pause.ARCHIVED: "this channel is archived: unarchive it",
}

# A person's pause reason → what went wrong when the bot tried to DM them.
PERSON_REASONS = {
    Pause.USER_NOT_FOUND: "Slack could not find your account",
    Pause.ACCOUNT_INACTIVE: "Slack says your account is deactivated",
    Pause.USER_DISABLED: "Slack says your account is disabled",
    Pause.CHANNEL_NOT_FOUND: "Slack could not open a DM with you",
}


def pause_text(code: str, since: str | None) -> str:
    """What a paused channel's status says, and how to fix it."""
    why = CHANNEL_REASONS.get(code, f"Slack answered `{code}` when I posted")
    when = f" since {since[:16].replace('T', ' ')} UTC" if since else ""
    return (
        f"Paused{when}: {why}. I try again once a day at its time; "
        "`/papers channel on` lifts the pause now."
    )


def person_pause(code: str) -> str:
    """Why a person's DM is paused, as the end of "it is paused because ..."."""
    return PERSON_REASONS.get(code, f"Slack answered `{code}`")
