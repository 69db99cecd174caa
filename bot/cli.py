"""The `papers-bot` command line."""

import json
import logging
import sqlite3
import sys
from importlib import resources
from pathlib import Path

import click

from bot import config
from bot.core.search import search as run_search
from bot.errors import PapersError
from bot.store import Store

log = logging.getLogger("bot")


def _settings():
    try:
        return config.load()
    except PapersError as exc:
        raise click.ClickException(str(exc)) from None


def _store(settings) -> Store:
    try:
        return Store(settings.db_path)
    except (sqlite3.DatabaseError, OSError) as exc:  # unreadable, locked or not SQLite
        raise click.ClickException(f"Cannot open the store {settings.db_path}: {exc}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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

        _first_run(settings, store)
        console.loop(Handlers(store))
        return
    from bot.slack.app import serve

    try:
        serve(settings, store, http_mode=http_mode, port=port)
    except PapersError as exc:
        raise click.ClickException(str(exc)) from None


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
@click.option("--date", "day", help="The Hugging Face daily list of this day (YYYY-MM-DD).")
@click.option("--file", "path", type=click.Path(path_type=Path), help="JSON Lines file to import.")
def ingest(source: str | None, day: str | None, path: Path | None) -> None:
    """Fetch papers and store them."""
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
    store = _store(settings)
    if source == "file" or path:
        if not path:
            raise click.BadParameter("--source file needs --file PATH", param_hint="--file")
        if not path.is_file():
            raise click.ClickException(f"No such file: {path}")
        report = ingest_file(store, path)
    else:
        sources = (source,) if source else ("hf", "arxiv")
        report = ingest_sources(settings, store, sources, **({"day": day} if day else {}))
    for failure in report.failures:
        click.echo(f"{failure}; kept everything already stored.", err=True)
    click.echo(report.summary())
    if report.failures and not report.seen:
        sys.exit(1)


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="JSON: ids, titles, links, scores.")
def search(query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Search the stored papers."""
    store = _store(_settings())
    try:
        result = run_search(store, " ".join(query), limit=limit)
    except PapersError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        rows = [
            {
                "id": p.paper.id,
                "title": p.paper.title,
                "url": p.paper.abs_url,
                "pdf": p.paper.pdf_url,
                "code": p.paper.code_url,
                "hf": p.paper.hf_url,
                "published": p.paper.published,
                "score": round(p.score, 4),
            }
            for p in result.papers
        ]
        click.echo(json.dumps({"query": result.query.text, "results": rows}, ensure_ascii=False))
        return
    if not result.papers:
        click.echo(f"No papers match “{result.query.text}”.")
        return
    for rank, p in enumerate(result.papers, 1):
        title = p.paper.title if len(p.paper.title) <= 70 else p.paper.title[:69] + "…"
        click.echo(f"{rank:>3}  {p.paper.id:<12} {p.score:7.2f}  {title}")


@main.command()
@click.option("--channel", "channel_id", metavar="ID", help="Only this channel (its Slack id).")
@click.option("--users", is_flag=True, help="Personal DMs to everyone with topics, not threads.")
@click.option("--dry-run", is_flag=True, help="Print what would be posted; post nothing.")
def digest(channel_id: str | None, users: bool, dry_run: bool) -> None:
    """Send today's digests now, to every target that has not had today's yet."""
    from http.client import HTTPException
    from urllib.error import URLError

    from slack_sdk.errors import SlackRequestError

    from bot.digests import run_digests

    settings = _settings()
    if channel_id and users:
        raise click.UsageError("--channel and --users do not go together.")
    if not dry_run and not settings.bot_token:
        raise click.ClickException(
            "SLACK_BOT_TOKEN is needed to post digests (--dry-run previews them without Slack)."
        )
    store = _store(settings)
    client = None
    if not dry_run:
        from bot.slack.delivery import make_client

        client = make_client(settings)
    try:
        report = run_digests(
            settings, store, client, channel=channel_id, users=users, dry_run=dry_run
        )
    except PapersError as exc:
        raise click.ClickException(str(exc)) from None
    except (SlackRequestError, URLError, ConnectionError, TimeoutError, HTTPException) as exc:
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
