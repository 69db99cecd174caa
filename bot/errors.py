"""Errors papers-bot raises on purpose, each turned into one line a person can act on.

PapersError
├── ConfigError        the environment is wrong
├── SourceUnavailable  an upstream paper API failed
├── BadPayload         an upstream answer could not be parsed
├── BadQuery           search text that cannot become a query
├── BadCommand         a /papers command that cannot be understood
├── PaperNotFound      an arXiv id no source knows
└── StoreError         the SQLite file cannot be used
    ├── StoreDamaged   the file is damaged: restore it from a backup
    └── StoreFull      the disk (or the file's size limit) is full
"""


class PapersError(Exception):
    """Base class of the errors papers-bot raises on purpose."""


class ConfigError(PapersError):
    """The environment holds an invalid setting."""


class SourceUnavailable(PapersError):
    """An upstream paper API failed."""


class BadPayload(SourceUnavailable):
    """An upstream paper API answered something that cannot be parsed."""


class BadQuery(PapersError):
    """Search text that holds no searchable word."""


class BadCommand(PapersError):
    """A /papers command that cannot be understood or carried out."""


class PaperNotFound(PapersError):
    """An arXiv id that neither the store nor any source knows."""


class StoreError(PapersError):
    """The SQLite file of the store cannot be used."""


class StoreDamaged(StoreError):
    """The store file is damaged (failed its integrity check or a read)."""


class StoreFull(StoreError):
    """A write to the store failed because the disk is full."""
