"""PDF bytes from WeasyPrint → the finished file: metadata, language, page labels, a stable ID."""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    NameObject,
    TextStringObject,
)

from .marks import draw_over
from .model import Book

# The four cover pages of a saddle-stitched booklet have names of their own in Chinese
# printing; every other page is labelled with the folio printed on it.
COVER_LABELS = ("封面", "封二", "封三", "封底")


@dataclass(frozen=True)
class Finished:
    pdf: bytes
    pages: int


def pdf_date(day: datetime.date) -> str:
    return f"D:{day:%Y%m%d}000000+08'00'"


def finish(pdf: bytes, book: Book, *, language: str = "zh-CN") -> Finished:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    count = len(writer.pages)
    date = pdf_date(book.date)
    metadata = {
        "/Title": book.title + (f"：{book.subtitle}" if book.subtitle else ""),
        "/Author": book.publisher,
        "/Subject": book.description,
        "/Keywords": ", ".join(book.keywords),
        "/Creator": "booklet",
        "/Producer": "booklet (WeasyPrint, pypdf)",
        "/CreationDate": date,
        "/ModDate": date,
    }
    writer.metadata = None
    writer.add_metadata({key: value for key, value in metadata.items() if value})
    writer._root_object[NameObject("/Lang")] = TextStringObject(language)
    set_page_labels(writer, count)
    # The same content always gets the same file identifier, so rebuilds are byte-identical.
    digest = hashlib.md5(pdf, usedforsecurity=False).digest()
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    out = io.BytesIO()
    writer.write(out)
    return Finished(out.getvalue(), count)


def set_page_labels(writer: PdfWriter, count: int) -> None:
    if count < 4:
        writer.set_page_label(0, count - 1, style="/D", start=1)
        return
    writer.set_page_label(0, 0, prefix=COVER_LABELS[0])
    writer.set_page_label(1, 1, prefix=COVER_LABELS[1])
    writer.set_page_label(2, count - 3, style="/D", start=3)
    writer.set_page_label(count - 2, count - 2, prefix=COVER_LABELS[2])
    writer.set_page_label(count - 1, count - 1, prefix=COVER_LABELS[3])


def page_labels(pdf: bytes) -> list[str]:
    return list(PdfReader(io.BytesIO(pdf)).page_labels)


def outline_type_area(pdf: bytes, document) -> bytes:
    """The proof (校样): each page's type area outlined in cyan, as WeasyPrint laid it out."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page, laid in zip(writer.pages, document.pages, strict=True):
        box = laid._page_box
        if not box.margin_left and not box.margin_top:
            continue  # covers and fillers have no type area
        px = 0.75  # CSS px → pt
        x = (box.margin_left + box.padding_left + box.border_left_width) * px
        top = (box.margin_top + box.padding_top + box.border_top_width) * px
        width, height = box.width * px, box.height * px
        page_top = float(page.mediabox.top)
        ops = (
            f"q 0 0.6 0.8 RG 0.3 w [1.5 1.5] 0 d "
            f"{x:.3f} {page_top - top - height:.3f} {width:.3f} {height:.3f} re S Q"
        )
        draw_over(writer, page, ops)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
