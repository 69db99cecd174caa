"""Block Kit checks for the builder tests: Slack's shapes and limits, by slack_sdk's own models.

`Block.parse(block).to_dict()` validates every nested object the way slack_sdk does before it
sends (a section's text at most 3,000 characters, a header's 150, a button's label 75 and value
2,000, at most 25 actions and 10 context elements, ...), and comparing it with the block shows
that every key is one slack_sdk knows. What slack_sdk leaves unchecked is checked here by hand:
the block count of a message (50) and a Home tab (100, `View.to_dict`), a header in plain text,
and our own bound on a context element (`blocks.MAX_CONTEXT`).
"""

from collections.abc import Iterator

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack import blocks as b

MESSAGE_BLOCKS = 50
HOME_BLOCKS = 100


def check_blocks(blocks: list[dict], limit: int = MESSAGE_BLOCKS) -> None:
    """Assert `blocks` is a list Slack takes in a message (or, with limit=100, a Home tab)."""
    assert 1 <= len(blocks) <= limit, f"{len(blocks)} blocks, Slack takes 1 to {limit}"
    for block in blocks:
        model = Block.parse(block)
        assert model is not None, f"not a Block Kit block: {block}"
        assert model.to_dict() == block, f"slack_sdk reads it otherwise: {block}"
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text", block
        if block["type"] == "context":
            for element in block["elements"]:
                assert len(element["text"]) <= b.MAX_CONTEXT, element


def check_home(view: dict) -> None:
    """Assert `view` is a Home tab `views.publish` takes."""
    assert view["type"] == "home"
    check_blocks(view["blocks"], HOME_BLOCKS)
    assert View(**view).to_dict() == view


def text_objects(node: object) -> Iterator[tuple[str, str]]:
    """Every (type, text) of the Block Kit text objects inside `node`."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node["type"], node["text"]
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from text_objects(value)


def shown(blocks: list[dict]) -> list[str]:
    """The texts a person sees, in order (section, header and context texts; button labels)."""
    return [text for _, text in text_objects(blocks)]
