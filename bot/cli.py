"""The `papers-bot` command line, and the one composition root.

Each command builds what it needs here (settings, store, Slack clients, the Bolt app, the
scheduler and its jobs) and hands it in; below this module nothing builds its own. This is
the only module outside bot/slack that imports the Slack adapter.
"""

import json
import logging
import sqlite3
import sys
from importlib import resources
from pathlib import Path

import click

from bot import config
from bot.clock import utcnow
from bot.core.search import search as run_search
from bot.errors import PapersError, StoreError
from bot.store import Store
from bot.store.db import store_error

log = logging.getLogger("bot")


def _settings():
    try:
        return config.load()
    except PapersError as exc:
        raise click.ClickException(str(exc)) from None


def _store(settings) -> Store:
    """The store, its migrations applied and its pages checked (`PRAGMA quick_check`)."""
    try:
        store = Store(settings.db_path)
        store.check()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    except (sqlite3.DatabaseError, OSError) as exc:  # unreadable, locked or not SQLite
        raise click.ClickException(f"Cannot open the store {settings.db_path}: {exc}") from None
    return store


class _Commands(click.Group):
    """Commands whose store fails under them (damaged pages, a full disk) end in one line."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.DatabaseError as exc:
            error = store_error(str(config.load().db_path), exc)
            if error is None:
                raise
            raise click.ClickException(str(error)) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="papers-bot")
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
def main(verbose: bool) -> None:
    """papers-bot: the day's trending research papers, in Slack (or on this terminal)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request URL at INFO; that is noise here.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler logs every job run at INFO: 1,440 digest ticks a day say nothing new.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # pylatexenc notes each TeX macro it leaves as is at INFO: noise during an import.
    logging.getLogger("pylatexenc").setLevel(logging.WARNING)


@main.command()
@click.option("--http", "http_mode", is_flag=True, help="HTTP mode (needs SLACK_SIGNING_SECRET).")
@click.option("--port", default=3000, show_default=True, help="Port for HTTP mode.")
def run(http_mode: bool, port: int) -> None:
    """Run the bot: Socket Mode, HTTP mode, or the console when no Slack tokens are set."""
    settings = _settings()
    store = _store(settings)
    if not settings.has_slack and not http_mode:
        from bot import console
        from bot.core.commands import Handlers
        from bot.lookup import paper_fetcher

        _first_run(settings, store)
        console.loop(Handlers(store, fetch_paper=paper_fetcher(settings, store)))
        return
    try:
        _serve(settings, store, http_mode, port)
    except PapersError as exc:
        raise click.ClickException(str(exc)) from None


def _serve(settings, store: Store, http_mode: bool, port: int) -> None:
    """Slack clients, the app, the scheduler (run by the lease holder) and its jobs, served."""
    from bot import scheduler
    from bot.core import similar
    from bot.core.commands import Handlers
    from bot.core.digest_run import DigestTick
    from bot.lookup import paper_fetcher
    from bot.slack import app as slack_app
    from bot.slack.delivery import Pacer, SlackDeliverer

    client, clients = slack_app.connect(settings, store, http_mode)
    handlers = Handlers(store, fetch_paper=paper_fetcher(settings, store))
    app = slack_app.build_app(settings, store, client, handlers)
    stop = slack_app.stop_on_signals()
    # The ingest jobs and the digest tick, run by whichever process holds the store's lease;
    # what was sent lives in SQLite, not in the scheduler.
    leader = scheduler.Leader(store, settings.lease_seconds)
    deliverer = SlackDeliverer(clients, Pacer(settings.post_interval))
    jobs = scheduler.start(
        settings,
        digest_tick=DigestTick(settings, store, deliverer),
        ingest=lambda sources: _scheduled_ingest(settings, store, sources),
        leader=leader,
    )
    similar.warm_up(store)  # "More like this": common terms' counts, off the Slack threads
    try:
        health = slack_app.health(store, leader)
        slack_app.serve(app, settings, stop, http_mode=http_mode, port=port, health=health)
    finally:
        jobs.shutdown(wait=False)
        leader.release()


def _scheduled_ingest(settings, store: Store, sources: tuple[str, ...]) -> None:
    """One scheduled ingest, its outcome logged; never raises (the next run tries again)."""
    from bot.ingest import ingest_sources

    try:
        report = ingest_sources(settings, store, sources=sources)
    except StoreError as exc:  # a damaged or full store: the one line says what to do
        log.error("ingest %s stopped: %s", "+".join(sources), exc)
        return
    except Exception:  # the traceback goes to the log; the bot goes on serving
        log.exception("ingest %s failed", "+".join(sources))
        return
    for failure in report.failures:
        log.warning("ingest: %s", failure)
    for note in report.notes:
        log.warning("ingest: %s", note)
    log.info("ingest %s: %s", "+".join(sources), report.summary())


def _first_run(settings, store: Store) -> None:
    """On an empty store, load the bundled sample and try the live sources once."""
    from bot.ingest import ingest_file, ingest_sources

    if store.count():
        return
    sample = resources.files("bot") / "sample"
    loaded = 0
    for name in ("seed_papers.json", "hf_daily_2026-06-12.json"):
        with resources.as_file(sample / name) as path:
            loaded += ingest_file(store, path, progress=False).added
    click.echo(f"The store was empty: loaded the bundled sample ({loaded} papers).", err=True)
    click.echo("Trying the live sources (Hugging Face, arXiv)…", err=True)
    report = ingest_sources(settings, store, attempts=1)
    for failure in report.failures:
        click.echo(f"  {failure}; carrying on with what is stored.", err=True)
    if report.seen:
        click.echo(f"  {report.summary()}", err=True)
    click.echo("Type `/papers ocr`, `/papers trending` or `/papers help`; Ctrl-D quits.", err=True)


@main.command()
@click.option(
    "--source",
    type=click.Choice(["hf", "arxiv", "file"]),
    help="One source only (default: Hugging Face, then arXiv).",
)
@click.option(
    "--date",
    "day",
    help="The Hugging Face daily list of this day, and the arXiv papers submitted that day "
    "(YYYY-MM-DD).",
)
@click.option("--file", "path", type=click.Path(path_type=Path), help="JSON Lines file to import.")
def ingest(source: str | None, day: str | None, path: Path | None) -> None:
    """Fetch papers and store them; counts are papers, each counted once."""
    from datetime import date

    from bot.ingest import ingest_file, ingest_sources

    settings = _settings()
    if day:
        try:
            date.fromisoformat(day)
        except ValueError:
            raise click.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
    if path and source not in (None, "file"):
        raise click.BadParameter("--file goes with --source file", param_hint="--file")
    if source == "file" and not path:
        raise click.BadParameter("--source file needs --file PATH", param_hint="--file")
    if path and day:
        raise click.BadParameter(
            "--date goes with the live sources, not --file", param_hint="--date"
        )
    if path and not path.is_file():
        raise click.ClickException(f"No such file: {path}")
    store = _store(settings)
    if path:
        report = ingest_file(store, path)
        if not report.seen:
            why = f" ({report.skipped_examples[0]}, …)" if report.skipped_examples else ""
            raise click.ClickException(
                f"Nothing imported from {path}: no paper in it, {report.skipped} "
                f"record(s) skipped{why}."
            )
    else:
        sources = (source,) if source else ("hf", "arxiv")
        report = ingest_sources(settings, store, sources, day=day)
    for failure in report.failures:
        click.echo(f"{failure}; kept everything already stored.", err=True)
    for note in report.notes:
        click.echo(note, err=True)
    click.echo(report.summary())
    if report.failures and not report.seen:
        sys.exit(1)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
def backup(path: Path) -> None:
    """Copy the store to PATH (a new file), safely while the bot runs."""
    settings = _settings()
    if not Path(settings.db_path).is_file():
        raise click.ClickException(
            f"There is no store at {settings.db_path} to back up (check PAPERS_DB)."
        )
    if path.is_dir():
        path = _new_name(path / f"papers-{utcnow():%Y%m%d-%H%M%S}.db")
    if path.exists():
        raise click.ClickException(f"{path} already exists; name a new file.")
    if not path.parent.is_dir():
        raise click.ClickException(f"Cannot write the backup {path}: no folder {path.parent}.")
    store = _store(settings)
    try:
        store.backup(path)
    except (OSError, sqlite3.OperationalError) as exc:  # unwritable, not a folder, ...
        raise click.ClickException(f"Cannot write the backup {path}: {exc}") from None
    size = path.stat().st_size / 1e6
    click.echo(
        f"Backed up {store.count():,} papers from {settings.db_path} to {path} ({size:.1f} MB)."
    )


def _new_name(path: Path) -> Path:
    """`path`, or `stem-2.db`, `stem-3.db`, ... when a backup of the same second exists."""
    number = 1
    candidate = path
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def _result_json(item) -> dict:
    """One search result as `search --json` gives it (the fields DESIGN lists)."""
    p = item.paper
    return {
        "id": p.id,
        "title": p.title,
        "authors": list(p.authors),
        "published": p.published,
        "categories": list(p.categories),
        "url": p.abs_url,
        "pdf": p.pdf_url,
        "code": p.code_url,
        "hf": p.hf_url,
        "score": round(item.score, 4),
    }


def _cell(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="JSON: ids, titles, authors, links, scores.")
def search(query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Search the stored papers, or find one paper by arXiv id or link."""
    from bot.lookup import paper_fetcher

    settings = _settings()
    store = _store(settings)
    try:
        result = run_search(
            store, " ".join(query), limit=limit, fetch=paper_fetcher(settings, store)
        )
    except PapersError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        rows = [_result_json(p) for p in result.papers]
        click.echo(json.dumps({"query": result.query.text, "results": rows}, ensure_ascii=False))
        return
    if not result.papers:
        click.echo(f"No papers match “{result.query.text}”.")
        return
    for rank, p in enumerate(result.papers, 1):
        first = _cell(p.paper.authors[0], 20) if p.paper.authors else "—"
        date = p.paper.published or "undated"
        click.echo(
            f"{rank:>3}  {p.paper.id:<16} {date:<10}  {first:<20} {p.score:7.2f}  "
            f"{_cell(p.paper.title, 60)}"
        )


@main.command()
@click.option("--channel", "channel_id", metavar="ID", help="Only this channel (its Slack id).")
@click.option("--users", is_flag=True, help="Personal DMs to everyone with topics, not threads.")
@click.option("--dry-run", is_flag=True, help="Print what would be posted; post nothing.")
def digest(channel_id: str | None, users: bool, dry_run: bool) -> None:
    """Send today's digests now, to every target that has not had today's yet."""
    from bot.core.digest_preview import PreviewDeliverer
    from bot.core.digest_run import run_digests

    settings = _settings()
    if channel_id and users:
        raise click.UsageError("--channel and --users do not go together.")
    if not dry_run and not settings.bot_token and not settings.oauth:
        raise click.ClickException(
            "SLACK_BOT_TOKEN is needed to post digests (--dry-run previews them without Slack)."
        )
    store = _store(settings)
    if dry_run:
        deliverer, unreachable = PreviewDeliverer(), ()
    else:
        from bot.slack.delivery import UNREACHABLE, Pacer, SlackDeliverer, make_client
        from bot.slack.installations import TeamClients

        # Many workspaces: each team's digests go out with its own installation's token.
        clients = TeamClients(settings, store) if settings.oauth else make_client(settings)
        deliverer = SlackDeliverer(clients, Pacer(settings.post_interval))
        unreachable = UNREACHABLE
    try:
        report = run_digests(settings, store, deliverer, channel=channel_id, users=users)
    except PapersError as exc:
        raise click.ClickException(str(exc)) from None
    except unreachable as exc:
        # Nothing is lost: what was posted is recorded, the next run resumes the rest.
        raise click.ClickException(
            f"Cannot reach Slack at {settings.slack_api_url} ({exc}); run it again later."
        ) from None
    except OSError as exc:  # the disk or the system, not Slack: say so
        raise click.ClickException(
            f"Digests stopped by a system error ({exc}); what was posted is recorded, "
            "and the next run resumes the rest."
        ) from None
    for line in report.lines():
        click.echo(line)
    click.echo(report.summary())
    if report.failed:
        sys.exit(1)


@main.command()
def doctor() -> None:
    """Check the store, Slack tokens and scopes, channels and sources; one line each."""
    from bot.doctor import Finding, check_sources, check_store
    from bot.slack.client import make_client
    from bot.slack.doctor import check_slack
    from bot.slack.installations import TeamClients

    settings = _settings()
    found: list[Finding] = []
    try:
        store = Store(settings.db_path)
    except StoreError as exc:
        store = None
        found.append(Finding(False, "store", str(exc)))
    except (sqlite3.DatabaseError, OSError) as exc:
        store = None
        found.append(Finding(False, "store", f"cannot open {settings.db_path}: {exc}"))
    if store is not None:
        found += check_store(store)
        single = None if settings.oauth or not settings.bot_token else make_client(settings)
        found += check_slack(settings, store, TeamClients(settings, store, single=single))
    found += check_sources(settings)
    for finding in found:
        click.echo(finding.line())
    failed = sum(not f.ok for f in found)
    click.echo(f"{len(found) - failed} ok, {failed} to fix.")
    if failed:
        sys.exit(1)
