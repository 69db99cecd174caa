"""The guard around the work after `ack()`: a person always hears back, in one line."""

import contextlib
import logging

from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.errors import PapersError
from bot.slack import blocks
from bot.slack.client import error_code

log = logging.getLogger(__name__)
BUSY = "I am busy with many requests right now; please try again in a moment."


@contextlib.contextmanager
def answered(respond, what: str):
    """Run the work; on failure log it and tell the person in one line, then re-raise bugs.

    Slack errors and our own errors are expected ways to fail: logged with their code and
    answered. Anything else is a bug: answered, then re-raised to the global error handler,
    which logs its traceback.
    """
    try:
        yield
    except SlackApiError as exc:
        code = error_code(exc)
        log.warning("Slack rejected the answer to %s: %s", what, code)
        tell(respond, f"Slack refused my answer ({code}). Please try again in a moment.")
    except SlackRequestError as exc:
        log.warning("Could not reach Slack answering %s: %s", what, exc)
    except PapersError as exc:
        log.info("Could not carry out %s: %s", what, exc)
        tell(respond, str(exc))
    except Exception:
        tell(respond, "Something went wrong on my side; it has been logged. Please try again.")
        raise


def tell(respond, text: str) -> None:
    """Answer the person privately in one line; a failure to do so is logged, not raised."""
    try:
        respond(response_type="ephemeral", **blocks.problem(text))
    except (SlackApiError, SlackRequestError, OSError) as exc:
        log.warning("Could not tell the person what went wrong: %s", exc)
