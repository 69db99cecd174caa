"""The one global error handler: bugs reach the log with their traceback."""

import logging

log = logging.getLogger(__name__)


def on_error(error, body, logger):
    kind = body.get("type") or body.get("command") or "request"
    log.error("Unhandled error while handling a %s", kind, exc_info=error)
