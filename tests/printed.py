"""Lines of a finished PDF as a reader sees them: glyphs grouped by baseline, each line with
the note calls raised above it, page by page; what the element tests measure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pdfplumber

MM = 72 / 25.4
CIRCLED = "".join(chr(c) for c in (*range(0x2460, 0x2474), *range(0x3251, 0x3260)))


@dataclass
class Printed:
    page: int  # 1-based
    baseline: float  # pt from the page's top
    chars: list[dict]  # the line's own glyphs, left to right
    calls: list[dict] = field(default_factory=list)  # raised marks of note calls on it

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"]

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"]

    @property
    def size(self) -> float:
        return max(c["size"] for c in self.chars)

    @property
    def fonts(self) -> set[str]:
        return {c["fontname"] for c in self.chars}

    def with_calls(self) -> str:
        """The text with each call's mark where it stands."""
        return "".join(c["text"] for c in sorted(self.chars + self.calls, key=lambda c: c["x0"]))


def baseline(page, char: dict) -> float:
    return page.height - char["matrix"][5]


def page_lines(page, number: int, top_mm: float = 19, bottom_mm: float = 21) -> list[Printed]:
    """The lines of a page's type area (running heads and folios left out), top to bottom.
    A glyph smaller than the line it overlaps and raised above its baseline is a call."""
    top, bottom = top_mm * MM - 2, page.height - bottom_mm * MM + 2
    chars = [c for c in page.chars if top <= c["top"] and c["bottom"] <= bottom and c["text"]]
    for char in chars:
        char["baseline"] = baseline(page, char)
    rows: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: baseline(page, c)):
        if rows and baseline(page, char) - baseline(page, rows[-1][0]) < char["size"] / 3:
            rows[-1].append(char)
        else:
            rows.append([char])
    lines = [Printed(number, baseline(page, r[0]), sorted(r, key=lambda c: c["x0"])) for r in rows]
    kept: list[Printed] = []
    for line in lines:
        host = next(
            (
                k
                for k in kept + lines
                if k is not line
                and k.size * 0.9 > line.size
                and 0 < line.baseline - (k.baseline - k.size) < k.size
                and line.baseline < k.baseline - 1
                and k.x0 - 1 <= line.x0 <= k.x1 + 1
            ),
            None,
        )
        marks = all(re.fullmatch(r"[\d\[\]〔〕" + CIRCLED + "]", c["text"]) for c in line.chars)
        if host is not None and marks:
            host.calls += line.chars
        else:
            kept.append(line)
    return kept


def all_lines(pdf: pdfplumber.PDF) -> list[Printed]:
    return [line for n, page in enumerate(pdf.pages, 1) for line in page_lines(page, n)]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)
