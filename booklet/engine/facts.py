"""Facts read from WeasyPrint's layout tree, page by page: text, images, overflow, links, anchors.

The tree is walked once per page (``Page._page_box`` and its descendants; margin boxes —
running heads and folios — are left out). Footnotes sit in the page's footnote area, outside
their article's box: each is given to the article its element names (``data-article``), and
an article's footnotes are read after its text, in order, on the last page that holds any
of it — a paragraph running over a page with notes at its foot still reads whole. Positions are CSS px (1/96 in) with the origin at
the trim's top-left corner, as WeasyPrint lays out; bleed lies outside. Relies on WeasyPrint
70.0 internals: ``Page._page_box``, ``PageBox.page_type``, ``TextBox.text``,
``ReplacedBox.replacement``, ``Box.link``, ``Page.links`` and ``Page.anchors``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from weasyprint.formatting_structure import boxes

from booklet.model import squeeze

PX_PER_MM = 96 / 25.4
PX_PER_PT = 96 / 72
TOLERANCE_PX = 0.5 * PX_PER_PT  # overflow below half a point is rounding, not a problem
TOC_ANCHOR = "toc"  # id of the table of contents in booklet/typeset/templates/parts.html

_TOC_TEXT = re.compile(r"^(.*?)[\s.·…‧⋯_-]*?(\d+)$", re.S)


@dataclass(frozen=True)
class ImageBox:
    """An image as placed: size in CSS px, pixels of the decoded image (None for vectors)."""

    page: int
    src: str  # the src attribute as written in the HTML
    width: float  # used content width, CSS px
    height: float
    pixels: tuple[int, int] | None
    mode: str  # mode of the image as WeasyPrint holds it (P and 1 already converted), or "vector"


@dataclass(frozen=True)
class Overflow:
    """Content whose border box runs outside its page's content area (the type area)."""

    page: int
    kind: str  # "text" or "image"
    edge: str  # "right", "left" or "bottom"
    by: float  # CSS px beyond the edge
    text: str  # the start of the overflowing text, or the image's src
    block: str  # squeezed text of the enclosing block on this page (to find the paragraph)


@dataclass
class PageFacts:
    number: int  # 1-based
    name: str  # page type name (cover, back, filler, front, '' …)
    blank: bool  # a page WeasyPrint inserted to honour a left/right break
    content: tuple[float, float, float, float]  # content area x0, y0, x1, y1 in CSS px
    margins: bool  # the page has margins (covers and fillers have none: no type area)
    chunks: list[tuple[str, str]] = field(default_factory=list)  # (article id or '', text)
    notes: list[tuple[str, str]] = field(default_factory=list)  # footnotes: (article id, text)
    has_content: bool = False  # any non-space text or image outside the margin boxes
    images: list[ImageBox] = field(default_factory=list)
    overflows: list[Overflow] = field(default_factory=list)


class _Walker:
    """One page's walk: collects text chunks, images and overflows in document order."""

    def __init__(self, facts: PageFacts, check_overflow: bool):
        self.facts = facts
        self.check_overflow = check_overflow
        self.x0, self.y0, self.x1, self.y1 = facts.content
        self.overflowing: dict[int, tuple[Overflow, object]] = {}  # id(block) → worst
        self.footnotes = False  # walking the footnote area

    def walk(self, box, article: str, line, block) -> None:
        if isinstance(box, boxes.TextBox):
            self.text(box, article, line, block)
            return
        if isinstance(box, boxes.ReplacedBox):
            self.replaced(box, block)
            return
        if isinstance(box, boxes.MarginBox):
            return
        if isinstance(box, boxes.FootnoteAreaBox):
            self.footnotes = True
        if box.element_tag == "article" and box.element is not None:
            article = box.element.get("id") or article
        elif self.footnotes and box.element is not None and box.element.get("data-article"):
            article = box.element.get("data-article")
        if isinstance(box, boxes.LineBox):
            line = box
        elif isinstance(box, boxes.BlockContainerBox):
            block = box
        for child in getattr(box, "children", ()):
            self.walk(child, article, line, block)

    def text(self, box, article: str, line, block) -> None:
        text = box.text
        if not text.strip():
            return
        self.facts.has_content = True
        if "::" not in box.element_tag:  # generated content (leaders, marks) is not the book's
            (self.facts.notes if self.footnotes else self.facts.chunks).append((article, text))
        if not self.check_overflow:
            return
        x0 = box.border_box_x()
        x1 = x0 + box.border_width()
        # Vertically, the line box counts: a glyph's em box may rise above a tight line.
        holder = line if line is not None else box
        bottom = holder.position_y + holder.height
        self.note(box, "text", text, x0, x1, bottom, block)

    def replaced(self, box, block) -> None:
        self.facts.has_content = True
        image = box.replacement
        width, height = box.width or 0, box.height or 0
        if hasattr(image, "width") and hasattr(image, "height"):
            pixels, mode = (int(image.width), int(image.height)), str(image.mode)
        else:
            pixels, mode = None, "vector"
        src = box.element.get("src", "") if box.element is not None else ""
        self.facts.images.append(ImageBox(self.facts.number, src, width, height, pixels, mode))
        if self.check_overflow:
            x0, y0 = box.border_box_x(), box.border_box_y()
            x1, bottom = x0 + box.border_width(), y0 + box.border_height()
            self.note(box, "image", src, x0, x1, bottom, block or box)

    def note(self, box, kind: str, text: str, x0: float, x1: float, bottom: float, block) -> None:
        beyond = (
            ("right", x1 - self.x1),
            ("left", self.x0 - x0),
            ("bottom", bottom - self.y1),
        )
        edge, by = max(beyond, key=lambda item: item[1])
        if by <= TOLERANCE_PX:
            return
        key = id(block) if kind == "text" else id(box)
        found = Overflow(self.facts.number, kind, edge, by, text, "")
        previous = self.overflowing.get(key)
        if previous is None or previous[0].by < by:
            self.overflowing[key] = (found, block)

    def finish(self) -> None:
        for overflow, block in self.overflowing.values():
            text = squeeze("".join(t.text for t in _text_boxes(block))) if block else ""
            self.facts.overflows.append(replace(overflow, block=text))


def _text_boxes(box) -> Iterator[boxes.TextBox]:
    if isinstance(box, boxes.TextBox):
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child)


def page_facts(document, skip_overflow: frozenset[str] = frozenset()) -> list[PageFacts]:
    """Facts of every page; pages whose type name is in skip_overflow are not checked for
    overflow (full-bleed covers with margin 0)."""
    found = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        page_type = page_box.page_type
        x0, y0 = page_box.content_box_x(), page_box.content_box_y()
        facts = PageFacts(
            number=number,
            name=page_type.name or "",
            blank=bool(page_type.blank),
            content=(x0, y0, x0 + page_box.width, y0 + page_box.height),
            margins=bool(page_box.margin_left or page_box.margin_top),
        )
        walker = _Walker(facts, facts.name not in skip_overflow)
        for child in page_box.children:
            walker.footnotes = False
            walker.walk(child, "", None, None)
        walker.finish()
        found.append(facts)
    _notes_after_text(found)
    return found


def _notes_after_text(pages: list[PageFacts]) -> None:
    """Each article's footnotes, in order, after the last of its text."""
    last: dict[str, int] = {}
    notes: dict[str, list[tuple[str, str]]] = {}
    for index, page in enumerate(pages):
        for article, _text in (*page.chunks, *page.notes):
            last[article] = index
        for chunk in page.notes:
            notes.setdefault(chunk[0], []).append(chunk)
    for article, chunks in notes.items():
        pages[last[article]].chunks.extend(chunks)


def anchor_pages(pages, first: int = 1) -> dict[str, int]:
    """Anchor name → the first page it is on (``pages`` numbered from ``first``), as the
    PDF's named destinations."""
    found: dict[str, int] = {}
    for number, page in enumerate(pages, start=first):
        for name in page.anchors:
            found.setdefault(name, number)
    return found


@dataclass(frozen=True)
class TocEntry:
    target: str  # anchor the entry links to
    title: str  # the entry's text before the leader, squeezed
    printed: int | None  # the number printed at its end; None when there is none
    page: int  # the TOC page the entry is on


def toc_entries(document, toc_anchor: str = TOC_ANCHOR) -> list[TocEntry]:
    """The internal links on the pages of the table of contents, each with the number
    printed at its end. A link's own box comes first in ``page.links`` (the walk is
    pre-order; descendants repeat the link), so the first box per target is the entry."""
    entries = []
    seen: set[str] = set()
    for number, page in enumerate(document.pages, start=1):
        if toc_anchor not in page.anchors:
            continue
        for link_type, target, _rect, box in page.links:
            if link_type != "internal" or target in seen:
                continue
            seen.add(target)
            text = "".join(t.text for t in _text_boxes(box))
            match = _TOC_TEXT.match(text.strip())
            if match:
                entries.append(TocEntry(target, squeeze(match[1]), int(match[2]), number))
            else:
                entries.append(TocEntry(target, squeeze(text), None, number))
    return entries
