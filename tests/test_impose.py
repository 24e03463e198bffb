"""Tests for booklet.press.impose: page order, placement by TrimBox, clipping, boxes, creep, marks."""

from __future__ import annotations

import functools
import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pypdf
import pypdfium2
import pytest
import weasyprint

from booklet.press.impose import (
    ImposeError,
    ImposeOptions,
    booklet_order,
    impose,
    smallest_iso_sheet,
)

MM = 72 / 25.4
FONT = Path(__file__).resolve().parents[1] / "fonts" / "NotoSansCJKsc-Regular.otf"
NO_MARKS = ImposeOptions(marks=False)
# Distinct page backgrounds (RGB 0-255), used by the pixel tests.
COLOURS = [(230, 40, 40), (40, 160, 40), (40, 40, 230), (230, 200, 0)]


# --- input booklets, rendered by WeasyPrint -------------------------------------------------


@functools.cache
def sample_booklet(pages: int, *, bleed: bool = False, colours: bool = False) -> bytes:
    """An A5 booklet whose page n shows a big "Pn" (and 第n页) near its top left corner.

    bleed: @page bleed 3mm with WeasyPrint's crop and cross marks.
    colours: each page has a full-bleed background colour from COLOURS, and page 1 a box
    painted with a hard-edged gradient (a PDF pattern).
    """
    page_rules = "bleed: 3mm; marks: crop cross;" if bleed else ""
    css = [
        f"@font-face {{ font-family: T; src: url({FONT.as_uri()}) }}",
        f"@page {{ size: A5; margin: 20mm 25mm; {page_rules} }}",
        "body { font-family: T; margin: 0 }",
        "section { break-after: page } .m { font-size: 60pt; margin: 0 }",
        ".g { height: 30mm; background: linear-gradient(to right, #f00 50%, #00f 50%) }",
    ]
    if colours:
        css += [
            f"@page :nth({i % len(COLOURS) + 1}n + {i + 1}) {{ background: rgb{c} }}"
            for i, c in enumerate(COLOURS)
        ]
    body = "".join(
        f"<section><p class=m>P{n}</p><p>第{n}页</p>"
        + ("<div class=g></div>" if colours and n == 1 else "")
        + "</section>"
        for n in range(1, pages + 1)
    )
    html = f"<html lang=zh><style>{''.join(css)}</style><body>{body}</body></html>"
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == pages
    return pdf


@functools.cache
def imposed(pages: int, bleed: bool = False, colours: bool = False, **options) -> bytes:
    return impose(sample_booklet(pages, bleed=bleed, colours=colours), ImposeOptions(**options))


# --- helpers reading the output --------------------------------------------------------------


def boxes_mm(pdf: bytes) -> list[dict[str, list[float]]]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [
        {
            box: [round(float(v) / MM, 2) for v in getattr(page, box)]
            for box in ("mediabox", "trimbox", "bleedbox")
        }
        for page in reader.pages
    ]


def halves_text(pdf: bytes) -> list[tuple[str, str, str]]:
    """Per output page: (text in left trimmed page, text in right one, text outside trim)."""
    result = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page, trim in zip(doc.pages, pypdf.PdfReader(io.BytesIO(pdf)).pages, strict=True):
            x0, y0, x1, y1 = (float(v) for v in trim.trimbox)
            spine, top, bottom = (x0 + x1) / 2, page.height - y1, page.height - y0

            def text(chars):
                return "".join(c["text"] for c in chars)

            left = text(page.within_bbox((x0, top, spine, bottom)).chars)
            right = text(page.within_bbox((spine, top, x1, bottom)).chars)
            outside = text(page.outside_bbox((x0, top, x1, bottom)).chars)
            result.append((left, right, outside))
    return result


def markers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"P(\d+)", text)]


def glyph_xy(pdf: bytes) -> dict[int, tuple[float, float]]:
    """Page number -> user-space (x, y) in pt of the lower left of its marker's "P"."""
    found = {}
    media = [p.mediabox for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page, box in zip(doc.pages, media, strict=True):
            text = "".join(c["text"] for c in page.chars)
            for match in re.finditer(r"P(\d+)", text):
                c = page.chars[match.start()]
                # pdfplumber: x0 is in user space, y0 relative to the MediaBox bottom
                found[int(match.group(1))] = (c["x0"], c["y0"] + float(box.bottom))
    return found


def render(pdf: bytes, index: int, scale: float = 3.0):
    """(RGB image, MediaBox) of one page, rendered by PDFium at `scale` pixels per pt."""
    doc = pypdfium2.PdfDocument(pdf)
    image = doc[index].render(scale=scale).to_pil().convert("RGB")
    media = pypdf.PdfReader(io.BytesIO(pdf)).pages[index].mediabox
    doc.close()
    return image, media


def colour_at(image, media, x_pt: float, y_pt: float, scale: float = 3.0):
    px = round((x_pt - float(media.left)) * scale)
    py = round((float(media.top) - y_pt) * scale)
    return image.getpixel((px, py))


def close(a, b, tolerance: int = 12) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a, b, strict=True))


def registration(colour) -> bool:
    """pdfminer reports the one tint of our Separation /All colour as 1.0 or (1.0,)."""
    return colour in (1.0, (1.0,))


def qpdf_check(pdf: bytes, tmp_path: Path) -> None:
    qpdf = shutil.which("qpdf") or "/usr/bin/qpdf"
    path = tmp_path / "imposed.pdf"
    path.write_bytes(pdf)
    run = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No syntax or stream encoding errors" in run.stdout


# --- booklet_order -----------------------------------------------------------------------------


def test_booklet_order_16_pages():
    assert booklet_order(16) == [
        (16, 1), (2, 15), (14, 3), (4, 13), (12, 5), (6, 11), (10, 7), (8, 9),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, [(None, 1), (None, None)]),
        (2, [(None, 1), (2, None)]),
        (4, [(4, 1), (2, 3)]),
        (7, [(None, 1), (2, 7), (6, 3), (4, 5)]),
    ],
)
def test_booklet_order_pads_with_blanks_at_the_end(count, expected):
    assert booklet_order(count) == expected


@pytest.mark.parametrize("count", range(1, 41))
def test_booklet_order_every_page_once_and_facing_pairs(count):
    padded = -(-count // 4) * 4
    full = booklet_order(padded)
    # padding = the pages after the last one, left blank
    assert booklet_order(count) == [tuple(p if p <= count else None for p in pair) for pair in full]
    assert len(full) == padded // 2
    assert sorted(p for pair in full for p in pair) == list(range(1, padded + 1))
    for side, (left, right) in enumerate(full):
        assert left + right == padded + 1  # pages facing on the flat sheet
        assert left % 2 == 0  # versos on the left, rectos on the right
        # fronts carry the outer page numbers of their sheet, backs the inner ones
        assert (side % 2 == 0) == (left > right)


@pytest.mark.parametrize("bad", [0, -4, 2.5, True])
def test_booklet_order_rejects_non_positive_counts(bad):
    with pytest.raises(ValueError, match="at least one page"):
        booklet_order(bad)


# --- pages land on the right half of the right sheet side --------------------------------------


@pytest.mark.parametrize(
    ("pages", "bleed"), [(4, False), (8, False), (12, False), (16, False), (7, False), (8, True)]
)
def test_each_half_carries_the_page_booklet_order_says(pages, bleed, tmp_path):
    pdf = imposed(pages, bleed, marks=False)
    halves = halves_text(pdf)
    order = booklet_order(pages)
    assert len(halves) == len(order)
    for side, ((left, right, outside), (want_left, want_right)) in enumerate(
        zip(halves, order, strict=True)
    ):
        for text, want in ((left, want_left), (right, want_right)):
            if want is None:
                assert text == "", f"side {side}: blank half has text {text!r}"
            else:
                assert markers(text) == [want], f"side {side}: {text!r}"
                assert f"第{want}页" in text
        assert outside == ""
    qpdf_check(pdf, tmp_path)


def test_a5_without_marks_goes_on_a4_landscape():
    for page in boxes_mm(imposed(16, marks=False)):
        assert page["mediabox"] == [0, 0, 297, 210]
        assert page["trimbox"] == [0.5, 0, 296.5, 210]  # two A5 pages, centred
        assert page["bleedbox"] == page["trimbox"]  # the input has no bleed


def test_bleed_and_marks_go_on_sra4_with_boxes():
    # A4 leaves no room above and below the trim for marks: SRA4 (320 x 225) does.
    for page in boxes_mm(imposed(8, True)):
        assert page["mediabox"] == [0, 0, 320, 225]
        assert page["trimbox"] == [12, 7.5, 308, 217.5]
        assert page["bleedbox"] == [9, 4.5, 311, 220.5]  # the input's 3 mm bleed


def test_given_sheet_size_is_used_or_turned():
    pdf = sample_booklet(8, bleed=True)
    page = boxes_mm(impose(pdf, ImposeOptions(sheet_size_mm=(450, 320))))[0]
    assert page["mediabox"] == [0, 0, 450, 320]
    assert page["trimbox"] == [77, 55, 373, 265]
    page = boxes_mm(impose(pdf, ImposeOptions(sheet_size_mm=(210, 297), marks=False)))[0]
    assert page["mediabox"] == [0, 0, 297, 210]  # portrait A4 only fits turned
    assert page["bleedbox"] == [0, 0, 297, 210]  # the 3 mm bleed is cut by the sheet edge


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (ImposeOptions(sheet_size_mm=(250, 200), marks=False), "cannot hold two trimmed pages"),
        (ImposeOptions(sheet_size_mm=(297, 210)), "marks need 7.0 mm"),
    ],
)
def test_sheet_too_small_is_an_error(options, message):
    with pytest.raises(ImposeError, match=message):
        impose(sample_booklet(8, bleed=True), options)


@pytest.mark.parametrize(
    ("request_mm", "expected"),
    [
        ((296, 210), ("A4", 297, 210)),
        ((310, 224), ("SRA4", 320, 225)),
        ((210, 148), ("A5", 210, 148)),
        ((148, 210), ("A5", 148, 210)),
        ((340, 240), ("B4", 353, 250)),
    ],
)
def test_smallest_iso_sheet(request_mm, expected):
    assert smallest_iso_sheet(*request_mm) == expected


def test_no_iso_sheet_big_enough():
    with pytest.raises(ImposeError, match="no ISO sheet"):
        smallest_iso_sheet(2000, 1500)


# --- clipping at the spine, bleed at the outer edges, patterns ---------------------------------


def test_bleed_kept_outside_and_cut_at_the_spine():
    pdf = imposed(4, True, True, marks=False)
    image, media = render(pdf, 0)  # sheet 1 front: page 4 | page 1
    trim = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].trimbox
    spine = float(trim.left + trim.right) / 2
    mid_y = float(trim.bottom) + 60 * MM  # away from WeasyPrint's cross marks in the bleed
    page4, page1 = COLOURS[3], COLOURS[0]
    # Without the clip, page 1's 3 mm spine bleed (drawn last) would cover page 4 here.
    assert close(colour_at(image, media, spine - 1.5 * MM, mid_y), page4)
    assert close(colour_at(image, media, spine - 0.3 * MM, mid_y), page4)
    assert close(colour_at(image, media, spine + 0.3 * MM, mid_y), page1)
    # The bleed stays at the fore-edges, head and foot ...
    assert close(colour_at(image, media, float(trim.left) - 1.5 * MM, mid_y), page4)
    assert close(colour_at(image, media, float(trim.right) + 1.5 * MM, mid_y), page1)
    assert close(colour_at(image, media, spine + 50 * MM, float(trim.top) + 1.5 * MM), page1)
    assert close(colour_at(image, media, spine - 50 * MM, float(trim.bottom) - 1.5 * MM), page4)
    # ... and ends 3 mm outside the trim.
    white = (255, 255, 255)
    assert close(colour_at(image, media, float(trim.right) + 4.5 * MM, mid_y), white)
    assert close(colour_at(image, media, spine + 50 * MM, float(trim.top) + 4.5 * MM), white)


@pytest.mark.parametrize("creep_mm", [0.0, 3.0])
def test_placed_pages_look_like_the_source_pages(creep_mm):
    """Sampled colours of each trimmed page (backgrounds, a pattern gradient, glyphs) match."""
    source_pdf = sample_booklet(4, bleed=True, colours=True)
    pdf = imposed(4, True, True, marks=False, creep_mm=creep_mm)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    source_trim = pypdf.PdfReader(io.BytesIO(source_pdf)).pages[0].trimbox
    width = float(source_trim.width)
    points = [(x * MM, y * MM) for x in range(8, 147, 7) for y in range(5, 210, 7)]
    shift = creep_mm / 2 * MM  # 2 sheets: the inner one moves creep/2 toward the spine
    for side, pair in enumerate(booklet_order(4)):
        image, media = render(pdf, side)
        trim = reader.pages[side].trimbox
        for slot, number in enumerate(pair):
            src_image, src_media = render(source_pdf, number - 1)
            sheet_shift = shift * (side // 2)
            # where the source trim's lower left corner lands on the sheet
            origin = float(trim.left) + (sheet_shift if slot == 0 else width - sheet_shift)
            mismatches = []
            for x, y in points:
                if slot == 0 and x > width - sheet_shift - 0.5 * MM:
                    continue  # cut at the spine by the creep shift
                if slot == 1 and x < sheet_shift + 0.5 * MM:
                    continue
                want = colour_at(
                    src_image, src_media, float(source_trim.left) + x, float(source_trim.bottom) + y
                )
                got = colour_at(image, media, origin + x, float(trim.bottom) + y)
                if not close(want, got, 40):
                    mismatches.append((round(x / MM), round(y / MM), want, got))
            assert len(mismatches) <= 2, f"page {number}: {mismatches[:5]}"  # antialiased edges


# --- creep ----------------------------------------------------------------------------------------


def test_creep_moves_inner_pages_toward_the_spine():
    plain = glyph_xy(imposed(16, marks=False))
    crept = glyph_xy(imposed(16, marks=False, creep_mm=2))
    assert sorted(plain) == sorted(crept) == list(range(1, 17))
    for side, pair in enumerate(booklet_order(16)):
        sheet = side // 2  # 4 sheets, 0 = outermost
        expected = 1.0 * MM * sheet / 3  # creep 2 mm in all: 1 mm per page on the centre sheet
        for slot, number in enumerate(pair):
            dx = crept[number][0] - plain[number][0]
            assert dx == pytest.approx(expected if slot == 0 else -expected, abs=0.01)
            assert crept[number][1] == pytest.approx(plain[number][1], abs=0.01)


@pytest.mark.parametrize("bleed", [False, True])
def test_glyphs_keep_their_place_relative_to_the_trimbox(bleed):
    source_pdf = sample_booklet(8, bleed=bleed)
    source_trims = [p.trimbox for p in pypdf.PdfReader(io.BytesIO(source_pdf)).pages]
    source_xy = glyph_xy(source_pdf)
    pdf = imposed(8, bleed, marks=False)
    trims = [p.trimbox for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    out_xy = glyph_xy(pdf)
    for side, pair in enumerate(booklet_order(8)):
        for slot, number in enumerate(pair):
            src_trim, trim = source_trims[number - 1], trims[side]
            left = float(trim.left) + slot * float(src_trim.width)
            sx, sy = source_xy[number]
            assert out_xy[number] == pytest.approx(
                (
                    left + sx - float(src_trim.left),
                    float(trim.bottom) + sy - float(src_trim.bottom),
                ),
                abs=0.01,
            )


def test_creep_too_large_is_an_error():
    with pytest.raises(ImposeError, match="more than the page width"):
        impose(sample_booklet(8), ImposeOptions(creep_mm=400, marks=False))


# --- marks ----------------------------------------------------------------------------------------


def test_marks_in_registration_colour_and_no_text_outside_the_pages(tmp_path):
    pdf = imposed(8, True)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert all(outside == "" for _, _, outside in halves_text(pdf))  # marks only, no text
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page, pypdf_page in zip(doc.pages, reader.pages, strict=True):
            colour_space = pypdf_page["/Resources"]["/ColorSpace"]["/BkRegistration"]
            colour_space = colour_space.get_object()
            assert colour_space[:3] == ["/Separation", "/All", "/DeviceCMYK"]
            ours = [line for line in page.lines if registration(line["stroking_color"])]
            assert len(ours) == 10  # 4 corners x 2 crop marks, 2 fold marks
            x0, y0, x1, y1 = (float(v) for v in pypdf_page.bleedbox)
            for line in ours:  # nothing inside the bleed box
                lx0, lx1 = line["x0"], line["x1"]
                ly0, ly1 = page.height - line["bottom"], page.height - line["top"]
                assert lx1 <= x0 + 0.01 or lx0 >= x1 - 0.01 or ly1 <= y0 + 0.01 or ly0 >= y1 - 0.01
            trim = [float(v) for v in pypdf_page.trimbox]
            spine = (trim[0] + trim[2]) / 2
            folds = [line for line in ours if line["dash"] and line["dash"][0]]
            assert [round(f["x0"], 2) for f in folds] == [round(spine, 2)] * 2
            crops = [line for line in ours if line not in folds]
            ends = {
                (round(c["x0"] / MM, 1), round((page.height - c["top"]) / MM, 1)) for c in crops
            }
            # horizontal marks on the trim lines, starting 3 mm (the bleed) outside
            assert (round(trim[0] / MM - 7, 1), round(trim[1] / MM, 1)) in ends
            assert (round(trim[2] / MM + 3, 1), round(trim[3] / MM, 1)) in ends
    qpdf_check(pdf, tmp_path)


def test_no_marks_means_nothing_outside_the_trim():
    pdf = imposed(8, marks=False)
    assert all(outside == "" for _, _, outside in halves_text(pdf))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            assert not [ln for ln in page.lines if registration(ln["stroking_color"])]


# --- whole output ---------------------------------------------------------------------------------


def test_pdf_version_of_the_input_is_kept():
    assert imposed(4, marks=False).startswith(b"%PDF-1.7")


def test_output_is_deterministic():
    pdf = sample_booklet(12, bleed=True)
    assert impose(pdf) == impose(pdf)
    assert impose(pdf, ImposeOptions(creep_mm=1)) == impose(pdf, ImposeOptions(creep_mm=1))


def test_mixed_trim_sizes_are_refused():
    html = (
        "<style>@page { size: A5 } @page big { size: A4 } .b { page: big }</style>"
        "<p>P1</p><p class=b>P2</p>"
    )
    with pytest.raises(ImposeError, match=r"page 2 is 210\.0 x 297\.0 mm but page 1"):
        impose(weasyprint.HTML(string=html).write_pdf())


def test_unreadable_or_empty_input_is_an_error():
    with pytest.raises(ImposeError, match="cannot read"):
        impose(b"not a pdf")
    empty = io.BytesIO()
    pypdf.PdfWriter().write(empty)
    with pytest.raises(ImposeError, match="has no pages"):
        impose(empty.getvalue())


@pytest.mark.parametrize(
    "kwargs",
    [{"creep_mm": -1}, {"creep_mm": float("nan")}, {"sheet_size_mm": (0, 210)},
     {"sheet_size_mm": (297,)}, {"fit_margin_mm": 5},
     {"sheet_size_mm": (297, 210), "fit_margin_mm": -1}],
)  # fmt: skip
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError):
        ImposeOptions(**kwargs)


# --- labels, metadata, identifiers ----------------------------------------------------------


def test_each_sheet_side_is_labelled_with_the_pages_it_holds():
    labels = pypdf.PdfReader(io.BytesIO(imposed(7, marks=False))).page_labels
    assert labels == [
        "1 front: -|1", "1 back: 2|7", "2 front: 6|3", "2 back: 4|5",
    ]  # fmt: skip


def test_the_input_page_labels_name_the_halves():
    html = "<style>@page { size: A5 } p { break-after: page }</style>" + "".join(
        f"<p>P{n}</p>" for n in range(1, 5)
    )
    writer = pypdf.PdfWriter(
        clone_from=pypdf.PdfReader(io.BytesIO(weasyprint.HTML(string=html).write_pdf()))
    )
    writer.set_page_label(0, 0, prefix="封面")
    writer.set_page_label(1, 2, style="/D", start=2)
    writer.set_page_label(3, 3, prefix="封底")
    out = io.BytesIO()
    writer.write(out)
    labels = pypdf.PdfReader(io.BytesIO(impose(out.getvalue(), NO_MARKS))).page_labels
    assert labels == ["1 front: 封底|封面", "1 back: 2|3"]


def test_metadata_and_a_content_derived_id_are_carried_over():
    html = (
        "<html lang=zh><head><title>小册</title><meta name=author content=某人>"
        "<meta name=dcterms.created content=2026-01-02></head>"
        "<style>@page { size: A5 }</style><p>P1</p></html>"
    )
    pdf = impose(weasyprint.HTML(string=html).write_pdf(), NO_MARKS)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "小册" and reader.metadata.author == "某人"
    assert reader.trailer["/Root"]["/Lang"] == "zh"
    identifier = re.search(rb"/ID \[<([0-9a-f]{32})> <\1>\]\n", pdf)
    body = pdf.replace(identifier[0], b"")
    assert hashlib.md5(body, usedforsecurity=False).hexdigest().encode() == identifier[1]


# --- scaled for a desktop printer -------------------------------------------------------------

DESKTOP = ImposeOptions(
    sheet_size_mm=(210, 297), marks=False, fit_margin_mm=5, fold_line=True, printer_hints=True
)


def test_fitted_pages_keep_the_margin_clear_and_meet_at_the_fold():
    pdf = impose(sample_booklet(8), DESKTOP)
    boxes = boxes_mm(pdf)
    for page in boxes:
        assert page["mediabox"] == [0, 0, 297, 210]  # turned: two pages side by side
        x0, y0, x1, y1 = page["trimbox"]
        assert y0 == pytest.approx(8, abs=0.01) and y1 == pytest.approx(202, abs=0.01)
        assert (x0 + x1) / 2 == pytest.approx(148.5, abs=0.01)
        assert (x1 - x0) / 2 == pytest.approx(148 * 194 / 210, abs=0.01)
    # The content is scaled with the page: a glyph keeps its place relative to the trim.
    source = glyph_xy(sample_booklet(8))
    placed = glyph_xy(pdf)
    scale = 194 / 210
    right_trim_left = 148.5 * MM  # page 1 is the right half of sheet 1's front
    assert placed[1][0] - right_trim_left == pytest.approx(source[1][0] * scale, abs=0.05)
    assert placed[1][1] - 8 * MM == pytest.approx(source[1][1] * scale, abs=0.05)


def test_printer_hints_ask_for_a_short_edge_flip_at_actual_size():
    pdf = impose(sample_booklet(4), DESKTOP)
    assert pdf.startswith(b"%PDF-1.7")
    prefs = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/ViewerPreferences"]
    assert prefs["/Duplex"] == "/DuplexFlipShortEdge" and prefs["/PrintScaling"] == "/None"
    assert "/ViewerPreferences" not in pypdf.PdfReader(io.BytesIO(imposed(4))).trailer["/Root"]


def test_a_sheet_too_small_to_fit_is_an_error():
    with pytest.raises(ImposeError, match="leaves no room for two pages"):
        impose(
            sample_booklet(4), ImposeOptions(sheet_size_mm=(20, 20), marks=False, fit_margin_mm=9)
        )
