"""What the press adds to laid-out pages: the metadata and labels every PDF carries, and the
editors' proof outlines drawn over the pages."""

from __future__ import annotations

import datetime
import io

from pypdf import PdfReader, PdfWriter

from booklet.engine import PageFacts, PdfInfo
from booklet.model import Book

from .carry import written
from .marks import draw_over

# The four cover pages of a saddle-stitched booklet have names of their own in Chinese
# printing; every other page is labelled with the folio printed on it.
COVER_LABELS = ("封面", "封二", "封三", "封底")
PT_PER_PX = 0.75


def pdf_date(day: datetime.date) -> str:
    return f"D:{day:%Y%m%d}000000+08'00'"


def metadata(book: Book) -> dict[str, str]:
    """The document information of the booklet's PDFs."""
    date = pdf_date(book.date)
    found = {
        "Title": book.title + (f"：{book.subtitle}" if book.subtitle else ""),
        "Author": book.pdf_author,
        "Subject": book.description,
        "Keywords": ", ".join(book.keywords),
        "Creator": "booklet",
        "Producer": "booklet (WeasyPrint, pypdf)",
        "CreationDate": date,
        "ModDate": date,
    }
    return {key: value for key, value in found.items() if value}


def label_ranges(count: int, text_inside_back: bool = False) -> list[tuple[int, dict]]:
    """Page labels as (first page index, label) ranges: the four cover pages by name, the
    rest by the folio printed on them (page 3 is labelled 3). When an article runs onto the
    inside back cover (``text_inside_back``), that page is labelled by its folio too."""
    if count < 4:
        return [(0, {"S": "/D", "St": 1})]
    ranges = [(0, {"P": COVER_LABELS[0]}), (1, {"P": COVER_LABELS[1]}), (2, {"S": "/D", "St": 3})]
    if not text_inside_back:
        ranges.append((count - 2, {"P": COVER_LABELS[2]}))
    return [*ranges, (count - 1, {"P": COVER_LABELS[3]})]


def pdf_info(
    book: Book, pages: int, type_area: bool = False, text_inside_back: bool = False
) -> PdfInfo:
    return PdfInfo(metadata(book), "zh-CN", label_ranges(pages, text_inside_back), type_area)


def outline_type_area(pdf: bytes, pages: list[PageFacts]) -> bytes:
    """The proof (校样): each page's type area outlined in cyan, as the engine laid it out."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)), keep_initial_header=True)
    for page, facts in zip(writer.pages, pages, strict=True):
        if not facts.margins:
            continue  # covers and fillers have no type area
        x0, y0, x1, y1 = (v * PT_PER_PX for v in facts.content)
        page_top = float(page.mediabox.top)
        ops = (
            f"q 0 0.6 0.8 RG 0.3 w [1.5 1.5] 0 d "
            f"{x0:.3f} {page_top - y1:.3f} {x1 - x0:.3f} {y1 - y0:.3f} re S Q"
        )
        draw_over(writer, page, ops)
    return written(writer)
