"""The PDF written in one pass: metadata, language and page labels set as WeasyPrint writes,
with a file identifier derived from the content."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

import pydyf


@dataclass(frozen=True)
class PdfInfo:
    """What the pipeline asks to be written into a PDF besides the pages."""

    info: dict[str, str]  # document information: Title, Author, CreationDate …
    language: str = "zh-CN"
    # Page labels as (first page index, {"P": prefix} or {"S": "/D", "St": first number}).
    labels: list[tuple[int, dict]] = field(default_factory=list)
    # Each page's type area as its ArtBox, for checks on the PDF alone (the typography
    # report). Not in the press files: PDF/X wants a TrimBox or an ArtBox, not both.
    type_area: bool = False


def write_pdf(document, info: PdfInfo, options: dict) -> bytes:
    """Write a laid-out WeasyPrint document with ``info``; ``options`` are WeasyPrint's
    write options (pdf_tags, dpi …)."""

    def finish(_document, pdf: pydyf.PDF) -> None:
        pdf.info.clear()
        for key, value in info.info.items():
            pdf.info[key] = pydyf.String(value)
        pdf.catalog["Lang"] = pydyf.String(info.language)
        if info.labels:
            nums = pydyf.Array()
            for index, label in info.labels:
                entry = {k: pydyf.String(v) if k == "P" else v for k, v in label.items()}
                nums.extend([index, pydyf.Dictionary(entry)])
            pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": nums})
        if info.type_area:
            _art_boxes(document, pdf)
        pdf.write = lambda output, version, _identifier, _compress: _write(pdf, output, version)

    return document.write_pdf(finisher=finish, **options)


def _art_boxes(document, pdf: pydyf.PDF) -> None:
    """Each page's content box (the type area) as its ArtBox, in the page's PDF space (the
    engine draws from the top left corner, 0.75 pt per CSS px)."""
    pages = [o for o in pdf.objects if isinstance(o, pydyf.Dictionary) and o.get("Type") == "/Page"]
    for pdf_page, page in zip(pages, document.pages, strict=True):
        box = page._page_box
        if not (box.margin_left or box.margin_top):
            continue  # a full-bleed cover or filler has no type area
        x, y = box.content_box_x(), box.content_box_y()
        height = page.height
        pdf_page["ArtBox"] = pydyf.Array(
            [
                round(x * 0.75, 3),
                round((height - y - box.height) * 0.75, 3),
                round((x + box.width) * 0.75, 3),
                round((height - y) * 0.75, 3),
            ]
        )


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
