"""The Web API client every Slack call goes through, with retries attached."""

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.config import Settings
from bot.errors import ConfigError


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient on SLACK_API_URL that waits out 429s and retries dropped connections."""
    return WebClient(
        token=token or settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def error_code(exc: SlackApiError) -> str:
    """Slack's error code from a failed call (`invalid_auth`, `not_in_channel`, ...)."""
    try:
        return str(exc.response["error"])
    except (KeyError, TypeError):
        return "unknown_error"


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
