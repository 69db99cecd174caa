"""What a topic is: a saved search, as typed by a person or for a channel's thread."""

from bot.core import query as q
from bot.errors import BadCommand

# The longest topic, in characters, once normalised (`normalize_topic`).
MAX_TOPIC_CHARS = 100


def normalize_topic(text: str) -> str:
    """A topic as stored: cleaned (`query.clean`), lower case, single spaces."""
    return " ".join(q.clean(text).lower().split())


def check_topic(topic: str) -> q.Query:
    """The parsed search of a normalised topic.

    Raises BadCommand when it is longer than MAX_TOPIC_CHARS and BadQuery when it holds no
    searchable word (a topic is a search).
    """
    if len(topic) > MAX_TOPIC_CHARS:
        raise BadCommand(f"A topic can be at most {MAX_TOPIC_CHARS} characters long.")
    return q.parse(topic)
