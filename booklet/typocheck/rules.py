"""R1–R10 measured on glyph positions of the body text that booklet/typocheck/layout.py found.

* R1/R2: the first and last glyph of every line that is not furniture.
* R3: an odd run of ``—`` or ``…`` at a line end followed by the same mark, between lines
  of one paragraph or of one multi-line heading or caption.
* R4: every body line but a paragraph's last ends on its column's right edge within
  ``edge_em``. Ink-aware: when the last glyph has its ink in the left half (，。 and closing
  brackets), the line is also flush when that mark is set half-width or half-hung (its box
  ends half an em past the edge) or hung whole (its box starts at the edge). Lines with a
  figure or box beside their end are skipped.
* R5: each pair of adjacent full-width marks with a blank between their inks. What the
  pair saves is read from the blank between the inks: 0.5 em saved is 1.5 em (compressed),
  nothing saved 2 em, a whole em saved 1 em (over-compressed, also a violation).
* R6: at each Han↔Latin/digit transition, the gap between the glyph boxes, beyond the
  line's own spacing (the median gap between its Han characters: the justification), must
  lie within ``gap_min_em``–``gap_max_em`` (an author's space counts as the gap); more than
  ``punct_gap_em`` beyond it next to Chinese punctuation, or a gap before a line's first
  Latin glyph, is a violation too.
* R7: a paragraph of two or more lines whose last line holds one character besides punctuation.
* R8: the odd indents found by the layout; more than the pitch between two paragraphs.
* R9: the body size within ``body_pt``; the pitch (the most common baseline delta between
  adjacent body lines) within ``pitch_ratio`` × the size; every other delta inside a
  paragraph equal to it; no text below ``min_pt`` outside the running heads and folios.
* R10: a heading with nothing below it in its column on the page (no line, figure or box).
  Whether an article title opens a recto page is left to the pipeline, which knows where
  articles start.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from booklet.typocheck.chars import (
    CJK_PUNCT,
    CLOSING,
    FULLWIDTH_PUNCT,
    OPENING,
    RIGHT_BLANK,
    is_han,
    is_punct,
    is_western,
)
from booklet.typocheck.layout import Layout, Line
from booklet.typocheck.model import Tolerances, Violation


class Checker:
    """Runs R1–R10 over a layout; collects ``violations`` and the figures in ``stats``."""

    def __init__(self, layout: Layout, t: Tolerances) -> None:
        self.layout, self.t, self.em = layout, t, layout.em
        self.violations: list[Violation] = list(layout.problems)
        self.stats: Counter = Counter()

    def add(self, rule: str, line: Line, detail: str) -> None:
        self.violations.append(Violation(rule, line.page, line.text, detail))

    def run(self) -> None:
        layout = self.layout
        for page in layout.pages:
            for line in page.lines:
                if line.kind != "furniture":
                    self.line_ends(line)
                    self.small_text(line)
            for a, b in pairwise(page.flow):  # multi-line headings and captions
                same = (a.kind, a.size, a.font) == (b.kind, b.size, b.font)
                if a.kind != "body" and same and 0 < b.base - a.base < 2.5 * a.size:
                    self.split_marks(a, b)
        self.stats["paragraphs"] = len(layout.paragraphs)
        for para in layout.paragraphs:
            for a, b in pairwise(para):
                self.split_marks(a, b)
            for line in para:
                self.justified(line)
                self.punctuation_pairs(line)
                self.latin_gaps(line)
            self.lone_last_line(para)
        self.pitch()
        self.headings_at_foot()

    def line_ends(self, line: Line) -> None:  # R1, R2
        first, last = line.ink[0].text[0], line.ink[-1].text[-1]
        if first in CLOSING:
            self.add("R1", line, f"line starts with closing punctuation {first}")
        if last in OPENING:
            self.add("R2", line, f"line ends with opening punctuation {last}")

    def split_marks(self, a: Line, b: Line) -> None:  # R3
        for mark in "—…":
            run = len(a.text) - len(a.text.rstrip(mark))
            if run % 2 and b.text.startswith(mark):
                self.add("R3", a, f"{mark * 2} split across the line break")

    def justified(self, line: Line) -> None:  # R4
        if line.last or self._beside_figure(line):
            return
        self.stats["full_lines"] += 1
        right, last = line.column.right, line.ink[-1]
        ends = [last.x1]
        if last.text[-1] in RIGHT_BLANK:  # ink in the left half: half-width or hung is flush
            ends += [last.x0 + 0.5 * self.em, last.x0]
        short = right - min(ends, key=lambda end: abs(right - end))
        if abs(short) <= self.t.edge_em * self.em:
            return
        self.stats["ragged_full_lines"] += 1
        where = "short of" if short > 0 else "past"
        detail = f"ends {abs(short):.1f} pt ({abs(short) / self.em:.2f} em) {where} the column edge"
        if short > self.t.short_em * self.em:
            detail += "; if a paragraph ends here, the next lacks its 2 em indent (R8)"
        self.add("R4", line, detail)

    def _beside_figure(self, line: Line) -> bool:
        """A float (image, box) beside the line's end: the line is short on purpose."""
        return any(
            line.x1 - 0.1 * self.em <= x0 < line.column.right
            and x1 - x0 > 2
            and bottom - top > 2
            and top < line.base
            and bottom > line.base - line.size
            for x0, x1, top, bottom in self.layout.page(line.page).objects
        )

    def punctuation_pairs(self, line: Line) -> None:  # R5
        em, t = self.em, self.t
        for a, b in pairwise(line.ink):
            ca, cb = a.text[-1], b.text[0]
            if ca not in FULLWIDTH_PUNCT or cb not in FULLWIDTH_PUNCT:
                continue
            blank_a, blank_b = ca in RIGHT_BLANK, cb in OPENING
            if not (blank_a or blank_b):
                continue  # e.g. “， : no blank between the two inks
            if abs(a.x1 - a.x0 - em) > 0.1 * em or abs(b.x1 - b.x0 - em) > 0.1 * em:
                continue  # not full-width forms (R11 reports those)
            ink_end = a.x0 + (0.5 if blank_a else 1.0) * em
            ink_start = b.x0 + (0.5 if blank_b else 0.0) * em
            saved = 0.5 * (blank_a + blank_b) - (ink_start - ink_end) / em
            self.stats["punct_pairs"] += 1
            if saved >= t.pair_over_em:
                self.add(
                    "R5",
                    line,
                    f"{ca}{cb} takes {2 - saved:.2f} em, over-compressed: 1.5 em is right",
                )
            elif saved >= t.pair_compressed_em:
                self.stats["punct_pairs_compressed"] += 1
            else:
                self.add("R5", line, f"{ca}{cb} takes {2 - saved:.2f} em, not 1.5 em")

    def latin_gaps(self, line: Line) -> None:  # R6
        em, t = self.em, self.t
        first = line.ink[0].text[0]
        if is_western(first):
            offset = self.layout.indent(line) - (t.indent_em if line.cls == "start" else 0.0)
            if t.gap_min_em <= offset <= t.gap_max_em:
                self.add("R6", line, f"gap of {offset:.2f} em before {first} at the line start")
        han_gaps = sorted(
            (b.x0 - a.x1) / em
            for a, b in pairwise(line.ink)
            if is_han(a.text[-1]) and is_han(b.text[0])
        )
        spacing = max(0.0, han_gaps[len(han_gaps) // 2]) if han_gaps else 0.0  # justification
        for a, b in pairwise(line.ink):
            ca, cb = a.text[-1], b.text[0]
            gap = (b.x0 - a.x1) / em - spacing
            if (is_han(ca) and is_western(cb)) or (is_western(ca) and is_han(cb)):
                self.stats["latin_transitions"] += 1
                if t.gap_min_em <= gap <= t.gap_max_em:
                    self.stats["latin_gaps"] += 1
                elif gap < t.gap_min_em:
                    self.add("R6", line, f"no gap between {ca} and {cb} ({gap:.2f} em)")
                else:
                    self.add(
                        "R6",
                        line,
                        f"{gap:.2f} em between {ca} and {cb}, more than {t.gap_max_em:g} em",
                    )
            elif (
                (ca in CJK_PUNCT and is_western(cb)) or (is_western(ca) and cb in CJK_PUNCT)
            ) and (gap > t.punct_gap_em):
                self.add(
                    "R6",
                    line,
                    f"{gap:.2f} em between {ca} and {cb}: no gap next to Chinese punctuation",
                )

    def lone_last_line(self, para: list[Line]) -> None:  # R7
        if len(para) < 2:
            return
        last = para[-1]
        if sum(not is_punct(ch) for g in last.ink for ch in g.text) <= 1:
            self.stats["lone_last_lines"] += 1
            self.add("R7", last, f"paragraph's last line holds only {last.text}")

    def small_text(self, line: Line) -> None:  # R9
        smallest = min(g.size for g in line.ink)
        if smallest < self.t.min_pt - 0.01:
            self.add("R9", line, f"set in {smallest:g} pt, below {self.t.min_pt:g} pt")

    def pitch(self) -> None:  # R8, R9
        t, em, layout = self.t, self.em, self.layout
        pitch = layout.pitch
        self.stats["line_pitch"] = pitch
        body = [line for para in layout.paragraphs for line in para]
        if body and not t.body_pt[0] <= layout.size <= t.body_pt[1]:
            low, high = t.body_pt
            self.add("R9", body[0], f"body set in {layout.size:g} pt, not {low:g}–{high:g} pt")
        if pitch and not t.pitch_ratio[0] <= pitch / em <= t.pitch_ratio[1]:
            low, high = t.pitch_ratio
            self.add(
                "R9",
                body[0],
                f"line pitch {pitch:g} pt = {pitch / em:.2f} × the body size, not {low:g}–{high:g} ×",
            )
        for a, b in layout.adjacent():
            delta = b.base - a.base
            if abs(delta - pitch) <= t.pitch_em * em:
                continue
            if a.last and delta > pitch:
                self.add(
                    "R8",
                    b,
                    f"{delta - pitch:.1f} pt extra space before the paragraph (pitch {pitch:g} pt)",
                )
            else:
                self.add(
                    "R9",
                    b,
                    f"baseline {delta:.1f} pt below the line before, the pitch is {pitch:g} pt",
                )

    def headings_at_foot(self) -> None:  # R10
        for page in self.layout.pages:
            # Footnotes below a heading do not keep it company.
            text = [line for line in page.lines if line.kind not in ("furniture", "note")]
            for head in (line for line in text if line.kind == "heading"):
                below = any(
                    line.base > head.base + 0.1 and line.x0 < head.x1 and line.x1 > head.x0
                    for line in text
                ) or any(  # a figure or box; thin rules (a heading's underline) do not count
                    top > head.base
                    and x0 < head.x1
                    and x1 > head.x0
                    and x1 - x0 > 2
                    and bottom - top > 2
                    for x0, x1, top, bottom in page.objects
                )
                if not below:
                    self.add("R10", head, "heading is the last line of its column on the page")
