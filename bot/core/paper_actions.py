"""What a person does with one paper: save, unsave, more like this, not interested; the saved list.

A mixin of `bot.core.commands.Handlers`. `/papers saved`, `/papers saved bibtex`,
`/papers save <id>`, `/papers unsave <id>` come here through `handle`; the Slack buttons call
`save`, `unsave`, `more_like` and `not_interested` with the arXiv id the button carried,
validated here like typed text.
"""

from bot.core import ids, similar
from bot.core.bibtex import bibtex
from bot.core.models import StoredPaper
from bot.core.replies import BibTeX, Notice, SavedList, Similar
from bot.errors import BadCommand, PaperNotFound, SourceUnavailable

SAVED_PAGE = 5
SIMILAR = 5


def paper_id_of(text: str) -> str:
    """The arXiv id in an id, link or button value; raises BadCommand for anything else."""
    paper_id = ids.paper_id_in(text or "")
    if paper_id is None:
        raise BadCommand(
            f"“{text}” is not an arXiv id or paper link; for example `2206.03001`."
            if text
            else "Name a paper by its arXiv id or link, for example `2206.03001`."
        )
    return paper_id


class PaperActions:
    """Saved papers, More like this and Not interested, over `self.store` (see Handlers)."""

    def stored(self, paper_id: str) -> StoredPaper | None:
        """The stored paper under any form of its id, or None."""
        return next(filter(None, map(self.store.get, ids.id_forms(paper_id))), None)

    def _known(self, text: str) -> StoredPaper:
        """The stored paper a button value or typed id names; PaperNotFound if none."""
        paper_id = paper_id_of(text)
        found = self.stored(paper_id)
        if found is None:
            raise PaperNotFound(f"No paper {paper_id} is stored; search for it with /papers.")
        return found

    # -- typed commands ---------------------------------------------------------------------

    def do_saved(self, command, who):
        arg = command.arg.strip().lower()
        if arg == "bibtex":
            papers = self.store.saved_papers(who.team, who.user)
            if not papers:
                return Notice("You have saved no papers yet; click Save on any paper.")
            return BibTeX(bibtex(papers), len(papers))
        if arg:
            raise BadCommand("`/papers saved` lists your papers; `/papers saved bibtex` as BibTeX.")
        total = self.store.count_saved(who.team, who.user)
        page = self.store.saved_papers(who.team, who.user, SAVED_PAGE, command.offset)
        if not total:
            return Notice("You have saved no papers yet; click Save on any paper.")
        if not page:
            return Notice("No more saved papers.")
        return SavedList(page, command.offset, total)

    def do_save(self, command, who):
        paper_id = paper_id_of(command.arg.strip())
        found = self.stored(paper_id)
        if found is None and self.fetch_paper is not None:
            try:
                found = self.fetch_paper(paper_id)
            except (PaperNotFound, SourceUnavailable) as exc:
                return Notice(str(exc))
        if found is None:
            raise PaperNotFound(f"No paper {paper_id} is stored.")
        return self.save(who, found.paper.id)

    def do_unsave(self, command, who):
        return self.unsave(who, command.arg.strip())

    # -- buttons (and the commands above) ---------------------------------------------------

    def save(self, who, text: str):
        """Save the paper `text` names to the person's list; a Notice says what happened."""
        item = self._known(text)
        title = item.paper.title
        if self.store.save_paper(who.team, who.user, item.paper.id):
            return Notice(f"Saved “{title}”. `/papers saved` lists your saved papers.")
        return Notice(f"“{title}” is already in your saved papers.")

    def unsave(self, who, text: str):
        """Remove the paper `text` names from the person's list."""
        paper_id = paper_id_of(text)
        item = self.stored(paper_id)
        pid = item.paper.id if item else paper_id
        if self.store.unsave_paper(who.team, who.user, pid):
            return Notice(f"Removed “{item.paper.title if item else pid}” from your saved papers.")
        return Notice(f"{pid} is not in your saved papers.")

    def more_like(self, who, text: str):
        """Papers like the one `text` names, as Similar (or a Notice when none is found)."""
        item = self._known(text)
        papers = similar.more_like_this(self.store, item, SIMILAR)
        if not papers:
            return Notice(f"I found no papers like “{item.paper.title}” in the store.")
        return Similar(item, papers)

    def not_interested(self, who, text: str):
        """Keep the paper `text` names, and papers very like it, out of the person's digests."""
        item = self._known(text)
        self.store.mark_not_interested(who.team, who.user, item.paper.id)
        return Notice(
            f"Got it: “{item.paper.title}” and papers very like it stay out of your digests."
        )
