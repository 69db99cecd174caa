"""The buttons on paper cards: Save / Unsave, More like this, Not interested; topic Remove.

Pure builders. Every paper button's value is the paper's arXiv id and nothing else, so the
click handlers read it with `ids.paper_id_in` like any id a person types: a forged or stale
value is one line and changes nothing. Labels are part of the interface (DESIGN "Buttons").
"""

SAVE = "paper_save"
UNSAVE = "paper_unsave"
MORE_LIKE = "paper_more_like"
NOT_INTERESTED = "paper_not_interested"
REMOVE_TOPIC = "topic_remove"
DIGEST = "digest_set"
SHARE_TRENDING = "trending_share"
PAPER_ACTIONS = (SAVE, UNSAVE, MORE_LIKE, NOT_INTERESTED)

LABELS = {
    SAVE: "Save",
    UNSAVE: "Unsave",
    MORE_LIKE: "More like this",
    NOT_INTERESTED: "Not interested",
    REMOVE_TOPIC: "Remove",
    SHARE_TRENDING: "Share to channel",
}
# Slack's limit on a button's value.
MAX_VALUE = 2000


def button(action_id: str, value: str, label: str | None = None, style: str | None = None) -> dict:
    """One button; `label` defaults to the action's fixed label."""
    element = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": (label or LABELS[action_id])[:75]},
        "value": value[:MAX_VALUE],
    }
    if style:
        element["style"] = style
    return element


def save_button(paper_id: str, saved: bool = False) -> dict:
    """Save, or Unsave when the person already saved the paper."""
    return button(UNSAVE if saved else SAVE, paper_id)


def paper_actions(
    paper_id: str, *, saved: bool = False, more_like: bool = True, not_interested: bool = False
) -> dict:
    """The actions block under one paper card."""
    elements = [save_button(paper_id, saved)]
    if more_like:
        elements.append(button(MORE_LIKE, paper_id))
    if not_interested:
        elements.append(button(NOT_INTERESTED, paper_id))
    return {"type": "actions", "elements": elements}
