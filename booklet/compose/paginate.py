"""HTML + styles → the booklet's pages, laid out part by part and joined into one document.

The booklet is laid out in parts (booklet/typeset/render.py): the front matter, each article, the
back cover. An article opens on a recto, so each part's first page number follows from the
parts before it: the part is laid out with its folios counting on from there, and the pages
of all parts are joined into one WeasyPrint document, written as one PDF (one subset per
font; links and bookmarks across parts resolve). The contents print the pages where the
headings fell; the front matter is laid out again when those differ from what it printed.
A filler page (blank, no folio) goes before an article that would open on a verso, and
before the back cover as often as a saddle-stitched booklet's multiple of four needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import weasyprint

from booklet import engine
from booklet.compose import grid
from booklet.typeset.render import Part, Renderer, contents_ids


@dataclass(frozen=True)
class Laid:
    """The booklet laid out: one document of all the parts' pages, ready to write."""

    document: weasyprint.Document
    padding: int  # filler pages before the back cover, for a multiple of four
    numbers: dict[str, int]  # contents entry (article or section id) → its page
    anchors: dict[str, int]  # every anchor → the first page it is on
    missing: tuple[str, ...] = ()  # named pages of the back matter the styles do not make
    grid: str = ""  # the spaces the line grid added below blocks, as CSS (for the --html)


class PartCache:
    """Laid-out parts of the last build, for a process that builds again (the watch loop).

    A part is laid out again only when its HTML, its first page number or the stylesheets
    changed (``begin`` with another key forgets everything). Only parts laid out without a
    word from the engine are kept: a warning must be seen on every build.
    """

    def __init__(self) -> None:
        self._key: object = None
        self._parts: dict[tuple[str, int, str], weasyprint.Document] = {}
        self._used: dict[tuple[str, int, str], weasyprint.Document] = {}
        self.numbers: dict[str, int] | None = None  # what the last contents printed

    def begin(self, key: object) -> None:
        if key != self._key:
            self._key, self._parts, self.numbers = key, {}, None
        self._used = {}

    def get(self, html: str, start: int, css: str = "") -> weasyprint.Document | None:
        found = self._parts.get((html, start, css))
        if found is not None:
            self._used[html, start, css] = found
        return found

    def put(self, html: str, start: int, document: weasyprint.Document, css: str = "") -> None:
        self._used[html, start, css] = document

    def end(self, numbers: dict[str, int]) -> None:
        """Keep what this build used, nothing older."""
        self._parts, self._used, self.numbers = self._used, {}, numbers


class PartSetter:
    """WeasyPrint with one parsed stylesheet for all the parts of a layout."""

    def __init__(
        self, stylesheet, base_url: str, fetcher: engine.FolderFetcher, fonts, options: dict
    ):
        self.stylesheet = stylesheet  # weasyprint.CSS of the entry stylesheet
        self.base_url = base_url
        self.fetcher = fetcher
        self.fonts = fonts
        self.options = options
        self._first_pages: dict[int, weasyprint.CSS] = {}

    def render(self, html: str, start: int, css: str = "") -> tuple[weasyprint.Document, bool]:
        """Lay out one part whose first page is page ``start`` (``css``: rules of its own,
        the grid's spaces); also whether the engine stayed silent (no log record, no
        refused file)."""
        sheets = [self.stylesheet]
        if css:
            sheets.append(weasyprint.CSS(string=css))
        if start != 1:
            # The page counter of a part counts on from the pages before it.
            if start not in self._first_pages:
                rule = f"@page :first {{ counter-increment: page {start} }}"
                self._first_pages[start] = weasyprint.CSS(string=rule)
            sheets.append(self._first_pages[start])
        refused = len(self.fetcher.refused)
        with engine.engine_log() as records:
            document = weasyprint.HTML(
                string=html, base_url=self.base_url, url_fetcher=self.fetcher
            ).render(font_config=self.fonts, stylesheets=sheets, **self.options)
        # An enclosing engine_log() (the pipeline's) received the same records.
        return document, not records and len(self.fetcher.refused) == refused


Progress = Callable[[str], None]


def lay_out(
    renderer: Renderer,
    setter: PartSetter,
    cache: PartCache | None = None,
    progress: Progress | None = None,
) -> Laid:
    """Lay out the front matter, each article on a recto, and the back cover; join them."""
    cache = cache or PartCache()

    def part(piece: Part, start: int, css: str = "") -> weasyprint.Document:
        html = renderer.document([piece], with_stylesheet=False)
        document = cache.get(html, start, css)
        if document is None:
            document, silent = setter.render(html, start, css)
            if silent:
                cache.put(html, start, document, css)
        return document

    grids: dict[str, dict[grid.Key, grid.Space]] = {}

    def article(piece: Part, start: int) -> weasyprint.Document:
        """An article laid out on the line grid: laid out, measured, and laid out again with
        the space each block lacks of whole lines (measured on the layout without them, so
        a warm rebuild finds what a cold one does; that layout is kept in the cache)."""
        document = part(piece, start)
        spaces = grid.measure(document)
        for _attempt in range(2):
            if not spaces:
                break
            document = part(piece, start, grid.stylesheet(spaces))
            # Blocks that the new spaces moved off a page break may lack lines too.
            more = {k: v for k, v in grid.measure(document, spaces).items() if k not in spaces}
            if not more:
                break
            spaces = {**spaces, **more}
        grids[piece.name] = spaces
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
            document = article(piece, page)
            placed.append((page, verso, document))
            page += len(document.pages)
        found: dict[str, int] = {}
        for start, _verso, document in placed:
            for name, number in engine.anchor_pages(document.pages, start).items():
                found.setdefault(name, number)
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
    named = {engine.page_name(p): p for p in reversed(back.pages)}
    cover, filler = named.get("back"), named.get("filler")
    missing = tuple(name for name, page in (("back", cover), ("filler", filler)) if page is None)
    pages = list(front.pages)
    for _start, verso, document in placed:
        pages += [filler] * verso + document.pages
    padding = -(len(pages) + 1) % 4
    pages += [filler] * padding + [cover]
    if missing:  # the pipeline reports it and writes nothing
        pages = [p for p in pages if p is not None]
    printed = {i: n for i, n in numbers.items() if isinstance(n, int)}  # "?": no anchor
    cache.end(printed)
    joined = engine.join(front, pages)
    grid_css = "\n".join(grid.stylesheet(spaces) for spaces in grids.values() if spaces)
    return Laid(joined, padding, printed, engine.anchor_pages(joined.pages), missing, grid_css)
