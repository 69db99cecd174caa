"""The only code that touches SQLite."""

from bot.store.db import Store

__all__ = ["Store"]
