"""Find the body text of any PDF: glyphs grouped into lines, columns, reading order, paragraphs.

pdfplumber gives every glyph's advance box (``x0``, ``x1`` from its placed origin and the
font's width), size and font; the baseline comes from the text matrix. Every number below
is a field of ``Tolerances``.

* **Body style.** The body size is the most common glyph size on the examined pages; the
  body font is the most common font of Han glyphs at that size.
* **Columns.** Per page, the union of the boxes of body-size glyphs (punctuation left out,
  so hanging marks do not bridge a gutter) splits into columns at gaps of ``gutter_em``
  with two lines or more beside each other on both sides (not a gap inside one line).
* **Lines.** Glyphs are grouped by baseline (``baseline_em``) and split where a gap crosses a
  gutter or is ``split_em`` wide; sub- and superscripts join the line they overlap. Glyphs
  are ordered by where their ink starts, so a compressed opening bracket whose box begins
  left of the mark before it (``：“`` set with ``halt``) still reads in order.
* **Kinds.** *Body*: the body size, and the Han glyphs mostly in the body font (or no Han
  and not bold, or the line fills ¾ of its column). *Heading*: larger by ``heading_ratio``
  or bold, unless its block (lines of one style, less than 2.5 sizes apart) reads as a
  sentence: holds ，。； (a lede, a pull quote). *Other*: those, captions, other faces,
  marginalia. *Furniture* (ignored):
  the first or last line of a page repeated at the same height on another page (digits
  aside), bare page numbers above or below the page's body lines, and lines no larger than
  the body outside the vertical extent of all body lines (below it, only a line set apart
  from the text above it by more than 2.2 em: a table's last rows are not a running foot).
* **Notes.** Lines below a page's last body line, smaller than the body, the first opening
  with a note mark (① [1] 〔1〕 1) at the column's left edge, are footnotes: read apart
  from the body. A mark raised
  above its line and smaller (①, 1, [1] as a superscript) is a note call.
* **Reading order.** Per page: bands between lines spanning several columns, then columns
  left to right, then top to bottom.
* **Edges.** Columns of pages of the same parity with the same left edge (0.5 em) and a
  similar width (3 em) form a group, so a page with few lines borrows from the others.
  Left edge: the leftmost cluster of line starts with enough support (``edge_support``
  lines and ``edge_support_share`` of them); lines opening with a bracket do not vote.
  Right edge: the rightmost such cluster of the ends of lines that are followed by a
  continuation line and end on a Han character, letter or digit (so punctuation hung or
  compressed at a line end does not move it). An engine that leaves every line short by
  the same amount (a measure that is not whole ems) therefore reads as flush unless some
  lines reach the true edge; give ``measure`` when it is known.
* **Paragraphs.** A body line indented ≈2 em (``indent_em`` ± ``indent_tol_em``; 1.5 em
  when it opens with a bracket set half-width) starts a paragraph, as does the first body
  line after a heading (R8 when it is not indented) and any line with an odd indent (R8).
  Anything else continues the paragraph, across columns and pages; a paragraph's last line
  is the one before the next start or heading. Lines indented ``display_indent_em`` or more
  are display lines (centred, right-aligned) and are not examined, as is a line with an odd
  indent that ends flush right with no continuation after it (a sign-off).
"""

from __future__ import annotations

import bisect
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise

import pdfplumber
from pdfminer.pdftypes import resolve1
from pdfplumber.utils.exceptions import PdfminerException
from pypdf import PdfReader

from booklet.typocheck.chars import (
    BOLD,
    CJK_PUNCT,
    FOLIO,
    FOOTNOTE_START,
    NOTE_MARK,
    OPENING,
    is_han,
    is_western,
)
from booklet.typocheck.model import Tolerances, Violation


@dataclass(eq=False)
class Glyph:
    text: str
    x0: float
    x1: float
    base: float  # baseline, pt from the page top
    size: float
    font: str
    call: bool = False  # a note call: a mark raised above its line's baseline (①, 1, [1])


@dataclass(eq=False)
class Column:
    page: int
    lo: float  # extent of the column's body glyphs
    hi: float
    left: float = 0.0
    right: float = 0.0
    group: int = 0


@dataclass(eq=False)
class Line:
    page: int
    glyphs: list[Glyph]
    base: float
    size: float
    font: str
    kind: str = "other"  # body | heading | other | note | furniture
    column: Column | None = None
    spanning: bool = False  # crosses a gutter
    cls: str = ""  # body lines: start | cont | display
    last: bool = False  # a paragraph's last line
    ink: list[Glyph] = field(default_factory=list)  # the glyphs that are not spaces

    def __post_init__(self) -> None:
        # an opening bracket by its box's centre, where a full-width one's ink starts
        self.glyphs.sort(key=lambda g: (g.x0 + g.x1) / 2 if g.text[0] in OPENING else g.x0)
        self.ink = [g for g in self.glyphs if not g.text.isspace()]

    @property
    def text(self) -> str:
        return "".join(g.text for g in self.glyphs).strip()

    @property
    def x0(self) -> float:
        return self.ink[0].x0

    @property
    def x1(self) -> float:
        return self.ink[-1].x1


Box = tuple[float, float, float, float]  # x0, x1, top, bottom


@dataclass(eq=False)
class Page:
    number: int
    glyphs: list[Glyph]
    objects: list[Box]  # images, rectangles and rules
    trim: Box = (0.0, 0.0, 0.0, 0.0)  # the trimmed page (TrimBox, else the CropBox)
    art: Box | None = None  # the ArtBox when the PDF gives one: the type area
    opens: bool = False  # a top-level bookmark (an article, a chapter) points here
    lines: list[Line] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    flow: list[Line] = field(default_factory=list)


# ---------------------------------------------------------------- reading the PDF


def read_pdf(
    path: str | bytes, pages: Iterable[int] | None
) -> tuple[list[Page], str, dict[str, str]]:
    """The examined pages, the document's language, and each font's names (BaseFont → names);
    ``path`` is a file name or the PDF's bytes.

    Raises ValueError for a file that is not a readable PDF or pages it does not have.
    """
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    try:
        with pdfplumber.open(source) as pdf:
            found = _read(pdf, pages)
    except PdfminerException as error:
        raise ValueError(f"not a PDF that can be read: {error}") from None
    opening = _openings(io.BytesIO(path) if isinstance(path, bytes) else path)
    for page in found[0]:
        page.opens = page.number in opening
    return found


def _openings(source) -> set[int]:
    """The pages the outline's top-level entries point to (none when it has no outline)."""
    try:
        reader = PdfReader(source)
        return {
            reader.get_destination_page_number(item) + 1
            for item in reader.outline
            if not isinstance(item, list)
        }
    except Exception:  # an outline that cannot be read is no outline: the text decides
        return set()


def _read(pdf, pages: Iterable[int] | None) -> tuple[list[Page], str, dict[str, str]]:
    count = len(pdf.pages)
    numbers = sorted(set(pages)) if pages is not None else list(range(1, count + 1))
    if any(not 1 <= n <= count for n in numbers):
        raise ValueError(f"pages must be between 1 and {count}")
    lang = resolve1(pdf.doc.catalog.get("Lang")) or b""
    lang = lang.decode("latin-1") if isinstance(lang, bytes) else str(lang)
    out, fonts, seen = [], {}, set()
    for number in numbers:
        page = pdf.pages[number - 1]
        glyphs = [_glyph(c) for c in page.chars if c.get("upright", True) and c["text"]]
        objects = [
            (o["x0"], o["x1"], o["top"], o["bottom"])
            for o in (*page.images, *page.rects, *page.lines)
        ]
        _font_names(page.page_obj.resources, fonts, seen)
        attrs = page.page_obj.attrs
        media = _pdf_box(attrs.get("MediaBox"))
        trim = _pdf_box(attrs.get("TrimBox")) or _pdf_box(attrs.get("CropBox")) or media
        art = _pdf_box(attrs.get("ArtBox"))
        out.append(
            Page(
                number,
                glyphs,
                objects,
                _top_based(trim, media, page.height),
                _top_based(art, media, page.height) if art else None,
            )
        )
    return out, lang, fonts


def _pdf_box(value) -> tuple[float, float, float, float] | None:
    """A page box as the PDF writes it (x0 y0 x1 y1, from the bottom left), or None."""
    value = resolve1(value)
    if not value or len(value) != 4:
        return None
    x0, y0, x1, y1 = (float(resolve1(v)) for v in value)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _top_based(box, media, height: float) -> Box:
    """A PDF box in the coordinates of the glyphs: from the MediaBox's top left corner."""
    mx0, _my0, _mx1, my1 = media
    x0, y0, x1, y1 = box
    return (x0 - mx0, x1 - mx0, my1 - y1, my1 - y0)


def _glyph(char: dict) -> Glyph:
    # the baseline from the text matrix: top and bottom depend on each font's descent
    base = char["bottom"] + (char["y0"] - char["matrix"][5])
    return Glyph(
        char["text"], char["x0"], char["x1"], base, round(char["size"], 2), char["fontname"]
    )


def _font_names(resources, names: dict[str, str], seen: set[int]) -> None:
    """BaseFont → the embedded font's family, full and PostScript names (through XObjects).

    The name table is trusted over BaseFont (WeasyPrint names fonts after the CSS family);
    a bare CFF's own name is not (Noto CJK's SC faces carry the CFF name of the JP one).
    """
    from fontTools.ttLib import TTFont

    resources = resolve1(resources) or {}
    for font in (resolve1(resources.get("Font")) or {}).values():
        font = resolve1(font)
        if not isinstance(font, dict) or id(font) in seen:
            continue
        seen.add(id(font))
        base = getattr(resolve1(font.get("BaseFont")), "name", "")
        names.setdefault(base, base)
        for desc in resolve1(font.get("DescendantFonts")) or [font]:
            descriptor = resolve1(resolve1(desc).get("FontDescriptor")) or {}
            for key in ("FontFile2", "FontFile3"):
                if key in descriptor:
                    try:
                        ttf = TTFont(io.BytesIO(resolve1(descriptor[key]).get_data()), lazy=True)
                        found = {n.toUnicode() for n in ttf["name"].names if n.nameID in (1, 4, 6)}
                    except Exception:  # a bare CFF or a damaged font: keep BaseFont
                        found = set()
                    if found:
                        names[base] = " / ".join(sorted(found))
    for xobject in (resolve1(resources.get("XObject")) or {}).values():
        xobject = resolve1(xobject)
        inner = getattr(xobject, "attrs", {}).get("Resources")
        if inner is not None and id(xobject) not in seen:
            seen.add(id(xobject))
            _font_names(inner, names, seen)


# ---------------------------------------------------------------- small helpers


def mode(values: Iterable, default=None):
    counts = Counter(values)
    return counts.most_common(1)[0][0] if counts else default


def _clusters(values: list[float], tol: float) -> list[list[float]]:
    """Sorted values chained into clusters whose neighbours are within tol."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return out


def _edge(values: list[float], tol: float, t: Tolerances, rightmost: bool) -> float | None:
    """The outermost cluster with enough support (else the biggest), as its median."""
    if not values:
        return None
    clusters = _clusters(values, tol)
    need = max(t.edge_support, math.ceil(t.edge_support_share * len(values)))
    good = [c for c in clusters if len(c) >= need] or [max(clusters, key=len)]
    pick = good[-1] if rightmost else good[0]
    return pick[len(pick) // 2]


def _side_by_side(left: set[int], right: set[int]) -> bool:
    """Two strips of text are columns when each has two lines or more beside the other."""

    def beside(a: set[int], b: set[int]) -> int:
        return sum(min(b) <= y <= max(b) for y in a)

    return beside(left, right) >= 2 and beside(right, left) >= 2


def _opens_note(line: Line) -> bool:
    """Whether a line starts with a note's mark: ① or [1] 〔1〕 (1), or a number set apart
    from the text after it (1 注文, 1. 注文)."""
    if FOOTNOTE_START.match(line.text):
        return True
    ink = line.ink
    count = 0
    while count < len(ink) and (ink[count].text.isdigit() or ink[count].text in ".．"):
        count += 1
    return (
        0 < count < len(ink)
        and ink[0].text.isdigit()
        and ink[count].x0 - ink[count - 1].x1 >= 0.3 * line.size
    )


def _overlaps(big: Line, small: Line) -> bool:
    vertical = (
        small.base - small.size * 0.9 < big.base + 0.2 * big.size
        and small.base > big.base - big.size
    )
    horizontal = small.x0 <= big.x1 + 0.5 * big.size and small.x1 >= big.x0 - 0.5 * big.size
    return vertical and horizontal


# ---------------------------------------------------------------- the layout


class Layout:
    """Lines, columns, reading order and paragraphs of the examined pages.

    ``problems`` holds the R8 violations found on the way (odd indents).
    """

    def __init__(self, pages: list[Page], t: Tolerances, measure: float | None = None) -> None:
        self.pages, self.t = pages, t
        glyphs = [g for p in pages for g in p.glyphs if not g.text.isspace()]
        self.size: float = mode(round(g.size, 1) for g in glyphs) or 0.0
        self.em = self.size or 10.0
        body = [g for g in glyphs if self.is_body_size(g.size)]
        self.font = mode(g.font for g in body if is_han(g.text[0])) or mode(g.font for g in body)
        for page in pages:
            page.columns = self._columns(page)
            page.lines = self._lines(page)
        self._furniture()
        for page in pages:
            self._sentences(page)
            page.flow = self._flow(page)
        self.flow = [line for page in pages for line in page.flow]
        self._edges(measure)
        self.problems: list[Violation] = []
        self.paragraphs = self._paragraphs()
        self.pitch: float = mode((round(b.base - a.base, 1) for a, b in self.adjacent()), 0.0)

    def is_body_size(self, size: float) -> bool:
        return abs(size - self.size) <= self.t.size_pt

    def indent(self, line: Line) -> float:
        """Distance in em from the column's left edge to the line's first glyph."""
        return (line.x0 - line.column.left) / self.em

    # -- columns and lines

    def _columns(self, page: Page) -> list[Column]:
        """Strips of body text side by side: a gap is a gutter when lines sit on both sides."""
        # Body glyphs only, by size and face: a series line or byline of the body size in
        # another face may run across the gutter above the columns.
        body = [
            g
            for g in page.glyphs
            if self.is_body_size(g.size)
            and not g.text.isspace()
            and g.text[0] not in CJK_PUNCT
            and (g.font == self.font or not is_han(g.text[0]))
        ]
        merged: list[list] = []  # [lo, hi, baselines]
        for g in sorted(body, key=lambda g: g.x0):
            if merged and g.x0 - merged[-1][1] < self.t.gutter_em * self.em:
                merged[-1][1] = max(merged[-1][1], g.x1)
                merged[-1][2].add(round(g.base))
            else:
                merged.append([g.x0, g.x1, {round(g.base)}])
        strips = merged[:1]
        for lo, hi, bases in merged[1:]:
            if _side_by_side(strips[-1][2], bases):
                strips.append([lo, hi, bases])
            else:  # a gap inside a line (punctuation left out, a wide space): no gutter
                strips[-1][1] = max(strips[-1][1], hi)
                strips[-1][2] |= bases
        share = 0.03 * len(body)  # a few stray glyphs do not make a column
        return [
            Column(page.number, lo, hi)
            for lo, hi, _ in strips
            if hi - lo >= 4 * self.em and sum(lo <= g.x0 <= hi for g in body) >= share
        ]

    def _lines(self, page: Page) -> list[Line]:
        gutters = [(a.hi + b.lo) / 2 for a, b in pairwise(page.columns)]
        runs: list[list[Glyph]] = []
        band: list[Glyph] = []
        for g in sorted(page.glyphs, key=lambda g: g.base):
            if band and g.base - band[0].base > self.t.baseline_em * max(g.size, band[0].size):
                runs += self._split(band, gutters)
                band = []
            band.append(g)
        if band:
            runs += self._split(band, gutters)
        lines = [line for line in map(self._line, [page.number] * len(runs), runs) if line.ink]
        kept: list[Line] = []  # sub/superscripts and small inline text join the line they overlap
        for line in sorted(lines, key=lambda line: -line.size):
            host = next((k for k in kept if k.size * 0.9 > line.size and _overlaps(k, line)), None)
            if host:
                if line.base < host.base - 0.2 * host.size:  # raised: a note call's mark
                    for g in line.glyphs:
                        g.call = bool(NOTE_MARK.fullmatch(g.text))
                host.glyphs += line.glyphs
                host.__post_init__()
            else:
                kept.append(line)
        for line in kept:
            self._classify(line, page.columns)
        return sorted(kept, key=lambda line: (line.base, line.x0))

    def _split(self, band: list[Glyph], gutters: list[float]) -> list[list[Glyph]]:
        band = sorted(band, key=lambda g: g.x0)
        runs, reach = [[band[0]]], band[0].x1
        for g in band[1:]:
            across = any(reach <= gutter <= g.x0 for gutter in gutters)
            if across or g.x0 - reach >= self.t.split_em * self.em:
                runs.append([g])
                reach = g.x1
            else:
                runs[-1].append(g)
                reach = max(reach, g.x1)
        return runs

    def _line(self, page: int, glyphs: list[Glyph]) -> Line:
        ink = [g for g in glyphs if not g.text.isspace()] or glyphs
        size = mode(round(g.size, 1) for g in ink)
        han = [g.font for g in ink if is_han(g.text[0])]
        font = mode(han) if han else mode(g.font for g in ink)
        bases = sorted(g.base for g in ink if round(g.size, 1) == size)
        return Line(page, list(glyphs), bases[len(bases) // 2], size, font)

    def _classify(self, line: Line, columns: list[Column]) -> None:
        han = [g for g in line.ink if is_han(g.text[0])]
        body_font = (
            2 * sum(g.font == self.font for g in han) > len(han)
            if han
            else not BOLD.search(line.font)
        )
        overlap = [(min(c.hi, line.x1) - max(c.lo, line.x0), c) for c in columns]
        # A whole line in bold is text; a line across several columns in another face is not.
        touching_count = sum(o > 0 for o, _ in overlap)
        wide = touching_count == 1 and any(o > 0.75 * (c.hi - c.lo) for o, c in overlap)
        if self.is_body_size(line.size) and (body_font or wide):
            line.kind = "body"
        elif line.size >= self.size * self.t.heading_ratio or BOLD.search(line.font):
            line.kind = "heading"
        touching = [c for o, c in overlap if o > 0]
        if len(touching) > 1 and line.kind != "body":
            line.spanning = True
        elif touching:
            line.column = max(overlap, key=lambda oc: oc[0])[1]
        elif line.kind == "body":
            line.kind = "other"  # body-size text outside every column: marginalia

    def _furniture(self) -> None:
        lines = [line for p in self.pages for line in p.lines]
        extremes = [ln for p in self.pages for ln in p.lines[:1] + p.lines[1:][-1:]]  # first, last
        seen: dict[tuple[str, int], set[int]] = defaultdict(set)
        for line in extremes:
            seen[re.sub(r"\d+", "#", line.text), round(line.base)].add(line.page)
        for line in extremes:
            key, y = re.sub(r"\d+", "#", line.text), round(line.base)
            if len(seen[key, y - 1] | seen[key, y] | seen[key, y + 1]) >= 2:
                line.kind = "furniture"  # a running head or foot
        for page in self.pages:
            folios = [line for line in page.lines if FOLIO.fullmatch(line.text)]
            body = [ln.base for ln in page.lines if ln.kind == "body" and ln not in folios]
            for line in folios:
                if not body or line.base < min(body) or line.base > max(body):
                    line.kind = "furniture"
        for page in self.pages:  # before the extent rule: notes reach below every body line
            self._footnotes(page)
        body = [line for line in lines if line.kind == "body"]
        if body:
            top = min(line.base - line.size for line in body) - 0.2 * self.em
            bottom = max(line.base for line in body) + 0.5 * self.em
            for page in self.pages:
                above = None  # the page's last line kept so far, top to bottom
                for line in sorted(page.lines, key=lambda line: line.base):
                    small = line.size <= self.size + self.t.size_pt
                    # Below every body line, a running foot stands apart from the text;
                    # a table's last rows at the type area's foot follow the rows above.
                    apart = above is None or line.base - above.base > 2.2 * self.em
                    if (
                        small
                        and line.kind not in ("body", "note", "furniture")
                        and (line.base < top or (line.base - line.size > bottom and apart))
                    ):
                        line.kind = "furniture"
                    if line.kind != "furniture":
                        above = line
        for line in lines:
            if line.kind == "furniture":
                line.column, line.spanning = None, False

    def _footnotes(self, page: Page) -> None:
        """Notes at the page foot: below the last body line, smaller than the body, the
        first opening with a note mark (①, [1], 〔1〕, 1). They are read apart from the
        body (R12) and hold nothing up (R10)."""
        body = [line.base for line in page.lines if line.kind == "body"]
        if not body:
            return
        below = [
            line
            for line in page.lines
            if line.base > max(body)
            and line.kind != "furniture"
            and line.size < self.size - self.t.size_pt
        ]
        below.sort(key=lambda line: line.base)
        # A note starts at the column's left edge (a table's cells do not all).
        lefts = [c.lo for c in page.columns]
        start = next(
            (
                n
                for n, line in enumerate(below)
                if _opens_note(line) and any(abs(line.x0 - lo) < 0.5 * self.em for lo in lefts)
            ),
            None,
        )
        for line in below[start:] if start is not None else ():
            line.kind = "note"
            line.column, line.spanning = None, False

    def _sentences(self, page: Page) -> None:
        """A 'heading' block that reads as a sentence is a lede or a pull quote: other."""
        blocks: list[list[Line]] = []
        for line in page.lines:
            if line.kind != "heading":
                continue
            prev = blocks[-1][-1] if blocks else None
            if (
                prev
                and (prev.size, prev.font) == (line.size, line.font)
                and line.base - prev.base < 2.5 * line.size
            ):
                blocks[-1].append(line)
            else:
                blocks.append([line])
        for block in blocks:
            if any(ch in "，。；" for line in block for ch in line.text):
                for line in block:
                    line.kind = "other"

    # -- reading order, edges, paragraphs

    def _flow(self, page: Page) -> list[Line]:
        lines = [ln for ln in page.lines if ln.kind != "furniture" and (ln.column or ln.spanning)]
        if len(page.columns) > 1:
            # A head narrower than a column (a kicker, a short heading, an epigraph's
            # source) still cuts the page into bands when the other columns hold nothing
            # beside it.
            reach = 2 * self.em
            for line in lines:
                if (
                    line.kind in ("heading", "other")
                    and line.column
                    and not any(
                        other.column not in (None, line.column)
                        and abs(other.base - line.base) < reach
                        for other in lines
                    )
                ):
                    line.spanning = True
        spans = sorted((ln for ln in lines if ln.spanning), key=lambda ln: ln.base)
        cuts = [ln.base for ln in spans]
        bands: dict[int, list[Line]] = defaultdict(list)
        for line in lines:
            if not line.spanning:
                bands[bisect.bisect_left(cuts, line.base)].append(line)
        order: list[Line] = []
        for i in range(len(spans) + 1):
            for col in page.columns:
                order += sorted((ln for ln in bands[i] if ln.column is col), key=lambda ln: ln.base)
            if i < len(spans):
                order.append(spans[i])
        return order

    def _edges(self, measure: float | None) -> None:
        """Group columns across pages; find each group's left, then right edge."""
        t, em = self.t, self.em
        cols = [c for p in self.pages for c in p.columns]
        for i, a in enumerate(cols):
            a.group = i
            for b in cols[:i]:
                if (
                    a.page % 2 == b.page % 2
                    and abs(a.lo - b.lo) <= 0.5 * em
                    and abs(a.hi - b.hi) <= 3 * em
                ):
                    a.group = b.group
                    break
        members: dict[int, list[Line]] = defaultdict(list)
        for line in self.flow:
            if line.kind == "body":
                members[line.column.group].append(line)
        tol = t.edge_cluster_em * em
        left: dict[int, float] = {}
        for group, lines in members.items():
            starts = [ln.x0 for ln in lines if ln.ink[0].text[0] not in OPENING]
            left[group] = _edge(starts or [ln.x0 for ln in lines], tol, t, rightmost=False)
        for col in cols:
            col.left = left.get(col.group, col.lo)
        ends: dict[int, list[float]] = defaultdict(list)
        for line, nxt in pairwise(self.flow):
            if line.kind == nxt.kind == "body" and self._indent_class(nxt)[0] == "cont":
                last = line.ink[-1].text[-1]
                if (is_han(last) or last.isalnum()) and self._indent_class(line)[0] != "display":
                    ends[line.column.group].append(line.x1)
        for col in cols:
            if measure:
                col.right = col.left + measure
            else:
                lines = members.get(col.group, [])
                right = _edge(ends[col.group], tol, t, rightmost=True)
                col.right = (
                    right or _edge([ln.x1 for ln in lines], tol, t, rightmost=True) or col.hi
                )

    def _indent_class(self, line: Line) -> tuple[str, bool]:
        """(start | cont | display, whether the indent is odd) from the first glyph's place."""
        t, indent, first = self.t, self.indent(line), line.ink[0].text[0]
        if indent >= t.display_indent_em:
            return "display", False

        def at(target: float) -> bool:
            if abs(indent - target) <= t.indent_tol_em:
                return True
            if first in OPENING and abs(indent - target + 0.5) <= t.indent_tol_em:
                return True  # an opening bracket set half-width
            return is_western(first) and t.gap_min_em <= indent - target <= t.gap_max_em  # R6's gap

        if at(0.0):
            return "cont", False
        if at(t.indent_em):
            return "start", False
        return ("start" if indent > 0 else "cont"), True

    def _paragraphs(self) -> list[list[Line]]:
        paragraphs: list[list[Line]] = []
        current: list[Line] | None = None
        previous: Line | None = None
        flow = self.flow
        for number, line in enumerate(flow):
            if line.kind == "body":
                line.cls, odd = self._indent_class(line)
                if odd and line.cls == "start" and self._set_right(line, flow[number + 1 :]):
                    line.cls = "display"  # a right-aligned line (a sign-off), not an indent
            if line.kind != "body" or line.cls == "display":
                if line.kind == "heading":
                    current = None
                previous = line
                continue
            indent = self.indent(line)
            if odd and line.cls == "start":
                self._r8(line, f"first line indented {indent:.2f} em, not {self.t.indent_em:g} em")
            elif odd:
                self._r8(line, f"line starts {-indent:.2f} em left of the column edge")
            elif line.cls == "cont" and previous is not None and previous.kind == "heading":
                self._r8(line, "paragraph after a heading starts without the 2 em indent")
            if line.cls == "start" or current is None:
                current = [line]
                paragraphs.append(current)
            else:
                current.append(line)
            previous = line
        for paragraph in paragraphs:
            paragraph[-1].last = True
        return paragraphs

    def _set_right(self, line: Line, after: list[Line]) -> bool:
        """A short line set flush right on its own: it ends on the column's right edge and
        no line of its paragraph follows (the next body line is not a continuation)."""
        right = line.column.right
        if abs(line.x1 - right) > self.t.edge_em * self.em + 0.5 * self.em:
            return False
        following = next((other for other in after if other.kind == "body"), None)
        if following is None or following.column is not line.column:
            return True
        return self._indent_class(following)[0] != "cont" or following.page != line.page

    def _r8(self, line: Line, detail: str) -> None:
        self.problems.append(Violation("R8", line.page, line.text, detail))

    def adjacent(self) -> Iterator[tuple[Line, Line]]:
        """Consecutive body lines of one column with nothing (line, image, rule) between."""
        for page in self.pages:
            for a, b in pairwise(page.flow):
                if a.kind != "body" or b.kind != "body" or a.column is not b.column:
                    continue
                if "display" in (a.cls, b.cls) or not 0 < b.base - a.base < 3 * self.em:
                    continue
                lo, hi = a.column.lo, a.column.hi
                if not any(
                    top > a.base - 0.1 and bottom < b.base - 0.7 * b.size and x1 > lo and x0 < hi
                    for x0, x1, top, bottom in page.objects
                ):
                    yield a, b

    def page(self, number: int) -> Page:
        return next(p for p in self.pages if p.number == number)
