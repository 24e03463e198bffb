"""Impose a finished booklet PDF onto printer's sheets for saddle stitching (bytes to bytes).

How a sheet is built
--------------------
* Page order: :func:`booklet_order`. The page count is padded up to a multiple of 4 with
  blank pages after the last page of the input (7 pages: page 8 is blank, so the input's
  last page becomes the inside of the back cover). One output page per sheet side, in print
  order: sheet 1 front, sheet 1 back, sheet 2 front, ... Backs are drawn upright: turn the
  sheet over about its vertical axis (left to right), which duplex dialogs call "flip on
  short edge" for landscape sheets.
* Placement: each source page is placed by its TrimBox so that the two trimmed pages meet at
  the sheet's vertical centre line (the spine); the spread is centred on the sheet.
* Clipping: each source page is wrapped in a Form XObject whose /BBox is its own half:
  the bleed it has (BleedBox, which defaults to CropBox/MediaBox as in the PDF spec, cut to
  the MediaBox) is kept at the head, the foot and the fore-edge, and cut exactly at the
  spine, so neither a bleed nor stray content crosses onto the neighbouring page.
  Form XObjects rather than ``PageObject.merge_transformed_page``: pypdf's merge moves the
  content with a ``cm`` but leaves /Pattern matrices (which refer to the page's default
  space) where they were, and WeasyPrint paints gradients and repeated background images
  (of elements and of @page) with patterns, so they came out shifted. Inside a form the patterns
  follow the form. It also avoids parsing every content stream in Python.
* Sheet: ``ImposeOptions.sheet_size_mm`` if given (used as given, or turned 90 degrees if
  only that fits). Otherwise the smallest ISO 216 (A, B) or ISO 217 (RA, SRA) sheet that holds
  the two trimmed pages plus what must show outside the trim: the input's bleed and, when
  ``marks`` is on, the mark area. A5 pages without bleed or marks give A4 landscape
  (297 x 210 mm); A5 pages with marks (and up to 3 mm bleed) give SRA4 landscape
  (320 x 225 mm), because A4 leaves 0.5 mm beside the trim and none above or below.
* Boxes of each output page: MediaBox = the sheet, origin (0, 0); TrimBox = the two trimmed
  pages side by side (nominal, the same on every sheet, creep not subtracted); BleedBox =
  TrimBox grown by the largest bleed found in the input, cut to the sheet (a given
  ``sheet_size_mm`` too small for the bleed cuts it at the sheet edge; one too small for
  the marks is an error).
* Creep (shingling): in a saddle-stitched booklet the inner sheets stick out at the
  fore-edge once folded and nested, so the final trim cuts more off them. To keep the
  fore-edge margins even, the content of sheet ``i`` (0 = outermost) of ``n`` is moved
  *toward the spine* by ``creep_mm / 2 * i / (n - 1)`` on each page: 0 on the outer sheet,
  ``creep_mm / 2`` on each page of the centre sheet, so ``creep_mm`` is the total narrowing
  of the centre spread. The clip stays at the spine, so the gutter loses that much.
* Marks (``marks=True``), all in the registration colour: a Separation colour space named
  ``/All`` (prints on every plate, spot plates included; its alternate for screens is
  DeviceCMYK 100/100/100/100). Drawn only outside the bleed:
  crop marks at the four outer corners of the spread (0.25 pt lines, 4 mm long, starting
  3 mm or the bleed, whichever is larger, outside the trim; none at the spine, which is
  folded, not cut) and a dashed fold mark on the spine line above and below the spread
  (booklet/press/marks.py). No text label: it would need a font, and a print file embeds every
  font it uses.
* Scale (``fit_margin_mm``, for a desktop printer): the spread is scaled down (never up)
  so that it keeps that margin clear at every edge of the sheet, plus room for the fold
  line at head and foot; the pages still meet at the sheet's centre line.
* Fold line (``fold_line``, when there are no printer's marks): a dashed 50 % grey mark on
  the spine line above and below the spread, where the sheet is folded.
* Labels: each sheet side's page label says which pages it holds, as
  ``"<sheet> front: <left>|<right>"`` or ``"<sheet> back: …"``, each page by its own label
  in the input (封面, 3, …; ``-`` for a blank half): a viewer, or the preview, can show
  which pages a side holds without reading the content.
* Output: annotations (links), the outline and the structure tree of the input are not
  carried over (a print file). The document information, XMP metadata, output intent and
  language of the input are, and its PDF version; /ID and the XMP identifiers are derived
  from the content (booklet/press/carry.py): the same input gives the same bytes.
  ``printer_hints`` asks the print dialog for duplex flipping on the short edge at actual
  size (/ViewerPreferences, PDF 1.7).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    RectangleObject,
)

from .carry import carry_over, written
from .marks import (
    COLOUR_SPACE,
    MARK_LENGTH_MM,
    MARK_OFFSET_MM,
    PT_PER_MM,
    mark_operators,
    registration_colour_space,
)
from .marks import number as _n

__all__ = [
    "ISO_SHEETS_MM",
    "ImposeError",
    "ImposeOptions",
    "booklet_order",
    "impose",
    "smallest_iso_sheet",
]


#: Sheets considered when no sheet size is given: (name, short side, long side) in mm.
#: ISO 216 A and B series, ISO 217 RA and SRA (oversized press sheets) series.
ISO_SHEETS_MM: tuple[tuple[str, float, float], ...] = (
    *(
        (f"A{i}", w, h)
        for i, (w, h) in enumerate(
            [(841, 1189), (594, 841), (420, 594), (297, 420), (210, 297), (148, 210),
             (105, 148), (74, 105), (52, 74), (37, 52), (26, 37)]
        )
    ),
    *(
        (f"B{i}", w, h)
        for i, (w, h) in enumerate(
            [(1000, 1414), (707, 1000), (500, 707), (353, 500), (250, 353), (176, 250),
             (125, 176), (88, 125), (62, 88), (44, 62), (31, 44)]
        )
    ),
    *(
        (f"RA{i}", w, h)
        for i, (w, h) in enumerate([(860, 1220), (610, 860), (430, 610), (305, 430), (215, 305)])
    ),
    *(
        (f"SRA{i}", w, h)
        for i, (w, h) in enumerate([(900, 1280), (640, 900), (450, 640), (320, 450), (225, 320)])
    ),
)  # fmt: skip


_FIT_TOLERANCE_MM = 0.05  # 296.0 mm of A5 spread in 297 mm of A4, 2 x 148.0000001 mm, ...
_SIZE_TOLERANCE_PT = 0.1  # pages count as the same trim size within this


class ImposeError(ValueError):
    """The input or the options cannot be imposed; the message says what to change."""


def booklet_order(page_count: int) -> list[tuple[int | None, int | None]]:
    """Page pairs (left, right) sheet side by sheet side, 1-based, None = blank.

    page_count is padded up to a multiple of 4 (the padding pages, numbered after the last
    real page, are blank). For 16:
    [(16,1),(2,15),(14,3),(4,13),(12,5),(6,11),(10,7),(8,9)] — fronts and backs alternate.
    """
    if isinstance(page_count, bool) or not isinstance(page_count, int) or page_count < 1:
        raise ValueError(f"a booklet needs at least one page, got {page_count!r}")
    padded = -(-page_count // 4) * 4

    def real(page: int) -> int | None:
        return page if page <= page_count else None

    order: list[tuple[int | None, int | None]] = []
    for sheet in range(padded // 4):
        order.append((real(padded - 2 * sheet), real(1 + 2 * sheet)))  # front
        order.append((real(2 + 2 * sheet), real(padded - 1 - 2 * sheet)))  # back
    return order


@dataclass(frozen=True)
class ImposeOptions:
    """How to impose; see the module docstring for the exact behaviour of each field."""

    #: (width, height) of the sheet in mm, used as given or turned 90 degrees if only that fits.
    #: None: two trimmed pages side by side (plus bleed and, with ``marks``, the mark area)
    #: fitted to the smallest ISO sheet (A5 pages, no bleed, no marks -> A4 landscape 297x210;
    #: with marks -> SRA4 landscape 320x225).
    sheet_size_mm: tuple[float, float] | None = None
    #: Total creep compensation in mm: each page of the centre sheet moves creep_mm / 2 toward
    #: the spine, the outer sheet not at all, the sheets between linearly.
    creep_mm: float = 0.0
    #: Crop marks at the spread's outer corners and fold marks at the spine, in the
    #: registration colour (Separation /All) outside the bleed.
    marks: bool = True
    #: Scale the spread down to keep this margin (mm) clear at the sheet's edges (a desktop
    #: printer cannot print there); None: pages at their size. Needs ``sheet_size_mm``.
    fit_margin_mm: float | None = None
    #: A dashed grey fold mark on the spine above and below the spread (without ``marks``).
    fold_line: bool = False
    #: Ask the print dialog for duplex, flip on the short edge, actual size.
    printer_hints: bool = False

    def __post_init__(self) -> None:
        sheet = self.sheet_size_mm
        if sheet is not None and not (
            len(sheet) == 2
            and all(isinstance(v, int | float) and math.isfinite(v) and v > 0 for v in sheet)
        ):
            raise ValueError(
                f"sheet_size_mm must be two positive numbers (width, height), got {sheet!r}"
            )
        if not isinstance(self.creep_mm, int | float) or not (
            math.isfinite(self.creep_mm) and self.creep_mm >= 0
        ):
            raise ValueError(f"creep_mm must be a number >= 0, got {self.creep_mm!r}")
        margin = self.fit_margin_mm
        if margin is not None and (
            sheet is None or not isinstance(margin, int | float) or not (0 <= margin < 100)
        ):
            raise ValueError(
                f"fit_margin_mm must be a number from 0 to 100 with a sheet_size_mm, got {margin!r}"
            )


def smallest_iso_sheet(width_mm: float, height_mm: float) -> tuple[str, float, float]:
    """The smallest (by area) sheet of :data:`ISO_SHEETS_MM` holding width x height mm.

    Returns (name, sheet width, sheet height), oriented like the request (landscape for a
    wide request). Raises ImposeError when even the largest sheet is too small.
    """
    fitting = [
        (w * h, name, w, h)
        for name, w, h in ISO_SHEETS_MM
        if min(width_mm, height_mm) <= w + _FIT_TOLERANCE_MM
        and max(width_mm, height_mm) <= h + _FIT_TOLERANCE_MM
    ]
    if not fitting:
        raise ImposeError(
            f"no ISO sheet holds {width_mm:.1f} x {height_mm:.1f} mm; give sheet_size_mm"
        )
    _, name, short, long = min(fitting, key=lambda f: f[0])
    return (name, long, short) if width_mm >= height_mm else (name, short, long)


def impose(pdf: bytes, options: ImposeOptions = ImposeOptions()) -> bytes:
    """Impose a finished booklet PDF for saddle stitching.

    Input: the finished booklet PDF (its pages may have a BleedBox/TrimBox larger/smaller
    than MediaBox); each page is placed by its TrimBox so the trimmed pages meet at the
    spine, anything that would cross the spine is clipped. Output: imposed PDF, one page
    per sheet side, in print order, blank halves where padding was needed; each output
    page's TrimBox = the sheet's area holding the two trimmed pages. Raises ImposeError
    for input or options that cannot be imposed.
    """
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        pages = list(reader.pages)
    except Exception as exc:  # pypdf raises many kinds for broken files
        raise ImposeError(f"cannot read the booklet PDF: {exc}") from exc
    if not pages:
        raise ImposeError("the booklet PDF has no pages")

    geometry = [_page_geometry(number, page) for number, page in enumerate(pages, 1)]
    trim_w, trim_h = geometry[0].trim.width, geometry[0].trim.height
    for g in geometry[1:]:
        if (
            abs(g.trim.width - trim_w) > _SIZE_TOLERANCE_PT
            or abs(g.trim.height - trim_h) > _SIZE_TOLERANCE_PT
        ):
            raise ImposeError(
                f"page {g.number} is {_mm(g.trim.width)} x {_mm(g.trim.height)} mm but page 1 "
                f"is {_mm(trim_w)} x {_mm(trim_h)} mm (TrimBox); all pages of a booklet "
                f"must have one trim size"
            )
    bleed = max(max(g.extension) for g in geometry)  # pt, largest bleed anywhere
    mark_offset = max(bleed, MARK_OFFSET_MM * PT_PER_MM)
    margin_needed = mark_offset + MARK_LENGTH_MM * PT_PER_MM if options.marks else bleed
    if options.fit_margin_mm is None:
        scale = 1.0
        sheet_w, sheet_h = (
            round(v, 4) for v in _sheet_size(options, 2 * trim_w, trim_h, margin_needed)
        )
    else:
        scale, sheet_w, sheet_h = _fitted(options, 2 * trim_w, trim_h)

    writer = PdfWriter()
    carry_over(reader, writer, "1.7" if options.printer_hints else "1.3")
    labels = _labels(reader, len(pages))
    spine_x = sheet_w / 2
    spread_w, spread_h = trim_w * scale, trim_h * scale
    trim = RectangleObject(
        (spine_x - spread_w, (sheet_h - spread_h) / 2, spine_x + spread_w, (sheet_h + spread_h) / 2)
    )
    bleed_box = RectangleObject(
        (
            max(0.0, trim.left - bleed * scale),
            max(0.0, trim.bottom - bleed * scale),
            min(sheet_w, trim.right + bleed * scale),
            min(sheet_h, trim.top + bleed * scale),
        )
    )
    order = booklet_order(len(pages))
    sheets = len(order) // 2
    max_shift = options.creep_mm / 2 * PT_PER_MM  # on each page of the centre sheet
    if sheets > 1 and max_shift >= spread_w:
        raise ImposeError(
            f"creep_mm={options.creep_mm:g} moves the centre pages by {_mm(max_shift)} mm, "
            f"more than the page width {_mm(spread_w)} mm"
        )
    registration = writer._add_object(registration_colour_space()) if options.marks else None

    for side_index, pair in enumerate(order):
        sheet = side_index // 2
        shift = max_shift * sheet / (sheets - 1) if sheets > 1 else 0.0
        page = writer.add_page(PageObject.create_blank_page(None, sheet_w, sheet_h))
        page[NameObject("/TrimBox")] = _rect(trim, (sheet_w, sheet_h))
        page[NameObject("/BleedBox")] = _rect(bleed_box, (sheet_w, sheet_h))
        xobjects = DictionaryObject()
        ops: list[str] = []
        for slot, number in enumerate(pair):
            if number is None:
                continue
            g = geometry[number - 1]
            form = _page_form(writer, pages[number - 1], g, slot, shift / scale)
            # The form keeps the source page's coordinates: scale it, move its TrimBox
            # into place.
            left_edge = spine_x - spread_w + shift if slot == 0 else spine_x - shift
            name = f"/Pg{number}"
            xobjects[NameObject(name)] = writer._add_object(form)
            ops.append(
                f"q {_n(scale)} 0 0 {_n(scale)} {_n(left_edge - g.trim.left * scale)} "
                f"{_n(trim.bottom - g.trim.bottom * scale)} cm {name} Do Q"
            )
        resources = DictionaryObject()
        if xobjects:
            resources[NameObject("/XObject")] = xobjects
        if options.marks:
            resources[NameObject("/ColorSpace")] = DictionaryObject(
                {NameObject(COLOUR_SPACE): registration}
            )
            ops.append(mark_operators(trim, mark_offset, spine_x))
        elif options.fold_line:
            ops.append(_fold_line(trim, spine_x))
        page[NameObject("/Resources")] = resources
        content = DecodedStreamObject()
        content.set_data(("\n".join(ops) + "\n").encode("ascii"))
        page[NameObject("/Contents")] = writer._add_object(content.flate_encode())
        side = "front" if side_index % 2 == 0 else "back"
        halves = "|".join(labels[n - 1] if n is not None else "-" for n in pair)
        writer.set_page_label(side_index, side_index, prefix=f"{sheet + 1} {side}: {halves}")

    if options.printer_hints:
        writer._root_object[NameObject("/ViewerPreferences")] = DictionaryObject(
            {
                NameObject("/Duplex"): NameObject("/DuplexFlipShortEdge"),
                NameObject("/PrintScaling"): NameObject("/None"),
                NameObject("/PickTrayByPDFSize"): BooleanObject(True),
            }
        )
    return written(writer)


FOLD_ROOM_MM = 3.0  # between the spread and the kept-clear margin, for the fold line
FOLD_LENGTH_MM = 2.5


def _fitted(options: ImposeOptions, spread_w: float, spread_h: float) -> tuple[float, float, float]:
    """(scale, sheet width, sheet height) in pt: the spread scaled down to fit the given
    sheet, turned whichever way holds it larger, inside the margin and the fold room."""
    margin = options.fit_margin_mm * PT_PER_MM
    room = FOLD_ROOM_MM * PT_PER_MM if options.fold_line and not options.marks else 0.0
    w, h = (v * PT_PER_MM for v in options.sheet_size_mm)
    best = None
    for cand_w, cand_h in ((w, h), (h, w)):
        scale = min(
            1.0, (cand_w - 2 * margin) / spread_w, (cand_h - 2 * (margin + room)) / spread_h
        )
        if best is None or scale > best[0] + 1e-9:
            best = (scale, round(cand_w, 4), round(cand_h, 4))
    if best[0] <= 0.1:
        raise ImposeError(
            f"the sheet {options.sheet_size_mm[0]:g} x {options.sheet_size_mm[1]:g} mm with "
            f"{options.fit_margin_mm:g} mm kept clear leaves no room for two pages"
        )
    return best


def _fold_line(trim: RectangleObject, spine_x: float) -> str:
    """Dashed 50 % grey fold marks on the spine, above and below the spread."""
    gap, length = 0.5 * PT_PER_MM, FOLD_LENGTH_MM * PT_PER_MM
    top, bottom = float(trim.top), float(trim.bottom)
    x = _n(spine_x)
    return (
        f"q 0.5 G 0.5 w [1.5 1] 0 d {x} {_n(top + gap)} m {x} {_n(top + gap + length)} l "
        f"{x} {_n(bottom - gap)} m {x} {_n(bottom - gap - length)} l S Q"
    )


def _labels(reader: PdfReader, count: int) -> list[str]:
    """Each input page's label (its folio, or 封面 …), else its number."""
    try:
        found = list(reader.page_labels)
    except Exception:  # a broken /PageLabels tree: fall back to numbers
        found = []
    return found if len(found) == count else [str(n) for n in range(1, count + 1)]


@dataclass(frozen=True)
class _Geometry:
    number: int
    trim: RectangleObject
    #: How far the usable bleed reaches beyond the trim: (left, bottom, right, top), pt, >= 0.
    extension: tuple[float, float, float, float]


def _page_geometry(number: int, page: PageObject) -> _Geometry:
    rotate = page.rotation % 360
    if rotate:
        raise ImposeError(
            f"page {number} is rotated by {rotate} degrees (/Rotate); imposition expects "
            f"upright pages as WeasyPrint writes them"
        )
    media, trim, bleed = page.mediabox, page.trimbox, page.bleedbox
    lft, bot = max(bleed.left, media.left), max(bleed.bottom, media.bottom)
    rgt, top = min(bleed.right, media.right), min(bleed.top, media.top)
    if trim.width <= 0 or trim.height <= 0:
        raise ImposeError(f"page {number} has an empty TrimBox {list(trim)}")
    extension = (
        max(0.0, float(trim.left - lft)),
        max(0.0, float(trim.bottom - bot)),
        max(0.0, float(rgt - trim.right)),
        max(0.0, float(top - trim.top)),
    )
    return _Geometry(number, trim, extension)


def _sheet_size(
    options: ImposeOptions, spread_w: float, spread_h: float, margin: float
) -> tuple[float, float]:
    """Sheet (width, height) in pt holding the spread with ``margin`` pt around it."""
    need_w, need_h = spread_w + 2 * margin, spread_h + 2 * margin
    tol = _FIT_TOLERANCE_MM * PT_PER_MM
    if options.sheet_size_mm is None:
        _, w_mm, h_mm = smallest_iso_sheet(need_w / PT_PER_MM, need_h / PT_PER_MM)
        return w_mm * PT_PER_MM, h_mm * PT_PER_MM
    w, h = (v * PT_PER_MM for v in options.sheet_size_mm)
    for cand_w, cand_h in ((w, h), (h, w)):
        if spread_w <= cand_w + tol and spread_h <= cand_h + tol:
            break
    else:
        raise ImposeError(
            f"the sheet {options.sheet_size_mm[0]:g} x {options.sheet_size_mm[1]:g} mm cannot "
            f"hold two trimmed pages side by side ({_mm(spread_w)} x {_mm(spread_h)} mm)"
        )
    room = min(cand_w - spread_w, cand_h - spread_h) / 2
    if options.marks and room + tol < margin:
        raise ImposeError(
            f"the sheet {options.sheet_size_mm[0]:g} x {options.sheet_size_mm[1]:g} mm leaves "
            f"{_mm(max(room, 0.0))} mm outside the trim; marks need {_mm(margin)} mm: "
            f"give a sheet of at least {_mm(need_w)} x {_mm(need_h)} mm or marks=False"
        )
    return cand_w, cand_h


def _page_form(
    writer: PdfWriter, page: PageObject, g: _Geometry, slot: int, shift: float
) -> DecodedStreamObject:
    """The page as a Form XObject clipped (by /BBox) to its half of the spread."""
    ext_left, ext_bottom, ext_right, ext_top = g.extension
    if slot == 0:  # left page: spine on its right, content moved right by `shift`
        bbox = (g.trim.left - ext_left, g.trim.right - shift)
    else:  # right page: spine on its left, content moved left by `shift`
        bbox = (g.trim.left + shift, g.trim.right + ext_right)
    contents = page.get("/Contents")
    data = b""
    if contents is not None:
        contents = contents.get_object()
        streams = contents if isinstance(contents, ArrayObject) else [contents]
        data = b"\n".join(s.get_object().get_data() for s in streams)
    form = DecodedStreamObject()
    form.set_data(data)
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/FormType"): NumberObject(1),
            NameObject("/BBox"): _rect(
                (bbox[0], g.trim.bottom - ext_bottom, bbox[1], g.trim.top + ext_top)
            ),
        }
    )
    resources = page.get("/Resources")
    if resources is not None:
        form[NameObject("/Resources")] = resources.clone(writer)  # shared ones cloned once
    if "/Group" in page:
        form[NameObject("/Group")] = page["/Group"].clone(writer)
    return form.flate_encode()


def _rect(
    r: RectangleObject | tuple[float, float, float, float],
    within: tuple[float, float] | None = None,
) -> ArrayObject:
    """A box for the PDF, rounded to 4 decimals and, with ``within``, kept inside (0, 0, w, h)."""
    values = [round(float(v), 4) for v in r]
    if within is not None:
        values = [min(max(v, 0.0), within[i % 2]) for i, v in enumerate(values)]
    return ArrayObject(FloatObject(v) for v in values)


def _mm(points: float) -> str:
    return f"{points / PT_PER_MM:.1f}"
