"""Book → HTML through the Jinja2 templates, with every text run through the Chinese text pass.

The booklet is rendered in parts that are laid out one by one (booklet/compose/paginate.py): the
front matter (cover, title page, colophon, contents), each article, and the back cover. The
contents print the page numbers they are given, found where the headings were laid out.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from booklet.model import Article, Book, Note, Paragraph, Run, squeeze
from booklet.problems import Where

from . import cjk
from .typearea import type_area

TEMPLATES = Path(__file__).resolve().parent / "templates"
Typeset = Callable[..., Markup]  # (runs, note markup for a call) → HTML


def plain(runs: Sequence[Run], note: Callable[[str], Markup] | None = None) -> Markup:
    """The text pass turned off: escaped text, <strong>, <em> with its dots and the note
    calls (content, not typesetting), nothing else."""
    out = []
    for text, tag in runs:
        if tag == "note":
            out.append(note(text))
            continue
        tags = (tag or "").split()
        piece = escape(text)
        if "em" in tags:
            piece = Markup("").join(
                Markup('<span class="{}">{}</span>').format(cjk.CLASS_DOT, c)
                if cjk.counts_as_character(c)
                else escape(c)
                for c in text
            )
            piece = Markup("<em>{}</em>").format(piece)
        if "strong" in tags:
            piece = Markup("<strong>{}</strong>").format(piece)
        out.append(piece)
    return Markup("").join(out)


@dataclass(frozen=True)
class Page:
    """What the template needs besides the book: where things are, seen from the HTML file."""

    stylesheet: str  # the CSS entry inside <style>: @layer order and @imports
    base: Path  # the folder the HTML is resolved from (relative URLs start here)
    fonts: tuple[str, ...]  # font names for the colophon
    cwd: Path = Path()  # what the places (Where) of the book are relative to


@dataclass(frozen=True)
class Piece:
    """A piece of an article's text as the template sets it, in reading order, with its
    YAML place: what the preflight looks for on the pages."""

    # paragraph, title, column, series, byline, heading, kicker, caption, credit, quote,
    # quotation, verse, sign-off, list item, table cell, epigraph, source, mark, note
    kind: str
    text: str  # squeezed: no whitespace or invisible characters
    where: Where


@dataclass(frozen=True)
class Part:
    """One piece of the booklet laid out on its own: its name and its HTML body."""

    name: str  # "front", an article's id, or "back"
    body: Markup


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def url_from(base: Path, target: Path) -> str:
    """A relative URL from the HTML's folder, so the saved HTML renders with plain weasyprint."""
    return Path(os.path.relpath(target, base)).as_posix()


class Renderer:
    """Renders the parts of one book and the HTML documents around them."""

    def __init__(self, book: Book, page: Page, typeset: Typeset = plain):
        self.book = book
        self.page = page
        # A placeholder prints no photo: its credit is listed as still to come.
        credits = [
            f"{f.credit}（原图待补）" if f.placeholder else f.credit
            for a in book.articles
            for f in a.figures()
            if f.credit
        ]
        self._pieces: list[Piece] | None = None  # the article being rendered records here
        self._article: Article | None = None  # the article being rendered (its notes)

        def record(kind: str, text: str, where: Where) -> str:
            if self._pieces is not None and (squeezed := squeeze(text)):
                self._pieces.append(Piece(kind, squeezed, where))
            return ""

        def note_call(key: str) -> Markup:
            """A note where it is called: the note itself, which the styles float to the
            foot of the page (float: footnote), or with endnotes a link to it."""
            article = self._article
            note = next(n for n in article.notes if n.key == key)
            if article.endnotes:
                return Markup(
                    '<a class="note-call" href="#{0}" data-src="{1}" aria-label="{2}"></a>'
                ).format(note_id(article, note), src(note.body.where), f"注{note.number}")
            return Markup(
                '<span class="note" id="{0}" data-article="{1}" data-src="{2}">{3}</span>'
            ).format(
                note_id(article, note), article.id, src(note.body.where), typeset(note.body.runs)
            )

        def paragraph(p: Paragraph, kind: str = "paragraph") -> Markup:
            record(kind, p.text, p.where)
            return typeset(p.runs, note_call)

        def note_text(note: Note) -> Markup:
            """An endnote's text (a footnote's is set where it is called)."""
            return typeset(note.body.runs)

        def text(s: str, kind: str | None = None, where: Where | None = None) -> Markup:
            if kind:
                record(kind, s, where)
            return typeset([(s, None)])

        def src(where: Where) -> str:
            """A place as the value of data-src: the file relative to the book folder, line
            and column (the preview's page-to-source map reads it from the layout)."""
            return source_place(where, book.root, page.cwd)

        def plain(s: str, kind: str | None = None, where: Where | None = None) -> Markup:
            if kind:
                record(kind, s, where)
            return escape(s)

        limit = type_area(book.page.width_mm, book.page.height_mm).running_chars
        self.running = lambda s: cut(s, limit)
        self._parts = _ENV.get_template("parts.html").make_module(
            {
                "book": book,
                "running": self.running,
                "fonts": page.fonts,
                "credits": credits,
                "date_text": f"{book.date.year}年{book.date.month}月",
                "paragraph": paragraph,
                "note_text": note_text,
                "note_id": note_id,
                "kind_of": lambda block: type(block).__name__,
                "text": text,
                "plain": plain,
                "record": record,
                "src": src,
                "image_url": lambda path: url_from(page.base, path),
            }
        )
        self.pieces: dict[str, list[Piece]] = {}  # article id → its pieces, once rendered
        self.src = src  # a place as the layout's data-src says it
        self._shell = _ENV.get_template("booklet.html")

    # The one-page parts take a ``step``: 0, or how much smaller they are set to fit their page.
    def cover(self, step: int = 0) -> Part:
        return Part("cover", self._parts.cover(step))

    def title_page(self, step: int = 0) -> Part:
        return Part("title", self._parts.title_page(step))

    def colophon(self, step: int = 0) -> Part:
        return Part("colophon", self._parts.colophon(step))

    def contents(self, numbers: Mapping[str, int | str]) -> Part:
        """The contents; ``numbers`` maps each article's and section's id to the page
        number it prints for it."""
        return Part("contents", self._parts.contents(numbers))

    def notes(self) -> Part:
        """A page for the reader's notes, where the signature needs padding."""
        return Part("notes", self._parts.notes())

    def articles(self) -> list[Part]:
        """Each article's part; records each article's pieces in ``pieces``."""
        return [self.article(article) for article in self.book.articles]

    def article(self, article: Article) -> Part:
        """One article's part (as written, or with its blocks in another order: a float moved
        on, compose/floats.py); records its pieces, in the order they print."""
        self._pieces, self._article = [], article
        try:
            part = Part(article.id, self._parts.article_part(article))
            self.pieces[article.id] = self._pieces
        finally:
            self._pieces, self._article = None, None
        return part

    def back(self, step: int = 0) -> Part:
        return Part("back", self._parts.back(step))

    def filler(self) -> Part:
        """A blank page: no text, no folio."""
        return Part("filler", self._parts.filler())

    def document(
        self, parts: Sequence[Part], with_stylesheet: bool = True, extra_css: str = ""
    ) -> str:
        """An HTML document holding ``parts``. Without the stylesheet, the layout stage
        hands WeasyPrint the parsed stylesheet itself (parsed once for all parts);
        ``extra_css`` goes after it (the line grid's spaces, in the --html output)."""
        stylesheet = self.page.stylesheet + ("\n" + extra_css if extra_css else "")
        return self._shell.render(
            book=self.book,
            running=self.running,
            stylesheet=Markup(stylesheet) if with_stylesheet else "",
            body=Markup("\n").join(part.body for part in parts),
        )


def cut(text: str, limit: int) -> str:
    """A running head (书眉) of at most ``limit`` characters: a longer one ends in …"""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def source_place(where: Where, root: Path, cwd: Path) -> str:
    """``file:line:col`` with the file relative to the book folder (as an editor opens it
    from there), whatever folder the build ran in."""
    return f"{_book_file(where.file, root, cwd)}:{where.line}:{where.col}"


@functools.lru_cache(maxsize=1024)
def _book_file(file: str, root: Path, cwd: Path) -> str:
    # Every element of an article names the same few files: resolve each once.
    path = Path(file)
    path = (cwd / path).resolve() if not path.is_absolute() else path
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else file


def note_id(article: Article, note: Note) -> str:
    return f"{article.id}-note-{note.number}"


def contents_ids(book: Book) -> list[str]:
    """The ids the contents link to, in order: each article, then its sections and
    subsections listed in the contents."""
    return [i for a in book.articles for i in (a.id, *(s.id for s in a.sections))]
