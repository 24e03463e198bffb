"""Facts read back from a finished PDF: body text per page, TOC entries, links, bookmarks."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pdfplumber
from pypdf import PdfReader

MM = 72 / 25.4
WHITESPACE = re.compile(r"\s+")
HAN = r"\u3400-\u9fff\uf900-\ufaff"


def squeeze(text: str) -> str:
    return WHITESPACE.sub("", text)


def body_chars(page: pdfplumber.page.Page, top_mm: float, bottom_mm: float) -> list[dict]:
    """Characters inside the type area (running heads and folios sit in the margins),
    pull quotes left out: they repeat text of the article in the quote face."""
    top, bottom = top_mm * MM - 2, page.height - bottom_mm * MM + 2
    return [
        c for c in page.chars if top <= c["top"] and c["bottom"] <= bottom and not is_pull_quote(c)
    ]


def is_pull_quote(char: dict) -> bool:
    return "Kai" in char["fontname"] and char["size"] > 12


@dataclass(frozen=True)
class TocEntry:
    title: str  # text of the entry, leaders removed
    printed: int  # the page number printed after the leader
    target: int  # the page the entry's link points to (1-based)


def toc_entries(pdf_bytes: bytes, toc_pages: list[int]) -> list[TocEntry]:
    """Entries of the table of contents: printed numbers from the text, targets from links."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    entries = []
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for number in toc_pages:
            page = pdf.pages[number - 1]
            links = []
            for annot in reader.pages[number - 1].get("/Annots", []):
                annot = annot.get_object()
                dest = annot.get("/Dest")
                if dest is None:
                    continue
                _, y0, _, y1 = (float(v) for v in annot["/Rect"])
                target = reader.get_destination_page_number(reader.named_destinations[str(dest)])
                links.append((page.height - max(y0, y1), page.height - min(y0, y1), target + 1))
            for line in page.extract_text_lines():
                match = re.match(r"^(.*?)[.\s·…]{3,}(\d+)$", line["text"].strip())
                if not match:
                    continue
                middle = (line["top"] + line["bottom"]) / 2
                targets = [t for top, bottom, t in links if top <= middle <= bottom]
                entries.append(
                    TocEntry(squeeze(match[1]), int(match[2]), targets[-1] if targets else -1)
                )
    return entries


def outline(pdf_bytes: bytes) -> list[tuple[int, str, int]]:
    """Bookmarks as (level, title, page), level 1 for articles."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return found
