"""Finding one paper that is not stored yet: Hugging Face first, then arXiv.

`/papers <id or link>` and `papers-bot search <id or link>` call this when the store lacks
the paper. It runs after the command was acknowledged, so its few seconds never delay an ack.
"""

import json
from collections.abc import Callable
from functools import partial

import httpx

from bot.config import Settings
from bot.core import ids
from bot.core.models import IngestReport, Sighting, StoredPaper
from bot.errors import BadPayload, PaperNotFound, SourceUnavailable
from bot.sources import arxiv, hf
from bot.sources.http import Fetcher, make_client
from bot.store import Store

# A person is waiting: short timeouts and one quick retry, not an ingest's patience.
TIMEOUT = httpx.Timeout(8.0, connect=3.0)
RETRY = {"attempts": 2, "backoff": 0.5, "max_wait": 2.0}


def _from_hf(fetcher: Fetcher, paper_id: str) -> Sighting | None:
    response = fetcher.get(f"/api/papers/{paper_id}", allow=(404,))
    if response.status_code == 404:
        return None
    try:
        return hf.parse_item({"paper": json.loads(response.content)}, list_name="lookup")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadPayload(f"Hugging Face sent an unreadable paper ({exc})") from None


def _from_arxiv(fetcher: Fetcher, url: str, paper_id: str) -> Sighting | None:
    forms = ids.id_forms(paper_id)  # arXiv names `math.GT/0309136` as `math/0309136`
    response = fetcher.get(url, params={"id_list": forms[-1], "max_results": 1})
    try:
        page = arxiv.parse_page(response.content, IngestReport())
    except BadPayload as exc:
        if "rejected the query" in str(exc):  # arXiv's answer to an id it does not have
            return None
        raise
    return next((s for s in page.sightings if s.paper.id in forms), None)


def fetch_paper(settings: Settings, store: Store, paper_id: str, **retry) -> StoredPaper:
    """The paper `paper_id` (an id from `ids.paper_id_in`) fetched, stored and returned.

    Asks `GET {HF_ENDPOINT}/api/papers/{id}`, else the arXiv export API (`id_list=`). Raises
    PaperNotFound when neither has it, SourceUnavailable when neither could be asked.
    """
    retry = {**RETRY, **retry}
    problems: list[str] = []
    sighting = None
    with make_client(settings.hf_endpoint, TIMEOUT) as client:
        try:
            sighting = _from_hf(Fetcher("Hugging Face", client, **retry), paper_id)
        except SourceUnavailable as exc:
            problems.append(str(exc))
        if sighting is None:
            try:
                fetcher = Fetcher("arXiv", client, **retry)
                sighting = _from_arxiv(fetcher, settings.arxiv_api_url, paper_id)
            except SourceUnavailable as exc:
                problems.append(str(exc))
    if sighting is None:
        if len(problems) == 2:
            raise SourceUnavailable(f"Cannot look up {paper_id}: {'; '.join(problems)}.")
        if problems:
            raise PaperNotFound(f"No paper {paper_id} on arXiv ({problems[0]}).")
        raise PaperNotFound(f"No paper {paper_id} on Hugging Face or arXiv.")
    store.upsert([sighting])
    stored = store.get(sighting.paper.id)
    if stored is None:  # only if the row vanished between the two statements
        raise PaperNotFound(f"No paper {paper_id} is stored.")
    return stored


def paper_fetcher(settings: Settings, store: Store) -> Callable[[str], StoredPaper]:
    """`fetch_paper` bound to these settings and this store, for the command handlers."""
    return partial(fetch_paper, settings, store)
