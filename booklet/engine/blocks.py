"""Blocks as the engine laid them out: each element that carries a ``data-src`` place, with its
page, position and height (CSS px), and whether it was split across pages or columns."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from weasyprint.formatting_structure import boxes


@dataclass(frozen=True)
class Block:
    src: str  # the element's data-src: file:line:col in the book folder
    classes: tuple[str, ...]
    tag: str
    page: int  # 0-based index in the document
    x: float  # border box, CSS px from the page's top left corner
    y: float
    width: float
    height: float
    margin_top: float
    margin_bottom: float
    next_margin_top: float  # of the block after it in the same parent (0 if none): they collapse
    area_top: float  # the top of the page's type area (content box), CSS px
    split: bool  # laid out in more than one piece (over pages or columns)


def blocks(document) -> list[Block]:
    """Every block-level box with a data-src, in document order, page by page."""
    found: list[Block] = []
    for index, page in enumerate(document.pages):
        _walk(page._page_box, index, found, page._page_box.content_box_y())
    pieces = Counter(block.src for block in found)
    return [
        Block(**{**block.__dict__, "split": block.split or pieces[block.src] > 1})
        for block in found
    ]


def _walk(box, page: int, found: list[Block], top: float, after: float = 0.0) -> None:
    if isinstance(box, boxes.MarginBox):
        return
    element = box.element
    if (
        isinstance(box, boxes.BlockLevelBox)
        and element is not None
        and box.element_tag is not None
        and "::" not in box.element_tag
        and (src := element.get("data-src"))
    ):
        found.append(
            Block(
                src=src,
                classes=tuple((element.get("class") or "").split()),
                tag=box.element_tag,
                page=page,
                x=box.border_box_x(),
                y=box.border_box_y(),
                width=box.border_width(),
                height=box.border_height(),
                margin_top=box.margin_top or 0.0,
                margin_bottom=box.margin_bottom or 0.0,
                next_margin_top=after,
                area_top=top,
                split=False,
            )
        )
    children = [c for c in getattr(box, "children", ()) if c.is_in_normal_flow()]
    for child, following in zip(children, [*children[1:], None], strict=False):
        _walk(child, page, found, top, _collapsed_top(following))


def _collapsed_top(box) -> float:
    """The margin above a block as it collapses with its first children's (CSS 2.1 8.3.1:
    through a parent with no border or padding above)."""
    margin = 0.0
    while isinstance(box, boxes.BlockLevelBox):
        margin = max(margin, box.margin_top or 0.0)
        if box.border_top_width or box.padding_top:
            break
        children = [c for c in getattr(box, "children", ()) if c.is_in_normal_flow()]
        box = children[0] if children else None
    return margin


def line_pitch(document) -> float | None:
    """The most common height of the lines of plain paragraphs (CSS px): the line grid's
    pitch as the engine laid it out, whatever the tokens say."""
    heights: Counter = Counter()
    for page in document.pages:
        _lines(page._page_box, heights)
    return max(heights, key=heights.__getitem__) if heights else None


def _lines(box, heights: Counter) -> None:
    if isinstance(box, boxes.MarginBox):
        return
    if isinstance(box, boxes.LineBox):
        parent_tag = getattr(box, "element_tag", "")
        if parent_tag == "p" and not (box.element is not None and box.element.get("class")):
            heights[round(box.height, 3)] += 1
        return
    for child in getattr(box, "children", ()):
        _lines(child, heights)


def foot_space(document) -> list[float]:
    """The space left empty at the foot of each page (CSS px): from the end of the last line,
    picture or box of the text flow to the top of the footnotes, or to the foot of the type
    area when the page has none."""
    found = []
    for page in document.pages:
        page_box = page._page_box
        bottom = page_box.content_box_y() + page_box.height
        flow = []
        for child in page_box.children:
            if isinstance(child, boxes.FootnoteAreaBox):
                if child.children:
                    bottom = min(bottom, child.position_y)
            elif not isinstance(child, boxes.MarginBox):
                flow.append(child)
        ends = [_end(child) for child in flow]
        end = max((e for e in ends if e is not None), default=None)
        found.append(max(0.0, bottom - end) if end is not None else 0.0)
    return found


def _end(box) -> float | None:
    """Where the content of a box ends on its page (its margin below is space, not content):
    its last line or leaf box, or its own bottom border or padding (a panel's frame). A box
    split at the page foot does not count its own height, which runs to the foot."""
    if isinstance(box, boxes.LineBox):
        return box.position_y + box.height
    children = [c for c in getattr(box, "children", ()) if c.is_in_normal_flow()]
    if isinstance(box, boxes.ReplacedBox) or (
        isinstance(box, boxes.BlockLevelBox) and not children
    ):
        return box.border_box_y() + box.border_height()
    ends = [e for e in map(_end, children) if e is not None]
    if not ends:
        return None
    if isinstance(box, boxes.BlockLevelBox) and (box.border_bottom_width or box.padding_bottom):
        return box.border_box_y() + box.border_height()
    return max(ends)
