"""papers-bot: the day's trending research papers, in Slack."""

__version__ = "0.1.0"
USER_AGENT = f"papers-bot/{__version__} (+https://github.com/papers-bot/papers-bot)"
