"""Book → HTML through the Jinja2 template, with every text run through the Chinese text pass."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from .model import Book, Paragraph, Run

TEMPLATES = Path(__file__).resolve().parent / "templates"
Typeset = Callable[[Sequence[Run]], Markup]


def plain(runs: Sequence[Run]) -> Markup:
    """The text pass turned off: escaped text and <strong>, nothing else."""
    return Markup("").join(
        Markup("<strong>{}</strong>").format(t) if tag == "strong" else escape(t) for t, tag in runs
    )


@dataclass(frozen=True)
class Page:
    """What the template needs besides the book: where things are, seen from the HTML file."""

    stylesheet: str  # the CSS entry inside <style>: @layer order and @imports
    base: Path  # the folder the HTML is resolved from (relative URLs start here)
    fonts: tuple[str, ...]  # font names for the colophon


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


def render_html(book: Book, page: Page, typeset: Typeset = plain) -> str:
    template = _ENV.get_template("booklet.html")
    credits = [f.credit for a in book.articles for f in a.figures() if f.credit]
    return template.render(
        book=book,
        stylesheet=Markup(page.stylesheet),
        fonts=page.fonts,
        credits=credits,
        date_text=f"{book.date.year}年{book.date.month}月",
        paragraph=lambda p: typeset(p.runs) if isinstance(p, Paragraph) else typeset([(p, None)]),
        text=lambda s: typeset([(s, None)]),
        image_url=lambda path: url_from(page.base, path),
    )
