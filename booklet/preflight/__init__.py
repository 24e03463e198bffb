"""Checks on every build before anything is written: pages, fonts, images, text, contents.

``run`` reads the laid-out document (text, images, overflow, links, anchors: see
booklet/engine/facts.py) and, with pypdf, the finished PDF of one profile (page boxes,
fonts). No text extraction and no content-stream parsing: a 28-page booklet is checked in
about 10–15 ms. Every problem is in the editor's terms, at the YAML place of the content
concerned where that is known, else at the output file, with a stable ``preflight.*`` code.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable
from pathlib import Path

from pypdf import PdfReader

from booklet import engine
from booklet.model import Book
from booklet.problems import Problem, Where
from booklet.profiles import ICC, Rules
from booklet.typeset.render import Piece
from booklet.typeset.styles import FontFace

from .checks import (
    check_empty_pages,
    check_font_facts,
    check_images,
    check_overflow,
    check_pages,
    check_placeholders,
    check_text,
    check_toc,
)
from .pdf import read_fonts
from .press import check_colour_tokens, check_file_facts, check_ink, check_press_file
from .summary import Preflight

__all__ = ["Preflight", "check_file", "check_fonts", "combine", "run"]

FULL_BLEED_PAGES = frozenset({"cover", "back", "filler"})  # margin 0: no type area to overflow


def run(
    laid,
    pdf: bytes,
    book: Book,
    pieces: dict[str, list[Piece]],
    *,
    rules: Rules,
    output: str,
    faces: list[FontFace],
    allow_placeholders: bool = False,
    styles: Path | None = None,
    cwd: Path | None = None,
) -> Preflight:
    """Check one layout's pages: ``laid`` is the padded, joined layout (compose.Laid), ``pdf``
    its finished bytes, ``pieces`` each article's text as the template set it, ``output``
    the file name problems without a YAML place are reported at."""
    start = time.perf_counter()
    where = Where(output)
    reader = PdfReader(io.BytesIO(pdf))
    pages = engine.page_facts(laid.document, skip_overflow=FULL_BLEED_PAGES)
    every_piece = [piece for listed in pieces.values() for piece in listed]
    problems: list[Problem] = []
    facts: dict = {"profile": rules.name, "output": output}

    found, facts["pages"] = check_pages(reader, book, rules, where)
    problems += found
    fonts = read_fonts(reader, pdf)
    found, facts["fonts"] = check_font_facts(fonts, faces, where)
    problems += found
    found, facts["version"] = check_file_facts(pdf, where)
    problems += found
    if rules.for_press:
        tokens = engine.tokens(laid.document)
        found, press_facts = check_press_file(reader, pdf, fonts, where)
        problems += found
        facts.update(press_facts)
        found, facts["ink"] = check_ink(pdf, reader, tokens, where)
        problems += found
        if styles is not None:
            problems += check_colour_tokens(styles, book.theme, tokens, ICC, cwd or Path.cwd())
    found, facts["images"] = check_images(pages, book, rules, where)
    problems += found
    found, facts["placeholders"] = check_placeholders(book, rules, allow_placeholders)
    problems += found
    found, facts["overflow"] = check_overflow(pages, every_piece, book, where)
    problems += found
    found, facts["empty_pages"] = check_empty_pages(pages, where)
    problems += found
    found, facts["text"] = check_text(pages, book, pieces)
    problems += found
    rectos = book.openings == "right"  # the book asks for it (else the build chooses)
    found, facts["toc"] = check_toc(laid.document, laid.anchors, book, where, rectos)
    problems += found
    facts["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return Preflight(tuple(problems), facts)


def check_fonts(pdf: bytes, faces: list[FontFace], output: str) -> tuple[Problem, ...]:
    """The font checks alone, on a file made from checked pages (the imposed sheets)."""
    found, _facts = check_font_facts(
        read_fonts(PdfReader(io.BytesIO(pdf)), pdf), faces, Where(output)
    )
    return tuple(found)


def check_file(
    pdf: bytes, faces: list[FontFace], *, rules: Rules, profile: str, output: str
) -> Preflight:
    """The checks of a file made from pages checked elsewhere (the imposed and desktop
    sheets): fonts, header version, the sheet sides its labels name and, for the press,
    PDF/X-4 and colour. Its facts are under "file"."""
    start = time.perf_counter()
    where = Where(output)
    reader = PdfReader(io.BytesIO(pdf))
    fonts = read_fonts(reader, pdf)
    problems: list[Problem] = []
    facts: dict = {"output": output, "sheet_sides": len(reader.pages)}
    found, facts["fonts"] = check_font_facts(fonts, faces, where)
    problems += found
    found, facts["version"] = check_file_facts(pdf, where)
    problems += found
    from .pdfx import sheet_sides

    facts["sheets"] = sheet_sides(reader)
    if rules.for_press:
        found, press_facts = check_press_file(reader, pdf, fonts, where)
        problems += found
        facts.update(press_facts)
    if reader.pages:
        media = reader.pages[0].mediabox
        facts["sheet_mm"] = [
            round(float(media.width) / 72 * 25.4, 1),
            round(float(media.height) / 72 * 25.4, 1),
        ]
    ms = round((time.perf_counter() - start) * 1000, 1)
    return Preflight(
        tuple(problems), {"profile": profile, "output": output, "file": facts, "ms": ms}
    )


def combine(results: Iterable[Preflight]) -> tuple[Problem, ...]:
    """The problems of several profiles' preflights, each once: a problem found at the same
    place with the same code and message in several profiles (a placeholder, an overflowing
    paragraph) is kept once, as an error if any profile made it one."""
    kept: dict[tuple, Problem] = {}
    for result in results:
        for problem in result.problems:
            key = (problem.where, problem.code, problem.message)
            if key not in kept or (problem.severity == "error" and kept[key].severity != "error"):
                kept[key] = problem
    return tuple(kept.values())
