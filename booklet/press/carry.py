"""What a press file made from another PDF keeps of it (document information, XMP metadata,
output intent, language, header version) and how it is written: identifiers derived from
its content, as the engine writes them."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from booklet.engine import seal

# Catalog entries that describe the document rather than its pages.
CATALOG_KEYS = ("/Metadata", "/OutputIntents", "/Lang")


def version(reader: PdfReader) -> str:
    """The input's header version (1.3 when it says something unexpected)."""
    header = reader.pdf_header
    return header[5:] if re.fullmatch(r"%PDF-\d\.\d", header) else "1.3"


def carry_over(reader: PdfReader, writer: PdfWriter, at_least: str = "1.3") -> None:
    """Give ``writer`` the input's document information (as it is: /Trapped stays a name),
    its XMP metadata, output intent and language, and its header version or ``at_least``,
    whichever is higher."""
    info = reader.trailer.get("/Info")
    if info is not None:
        writer._info.clear()
        for key, value in info.get_object().items():
            writer._info[NameObject(key)] = value.clone(writer)
    root = reader.trailer["/Root"]
    for key in CATALOG_KEYS:
        if key in root:
            # raw_get: the reference, so a stream (the XMP) stays an indirect object.
            writer._root_object[NameObject(key)] = root.raw_get(key).clone(writer)
    writer.pdf_header = f"%PDF-{max(version(reader), at_least)}"


def written(writer: PdfWriter) -> bytes:
    """The file's bytes, with its /ID and XMP identifiers derived from its content. pypdf's
    copy of a page writes an object it reaches twice (the output profile, as a page
    group's and a shading's colour space) twice: identical objects are kept once."""
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=False)
    out = io.BytesIO()
    writer.write(out)
    return seal(out.getvalue())
