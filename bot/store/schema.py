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
            first_seen TEXT NOT NULL
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


@migrations(name="0003_digests")
def digests(db):
    # channels: the daily thread per (team, channel); people: each person's own digest.
    # `paused` holds the Slack error that stopped deliveries (e.g. not_in_channel), else NULL.
    # deliveries: one row per (team, target, day, paper); paper '' is the thread parent, the DM
    # itself, or the day's "nothing new" marker. `state` is 'pending' until Slack accepted it,
    # then 'posted' (or 'skipped' for a quiet day), so an interrupted run resumes where it stopped.
    # `detail`: a DM paper's topic, a "nothing new" note's reason, a DM's JSON "and N more" counts.
    # `claimed_by` (host:pid) on the '' row: the process sending that target's day, so the CLI
    # and a running bot never post the same thread at once.
    db.executescript(
        """
        CREATE TABLE channels (
            team TEXT NOT NULL,
            channel TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            at TEXT NOT NULL DEFAULT '09:00',
            tz TEXT NOT NULL DEFAULT 'UTC',
            topics TEXT NOT NULL DEFAULT '',
            size INTEGER NOT NULL DEFAULT 10,
            quiet INTEGER NOT NULL DEFAULT 0,
            paused TEXT,
            paused_at TEXT,
            checked_day TEXT,
            updated_by TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (team, channel)
        ) WITHOUT ROWID;
        CREATE TABLE people (
            team TEXT NOT NULL,
            user TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            at TEXT NOT NULL DEFAULT '09:00',
            tz TEXT,
            tz_checked_at TEXT,
            dm_channel TEXT,
            paused TEXT,
            paused_at TEXT,
            last_run_at TEXT,
            PRIMARY KEY (team, user)
        ) WITHOUT ROWID;
        CREATE TABLE deliveries (
            team TEXT NOT NULL,
            target TEXT NOT NULL,
            day TEXT NOT NULL,
            paper_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            detail TEXT,
            channel TEXT,
            ts TEXT,
            state TEXT NOT NULL DEFAULT 'pending',
            created_at TEXT NOT NULL,
            posted_at TEXT,
            claimed_by TEXT,
            claimed_at TEXT,
            PRIMARY KEY (team, target, day, paper_id)
        ) WITHOUT ROWID;
        CREATE INDEX deliveries_paper ON deliveries(paper_id);
        """
    )


@migrations(name="0004_meta")
def meta(db):
    # Small facts about the store itself, such as an index left stale by an interrupted import.
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")


@migrations(name="0005_drop_first_seen_index")
def drop_first_seen_index(db):
    # first_seen only grows with n (Store.upsert_rows sees to it), so "first stored since"
    # is found by a binary search over n instead: the index cost 4% of the store's size.
    db.execute("DROP INDEX papers_first_seen")


@migrations(name="0006_source_marks")
def source_marks(db):
    # How far a source's walk got, per source and key (arXiv: per category, the newest
    # submission date a completed walk reached), so a walk ends at its own mark and never at
    # the first paper some other source happened to store.
    db.execute(
        """
        CREATE TABLE source_marks (
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (source, key)
        ) WITHOUT ROWID
        """
    )


@migrations(name="0007_delivery_attempts")
def delivery_attempts(db):
    # attempted_at: when a post of this row was last sent to Slack. A pending row with it set
    # may have reached Slack (the link died before the answer, or the process was killed), so
    # the next post first looks for it in the channel's history by its metadata.
    # error: the Slack error that refused this row's message for its content (msg_too_long,
    # invalid_blocks, ...); the row was then posted in a minimal rendering, or is 'failed'.
    db.executescript(
        """
        ALTER TABLE deliveries ADD COLUMN attempted_at TEXT;
        ALTER TABLE deliveries ADD COLUMN error TEXT;
        """
    )


@migrations(name="0008_digest_rhythm")
def digest_rhythm(db):
    # Each person's rhythm: cadence 'daily' or 'weekly' (on `weekday`, 0 = Monday), and `size`,
    # the most papers one DM holds (3 to 30).
    db.executescript(
        """
        ALTER TABLE people ADD COLUMN cadence TEXT NOT NULL DEFAULT 'daily';
        ALTER TABLE people ADD COLUMN weekday INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE people ADD COLUMN size INTEGER NOT NULL DEFAULT 10;
        """
    )


@migrations(name="0009_search_index")
def search_index(db):
    # The index holds what `bot.core.text.index_text` makes of each field (symbol terms,
    # joined compounds, CJK character pairs), not the stored text, so it keeps no content of
    # its own (content=''). Its rowid is a date key, (days since 1970 of `published`) << 32 | n,
    # so "the newest matches" walks the calendar, whatever order papers were stored in.
    # `categories` holds one token per category (`cs.RO` → `csro`) for `cat:` filters.
    # Store() sees the index marked stale and rebuilds it from the papers table.
    db.executescript(
        """
        DROP TABLE papers_fts;
        CREATE VIRTUAL TABLE papers_fts USING fts5(
            title, keywords, abstract, authors, categories,
            content='', tokenize='porter unicode61 remove_diacritics 2'
        );
        INSERT OR IGNORE INTO meta VALUES ('index_stale', '1');
        """
    )


@migrations(name="0010_workspaces")
def workspaces(db):
    # installations: one row per (enterprise, team, installing user) as Slack's oauth.v2.access
    # gave it, plus a row with user '' holding the workspace's latest installation (the one
    # whose bot token answers that workspace). '' stands for "none" in the key columns (an
    # org-wide install has no team; a plain workspace has no enterprise). `data` is the
    # installation's fields as JSON, tokens included: the file is as secret as the tokens.
    # oauth_states: each install link's `state`, usable once, until `expires_at` (epoch s).
    # leases: who runs the scheduler (`holder` host:pid), until `expires_at` (epoch s).
    db.executescript(
        """
        CREATE TABLE installations (
            enterprise_id TEXT NOT NULL DEFAULT '',
            team_id TEXT NOT NULL DEFAULT '',
            user_id TEXT NOT NULL DEFAULT '',
            bot_token TEXT,
            data TEXT NOT NULL,
            installed_at REAL NOT NULL,
            PRIMARY KEY (enterprise_id, team_id, user_id)
        ) WITHOUT ROWID;
        CREATE TABLE oauth_states (
            state TEXT PRIMARY KEY,
            expires_at REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at REAL NOT NULL
        ) WITHOUT ROWID;
        """
    )


@migrations(name="0011_saved_papers")
def saved_papers(db):
    # saved: each person's reading list; not_interested: papers a person asked to keep out of
    # their digests. Both per (team, user), so one workspace never sees another's.
    # papers_vocab: FTS5's own term statistics (documents per term) for "More like this",
    # read one term at a time; it stores nothing of its own.
    db.executescript(
        """
        CREATE TABLE saved (
            team TEXT NOT NULL,
            user TEXT NOT NULL,
            paper_id TEXT NOT NULL REFERENCES papers(id),
            saved_at TEXT NOT NULL,
            PRIMARY KEY (team, user, paper_id)
        ) WITHOUT ROWID;
        CREATE INDEX saved_by_time ON saved(team, user, saved_at);
        CREATE TABLE not_interested (
            team TEXT NOT NULL,
            user TEXT NOT NULL,
            paper_id TEXT NOT NULL REFERENCES papers(id),
            marked_at TEXT NOT NULL,
            PRIMARY KEY (team, user, paper_id)
        ) WITHOUT ROWID;
        CREATE VIRTUAL TABLE papers_vocab USING fts5vocab(papers_fts, 'row');
        """
    )
