"""bot/slack/buttons.py: the buttons under paper cards, their fixed labels and values."""

from bot.slack import buttons
from tests.block_kit import check_blocks


def test_paper_actions_carry_the_arxiv_id_and_nothing_else():
    block = buttons.paper_actions("2611.00001", saved=True, not_interested=True)
    check_blocks([block])
    assert [(e["action_id"], e["text"]["text"], e["value"]) for e in block["elements"]] == [
        (buttons.UNSAVE, "Unsave", "2611.00001"),
        (buttons.MORE_LIKE, "More like this", "2611.00001"),
        (buttons.NOT_INTERESTED, "Not interested", "2611.00001"),
    ]
    plain = buttons.paper_actions("2611.00002", more_like=False)
    assert plain == {"type": "actions", "elements": [buttons.save_button("2611.00002")]}
    assert plain["elements"][0]["text"]["text"] == "Save"


def test_a_button_keeps_to_slacks_label_and_value_limits():
    long = buttons.button(buttons.REMOVE_TOPIC, "t" * 2500, "L" * 100, style="danger")
    check_blocks([{"type": "actions", "elements": [long]}])
    assert long == {
        "type": "button",
        "action_id": buttons.REMOVE_TOPIC,
        "text": {"type": "plain_text", "text": "L" * 75},
        "value": "t" * buttons.MAX_VALUE,
        "style": "danger",
    }
