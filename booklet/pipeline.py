"""Runs the stages in order, times them, and is the one place that writes files."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from weasyprint.text.fonts import FontConfiguration

from . import glyphs, paginate, preflight, render, styles
from .finish import finish
from .model import Book
from .problems import BuildFailed, Problem, Where, error, warning
from .validate import read_book

PROJECT = Path(__file__).resolve().parent.parent
STYLES = PROJECT / "styles"
FONTS = PROJECT / "fonts"


@dataclass(frozen=True)
class Options:
    book: Path = PROJECT / "book"
    out: Path = PROJECT / "dist"
    html: bool = False  # also write the HTML handed to WeasyPrint
    strict: bool = False  # warnings fail the build
    typeset: bool = True  # the Chinese typesetting pass and justification hook
    proof: bool = False  # also write proof/: a PNG per page and a contact sheet of spreads


@dataclass
class Result:
    book: Book
    pdf: Path
    pages: int
    blank_pages_added: int
    problems: list[Problem]
    timings: dict[str, float] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)


class Stopwatch:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def build(options: Options, cwd: Path | None = None) -> Result:
    """Build one book; raise BuildFailed (nothing written) if any error was found."""
    cwd = cwd or Path.cwd()
    clock = Stopwatch()
    problems: list[Problem] = []
    with clock.stage("load+validate"):
        book, found = read_book(options.book, cwd, glyphs.coverage(FONTS))
        problems += found
    if paginate.subsetter_missing():
        problems.append(
            warning(
                Where("system"),
                "system.harfbuzz-subset",
                "HarfBuzz's subsetter (libharfbuzz-subset0) is missing: builds are ten times slower",
                "apt-get install libharfbuzz-subset0 (./run does it)",
            )
        )
    out = options.out.resolve()
    html_path = out / f"{book.slug}.html"
    with clock.stage("render"):
        sheet = styles.Stylesheets(STYLES, book)
        page = render.Page(stylesheet=sheet.entry(out), base=out, fonts=styles.FONT_CREDITS)
        typeset = render.plain
        if options.typeset:
            from . import cjk, justify

            justify.install()
            cjk_options = sheet.cjk_options()
            typeset = lambda runs: cjk.typeset(runs, cjk_options)  # noqa: E731
        html = render.render_html(book, page, typeset)
    fetcher = paginate.FolderFetcher([book.root, STYLES, FONTS])
    with clock.stage("layout"), paginate.engine_log() as records:
        document = paginate.paginate(html, html_path.as_uri(), fetcher, FontConfiguration())
        document, blanks = paginate.pad_to_multiple_of_four(document)
    with clock.stage("write"), paginate.engine_log() as write_records:
        raw_pdf = document.write_pdf()
    problems += paginate.log_problems([*records, *write_records], styles.shown(STYLES, cwd))
    problems += [
        error(
            Where(url),
            "security.refused",
            "refused to read a file outside the book",
            "copy the file into the book folder",
        )
        for url in fetcher.refused
    ]
    with clock.stage("finish"):
        finished = finish(raw_pdf, book)
    with clock.stage("preflight"):
        problems += preflight.check_fonts(finished.pdf, STYLES / "fonts.css")
    errors = [p for p in problems if p.severity == "error"]
    if errors or (options.strict and problems):
        raise BuildFailed(problems)
    pdf_path = out / f"{book.slug}.pdf"
    written = [write_atomic(pdf_path, finished.pdf)]
    if options.html:
        written.append(write_atomic(html_path, html.encode("utf-8")))
    if options.proof:
        with clock.stage("proof"):
            from . import proof

            pages = proof.page_pngs(finished.pdf)
            for number, png in enumerate(pages, start=1):
                written.append(write_atomic(out / "proof" / f"page-{number:03d}.png", png))
            written.append(write_atomic(out / "proof" / "spreads.png", proof.contact_sheet(pages)))
    return Result(book, pdf_path, finished.pages, blanks, problems, clock.timings, written)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write beside the target and rename: a reader sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


Progress = Callable[[str], None]
