"""The page-to-source map: each element with a data-src and each of its lines, where the PDF
prints them, with the YAML place they came from."""

from __future__ import annotations

import io
import itertools

import pdfplumber

from booklet import engine
from booklet.pipeline import PROJECT

FEATURE = PROJECT / "book" / "articles" / "01-feature.yaml"
PHRASE = "山海情长，未来可期。"


def yaml_place(text: str, phrase: str) -> tuple[int, int]:
    """Line and column where the YAML item holding ``phrase`` starts its text."""
    for number, line in enumerate(text.splitlines(), start=1):
        if phrase in line:
            return number, line.index(line.lstrip(" -")[0]) + 1
    raise AssertionError(phrase)


def test_a_paragraph_and_its_lines_are_where_the_pdf_prints_them(booklet):
    layout = booklet.result.layouts["screen"]
    maps = engine.SourceMaps()(layout.laid.document.pages)
    line, col = yaml_place(FEATURE.read_text("utf-8"), PHRASE)
    src = f"articles/01-feature.yaml:{line}:{col}"
    pieces = [
        (n, b)
        for n, m in enumerate(maps, start=1)
        for b in m.boxes
        if b.src == src and b.kind == "p"
    ]
    assert pieces and len({n for n, _ in pieces}) == len(pieces)  # a piece a page at most
    number, paragraph = pieces[0]
    assert paragraph.text.startswith(PHRASE)
    lines = [b for b in maps[number - 1].boxes if b.src == src and b.kind == "line"]
    assert "".join(b.text for b in lines) == paragraph.text  # its lines, in order
    assert lines[0].text.startswith(PHRASE[:5])
    # The glyphs of the paragraph's first characters lie inside its first line's box.
    with pdfplumber.open(io.BytesIO(booklet.result.reader)) as pdf:
        page = pdf.pages[number - 1]
        chars = [c for c in page.chars if c["text"] in PHRASE[:4]]
        x0, y0, x1, y1 = lines[0].rect
        inside = [
            c
            for c in chars
            if x0 - 0.5 <= c["x0"]
            and c["x1"] <= x1 + 0.5
            and y0 - 0.5 <= c["top"]
            and c["bottom"] <= y1 + 0.5
        ]
        assert "".join(c["text"] for c in inside).startswith(PHRASE[:4])
    # Lines of a body paragraph follow each other at the page's line pitch, in the type area.
    tops = [b.rect[1] for b in lines]
    assert all(abs(b - a - maps[number - 1].pitch) < 0.05 for a, b in itertools.pairwise(tops))
    ax0, ay0, ax1, ay1 = maps[number - 1].type_area
    assert all(ax0 - 0.5 <= b.rect[0] and b.rect[2] <= ax1 + 0.5 for b in lines)
    assert ay0 <= paragraph.rect[1] and paragraph.rect[3] <= ay1 + 0.5


def test_covers_have_no_type_area_and_every_place_is_a_book_file(booklet):
    layout = booklet.result.layouts["screen"]
    maps = engine.SourceMaps()(layout.laid.document.pages)
    assert maps[0].type_area is None and maps[-1].type_area is None  # 封面, 封底
    files = {b.src.rsplit(":", 2)[0] for m in maps for b in m.boxes if b.src}
    assert files == {f"articles/{p.name}" for p in (PROJECT / "book" / "articles").glob("*.yaml")}
    width, height = maps[0].size
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (148, 210)  # A5, in pt
    for page_map in maps:
        for box in page_map.boxes:
            x0, y0, x1, y1 = box.rect
            assert -0.5 <= x0 <= x1 <= width + 0.5 and -0.5 <= y0 <= y1 <= height + 0.5, box


def test_maps_of_pages_kept_from_the_last_build_are_not_walked_again(booklet, monkeypatch):
    pages = booklet.result.layouts["screen"].laid.document.pages
    maps = engine.SourceMaps()
    first = maps(pages)
    walked = []
    original = engine.sourcemap.page_map
    monkeypatch.setattr(engine.sourcemap, "page_map", lambda p: walked.append(p) or original(p))
    assert maps(pages) == first and walked == []
