"""The schema, as named migrations. An applied migration is never edited: add a new one."""

from sqlite_utils import Migrations

migrations = Migrations("papers_bot")


@migrations(name="0001_papers")
def papers(db):
    # `n` gives every paper a stable integer rowid for the external-content FTS index:
    # an implicit rowid may be renumbered by VACUUM.
    db.executescript(
        """
        CREATE TABLE papers (
            n INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            abstract TEXT NOT NULL DEFAULT '',
            authors TEXT NOT NULL DEFAULT '',
            keywords TEXT NOT NULL DEFAULT '',
            categories TEXT NOT NULL DEFAULT '',
            published TEXT,
            updated TEXT,
            code_url TEXT,
            project_url TEXT,
            hf_url TEXT,
            ai_summary TEXT,
            upvotes INTEGER,
            stars INTEGER,
            comments INTEGER,
            first_seen TEXT NOT NULL,
            changed_at TEXT NOT NULL
        );
        CREATE INDEX papers_first_seen ON papers(first_seen);
        CREATE INDEX papers_published ON papers(published);
        CREATE TABLE popularity (
            paper_id TEXT NOT NULL REFERENCES papers(id),
            observed_at TEXT NOT NULL,
            source TEXT NOT NULL,
            upvotes INTEGER,
            stars INTEGER,
            comments INTEGER,
            PRIMARY KEY (paper_id, observed_at, source)
        ) WITHOUT ROWID;
        CREATE INDEX popularity_observed ON popularity(observed_at);
        CREATE TABLE listings (
            day TEXT NOT NULL,
            list TEXT NOT NULL,
            paper_id TEXT NOT NULL REFERENCES papers(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (day, list, paper_id)
        ) WITHOUT ROWID;
        CREATE VIRTUAL TABLE papers_fts USING fts5(
            title, keywords, abstract, authors,
            content='papers', content_rowid='n',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        """
    )


@migrations(name="0002_subscriptions")
def subscriptions(db):
    db.executescript(
        """
        CREATE TABLE subscriptions (
            team TEXT NOT NULL,
            user TEXT NOT NULL,
            topic TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (team, user, topic)
        ) WITHOUT ROWID;
        CREATE INDEX subscriptions_topic ON subscriptions(topic);
        """
    )
