"""Where each laid-out piece of the book came from: the boxes of the elements that carry
``data-src`` (booklet/typeset/templates/parts.html), and each of their lines, page by page.

Positions are PDF points from the top-left corner of the trimmed page, y growing downwards
(WeasyPrint lays out in CSS px from there; the bleed lies outside). Margin boxes (running
heads, folios) are left out. Relies on WeasyPrint 70.0's ``Page._page_box``, ``Page.bleed``,
``Box.element``, ``LineBox``, ``TextBox.text`` and the box geometry methods.
"""

from __future__ import annotations

import weakref
from collections import Counter
from dataclasses import dataclass, field

from weasyprint.formatting_structure import boxes

PT_PER_PX = 0.75
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class SourceBox:
    """One element with a source place, or one of its lines, as laid out on a page."""

    rect: Rect
    src: str  # the data-src: "articles/01-feature.yaml:14:5" (relative to the book folder);
    # "" for a line of something without one (the cover, the contents)
    kind: str  # "line", or the element's tag (p, figure, section, article, aside …)
    text: str  # what it prints on this page (squeezed of whitespace)


@dataclass(frozen=True)
class PageMap:
    """One laid-out page: its trim, bleed, type area, body line pitch and source boxes."""

    size: tuple[float, float]  # the trimmed page, pt
    bleed: tuple[float, float, float, float]  # top, right, bottom, left, pt
    type_area: Rect | None  # the page's content box; None for a page without margins
    pitch: float | None  # the most common height of a paragraph line on the page, pt
    boxes: tuple[SourceBox, ...] = field(default=())


def _rect(x: float, y: float, width: float, height: float) -> Rect:
    return (
        round(x * PT_PER_PX, 2),
        round(y * PT_PER_PX, 2),
        round((x + width) * PT_PER_PX, 2),
        round((y + height) * PT_PER_PX, 2),
    )


def _text(box) -> str:
    if isinstance(box, boxes.TextBox):
        return "".join(box.text.split())
    return "".join(_text(child) for child in getattr(box, "children", ()))


class _Walk:
    def __init__(self) -> None:
        self.found: list[SourceBox] = []
        self.pitches: Counter = Counter()

    def walk(self, box, src: str, element) -> None:
        if isinstance(box, boxes.MarginBox | boxes.TextBox):
            return
        own = box.element is not None and box.element is not element
        if own:
            element = box.element
            mine = element.get("data-src")
            if mine and not isinstance(box, boxes.LineBox):
                src = mine
                rect = _rect(
                    box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height()
                )
                self.found.append(SourceBox(rect, src, box.element_tag, _text(box)))
        if isinstance(box, boxes.LineBox):
            text = _text(box)
            if text:
                self.found.append(
                    SourceBox(
                        _rect(box.position_x, box.position_y, box.width, box.height),
                        src,
                        "line",
                        text,
                    )
                )
                if box.element_tag == "p" and src:
                    self.pitches[round(box.height * PT_PER_PX, 2)] += 1
            return
        for child in getattr(box, "children", ()):
            self.walk(child, src, element)


def page_map(page) -> PageMap:
    """The source map of one laid-out WeasyPrint page."""
    page_box = page._page_box
    walk = _Walk()
    for child in page_box.children:
        walk.walk(child, "", page_box.element)
    has_margins = bool(page_box.margin_left or page_box.margin_top)
    area = (
        _rect(page_box.content_box_x(), page_box.content_box_y(), page_box.width, page_box.height)
        if has_margins
        else None
    )
    bleed = page.bleed
    pitch = walk.pitches.most_common(1)[0][0] if walk.pitches else None
    return PageMap(
        size=(round(page.width * PT_PER_PX, 2), round(page.height * PT_PER_PX, 2)),
        bleed=tuple(
            round(bleed[side] * PT_PER_PX, 2) for side in ("top", "right", "bottom", "left")
        ),
        type_area=area,
        pitch=pitch,
        boxes=tuple(walk.found),
    )


class SourceMaps:
    """Page maps remembered by page object: a page kept from the last build (an unchanged
    part) is not walked again."""

    def __init__(self) -> None:
        self._maps: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __call__(self, pages) -> list[PageMap]:
        found = []
        for page in pages:
            known = self._maps.get(page)
            if known is None:
                known = self._maps[page] = page_map(page)
            found.append(known)
        return found
