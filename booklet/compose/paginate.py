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
from booklet.compose import fit, floats, grid
from booklet.model import Article
from booklet.typeset.render import Part, Renderer, contents_ids

SMALLER_STEPS = 3  # the bk-smaller-N classes of styles/components/cover.css
FLOAT_ROUNDS = 4  # floats moved on in an article, at most (each move tries a few places)


@dataclass(frozen=True)
class Laid:
    """The booklet laid out: one document of all the parts' pages, ready to write."""

    document: weasyprint.Document
    padding: int  # filler pages before the back cover, for a multiple of four
    numbers: dict[str, int]  # contents entry (article or section id) → its page
    anchors: dict[str, int]  # every anchor → the first page it is on
    missing: tuple[str, ...] = ()  # named pages of the back matter the styles do not make
    grid: str = ""  # the spaces the line grid added below blocks, as CSS (for the --html)
    plan: fit.Plan | None = None  # the arrangement of the pages chosen (compose/fit.py)
    runner_up: fit.Plan | None = None  # the next best
    spilled: tuple[tuple[str, int], ...] = ()  # one-page parts laid out longer: (part, pages)
    steps: dict[str, int] | None = None  # how much smaller each one-page part is set
    moves: dict[str, floats.Moves] | None = None  # each article's floats moved on


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
        self.starts: dict[str, int] = {}  # where each article started in the last plan
        # What a part's layout taught, by its HTML and the parity of its first page (all of
        # the start its text flow depends on: folios and running heads stand in the margins):
        # the grid's spaces and the floats' moves. Finding them lays the part out several
        # times; once known, the part moved by two pages by the fitting, or unchanged in a
        # warm rebuild, is laid out once.
        self._learnt: dict[tuple[str, str, int], object] = {}
        self._learnt_used: dict[tuple[str, str, int], object] = {}

    def begin(self, key: object) -> None:
        if key != self._key:
            self._key, self._parts, self.numbers, self.starts = key, {}, None, {}
            self._learnt = {}
        self._used, self._learnt_used = {}, {}

    def recall(self, kind: str, html: str, start: int):
        key = (kind, html, start % 2)
        found = self._learnt_used.get(key, self._learnt.get(key))
        if found is not None:
            self._learnt_used[key] = found
        return found

    def learn(self, kind: str, html: str, start: int, value) -> None:
        self._learnt_used[kind, html, start % 2] = value

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
        self._learnt, self._learnt_used = self._learnt_used, {}


class LayoutFailed(Exception):
    """The engine failed on a part (a fault of the engine, met with this content); ``part``
    names the part (an article's id), filled in by lay_out."""

    def __init__(self, reason: str, part: str = ""):
        super().__init__(reason)
        self.reason, self.part = reason, part


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
        # A part that opens on a verso: an empty first page (a marker), then its first
        # element on a left page; the empty page is dropped.
        self._verso = weasyprint.CSS(string=".bk-verso + * { break-before: left !important; }")

    def render(
        self, html: str, start: int, css: str = "", verso: bool = False
    ) -> tuple[weasyprint.Document, bool]:
        """Lay out one part whose first page is page ``start`` (``css``: rules of its own,
        the grid's spaces; ``verso``: it opens on a left page); also whether the engine
        stayed silent (no log record, no refused file)."""
        sheets = [self.stylesheet]
        if css:
            sheets.append(weasyprint.CSS(string=css))
        if verso:
            sheets.append(self._verso)
        first = start - 1 if verso else start  # a verso part's first page is the blank one
        if first != 1:
            # The page counter of a part counts on from the pages before it.
            if first not in self._first_pages:
                rule = f"@page :first {{ counter-increment: page {first} }}"
                self._first_pages[first] = weasyprint.CSS(string=rule)
            sheets.append(self._first_pages[first])
        if verso:
            at = html.index(">", html.index("<body")) + 1
            html = html[:at] + '<div class="bk-verso"></div>' + html[at:]
        refused = len(self.fetcher.refused)
        with engine.engine_log() as records:
            try:
                document = weasyprint.HTML(
                    string=html, base_url=self.base_url, url_fetcher=self.fetcher
                ).render(font_config=self.fonts, stylesheets=sheets, **self.options)
            except Exception as exc:  # the engine's own failure, not the book's: say so
                raise LayoutFailed(f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
        if verso:  # the marker's empty right page before the part's left one
            document = document.copy(document.pages[1:])
        # An enclosing engine_log() (the pipeline's) received the same records.
        return document, not records and len(self.fetcher.refused) == refused


Progress = Callable[[str], None]


def lay_out(
    renderer: Renderer,
    setter: PartSetter,
    cache: PartCache | None = None,
    progress: Progress | None = None,
) -> Laid:
    """Lay out every part, fit the signature (compose/fit.py), number the contents where the
    headings fell, and join the pages in the chosen order."""
    cache = cache or PartCache()

    def part(piece: Part, start: int, css: str = "") -> weasyprint.Document:
        """One part with its first page numbered ``start``; on a verso (an even number) the
        part begins with a left page: laid out after a blank right page, which is dropped."""
        verso = start % 2 == 0
        html = renderer.document([piece], with_stylesheet=False)
        key_css = css + ("\n/* verso */" if verso else "")
        document = cache.get(html, start, key_css)
        if document is None:
            document, silent = setter.render(html, start, css, verso)
            if silent:
                cache.put(html, start, document, key_css)
        return document

    grids: dict[str, dict[grid.Key, grid.Space]] = {}
    moves: dict[str, floats.Moves] = {}  # each article's floats moved on (compose/floats.py)

    def on_grid(piece: Part, start: int) -> tuple[weasyprint.Document, dict]:
        """A part laid out on the line grid: laid out, measured, and laid out again with the
        space each block lacks of whole lines (measured on the layout without them, so a
        warm rebuild finds what a cold one does; that layout is kept in the cache)."""
        known = cache.recall("grid", str(piece.body), start)
        if known is not None:
            return part(piece, start, grid.stylesheet(known) if known else ""), known
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
        cache.learn("grid", str(piece.body), start, spaces)
        return document, spaces

    def article(model: Article, start: int) -> weasyprint.Document:
        """An article on the line grid, its floats moved on where a page would end short.
        Each place tried is laid out once, with the grid's spaces of the layout it improves
        on; the place kept is laid out on the grid anew. The answer is remembered for the
        article as written and its first page (the fitting lays articles out again)."""
        src = renderer.src
        as_written = renderer.article(model)
        written = str(as_written.body)
        known = cache.recall("moves", written, start)
        chosen = dict(known if known is not None else moves.get(model.id, {}))
        piece = renderer.article(floats.moved(model, chosen, src)) if chosen else as_written
        document, spaces = on_grid(piece, start)
        tried: set[str] = set()
        for _round in range(FLOAT_ROUNDS if known is None else 0):
            now = floats.shortness(document)
            pushed = (
                floats.pushed(document, page) for page, _lines in floats.short_pages(document)
            )
            target = next((found for found in pushed if found and found not in tried), None)
            if not now[0] or target is None:
                break
            tried.add(target)
            for step in floats.STEPS:
                trial = {**chosen, target: chosen.get(target, 0) + step}
                changed = floats.moved(model, {k: v for k, v in trial.items() if v}, src)
                if changed is None:
                    continue
                try:
                    laid_out = part(renderer.article(changed), start, grid.stylesheet(spaces))
                except LayoutFailed:
                    continue  # a place the engine cannot lay out is no place for it
                if floats.shortness(laid_out) < now and floats.near_anchor(
                    laid_out, model, trial, src
                ):
                    gridded, gridded_spaces = on_grid(renderer.article(changed), start)
                    if floats.shortness(gridded) < now:
                        chosen, document, spaces = trial, gridded, gridded_spaces
                        break
        chosen = {k: v for k, v in chosen.items() if v}
        renderer.article(floats.moved(model, chosen, src))  # its pieces, in the order they print
        cache.learn("moves", written, start, chosen)
        moves[model.id], grids[model.id] = chosen, spaces
        return document

    book = renderer.book
    ids = contents_ids(book)
    articles = list(book.articles)
    names = [model.id for model in articles]
    numbers: dict[str, int | str] = dict(cache.numbers or dict.fromkeys(ids, "000"))
    steps: dict[str, int] = {}

    def one_page(name: str, make: Callable[[int], Part]) -> weasyprint.Document:
        """A part that must fit on one page, set a step smaller until it does."""
        for step in range(SMALLER_STEPS + 1):
            document = part(make(step), 1)
            steps[name] = step
            if len(document.pages) == 1:
                break
        return document

    fixed = {
        fit.COVER: one_page(fit.COVER, renderer.cover),
        fit.TITLE: one_page(fit.TITLE, renderer.title_page),
        fit.COLOPHON: one_page(fit.COLOPHON, renderer.colophon),
        fit.BACK: one_page(fit.BACK, renderer.back),
        fit.FILLER: part(renderer.filler(), 1),
        fit.NOTES: part(renderer.notes(), 1),
    }
    # Where the articles start in the plan of the last build (or one after the other, on
    # rectos if the book asks for them):
    # laid out there first, they are laid out once when the plan stays.
    starts = dict(cache.starts)
    laid: dict[str, weasyprint.Document] = {}
    plan = runner_up = None
    for attempt in range(4):
        front = 1 + counts_of(fixed, fit.COVER) + 1 + counts_of(fixed, fit.TITLE)
        front += counts_of(fixed, fit.COLOPHON)
        contents_start = starts.get(fit.CONTENTS) or front + (front % 2 == 0)
        contents = part(renderer.contents(numbers), contents_start)
        starts[fit.CONTENTS] = contents_start
        counts = {name: len(document.pages) for name, document in fixed.items()}
        counts[fit.CONTENTS] = len(contents.pages)
        page = contents_start + counts[fit.CONTENTS]
        for number, model in enumerate(articles, start=1):
            if progress and not attempt:
                progress(f"layout: article {number} of {len(articles)} ({model.id})")
            recto = book.openings == "right" and page % 2 == 0
            start = starts.get(model.id) or page + recto
            try:
                laid[model.id] = article(model, start)
            except LayoutFailed as failed:
                failed.part = model.id
                raise
            starts[model.id] = start
            page = start + len(laid[model.id].pages)
        counts.update({name: len(laid[name].pages) for name in names})
        plan, runner_up = fit.best(counts, names, book.openings, book.title_page)
        moved = {name: plan.start(name) for name in names if plan.start(name) != starts[name]}
        if progress and moved:
            progress(f"layout: fitting the pages ({len(moved)} of {len(names)} articles move)")
        for name, start in moved.items():
            laid[name] = article(next(m for m in articles if m.id == name), start)
            starts[name] = start
        if plan.start(fit.CONTENTS) != contents_start:
            starts[fit.CONTENTS] = plan.start(fit.CONTENTS)
            moved[fit.CONTENTS] = starts[fit.CONTENTS]
            contents = part(renderer.contents(numbers), starts[fit.CONTENTS])
        found: dict[str, int] = {}
        for name in names:
            for anchor, number in engine.anchor_pages(laid[name].pages, starts[name]).items():
                found.setdefault(anchor, number)
        printed = {i: found.get(i, "?") for i in ids}
        if printed == numbers and not moved:
            break
        numbers = printed  # the contents print other numbers: lay them out again
    cache.starts = starts
    slots = {fit.CONTENTS: contents, **fixed, **laid}
    pages = []
    for slot in plan.slots:
        # A part is as long as the plan says: a one-page part that spilled (an error, but the
        # rest of the book is still checked) keeps its first page.
        if slot.part == fit.NOTES:  # a notes page prints its folio: laid out where it goes
            slots[fit.NOTES] = part(renderer.notes(), slot.start)
        pages += slots[slot.part].pages[: slot.pages]
    named = {
        engine.page_name(p): p for p in reversed(fixed[fit.BACK].pages + fixed[fit.FILLER].pages)
    }
    missing = tuple(name for name in ("back", "filler") if name not in named)
    printed = {i: n for i, n in numbers.items() if isinstance(n, int)}  # "?": no anchor
    cache.end(printed)
    joined = engine.join(fixed[fit.COVER], pages)
    grid_css = "\n".join(grid.stylesheet(spaces) for spaces in grids.values() if spaces)
    spilled = tuple(
        (name, len(fixed[name].pages))
        for name in (fit.COVER, fit.TITLE, fit.COLOPHON, fit.BACK)
        if len(fixed[name].pages) > 1
    )
    return Laid(
        joined,
        len(plan.blanks()),
        printed,
        engine.anchor_pages(joined.pages),
        missing,
        grid_css,
        plan,
        runner_up,
        spilled,
        steps,
        moves,
    )


def counts_of(documents: dict, name: str) -> int:
    return len(documents[name].pages)
