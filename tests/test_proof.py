"""Proofs: page images from PDF bytes, and the contact sheet of spreads as printed."""

from __future__ import annotations

import io

import pytest
import weasyprint
from PIL import Image

from booklet import pipeline
from booklet.editor import proof

# One flat colour per page, so each page can be found on the contact sheet.
COLOURS = [
    (200, 30, 30),
    (30, 160, 30),
    (30, 30, 200),
    (220, 180, 0),
    (160, 0, 160),
    (0, 160, 160),
    (240, 120, 0),
    (90, 60, 30),
]


def coloured_pdf(count: int, width_mm: int = 100, height_mm: int = 140) -> bytes:
    pages = "".join(
        f'<div style="height: {height_mm}mm; background: rgb{COLOURS[i]}; break-after: page"></div>'
        for i in range(count)
    )
    css = f"@page {{ size: {width_mm}mm {height_mm}mm; margin: 0 }} body {{ margin: 0 }}"
    return weasyprint.HTML(string=f"<style>{css}</style>{pages}").write_pdf()


def image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(png)).convert("RGB")


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, []),
        (1, [(None, 1)]),
        (2, [(None, 1), (2, None)]),
        (3, [(None, 1), (2, 3)]),
        (4, [(None, 1), (2, 3), (4, None)]),
        (5, [(None, 1), (2, 3), (4, 5)]),
        (8, [(None, 1), (2, 3), (4, 5), (6, 7), (8, None)]),
    ],
)
def test_spreads_pair_pages_as_a_bound_booklet_opens(count, expected):
    assert proof.spreads(count) == expected


def test_page_pngs_one_image_per_page_in_order_at_the_asked_resolution():
    pdf = coloured_pdf(3)
    pngs = proof.page_pngs(pdf)
    assert len(pngs) == 3
    for number, png in enumerate(pngs):
        page = image(png)
        # 100 mm × 140 mm at 96 dpi
        assert abs(page.width - 378) <= 1 and abs(page.height - 529) <= 1
        assert page.getpixel((page.width // 2, page.height // 2)) == COLOURS[number]
    half = image(proof.page_pngs(pdf, dpi=48)[0])
    assert abs(half.width - 189) <= 1 and abs(half.height - 265) <= 1


def test_page_pngs_refuses_what_is_not_a_pdf():
    with pytest.raises(Exception):  # noqa: B017 - PDFium's own error type
        proof.page_pngs(b"not a pdf")


def test_contact_sheet_lays_out_spreads_as_printed():
    pngs = proof.page_pngs(coloured_pdf(6), dpi=48)
    sheet = image(proof.contact_sheet(pngs, page_height=140, per_row=2, gutter=20))
    # spreads (-,1) (2,3) | (4,5) (6,-): two rows of two; each page 100 px wide, 140 px high
    page_w, page_h, gutter = 100, 140, 20
    label_h = 18
    cell_w, cell_h = 2 * page_w, page_h + label_h
    assert sheet.size == (gutter + 2 * (cell_w + gutter), gutter + 2 * (cell_h + gutter))

    def centre(row: int, col: int, side: int) -> tuple[int, int]:
        x = gutter + col * (cell_w + gutter) + side * page_w + page_w // 2
        y = gutter + row * (cell_h + gutter) + page_h // 2
        return x, y

    slots = {
        (0, 0, 0): None,
        (0, 0, 1): 1,
        (0, 1, 0): 2,
        (0, 1, 1): 3,
        (1, 0, 0): 4,
        (1, 0, 1): 5,
        (1, 1, 0): 6,
        (1, 1, 1): None,
    }
    for (row, col, side), number in slots.items():
        x, y = centre(row, col, side)
        expected = proof.GUTTER if number is None else COLOURS[number - 1]
        assert sheet.getpixel((x, y)) == expected, (row, col, side, number)
        # the page's number is written under it, in white on the grey
        band = sheet.crop((x - 20, y + page_h // 2 + 1, x + 20, y + page_h // 2 + label_h))
        has_label = any(min(colour) > 220 for _, colour in band.getcolors(4096))
        assert has_label == (number is not None), (row, col, side, number)
    # the pages of a spread touch: no gutter between 2 and 3
    x3, y3 = centre(0, 1, 1)
    assert sheet.getpixel((x3 - page_w // 2 + 2, y3)) == COLOURS[2]
    assert sheet.getpixel((x3 - page_w // 2 - 3, y3)) == COLOURS[1]


def test_contact_sheet_of_one_page_and_of_none():
    sheet = image(proof.contact_sheet(proof.page_pngs(coloured_pdf(1), dpi=48), page_height=70))
    assert sheet.height > 70 and sheet.width > 2 * 50
    with pytest.raises(ValueError, match="at least one page"):
        proof.contact_sheet([])


def test_pdf_pages_render_single_pages_and_refuse_after_close():
    pages = proof.PdfPages(coloured_pdf(2))
    assert len(pages) == 2
    assert pages.sizes[0] == pytest.approx((100 / 25.4 * 72, 140 / 25.4 * 72), abs=0.1)
    assert image(pages.png(2, dpi=24)).getpixel((5, 5)) == COLOURS[1]
    with pytest.raises(IndexError):
        pages.image(3)
    pages.close()
    with pytest.raises(ValueError, match="closed"):
        pages.image(1)


def test_build_with_proof_writes_every_page_and_the_spreads(make_book, tmp_path):
    out = tmp_path / "dist"
    result = pipeline.build(pipeline.Options(book=make_book(), out=out, proof=True))
    pngs = sorted((out / "proof").glob("page-*.png"))
    assert [p.name for p in pngs] == [f"page-{n:03d}.png" for n in range(1, result.pages + 1)]
    first = image(pngs[0].read_bytes())
    assert first.width < first.height  # a portrait page
    sheet = image((out / "proof" / "spreads.png").read_bytes())
    assert sheet.width > sheet.height  # spreads side by side
    assert sheet.getpixel((2, 2)) == proof.GUTTER
