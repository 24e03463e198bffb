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
                target = link_target(reader, annot)
                if target is None:
                    continue
                _, y0, _, y1 = (float(v) for v in annot["/Rect"])
                links.append((page.height - max(y0, y1), page.height - min(y0, y1), target))
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


def link_target(reader: PdfReader, annot) -> int | None:
    """The page (1-based) an internal link points to, whether its destination is a name, an
    explicit array or a GoTo action; None for other annotations."""
    dest = annot.get("/Dest")
    if dest is None:
        action = annot.get("/A")
        action = action.get_object() if action is not None else None
        if action is None or action.get("/S") != "/GoTo":
            return None
        dest = action.get("/D")
    dest = dest.get_object() if hasattr(dest, "get_object") else dest
    if isinstance(dest, list):
        return reader.get_page_number(dest[0].get_object()) + 1
    return reader.get_destination_page_number(reader.named_destinations[str(dest)]) + 1


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


@dataclass(frozen=True)
class Line:
    """A line of text as printed: its page (1-based), baseline and left edge in points from
    the page's top left, the size of its first glyph, its glyphs left to right."""

    page: int
    baseline: float
    x0: float
    size: float
    chars: tuple

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)


def text_lines(page: pdfplumber.page.Page, number: int, chars: list[dict]) -> list[Line]:
    """Glyphs grouped into lines by baseline (a shared baseline within a third of the glyph
    size), top to bottom, each left to right: one column of text, as the booklet sets it."""
    rows: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: page.height - c["matrix"][5]):
        baseline = page.height - char["matrix"][5]
        if rows and baseline - (page.height - rows[-1][0]["matrix"][5]) < char["size"] / 3:
            rows[-1].append(char)
        else:
            rows.append([char])
    lines = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        first = row[0]
        lines.append(
            Line(number, page.height - first["matrix"][5], first["x0"], first["size"], tuple(row))
        )
    return lines


def paragraph_lines(lines: list[Line], text: str) -> list[Line] | None:
    """The consecutive lines that hold exactly this text, from a line's start to a line's
    end (nothing else set among them); None when no run of lines does."""
    target = squeeze(text)
    for start, line in enumerate(lines):
        if not target.startswith(squeeze(line.text)) or not squeeze(line.text):
            continue
        held = ""
        for end in range(start, len(lines)):
            held += squeeze(lines[end].text)
            if held == target:
                return lines[start : end + 1]
            if not target.startswith(held):
                break
    return None
