"""The line grid (版心网格): how much space below each block rounds it up to whole lines.

Body lines are one pitch each (base.css), and every component's lines, rules and paddings
add up to whole pitches (占行) where CSS can say so. What CSS cannot know — a photo's height,
a panel's tiles, a line whose fonts grow it — is measured on the laid-out part: each block
whose height is not a whole number of pitches gets, below it, the space that makes it one,
and the part is laid out again with that space (a stylesheet of its own). A block split
over pages or columns is measured by its last piece, whose end is what the text after it
starts from (balanced columns before a heading end half a line down, say).
"""

from __future__ import annotations

import math

from booklet import engine

TOLERANCE_PX = 0.05  # below this a block is on the grid (rounding of the engine)


Space = tuple[float, float]  # (what the block lacks of whole lines, its space below), CSS px
Key = tuple[str, str]  # a block: its data-src and its tag


def measure(document, applied: dict[Key, Space] | None = None) -> dict[Key, Space]:
    """(data-src, tag) → what each block lacks of a whole number of lines, and the space below it
    before the grid's (``applied``: the spaces this layout was made with, whose space below
    is theirs, not the block's)."""
    applied = applied or {}
    pitch = engine.line_pitch(document)
    if not pitch:
        return {}
    found: dict[str, Space] = {}
    # Each block's last piece (an article and its head share a place: told apart by tag).
    last = {(block.src, block.tag): block for block in engine.blocks(document)}
    for block in last.values():
        if block.tag == "article":
            continue  # nothing of the part follows it
        if block.split:
            # Where its last piece ends, in lines from the top of the type area: the text
            # after it starts there (its other pieces end at a page or column foot).
            lines = (block.y + block.height - block.area_top) / pitch
        else:
            lines = block.height / pitch
        missing = (math.ceil(lines - TOLERANCE_PX / pitch) - lines) * pitch
        if missing > TOLERANCE_PX:
            # The space below collapses with the next block's space above: start from the
            # larger of the two.
            key = (block.src, block.tag)
            below = (
                applied[key][1]
                if key in applied
                else max(block.margin_bottom, block.next_margin_top)
            )
            found[block.src, block.tag] = (round(missing, 3), round(below, 3))
    return found


def stylesheet(spaces: dict[Key, Space]) -> str:
    """The spaces as CSS: one rule per block, by its tag and data-src."""
    rules = []
    for (src, tag), (missing, below) in sorted(spaces.items()):
        selector = src.replace("\\", "\\\\").replace('"', '\\"')
        rules.append(
            f'{tag}[data-src="{selector}"] {{ margin-bottom: {missing + below:.3f}px !important; }}'
        )
    return "\n".join(rules)
