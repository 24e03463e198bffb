"""Printer's marks in the registration colour: crop marks and fold marks as PDF operators."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    RectangleObject,
)

PT_PER_MM = 72 / 25.4
MARK_OFFSET_MM = 3.0  # gap between the trim and a crop mark (at least the bleed)
MARK_LENGTH_MM = 4.0
MARK_LINE_WIDTH_PT = 0.25
COLOUR_SPACE = "/BkRegistration"


def registration_colour_space() -> ArrayObject:
    """[/Separation /All /DeviceCMYK tint → 100/100/100/100]: prints on every plate."""
    tint = DictionaryObject(
        {
            NameObject("/FunctionType"): NumberObject(2),
            NameObject("/Domain"): ArrayObject([NumberObject(0), NumberObject(1)]),
            NameObject("/C0"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/C1"): ArrayObject([NumberObject(1)] * 4),
            NameObject("/N"): NumberObject(1),
        }
    )
    return ArrayObject(
        [NameObject("/Separation"), NameObject("/All"), NameObject("/DeviceCMYK"), tint]
    )


def number(value: float) -> str:
    """A number for a content stream: fixed decimals, no exponent, no '-0'."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def mark_operators(trim: RectangleObject, offset: float, spine_x: float | None = None) -> str:
    """Crop marks at the four corners of trim, starting offset outside it; with spine_x,
    dashed fold marks on the spine above and below (a fold is not cut: no crop mark there)."""
    length = MARK_LENGTH_MM * PT_PER_MM
    lines: list[tuple[float, float, float, float]] = []
    for x, dx in ((float(trim.left), -1), (float(trim.right), 1)):
        for y, dy in ((float(trim.bottom), -1), (float(trim.top), 1)):
            lines.append((x + dx * offset, y, x + dx * (offset + length), y))
            lines.append((x, y + dy * offset, x, y + dy * (offset + length)))

    def path(segments: list[tuple[float, float, float, float]]) -> str:
        return " ".join(
            f"{number(a)} {number(b)} m {number(c)} {number(d)} l" for a, b, c, d in segments
        )

    ops = f"q {COLOUR_SPACE} CS 1 SCN {number(MARK_LINE_WIDTH_PT)} w 0 J [] 0 d {path(lines)} S "
    if spine_x is not None:
        top, bottom = float(trim.top), float(trim.bottom)
        folds = [
            (spine_x, top + offset, spine_x, top + offset + length),
            (spine_x, bottom - offset, spine_x, bottom - offset - length),
        ]
        ops += f"[2 2] 0 d {path(folds)} S "
    return ops + "Q"


def draw_over(writer: PdfWriter, page, operators: str) -> None:
    """Draw on top of a page: its own content is wrapped in q…Q, so whatever transformation
    it leaves behind ends before ours. The streams are linked, not decoded and rewritten."""

    def stream(data: bytes):
        obj = DecodedStreamObject()
        obj.set_data(data)
        return writer._add_object(obj)

    existing = page.get(NameObject("/Contents"))
    parts = (
        list(existing.get_object())
        if isinstance(existing.get_object(), ArrayObject)
        else [existing]
    )
    page[NameObject("/Contents")] = ArrayObject(
        [stream(b"q\n"), *parts, stream(b"\nQ\n" + operators.encode("ascii"))]
    )


def add_crop_marks(pdf: bytes) -> bytes:
    """Grow each page around its BleedBox so crop marks fit outside the bleed, and draw them.

    WeasyPrint's own marks (``marks: crop``) are drawn in RGB inside the bleed, where the
    guillotine may leave them on the page; these are in the registration colour, outside.
    """
    # The header stays the input's (pypdf would write 1.3 under OpenType fonts).
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)), keep_initial_header=True)
    space = writer._add_object(registration_colour_space())
    for page in writer.pages:
        trim, bleed = page.trimbox, page.bleedbox
        bleed_width = max(
            float(trim.left) - float(bleed.left),
            float(bleed.right) - float(trim.right),
            float(trim.bottom) - float(bleed.bottom),
            float(bleed.top) - float(trim.top),
        )
        offset = max(bleed_width, MARK_OFFSET_MM * PT_PER_MM)
        reach = offset + (MARK_LENGTH_MM + 1) * PT_PER_MM
        media = RectangleObject(
            [
                FloatObject(round(float(trim.left) - reach, 4)),
                FloatObject(round(float(trim.bottom) - reach, 4)),
                FloatObject(round(float(trim.right) + reach, 4)),
                FloatObject(round(float(trim.top) + reach, 4)),
            ]
        )
        page.mediabox = media
        page.cropbox = media
        resources = page["/Resources"].get_object()
        spaces = resources.get("/ColorSpace")
        if spaces is None:
            resources[NameObject("/ColorSpace")] = DictionaryObject(
                {NameObject(COLOUR_SPACE): space}
            )
        else:
            spaces.get_object()[NameObject(COLOUR_SPACE)] = space
        draw_over(writer, page, mark_operators(trim, offset))
    from .carry import written

    return written(writer)
