"""The finished PDF: metadata, language and page labels set as WeasyPrint writes the file;
the editors' proof outlines drawn over it with pypdf."""

from __future__ import annotations

import datetime
import hashlib
import io

import pydyf
from pypdf import PdfReader, PdfWriter

from .marks import draw_over
from .model import Book

# The four cover pages of a saddle-stitched booklet have names of their own in Chinese
# printing; every other page is labelled with the folio printed on it.
COVER_LABELS = ("封面", "封二", "封三", "封底")


def pdf_date(day: datetime.date) -> str:
    return f"D:{day:%Y%m%d}000000+08'00'"


def metadata(book: Book) -> dict[str, str]:
    """The document information of the booklet's PDFs."""
    date = pdf_date(book.date)
    found = {
        "Title": book.title + (f"：{book.subtitle}" if book.subtitle else ""),
        "Author": book.publisher,
        "Subject": book.description,
        "Keywords": ", ".join(book.keywords),
        "Creator": "booklet",
        "Producer": "booklet (WeasyPrint, pypdf)",
        "CreationDate": date,
        "ModDate": date,
    }
    return {key: value for key, value in found.items() if value}


def label_ranges(count: int) -> list[tuple[int, dict]]:
    """Page labels as (first page index, label) ranges: the four cover pages by name, the
    rest by the folio printed on them (page 3 is labelled 3)."""
    if count < 4:
        return [(0, {"S": "/D", "St": 1})]
    return [
        (0, {"P": COVER_LABELS[0]}),
        (1, {"P": COVER_LABELS[1]}),
        (2, {"S": "/D", "St": 3}),
        (count - 2, {"P": COVER_LABELS[2]}),
        (count - 1, {"P": COVER_LABELS[3]}),
    ]


def finisher(book: Book, *, language: str = "zh-CN"):
    """A WeasyPrint finisher that sets metadata, language and page labels as the PDF is
    written, and how it is written (``_write``): the finished file comes out of one write,
    nothing is parsed again."""

    def finish(document, pdf: pydyf.PDF) -> None:
        pdf.info.clear()
        for key, value in metadata(book).items():
            pdf.info[key] = pydyf.String(value)
        pdf.catalog["Lang"] = pydyf.String(language)
        nums = pydyf.Array()
        for index, label in label_ranges(len(document.pages)):
            entry = {k: pydyf.String(v) if k == "P" else v for k, v in label.items()}
            nums.extend([index, pydyf.Dictionary(entry)])
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": nums})
        pdf.write = lambda output, version, _identifier, _compress: _write(pdf, output, version)

    return finish


def _write(pdf: pydyf.PDF, output, version) -> None:
    """Write with a plain cross-reference table and no object streams (the content and font
    streams stay compressed): pypdf reads such a file several times faster, and the
    preflight, the marks and the imposition all read it again. The file identifier is the
    digest of the file, so the same content always gets the same one (pydyf's own would
    serialise and compress every stream a second time to compute it)."""
    buffer = io.BytesIO()
    type(pdf).write(pdf, buffer, version, identifier=False, compress=False)
    data = buffer.getvalue()
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest().encode()
    trailer = data.rindex(b"\ntrailer\n")
    end = data.index(b"\n>>\n", trailer)
    output.write(data[:end] + b"\n/ID [<" + digest + b"> <" + digest + b">]" + data[end:])


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
