"""arXiv ids and paper links: the one place that recognises them.

New-style ids are `YYMM.NNNN` (2007–2014) or `YYMM.NNNNN` (since 2015); old-style ids are
`archive/YYMMNNN`, sometimes written with the subject class (`math.GT/0309136`). A version
(`v2`) names one revision of a paper, so it is dropped: the store keeps one row per paper.
"""

import re
from urllib.parse import unquote, urlsplit

# Four digits after the dot until 1412, five since 1501: `2206.0300` is no id.
_NEW = r"(?:0[7-9]|1[0-4])(?:0[1-9]|1[0-2])\.\d{4}|\d{2}(?:0[1-9]|1[0-2])\.\d{5}"
_OLD = r"[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7}"
_ID = re.compile(rf"^({_NEW}|{_OLD})(?:[vV]\d+)?$")
# Prefixes sources put before an id: `arXiv:2206.03001`, `oai:arXiv.org:2206.03001v1`.
_PREFIX = re.compile(r"^(?:oai:arxiv\.org:|arxiv:)", re.IGNORECASE)
# Hosts whose paper pages name the id in their path, and the path heads before the id.
_PAPER_PATHS = {
    "arxiv.org": ("abs", "pdf", "html", "format"),
    "export.arxiv.org": ("abs", "pdf"),
    "huggingface.co": ("papers",),
    "hf.co": ("papers",),
    "alphaxiv.org": ("abs", "overview", "pdf"),
}


def normalize_id(raw: object) -> str | None:
    """The arXiv id without version, from an id, `arXiv:` id or abs/pdf URL; None if invalid.

    Used on what sources send (Atom ids such as `http://arxiv.org/abs/2510.14968v1`, OAI ids,
    snapshot ids). Old-style ids keep the form they came in.
    """
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    for marker in ("/abs/", "/pdf/"):
        if marker in text:
            text = text.split(marker, 1)[1]
    text = _PREFIX.sub("", text).removesuffix(".pdf")
    match = _ID.match(text)
    return match.group(1) if match else None


def paper_id_in(text: str) -> str | None:
    """The arXiv id a person means when `text` is one id or one paper link, else None.

    Accepts `2206.03001`, `2206.03001v2`, `arXiv:2206.03001`, `hep-th/9901001`,
    `math.GT/0309136`, and links to a paper on arxiv.org (`/abs/`, `/pdf/`, with or without
    version or `.pdf`), huggingface.co/papers/<id> and alphaxiv.org (`/abs/`, `/overview/`),
    also as Slack sends links (`<https://…>` or `<https://…|label>`). Anything else, such as
    an id among other words, is not one paper and gives None.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].split("|", 1)[0].strip()
    if not text or any(ch.isspace() for ch in text):
        return None
    if "://" in text or text.lower().startswith(("www.", *(h + "/" for h in _PAPER_PATHS))):
        return _id_in_link(text)
    match = _ID.match(_PREFIX.sub("", text))
    return match.group(1) if match else None


def _id_in_link(link: str) -> str | None:
    parts = urlsplit(link if "://" in link else "https://" + link)
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").removeprefix("www.")
    heads = _PAPER_PATHS.get(host)
    path = unquote(parts.path).strip("/")
    head, _, rest = path.partition("/")
    if not heads or head not in heads or not rest:
        return None
    match = _ID.match(_PREFIX.sub("", rest.removesuffix(".pdf")))
    return match.group(1) if match else None


def id_forms(paper_id: str) -> tuple[str, ...]:
    """The forms an id may be stored under: `math.GT/0309136` is also `math/0309136`."""
    archive, slash, number = paper_id.partition("/")
    if slash and "." in archive:
        return (paper_id, f"{archive.split('.')[0]}/{number}")
    return (paper_id,)
