"""The desktop PDF, printed and folded: its sheets are rendered to images, stacked, folded as
an editor folds them, and the pages read back in order and upright."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat
from pypdf import PdfReader

from booklet.press.desktop import PRINTER_SETTINGS

MM = 72 / 25.4
SCALE = 1.0  # pixels per pt: enough to tell pages apart
BLUR = ImageFilter.GaussianBlur(2)  # compare layouts, not the resampling of each glyph


def render(pdf: bytes) -> list[Image.Image]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=SCALE).to_pil().convert("L") for page in doc]
    finally:
        doc.close()


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean difference of two images of one size, already blurred (``BLUR``)."""
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


@pytest.fixture(scope="module")
def desktop(booklet):
    path = booklet.result.output("desktop").path
    return path.read_bytes(), booklet.result.layouts["desktop"].pdf


@pytest.fixture(scope="module")
def halves(desktop):
    """Each sheet side as printed: (left half, right half), cut at the spine of its
    TrimBox, which holds the two pages."""
    sheets, _ = desktop
    reader = PdfReader(io.BytesIO(sheets))
    found = []
    for image, page in zip(render(sheets), reader.pages, strict=True):
        top = float(page.mediabox.top)
        x0, y0, x1, y1 = (float(v) for v in page.trimbox)
        spine = (x0 + x1) / 2

        def cut(a, b, image=image, top=top, y0=y0, y1=y1):
            box = (round(a * SCALE), round((top - y1) * SCALE), round(b * SCALE))
            return image.crop((*box, round((top - y0) * SCALE)))

        found.append((cut(x0, spine), cut(spine, x1)))
    return found


def folded_reading_order(sides: list) -> list:
    """The pages of a printed, folded and stapled stack of sheets, in reading order.

    ``sides`` are the file's pages in order: sheet 1 front, sheet 1 back, sheet 2 front …
    Printed double-sided with a flip on the short edge, a landscape sheet's back is upright
    when the sheet is turned over about its vertical axis, so behind the front's right half
    lies the back's left half. The sheets are stacked with sheet 1 outermost and folded at
    the spine, fronts out; the booklet opens at the spine on the left, as Chinese set
    horizontally does. Reading it: the right-hand leaves from the outside in (front right,
    then the back left behind it), then the left-hand leaves from the inside out (back
    right, then the front left behind it)."""
    sheets = [(sides[i], sides[i + 1]) for i in range(0, len(sides), 2)]
    order = []
    for front, back in sheets:
        order += [front[1], back[0]]
    for front, back in reversed(sheets):
        order += [back[1], front[0]]
    return order


def test_the_folded_stack_reads_in_page_order_upright(desktop, halves, booklet):
    _, pages_pdf = desktop
    pages = render(pages_pdf)
    reading = folded_reading_order(halves)
    assert len(reading) == len(pages) == booklet.result.pages
    size = reading[0].size  # each half, within a pixel of rounding
    candidates = [page.resize(size, Image.Resampling.BOX).filter(BLUR) for page in pages]
    for number, half in enumerate(reading, start=1):
        half = half.resize(size, Image.Resampling.BOX).filter(BLUR)
        distances = [difference(half, c) for c in candidates]
        expected = distances[number - 1]
        # The page printed here is the page that belongs here (blank fillers look alike).
        others = [d for i, d in enumerate(distances) if i != number - 1]
        assert expected <= min(others) + 0.1, (number, distances.index(min(distances)) + 1)
        if min(others) > 1:  # not one of the blank fillers, which look alike
            assert expected < min(others) / 2, number
        upside_down = difference(half, candidates[number - 1].rotate(180))
        if upside_down > 1:  # a page with something on it: it must read upright
            assert expected < upside_down / 2, number


def test_each_sheet_side_is_labelled_with_the_pages_it_holds(desktop):
    sheets, pages_pdf = desktop
    labels = list(PdfReader(io.BytesIO(pages_pdf)).page_labels)
    sides = list(PdfReader(io.BytesIO(sheets)).page_labels)
    reading = folded_reading_order([tuple(s.split(": ", 1)[1].split("|")) for s in sides])
    assert reading == labels  # the labels fold into the booklet's own page labels
    assert sides[0] == f"1 front: {labels[-1]}|{labels[0]}" == "1 front: 封底|封面"
    assert sides[1] == f"1 back: {labels[1]}|{labels[-2]}" and labels[1] == "封二"


def test_sheets_are_a4_landscape_with_the_margin_clear_and_a_fold_mark(desktop, booklet):
    sheets, _ = desktop
    reader = PdfReader(io.BytesIO(sheets))
    assert reader.pdf_header == "%PDF-1.7"
    prefs = reader.trailer["/Root"]["/ViewerPreferences"]
    assert prefs["/Duplex"] == "/DuplexFlipShortEdge"
    assert prefs["/PrintScaling"] == "/None"
    for page in reader.pages:
        media = [round(float(v) / MM, 1) for v in page.mediabox]
        assert media == [0, 0, 297, 210]
        x0, y0, x1, y1 = (float(v) / MM for v in page.trimbox)
        assert x0 >= 5 - 0.01 and x1 <= 292 + 0.01 and y0 >= 8 - 0.01 and y1 <= 202 + 0.01
        assert (x0 + x1) / 2 == pytest.approx(148.5, abs=0.01)  # the pages meet at the fold
        # Two pages of the booklet side by side, scaled alike.
        assert (x1 - x0) / 2 / (y1 - y0) == pytest.approx(148 / 210, abs=0.002)
    facts = booklet.result.preflight["desktop"].facts["file"]
    # Two sides a sheet, four pages a sheet.
    assert facts["sheet_mm"] == [297, 210] and len(facts["sheets"]) == booklet.result.pages // 2
    # The fold mark: a dashed grey line on the spine, above the pages.
    image = render(sheets)[1]
    above = float(reader.pages[1].mediabox.top) - float(reader.pages[1].trimbox.top)
    band = (round((above - 3 * MM) * SCALE), round(above * SCALE))

    def darkest(x_mm: float) -> int:
        x = round(x_mm * MM * SCALE)
        return min(image.getpixel((x, y)) for y in range(*band))

    assert darkest(148.5) < 230 and darkest(128.5) == 255


def test_the_build_says_how_to_print_it(booklet):
    summary = booklet.result.preflight["desktop"].summary()
    assert PRINTER_SETTINGS in summary
    assert "flip on short edge" in PRINTER_SETTINGS and "actual size" in PRINTER_SETTINGS
