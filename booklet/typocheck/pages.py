"""Page composition (page-composition.md) measured on glyph positions: P2, P3, P5, P7, R13.

* P2 no glyph outside the page (its TrimBox), and none outside the type area but the
  running heads and folios. The type area is the page's ArtBox when the PDF gives one (this
  project's PDFs do), else the extent of the body lines of the pages of the same parity.
* P3 every body line on one grid: the grid's phase is the most common baseline position
  modulo the line pitch over all body lines; a line more than ``grid_pt`` off it drifts.
* P5 no page inside an article more than ``short_lines`` lines short of the type area's
  foot. A page's foot is its lowest body line, picture or rule (footnotes included); an
  article's last page (the page before one a top-level bookmark points to, before a page
  whose first lines hold a heading of the
  largest size on a page of text, before a blank page, or the last page with body text) is
  excepted.
* P7 no two blank pages (no glyph, no drawing) in a row.
* R13 no loose full line: no gap between two Chinese characters (Han, full-width
  punctuation) of a full body line wider than ``loose_em`` (gaps beside Latin text carry the
  ¼ em of R6).
"""

from __future__ import annotations

from itertools import pairwise

from booklet.typocheck.chars import CJK_PUNCT, is_han
from booklet.typocheck.layout import Layout, Page, mode
from booklet.typocheck.model import Tolerances, Violation

OPENING_LINES = 3  # the lines at the top of a page that may hold an article's title


class PageChecker:
    def __init__(self, layout: Layout, t: Tolerances) -> None:
        self.layout, self.t, self.em = layout, t, layout.em
        self.violations: list[Violation] = []
        self.stats: dict[str, float | int] = {}

    def add(self, rule: str, page: int, text: str, detail: str) -> None:
        self.violations.append(Violation(rule, page, text, detail))

    def run(self) -> None:
        self.outside()
        self.grid()
        self.fill()
        self.blanks()
        self.loose()

    # -- P2 -----------------------------------------------------------------------------

    def outside(self) -> None:
        tol = 0.5
        found = 0
        areas = self._type_areas()
        for page in self.layout.pages:
            x0, x1, top, bottom = page.trim
            area = areas.get(page.number)
            for line in page.lines:
                for glyph in line.ink:
                    off = max(x0 - glyph.x0, glyph.x1 - x1, top - (glyph.base - glyph.size),
                              glyph.base - bottom)  # fmt: skip
                    if off > tol:
                        found += 1
                        self.add("P2", page.number, line.text, f"{off:.1f} pt outside the page")
                        break
                else:
                    if area is None or line.kind == "furniture":
                        continue
                    ax0, ax1, atop, abottom = area
                    off = max(ax0 - line.x0, line.x1 - ax1, atop - (line.base - line.size),
                              line.base - abottom - 0.3 * line.size)  # fmt: skip
                    if off > tol:
                        found += 1
                        self.add(
                            "P2", page.number, line.text, f"{off:.1f} pt outside the type area"
                        )
        self.stats["outside"] = found

    def _type_areas(self) -> dict[int, tuple[float, float, float, float]]:
        """Per page, the type area: the ArtBox, or the body lines' extent per parity."""
        areas = {p.number: p.art for p in self.layout.pages if p.art is not None}
        if areas:
            return areas
        for parity in (0, 1):
            pages = [
                page
                for page in self.layout.pages
                if page.number % 2 == parity and any(ln.kind == "body" for ln in page.lines)
            ]
            # Learnt from many pages only: on a few, a heading below the last body line
            # would seem to stand outside an area that is simply not full.
            if len(pages) < 4:
                continue
            body = [line for page in pages for line in page.lines if line.kind == "body"]
            x0, x1 = min(ln.x0 for ln in body), max(ln.x1 for ln in body)
            top = min(ln.base - ln.size for ln in body)
            bottom = max(ln.base for ln in body) + 0.3 * self.em
            for page in self.layout.pages:
                if page.number % 2 == parity:
                    areas[page.number] = (x0, x1, top, bottom)
        return areas

    # -- P3 -----------------------------------------------------------------------------

    def grid(self) -> None:
        body = [ln for p in self.layout.pages for ln in p.lines if ln.kind == "body"]
        self.stats["grid_drift_pt"] = 0.0
        if not self.layout.pitch or not body:
            return
        # The layout's pitch is rounded to 0.1 pt; the grid needs it exact (a 0.025 pt error
        # is 0.75 pt over a page of thirty lines): the median of the deltas near it.
        near = sorted(
            b.base - a.base
            for a, b in self.layout.adjacent()
            if abs(b.base - a.base - self.layout.pitch) < 0.2
        )
        pitch = near[len(near) // 2] if near else self.layout.pitch
        phase = mode(round(ln.base % pitch, 1) for ln in body)
        worst = 0.0
        for line in body:
            off = (line.base - phase) % pitch
            off = min(off, pitch - off)
            worst = max(worst, off)
            if off > self.t.grid_pt:
                self.add("P3", line.page, line.text, f"{off:.2f} pt off the line grid")
        self.stats["grid_drift_pt"] = round(worst, 2)

    # -- P5 -----------------------------------------------------------------------------

    def fill(self) -> None:
        pitch = self.layout.pitch or 1.5 * self.em
        pages = self.layout.pages
        feet = {p.number: self._foot(p) for p in pages}
        full = [foot for foot in feet.values() if foot is not None]
        self.stats["short_pages"] = 0
        if len(full) < 3:
            return
        bottom = max(mode(round(f) for f in full), max(full) - 0.5 * pitch)
        titles = self._title_size()
        short = 0
        for page, following in pairwise([*pages, None]):
            foot = feet[page.number]
            body = [ln for ln in page.lines if ln.kind == "body"]
            if foot is None or not body or self._article_end(page, following, titles):
                continue
            missing = (bottom - foot) / pitch
            if missing > self.t.short_lines + 0.25:
                short += 1
                self.add(
                    "P5",
                    page.number,
                    body[-1].text,
                    f"the page ends {missing:.1f} lines short of the type area's foot",
                )
        self.stats["short_pages"] = short

    def _foot(self, page: Page) -> float | None:
        lines = [ln.base for ln in page.lines if ln.kind != "furniture"]
        objects = [bottom for _x0, _x1, _top, bottom in page.objects if bottom < page.trim[3]]
        found = lines + [b for b in objects if not lines or b < max(lines) + 3 * self.em]
        return max(found) if lines else None

    def _title_size(self) -> float:
        """The largest heading on a page of text (not the cover's title): articles' titles."""
        headings = [
            ln.size
            for p in self.layout.pages
            if any(ln.kind == "body" for ln in p.lines)
            for ln in p.lines
            if ln.kind == "heading"
        ]
        return max(headings, default=0.0)

    def _article_end(self, page: Page, following: Page | None, titles: float) -> bool:
        if following is None:
            return True
        if not any(ln.kind == "body" for ln in following.lines):
            # A page of pictures (a photo and its caption) still belongs to the article; a
            # blank page, or a cover's full-page colour, does not.
            x0, x1, top, bottom = following.trim
            page_area = (x1 - x0) * (bottom - top)
            return not any(
                (ox1 - ox0) * (ob - ot) < 0.9 * page_area for ox0, ox1, ot, ob in following.objects
            )
        if following.opens:  # the outline says an article starts there
            return True
        # The next page opens an article: a title among its first lines (a column label
        # may stand above it).
        first = [ln for ln in following.lines if ln.kind != "furniture"][:OPENING_LINES]
        opens = titles > self.layout.size * self.t.heading_ratio  # the document has titles
        return opens and any(line.size >= titles - 0.5 for line in first)

    # -- P7 -----------------------------------------------------------------------------

    def blanks(self) -> None:
        pages = self.layout.pages
        blank = [not p.glyphs and not p.objects for p in pages]
        self.stats["blank_pages"] = sum(blank)
        runs = 0
        for (a, empty_a), (b, empty_b) in pairwise(zip(pages, blank, strict=True)):
            if empty_a and empty_b and b.number == a.number + 1:
                runs += 1
                self.add("P7", b.number, "", f"pages {a.number} and {b.number} are both blank")
        self.stats["blank_runs"] = runs

    # -- R13 ----------------------------------------------------------------------------

    def loose(self) -> None:
        widest = 0.0
        count = 0
        for para in self.layout.paragraphs:
            for line in para:
                if line.last or line.cls == "display":
                    continue
                # Between two Chinese characters (Han or full-width punctuation): a gap beside
                # Latin text or its punctuation carries the ¼ em of R6.
                gaps = [
                    b.x0 - a.x1
                    for a, b in pairwise(line.ink)
                    if _chinese(a.text[-1])
                    and _chinese(b.text[0])
                    and (is_han(a.text[-1]) or is_han(b.text[0]))
                ]
                if not gaps:
                    continue
                gap = max(gaps) / self.em
                widest = max(widest, gap)
                if gap > self.t.loose_em:
                    count += 1
                    self.add(
                        "R13", line.page, line.text, f"a gap of {gap:.2f} em between characters"
                    )
        self.stats["widest_gap_em"] = round(widest, 3)
        self.stats["loose_lines"] = count


def _chinese(char: str) -> bool:
    return is_han(char) or char in CJK_PUNCT
