"""`papers-bot doctor`: each thing the bot depends on, checked, as one line with what to do.

Checks, in order: the store (integrity, migrations), the Slack token(s) and their scopes against
manifest.yml's (one per installed workspace with OAuth), the bot's membership in each enabled
channel, and the paper sources' reachability. Nothing is written, except what opening the
store always does (pending migrations are applied then, and reported here as applied).
The Slack checks live with the Slack adapter (bot.slack.doctor); bot/cli.py runs them all.
"""

from dataclasses import dataclass

import httpx

from bot.errors import StoreError
from bot.store.schema import migrations


@dataclass(frozen=True)
class Finding:
    """One check: `ok`, what was checked, and (when not ok) what to do."""

    ok: bool
    what: str
    text: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.what}: {self.text}"


def check_store(store) -> list[Finding]:
    try:
        store.check()
    except StoreError as exc:
        return [Finding(False, "store", str(exc))]
    pending = [m.name for m in migrations.pending(store.db)]
    if pending:
        return [Finding(False, "store", f"migrations not applied: {', '.join(pending)}; restart")]
    applied = migrations.applied(store.db)
    last = applied[-1].name if applied else "none"
    return [
        Finding(True, "store", f"{store.path}: intact, {store.count():,} papers, schema {last}")
    ]


def check_sources(settings) -> list[Finding]:
    """One small request to each paper source."""
    probes = [
        ("source Hugging Face", f"{settings.hf_endpoint}/api/daily_papers", {"limit": 1}),
        (
            "source arXiv",
            settings.arxiv_api_url,
            {"search_query": f"cat:{settings.arxiv_categories[0]}", "max_results": 1},
        ),
    ]
    found = []
    with httpx.Client(timeout=10, follow_redirects=True) as http:
        for label, url, params in probes:
            try:
                status = http.get(url, params=params).status_code
            except httpx.HTTPError as exc:
                found.append(Finding(False, label, f"{url} unreachable ({exc}); check the network"))
                continue
            ok = status < 400
            text = f"{url} answered {status}" + (
                "" if ok else "; ingests will fail until it answers"
            )
            found.append(Finding(ok, label, text))
    return found
