"""The Web API client every Slack call goes through, with retries attached."""

import logging
from copy import copy

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.state import RetryState

from bot.config import Settings
from bot.errors import ConfigError

_log = logging.getLogger(__name__)

# Calls that create something: a dropped connection may come after Slack took the call, so
# retrying it blindly could post the same message twice (bot.slack.delivery checks instead).
NOT_IDEMPOTENT = ("chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage")


class SafeConnectionRetry(ConnectionErrorRetryHandler):
    """Retries dropped connections, except for calls that post (see NOT_IDEMPOTENT)."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if request.url.rstrip("/").endswith(NOT_IDEMPOTENT):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient on SLACK_API_URL that waits out 429s and retries dropped connections.

    A 429 means Slack did not take the call, so every call is retried after Retry-After; a
    dropped connection is retried only for calls that cannot post twice (SafeConnectionRetry).
    """
    return WebClient(
        token=token or settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),
            SafeConnectionRetry(max_retry_count=2),
        ],
    )


# While a person waits for an answer, a 429 is waited out only if Slack asks for this little.
PERSON_WAIT = 5  # seconds


class ShortRateLimitRetry(RateLimitErrorRetryHandler):
    """Retry a 429 only when its Retry-After is a number of at most `max_wait` seconds.

    A longer wait (or a Retry-After that is not a number) fails the call at once with
    Slack's `ratelimited` error, so the caller can answer without that piece.
    """

    def __init__(self, max_wait: float = PERSON_WAIT, max_retry_count: int = 1):
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(self, *, state: RetryState, request, response=None, error=None) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = {k.lower(): v for k, v in response.headers.items()}.get("retry-after") or ["x"]
        wait = str(values[0]).strip()
        return wait.isdigit() and int(wait) <= self.max_wait


def for_person(client: WebClient) -> WebClient:
    """A copy of `client` for the calls made while a person waits (users.info for /papers).

    Same token and URL; a 429 asking for more than PERSON_WAIT seconds is not waited out.
    """
    quick = copy(client)
    quick.timeout = 10
    quick.retry_handlers = [ShortRateLimitRetry(), SafeConnectionRetry(max_retry_count=1)]
    return quick


def error_code(exc: SlackApiError) -> str:
    """Slack's error code from a failed call (`invalid_auth`, `not_in_channel`, ...)."""
    try:
        return str(exc.response["error"])
    except (KeyError, TypeError):
        return "unknown_error"


def time_zone(client, user: str) -> str | None:
    """The person's IANA time zone from users.info; None (UTC) if Slack will not say."""
    try:
        return client.users_info(user=user)["user"].get("tz")
    except SlackApiError as exc:
        _log.warning("users.info failed for a /papers user: %s", error_code(exc))
    except (KeyError, TypeError, AttributeError):
        _log.warning("users.info answered without a user")
    return None


def check_token(client: WebClient, name: str = "SLACK_BOT_TOKEN") -> dict:
    """auth.test, turned into one clear line when the token is bad or Slack unreachable."""
    try:
        return client.auth_test().data
    except SlackApiError as exc:
        raise ConfigError(
            f"Slack rejected {name} ({error_code(exc)}): copy it again from the app's settings page"
        ) from None
    except (SlackRequestError, OSError) as exc:
        raise ConfigError(f"Cannot reach Slack at {client.base_url} ({exc})") from None
