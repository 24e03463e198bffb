"""HTML + styles → the booklet's pages, laid out part by part, fetching only allowed files.

The booklet is laid out in parts (booklet/render.py): the front matter, each article, the
back cover. An article opens on a recto, so each part's first page number follows from the
parts before it: the part is laid out with its folios counting on from there, and the pages
of all parts are joined into one WeasyPrint document, written as one PDF (one subset per
font; links and bookmarks across parts resolve). The contents print the pages where the
headings fell; the front matter is laid out again when those differ from what it printed.
A filler page (blank, no folio) goes before an article that would open on a verso, and
before the back cover as often as a saddle-stitched booklet's multiple of four needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import weasyprint
from weasyprint.urls import URLFetcher

from .problems import Problem, Where, error, warning
from .render import Part, Renderer, contents_ids


class RefusedURL(ValueError):
    pass


class FolderFetcher(URLFetcher):
    """Fetches file: and data: URLs under the allowed folders; refuses everything else."""

    def __init__(self, allowed: Sequence[Path]):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.allowed = [folder.resolve() for folder in allowed]
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parsed = urlparse(url)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: only files of the book, styles and fonts are read")
        path = Path(unquote(parsed.path)).resolve()  # resolves symlinks too
        if not any(path.is_relative_to(folder) for folder in self.allowed):
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: outside the book, styles and fonts folders")
        return super().fetch(url, headers)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def engine_log() -> Iterator[list[logging.LogRecord]]:
    """Capture WeasyPrint's warnings and errors instead of letting them scroll past."""
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def log_problems(records: Sequence[logging.LogRecord], stylesheets: str) -> list[Problem]:
    """WeasyPrint's log lines as problems: each ignored CSS rule or failed load is an error."""
    problems = []
    for record in records:
        message = record.getMessage().splitlines()[0]
        if "HarfBuzz-Subset" in message:
            continue  # reported once by the pipeline with the fix
        if record.levelno >= logging.ERROR or "Ignored" in message or "Failed to load" in message:
            problems.append(
                error(Where(stylesheets), "engine.css", message, "fix or remove the rule")
            )
        else:
            problems.append(warning(Where(stylesheets), "engine.warning", message))
    return problems


@dataclass(frozen=True)
class Laid:
    """The booklet laid out: one document of all the parts' pages, ready to write."""

    document: weasyprint.Document
    padding: int  # filler pages before the back cover, for a multiple of four
    numbers: dict[str, int]  # contents entry (article or section id) → its page


class PartCache:
    """Laid-out parts of the last build, for a process that builds again (the watch loop).

    A part is laid out again only when its HTML, its first page number or the stylesheets
    changed (``begin`` with another key forgets everything). Only parts laid out without a
    word from the engine are kept: a warning must be seen on every build.
    """

    def __init__(self) -> None:
        self._key: object = None
        self._parts: dict[tuple[str, int], weasyprint.Document] = {}
        self._used: dict[tuple[str, int], weasyprint.Document] = {}
        self.numbers: dict[str, int] | None = None  # what the last contents printed

    def begin(self, key: object) -> None:
        if key != self._key:
            self._key, self._parts, self.numbers = key, {}, None
        self._used = {}

    def get(self, html: str, start: int) -> weasyprint.Document | None:
        found = self._parts.get((html, start))
        if found is not None:
            self._used[html, start] = found
        return found

    def put(self, html: str, start: int, document: weasyprint.Document) -> None:
        self._used[html, start] = document

    def end(self, numbers: dict[str, int]) -> None:
        """Keep what this build used, nothing older."""
        self._parts, self._used, self.numbers = self._used, {}, numbers


class Engine:
    """WeasyPrint with one parsed stylesheet for all the parts of a layout."""

    def __init__(self, stylesheet, base_url: str, fetcher: FolderFetcher, fonts, options: dict):
        self.stylesheet = stylesheet  # weasyprint.CSS of the entry stylesheet
        self.base_url = base_url
        self.fetcher = fetcher
        self.fonts = fonts
        self.options = options
        self._first_pages: dict[int, weasyprint.CSS] = {}

    def render(self, html: str, start: int) -> tuple[weasyprint.Document, bool]:
        """Lay out one part whose first page is page ``start``; also whether the engine
        stayed silent (no log record, no refused file)."""
        sheets = [self.stylesheet]
        if start != 1:
            # The page counter of a part counts on from the pages before it.
            if start not in self._first_pages:
                rule = f"@page :first {{ counter-increment: page {start} }}"
                self._first_pages[start] = weasyprint.CSS(string=rule)
            sheets.append(self._first_pages[start])
        refused = len(self.fetcher.refused)
        with engine_log() as records:
            document = weasyprint.HTML(
                string=html, base_url=self.base_url, url_fetcher=self.fetcher
            ).render(font_config=self.fonts, stylesheets=sheets, **self.options)
        # An enclosing engine_log() (the pipeline's) received the same records.
        return document, not records and len(self.fetcher.refused) == refused


Progress = Callable[[str], None]


def lay_out(
    renderer: Renderer,
    engine: Engine,
    cache: PartCache | None = None,
    progress: Progress | None = None,
) -> Laid:
    """Lay out the front matter, each article on a recto, and the back cover; join them."""
    cache = cache or PartCache()

    def part(piece: Part, start: int) -> weasyprint.Document:
        html = renderer.document([piece], with_stylesheet=False)
        document = cache.get(html, start)
        if document is None:
            document, silent = engine.render(html, start)
            if silent:
                cache.put(html, start, document)
        return document

    ids = contents_ids(renderer.book)
    articles = renderer.articles()
    numbers: dict[str, int | str] = dict(cache.numbers or dict.fromkeys(ids, "000"))
    for _attempt in range(3):
        front = part(renderer.front(numbers), 1)
        page = len(front.pages) + 1
        placed = []  # (first page, opens after a filler, document)
        for number, piece in enumerate(articles, start=1):
            if progress:
                progress(f"layout: article {number} of {len(articles)} ({piece.name})")
            verso = page % 2 == 0  # an article opens on a recto: a filler goes first
            page += verso
            document = part(piece, page)
            placed.append((page, verso, document))
            page += len(document.pages)
        found = _anchor_pages(placed)
        laid_out = {i: found.get(i, "?") for i in ids}
        if laid_out == numbers:
            break
        numbers = laid_out  # the contents print other numbers: lay the front out again
        again = part(renderer.front(numbers), 1)
        if len(again.pages) == len(front.pages):
            front = again
            break
    else:
        raise RuntimeError("the contents do not settle on a page count")

    back = part(renderer.back(), 1)
    cover = next(p for p in back.pages if p._page_box.page_type.name == "back")
    filler = next(p for p in back.pages if p._page_box.page_type.name == "filler")
    pages = list(front.pages)
    for _start, verso, document in placed:
        pages += [filler] * verso + document.pages
    padding = -(len(pages) + 1) % 4
    pages += [filler] * padding + [cover]
    printed = {i: n for i, n in numbers.items() if isinstance(n, int)}  # "?": no anchor
    cache.end(printed)
    return Laid(front.copy(pages), padding, printed)


def _anchor_pages(placed) -> dict[str, int]:
    """Anchor → the page it first appears on, across the laid-out articles."""
    found: dict[str, int] = {}
    for start, _verso, document in placed:
        for index, page in enumerate(document.pages):
            for name in page.anchors:
                found.setdefault(name, start + index)
    return found


def subsetter_missing() -> bool:
    from weasyprint.text.ffi import harfbuzz_subset

    return harfbuzz_subset is None
