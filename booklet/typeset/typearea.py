"""The type area (版心) from the page size: body size, a measure of whole characters, a height of
whole lines, and margins in proportion to the page.

A book designer's habits, made into arithmetic (page-composition.md, P1):

- the body is 五号 (10.5 pt) on pages narrower than 200 mm, 11 pt on wider ones, so that a
  line holds about 20 to 40 characters from A6 to A4;
- the inner margin (订口) is ``INNER`` of the page width and the top margin (天头) ``TOP`` of its
  height; the measure is as many whole characters as leave the outer margin (切口) at least
  ``OUTER`` of the width, and the height as many whole lines as leave the bottom margin (地脚)
  at least ``BOTTOM`` of the height: the outer and bottom margins, which hold the folio, come
  out largest, as the eye expects;
- no margin under 10 mm (12 mm where a running head or folio sits), none over a quarter of the
  page width.

Editors can set any of these by token (styles/README.md); these are the defaults the build
writes in the ``defaults`` layer, under every stylesheet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PT_PER_MM = 72 / 25.4
LINE_HEIGHT = 1.75  # the line pitch in body sizes (--bk-line-height)
INNER = 0.108  # of the page width
OUTER = 0.135  # of the page width, at least
TOP = 0.09  # of the page height
BOTTOM = 0.10  # of the page height, at least
MIN_MARGIN_MM = 10.0
MIN_HEAD_MARGIN_MM = 12.0  # the top and outer... margins that hold a running head or folio
TWO_COLUMN_GAP = 2  # characters between two columns, at least
RUNNING_SIZE = 16 / 21  # running heads, in body sizes (--bk-size-running)


@dataclass(frozen=True)
class TypeArea:
    body_pt: float
    chars: int  # the measure, in body characters
    lines: int  # the height, in body lines
    inner_mm: float
    outer_mm: float
    top_mm: float
    bottom_mm: float
    column_chars: int  # each of two columns, in characters
    column_gap: int  # the gutter between two columns, in characters

    @property
    def running_chars(self) -> int:
        """The longest running head that stays on one line across the measure."""
        return max(4, math.floor(self.chars / RUNNING_SIZE + 1e-9) - 1)

    @property
    def pitch_pt(self) -> float:
        return self.body_pt * LINE_HEIGHT

    def tokens(self) -> str:
        """The declarations of the ``defaults`` layer."""
        return (
            f"--bk-body-size: {self.body_pt:g}pt; --bk-measure: {self.chars}; "
            f"--bk-lines: {self.lines}; --bk-margin-inner: {self.inner_mm:.2f}mm; "
            f"--bk-margin-top: {self.top_mm:.2f}mm; --bk-columns-2-chars: {self.column_chars}; "
            f"--bk-columns-2-gap: {self.column_gap};"
        )


def body_size(width_mm: float) -> float:
    return 10.5 if width_mm < 200 else 11.0


def type_area(width_mm: float, height_mm: float, body_pt: float | None = None) -> TypeArea:
    body_pt = body_pt or body_size(width_mm)
    char_mm = body_pt / PT_PER_MM
    pitch_mm = char_mm * LINE_HEIGHT
    quarter = width_mm / 4
    inner = min(max(INNER * width_mm, MIN_MARGIN_MM), quarter)
    outer_least = min(max(OUTER * width_mm, MIN_HEAD_MARGIN_MM), quarter)
    chars = max(1, math.floor((width_mm - inner - outer_least) / char_mm + 1e-9))
    # Too wide a page for its body size: the outer margin would pass a quarter of the width.
    while width_mm - inner - (chars + 1) * char_mm >= MIN_HEAD_MARGIN_MM and (
        width_mm - inner - chars * char_mm > quarter
    ):
        chars += 1
    outer = width_mm - inner - chars * char_mm
    top = max(TOP * height_mm, MIN_HEAD_MARGIN_MM)
    bottom_least = max(BOTTOM * height_mm, MIN_HEAD_MARGIN_MM)
    lines = max(1, math.floor((height_mm - top - bottom_least) / pitch_mm + 1e-9))
    bottom = height_mm - top - lines * pitch_mm
    column_chars = max(1, (chars - TWO_COLUMN_GAP) // 2)
    return TypeArea(
        body_pt=body_pt,
        chars=chars,
        lines=lines,
        inner_mm=inner,
        outer_mm=outer,
        top_mm=top,
        bottom_mm=bottom,
        column_chars=column_chars,
        column_gap=chars - 2 * column_chars,
    )
