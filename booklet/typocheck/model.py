"""The values the typography report hands out, and every tolerance its heuristics use."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass

RULES = (*(f"R{n}" for n in range(1, 14)), "P2", "P3", "P5", "P7")
RULE_TITLES = {
    "R1": "no closing punctuation at a line start",
    "R2": "no opening punctuation at a line end",
    "R3": "—— and …… not split across lines",
    "R4": "full lines end on the column edge",
    "R5": "adjacent punctuation takes 1.5 em",
    "R6": "¼ em between Han and Latin or digits",
    "R7": "no lone character on a paragraph's last line",
    "R8": "2 em indent, no space between paragraphs",
    "R9": "constant line pitch, readable sizes",
    "R10": "no heading alone at a page foot",
    "R11": "mainland punctuation forms and SC fonts",
    "R12": "text layer reads back the source",
    "R13": "no loose full line (a gap over 0.1 em)",
    "P2": "no glyph outside the type area or the page",
    "P3": "body lines on one line grid",
    "P5": "no page inside an article more than a line short",
    "P7": "no two blank pages in a row",
}


@dataclass(frozen=True)
class Violation:
    rule: str  # a key of RULES
    page: int  # 1-based page number
    line: str  # the text of the offending line (or paragraph), as extracted
    detail: str  # short, human: what was measured


@dataclass(frozen=True)
class Report:
    pdf: str
    pages: int  # pages examined
    body_size: float  # detected body font size, pt
    lines: int  # body lines examined
    violations: tuple[Violation, ...]
    stats: dict[str, float | int]

    def totals(self) -> dict[str, int]:
        """Violations per rule, every rule of RULES present (0 if none)."""
        counts = Counter(v.rule for v in self.violations)
        return {rule: counts.get(rule, 0) for rule in RULES}

    def to_json(self) -> str:
        data = asdict(self)
        data["totals"] = self.totals()
        return json.dumps(data, ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class Tolerances:
    """Every threshold of the heuristics; lengths in em of the body size unless in pt."""

    baseline_em: float = 0.15  # glyphs whose baselines differ by less share a line
    size_pt: float = 0.3  # a glyph is body-size within this
    split_em: float = 3.0  # a horizontal gap this wide splits a line even without a gutter
    gutter_em: float = 0.75  # a strip this wide with no body glyph separates columns
    edge_cluster_em: float = 0.05  # line starts/ends this close form one cluster
    edge_support: int = 2  # an edge cluster needs this many lines ...
    edge_support_share: float = 0.03  # ... and this share of its column group's lines
    edge_em: float = 0.05  # R4: a full line ends within this of the column edge
    short_em: float = 8.0  # R4 on a line this short adds: or the next paragraph lacks its indent
    indent_em: float = 2.0  # R8: the first-line indent
    indent_tol_em: float = 0.15
    display_indent_em: float = 4.0  # lines indented this much are display lines, not examined
    pair_compressed_em: float = 0.25  # R5: a pair narrowed by this much is compressed
    pair_over_em: float = 0.75  # R5: narrowed by this much it is over-compressed (1 em)
    gap_min_em: float = 0.15  # R6: a Han–Latin gap counts from here ...
    gap_max_em: float = 0.4  # ... to here
    punct_gap_em: float = 0.15  # R6: more than this next to Chinese punctuation is a gap
    pitch_em: float = 0.05  # R8/R9: baseline deltas this close to the pitch are equal
    pitch_ratio: tuple[float, float] = (1.5, 2.0)  # R9: pitch / body size
    body_pt: tuple[float, float] = (10.0, 11.0)  # R9: body size about 10.5 pt
    min_pt: float = 7.875  # R9: nothing below this
    heading_ratio: float = 1.05  # a line this much larger than the body is a heading
    grid_pt: float = 0.5  # P3: a body line this far off the grid drifts
    short_lines: float = 1.0  # P5: a page may end this many lines short
    loose_em: float = 0.1  # R13: a gap between characters wider than this is loose
