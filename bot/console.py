"""Console mode: the `/papers` handlers on a terminal, for trying papers-bot with no Slack."""

import atexit
import contextlib
import sys
from pathlib import Path
from typing import IO

from bot.core import trending
from bot.core.commands import Command, Handlers, Who, parse
from bot.core.labels import authors_line
from bot.core.models import StoredPaper
from bot.core.replies import BibTeX, Notice, Reply, Results, SavedList, Similar, Trending, Usage

PROMPT = "papers> "
WIDTH = 100


def paper_lines(number: int, item: StoredPaper) -> list[str]:
    p = item.paper
    lines = [f"{number}. {p.title}", f"   {authors_line(p.authors)} · {p.published or 'undated'}"]
    why = trending.why(item.popularity)
    if why:
        lines.append(f"   {why}")
    links = [p.abs_url, p.pdf_url]
    if p.code_url:
        links.append(p.code_url)
    lines.append("   " + "  ".join(links))
    return lines


def render(reply: Reply) -> str:
    """A reply as plain terminal text."""
    if isinstance(reply, Usage):
        head = [reply.problem, ""] if reply.problem else []
        rows = [f"  {usage:<30} {what}  (e.g. {example})" for usage, what, example in reply.rows]
        return "\n".join([*head, "Usage:", *rows])
    if isinstance(reply, Results):
        r = reply.result
        lines = [f"Papers matching “{r.query.text}” ({r.offset + 1}–{r.offset + len(r.papers)}):"]
        for i, item in enumerate(r.papers, r.offset + 1):
            lines += paper_lines(i, item)
        if r.has_more:
            lines.append("More: type `more`.")
        return "\n".join(lines)
    if isinstance(reply, Trending):
        lines = [f"Trending papers · {reply.day}"]
        if reply.note:
            lines.append(reply.note)
        for i, item in enumerate(reply.papers, 1):
            lines += paper_lines(i, item)
        return "\n".join(lines)
    if isinstance(reply, SavedList):
        lines = [
            f"Your saved papers ({reply.offset + 1}–{reply.offset + len(reply.papers)} of "
            f"{reply.total}):"
        ]
        for i, item in enumerate(reply.papers, reply.offset + 1):
            lines += paper_lines(i, item)
        return "\n".join(lines)
    if isinstance(reply, BibTeX):
        return reply.text.rstrip()
    if isinstance(reply, Similar):
        lines = [f"Papers like “{reply.source.paper.title}”:"]
        for i, item in enumerate(reply.papers, 1):
            lines += paper_lines(i, item)
        return "\n".join(lines)
    if isinstance(reply, Notice):
        return "\n".join([reply.text, *(f"  • {item}" for item in reply.items)])
    raise TypeError(f"cannot render {reply!r}")


def loop(handlers: Handlers, stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout) -> None:
    """Read `/papers ...` lines until EOF and print each answer."""
    interactive = stdin.isatty() and stdin is sys.stdin
    if interactive:
        _line_editing()
    who = Who()
    last: Results | None = None
    while True:
        if interactive:
            try:
                line = input(PROMPT) + "\n"  # readline: arrow keys, history
            except EOFError:
                break
        else:
            line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text.lower() in ("quit", "exit"):
            break
        if text.lower() == "more":
            if last is None:
                stdout.write("Nothing to page through: search first, e.g. `/papers ocr`.\n\n")
                continue
            page = last.result
            command = Command("search", page.query.text, page.offset + len(page.papers))
        else:
            command = parse(text.removeprefix("/papers").strip())
        reply = handlers.handle(command, who)
        last = reply if isinstance(reply, Results) else None  # `more` pages the answer just shown
        stdout.write(render(reply) + "\n\n")
        stdout.flush()


HISTORY = Path.home() / ".papers_bot_history"


def _line_editing() -> None:
    """Line editing, and history across runs in ~/.papers_bot_history, where readline exists."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input() still works
        return
    with contextlib.suppress(OSError):  # no history yet, or a read-only home
        readline.read_history_file(HISTORY)
    readline.set_history_length(1000)
    atexit.register(_save_history, readline)


def _save_history(readline) -> None:
    try:
        readline.write_history_file(HISTORY)
    except OSError as exc:  # a read-only home: history is a convenience, say so once
        print(f"(history not saved: {exc})", file=sys.stderr)
