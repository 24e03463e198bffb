"""Floats that fill pages (page-composition.md, P5 and P6): a pull quote, photo or panel that
does not fit at a page's foot goes whole to the next page and leaves the foot empty. Moved
on past the paragraph after it, the text flows ahead of it and fills the page; where no
paragraph follows (a photo that ends a section), it moves back before one instead, so that
the text after it fills the next page. A float stays in its section, within a page of the
place it was written at, and a move is kept only when the article has fewer short pages.

A move is an offset in paragraphs: +1 prints the float after the paragraph that followed it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from booklet import engine
from booklet.model import Article, Block, Facts, Figure, Paragraph, PullQuote, Section
from booklet.problems import Where

FLOATING = frozenset({"figure", "pull-quote", "facts"})  # the classes of blocks that may move
FLOATS = (Figure, PullQuote, Facts)  # the same, as the model's blocks
STEPS = (1, 2, -1, -2)  # the offsets tried, nearest first, on past the text before back
SHORT_LINES = 1.1  # a page whose foot is emptier than this many lines is short (P5: one)

Moves = dict[str, int]  # a float's data-src → its offset in paragraphs


def short_pages(document) -> list[tuple[int, float]]:
    """The pages of an article but its last whose foot is empty for more than a line:
    (0-based page, empty lines)."""
    pitch = engine.line_pitch(document)
    if not pitch:
        return []
    feet = engine.foot_space(document)[:-1]
    return [(n, free / pitch) for n, free in enumerate(feet) if free > SHORT_LINES * pitch]


def shortness(document) -> tuple[int, float]:
    """How short an article's pages are: the number of short pages, then the empty lines."""
    short = short_pages(document)
    return len(short), round(sum(lines for _page, lines in short), 2)


def pushed(document, page: int) -> str | None:
    """The float that went to the next page: the first block that starts on page ``page + 1``
    (a paragraph going on from page ``page`` does not start there), if it is a float."""
    found = engine.blocks(document)
    before = {b.src for b in found if b.page <= page}
    starting = [b for b in found if b.page == page + 1 and b.src not in before]
    if not starting:
        return None
    first = min(starting, key=lambda b: b.y)
    return first.src if FLOATING & set(first.classes) else None


def moved(article: Article, moves: Moves, src: Callable[[Where], str]) -> Article | None:
    """The article with each float of ``moves`` that many paragraphs later (or earlier) in
    its section; None when a float has not that many paragraphs beside it."""
    if not moves:
        return article
    left = dict(moves)

    def blocks(items: tuple[Block, ...]) -> tuple[Block, ...] | None:
        order = list(items)
        for block in items:
            offset = left.pop(src(block.where), 0) if not isinstance(block, Paragraph) else 0
            if offset:
                order = _shift(order, block, offset)
                if order is None:
                    return None
        return tuple(order)

    def section(item: Section) -> Section | None:
        own = blocks(item.blocks)
        subsections = [section(s) for s in item.subsections]
        if own is None or None in subsections:
            return None
        return dataclasses.replace(item, blocks=own, subsections=tuple(subsections))

    body = blocks(article.blocks)
    divisions = [section(s) for s in article.divisions]
    if body is None or None in divisions or left:
        return None
    return dataclasses.replace(article, blocks=body, divisions=tuple(divisions))


def _shift(order: list[Block], block: Block, offset: int) -> list[Block] | None:
    """``block`` moved past ``offset`` paragraphs (later, or earlier when negative); None
    where it would pass another float (floats print in the order they were written: the
    second photo of a pair stays the second)."""
    at = order.index(block)
    rest = order[:at] + order[at + 1 :]
    paragraphs = [i for i, b in enumerate(rest) if isinstance(b, Paragraph)]
    if offset > 0:
        after = [i for i in paragraphs if i >= at]
        if len(after) < offset:
            return None
        place = after[offset - 1] + 1
    else:
        before = [i for i in paragraphs if i < at]
        if len(before) < -offset:
            return None
        place = before[offset]
    passed = rest[min(at, place) : max(at, place)]
    if any(isinstance(b, FLOATS) for b in passed):
        return None
    return [*rest[:place], block, *rest[place:]]


def near_anchor(document, article: Article, moves: Moves, src: Callable[[Where], str]) -> bool:
    """Every moved float within a page of the place it was written at: the end of the block
    written before it (the article's start for its first block)."""
    if not moves:
        return True
    pages: dict[str, int] = {}  # each block's last page (first piece for the floats)
    first: dict[str, int] = {}
    for block in engine.blocks(document):
        pages[block.src] = block.page
        first.setdefault(block.src, block.page)
    written = _written_order(article, src)
    for float_src in moves:
        at = written.index(float_src)
        anchor = pages.get(written[at - 1], 0) if at else 0
        if abs(first.get(float_src, anchor) - anchor) > 1:
            return False
    return True


def _written_order(article: Article, src: Callable[[Where], str]) -> list[str]:
    return [src(block.where) for block in article.all_blocks()]
