"""Settings read once from the environment into a frozen object."""

import os
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError

# Hours after its time that a missed digest is still sent (PAPERS_DIGEST_GRACE_HOURS).
DEFAULT_GRACE_HOURS = 6.0

DEFAULT_CATEGORIES = ("cs.CV", "cs.CL", "cs.LG", "cs.AI")
ARXIV_API_URL = "https://export.arxiv.org/api/query"
ARXIV_RSS_URL = "https://rss.arxiv.org/atom"


@dataclass(frozen=True)
class Settings:
    """Everything papers-bot reads from its environment."""

    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    db_path: Path = Path("papers.db")
    hf_endpoint: str = "https://huggingface.co"
    arxiv_api_url: str = ARXIV_API_URL
    arxiv_categories: tuple[str, ...] = DEFAULT_CATEGORIES
    # arXiv's per-category announcement feeds (`{url}/{category}`); None: not read.
    arxiv_rss_url: str | None = None
    # Seconds between arXiv requests: arXiv asks for at most one every 3 seconds.
    arxiv_delay: float = 3.0
    digest_grace_hours: float = DEFAULT_GRACE_HOURS
    # Seconds between digest ticks of the scheduler, and between two posts to one channel.
    scheduler_tick: float = 60.0
    post_interval: float = 1.0

    @property
    def has_slack(self) -> bool:
        """Any Slack token set: run Slack (and say which token is missing), not the console."""
        return bool(self.bot_token or self.app_token)

    def __repr__(self) -> str:  # never print tokens
        return (
            f"Settings(db_path={str(self.db_path)!r}, slack_api_url={self.slack_api_url!r}, "
            f"hf_endpoint={self.hf_endpoint!r}, arxiv_api_url={self.arxiv_api_url!r}, "
            f"arxiv_rss_url={self.arxiv_rss_url!r}, arxiv_categories={self.arxiv_categories!r}, "
            f"bot_token={'set' if self.bot_token else None}, "
            f"app_token={'set' if self.app_token else None})"
        )


def _url(env, name: str, default: str) -> str:
    value = (env.get(name) or default).strip()
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
    return value


def _rss_url(env, api_url: str) -> str | None:
    """PAPERS_ARXIV_RSS_URL; `off` turns the feeds off.

    Unset, it is arXiv's own feed, unless ARXIV_API_URL points somewhere else (a mirror or a
    local stand-in): then the feeds stay off rather than mixing in papers from the internet.
    """
    raw = (env.get("PAPERS_ARXIV_RSS_URL") or "").strip()
    if raw.lower() == "off":
        return None
    if not raw:
        return ARXIV_RSS_URL if api_url == ARXIV_API_URL else None
    return _url(env, "PAPERS_ARXIV_RSS_URL", ARXIV_RSS_URL).rstrip("/")


def _float(env, name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    return value


def _tick(env) -> float:
    value = _float(env, "PAPERS_SCHEDULER_TICK", 60.0)
    if value == 0:
        raise ConfigError("PAPERS_SCHEDULER_TICK must be more than 0 seconds")
    return value


def _token(env, name: str, prefix: str) -> str | None:
    value = (env.get(name) or "").strip()
    if not value:
        return None
    if not value.startswith(prefix):
        raise ConfigError(f"{name} must start with {prefix!r} (check which token goes where)")
    return value


def load(env=None) -> Settings:
    """Read and validate the settings from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    api_url = _url(env, "SLACK_API_URL", "https://slack.com/api/")
    if not api_url.endswith("/"):
        api_url += "/"
    categories = tuple(
        c.strip() for c in (env.get("PAPERS_ARXIV_CATEGORIES") or "").split(",") if c.strip()
    )
    for c in categories:
        if not all(ch.isalnum() or ch in ".-" for ch in c):
            raise ConfigError(f"PAPERS_ARXIV_CATEGORIES has an invalid category {c!r}")
    arxiv_api_url = _url(env, "ARXIV_API_URL", ARXIV_API_URL)
    return Settings(
        bot_token=_token(env, "SLACK_BOT_TOKEN", "xoxb-"),
        app_token=_token(env, "SLACK_APP_TOKEN", "xapp-"),
        signing_secret=(env.get("SLACK_SIGNING_SECRET") or "").strip() or None,
        slack_api_url=api_url,
        db_path=Path(env.get("PAPERS_DB") or "papers.db"),
        hf_endpoint=_url(env, "HF_ENDPOINT", "https://huggingface.co").rstrip("/"),
        arxiv_api_url=arxiv_api_url,
        arxiv_rss_url=_rss_url(env, arxiv_api_url),
        arxiv_categories=categories or DEFAULT_CATEGORIES,
        arxiv_delay=_float(env, "PAPERS_ARXIV_DELAY", 3.0),
        digest_grace_hours=_float(env, "PAPERS_DIGEST_GRACE_HOURS", DEFAULT_GRACE_HOURS),
        scheduler_tick=_tick(env),
        post_interval=_float(env, "PAPERS_POST_INTERVAL", 1.0),
    )
