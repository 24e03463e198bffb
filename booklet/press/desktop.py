"""The booklet for an office printer: two pages a side of ordinary paper in saddle-stitch
order, scaled to keep the printer's margin clear, with a fold line; printed double-sided
(flip on the short edge), folded and stapled, its pages read in order."""

from __future__ import annotations

import re

from .impose import ISO_SHEETS_MM, ImposeError, ImposeOptions, impose
from .marks import PT_PER_MM

SHEET_TOKEN = "--bk-desktop-sheet"
MARGIN_TOKEN = "--bk-desktop-margin"
DEFAULT_SHEET_MM = (297.0, 210.0)  # A4, turned to hold two pages side by side
DEFAULT_MARGIN_MM = 5.0
UNITS_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "px": 25.4 / 96, "q": 0.25}

# What the editor sets in the print dialog; the build prints it with the desktop file.
PRINTER_SETTINGS = (
    "print on both sides, flip on short edge, actual size (100 %, no fit to page), "
    "then fold the stack in half and staple at the fold"
)


def length_mm(text: str) -> float:
    """A CSS length (mm, cm, in, pt, px, Q) in mm; ValueError otherwise."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(mm|cm|in|pt|px|q)\s*", text, re.IGNORECASE)
    if not m:
        raise ValueError(f"{text!r} is not a length (give mm, cm, in or pt)")
    return float(m[1]) * UNITS_MM[m[2].lower()]


def sheet_mm(text: str) -> tuple[float, float]:
    """A sheet size token: an ISO 216/217 name (A4, B5 …) or two lengths."""
    name = text.strip().strip("\"'")
    for iso, short, long in ISO_SHEETS_MM:
        if name.upper() == iso:
            return (long, short)
    if name.lower() == "letter":
        return (279.4, 215.9)
    parts = name.split()
    if len(parts) != 2:
        raise ValueError(f"{text!r} is not a sheet size (give A4, or a width and a height)")
    return (length_mm(parts[0]), length_mm(parts[1]))


def options(tokens: dict[str, str]) -> ImposeOptions:
    """The imposition the tokens ask for; ValueError names a token that makes no sense."""
    sheet = sheet_mm(tokens.get(SHEET_TOKEN, "")) if SHEET_TOKEN in tokens else DEFAULT_SHEET_MM
    margin = length_mm(tokens[MARGIN_TOKEN]) if MARGIN_TOKEN in tokens else DEFAULT_MARGIN_MM
    return ImposeOptions(
        sheet_size_mm=sheet,
        marks=False,
        fit_margin_mm=margin,
        fold_line=True,
        printer_hints=True,
    )


def sheets(pdf: bytes, tokens: dict[str, str]) -> bytes:
    """The desktop PDF from the desktop layout's pages."""
    try:
        chosen = options(tokens)
    except ValueError as exc:
        raise ImposeError(f"{SHEET_TOKEN} / {MARGIN_TOKEN}: {exc}") from None
    return impose(pdf, chosen)


def scale_of(trim_width_pt: float, page_width_mm: float) -> float:
    """How much a desktop sheet's pages are scaled: half the spread over the page width."""
    return trim_width_pt / 2 / PT_PER_MM / page_width_mm
