"""check_pdf: run every rule on a finished PDF; format_report: the result for a reader."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from booklet.typocheck.layout import Layout, read_pdf
from booklet.typocheck.model import RULE_TITLES, RULES, Report, Tolerances
from booklet.typocheck.pages import PageChecker
from booklet.typocheck.rules import Checker
from booklet.typocheck.textlayer import mainland_forms, text_layer

COUNTS = (
    "full_lines",
    "ragged_full_lines",
    "punct_pairs",
    "punct_pairs_compressed",
    "latin_transitions",
    "latin_gaps",
    "lone_last_lines",
    "paragraphs",
)


def check_pdf(
    path,
    *,
    source_paragraphs: Sequence[str] | None = None,
    source_notes: Sequence[str] | None = None,
    pages: Iterable[int] | None = None,
    measure: float | None = None,
    tolerances: Tolerances | None = None,
    name: str | None = None,
) -> Report:
    """Every violation of R1–R12 on the examined pages of a finished PDF, and the figures.

    ``pages``: 1-based page numbers to examine (default: all); the body style, columns and
    pitch are learnt from those pages only. ``source_paragraphs``: the source text, one
    paragraph per item; R12 then finds each in the text layer (after NFC), in order.
    ``source_notes``: the footnotes, in order; R12 finds each among the page-foot notes.
    ``measure``: the column width in pt, when the caller knows it (otherwise detected).
    ``name``: what the report calls the PDF (default its path; bytes are "the PDF").
    Raises ValueError for a file that is not a readable PDF or pages it does not have, and
    OSError for a file that cannot be opened.
    """
    t = tolerances or Tolerances()
    pdf_pages, lang, fonts = read_pdf(path if isinstance(path, bytes) else str(path), pages)
    layout = Layout(pdf_pages, t, measure)
    checker = Checker(layout, t)
    composition = PageChecker(layout, t)
    if layout.size:
        checker.run()
        composition.run()
    violations = (
        checker.violations
        + composition.violations
        + mainland_forms(layout, lang, fonts)
        + text_layer(layout, source_paragraphs, source_notes)
    )
    stats: dict[str, float | int] = {key: checker.stats[key] for key in COUNTS}
    stats["ragged_pct"] = _pct(stats["ragged_full_lines"], stats["full_lines"])
    stats["compressed_pct"] = _pct(stats["punct_pairs_compressed"], stats["punct_pairs"])
    stats["latin_gap_pct"] = _pct(stats["latin_gaps"], stats["latin_transitions"])
    stats["line_pitch"] = layout.pitch
    for key in ("outside", "grid_drift_pt", "short_pages", "blank_pages", "blank_runs",
                "widest_gap_em", "loose_lines"):  # fmt: skip
        stats[key] = composition.stats.get(key, 0)
    order = {rule: i for i, rule in enumerate(RULES)}
    return Report(
        pdf=name or ("the PDF" if isinstance(path, bytes) else str(path)),
        pages=len(pdf_pages),
        body_size=layout.size,
        lines=sum(len(p) for p in layout.paragraphs),
        violations=tuple(sorted(violations, key=lambda v: (v.page, order[v.rule]))),
        stats=stats,
    )


def _pct(part: int, whole: int) -> float:
    """Percentage, 0.0 when there is nothing to count (the counts say so)."""
    return round(100.0 * part / whole, 1) if whole else 0.0


def format_report(report: Report, *, limit: int = 20) -> str:
    """Per rule: the count, then up to ``limit`` violations; then the figures and the totals."""
    s, totals = report.stats, report.totals()
    out = [
        f"{report.pdf}: {report.pages} pages, body {report.body_size:g} pt, line pitch {s['line_pitch']:g} pt, "
        f"{report.lines} body lines in {s['paragraphs']} paragraphs",
        "",
    ]
    for rule in RULES:
        out.append(f"{rule} {RULE_TITLES[rule]}: {totals[rule]}")
        found = [v for v in report.violations if v.rule == rule]
        out += [f"  p.{v.page}: {v.rule} {_clip(v.line)} — {v.detail}" for v in found[:limit]]
        if len(found) > limit:
            out.append(f"  … and {len(found) - limit} more")
    out += [
        "",
        "Figures",
        _figure("R4 ragged full lines", s["ragged_full_lines"], s["full_lines"], s["ragged_pct"]),
        _figure(
            "R5 pairs compressed",
            s["punct_pairs_compressed"],
            s["punct_pairs"],
            s["compressed_pct"],
        ),
        _figure("R6 Han–Latin gaps", s["latin_gaps"], s["latin_transitions"], s["latin_gap_pct"]),
        f"  {'R7 lone last lines':<22}{s['lone_last_lines']:>6} in {s['paragraphs']} paragraphs",
        "",
        "Totals",
        "  " + " ".join(f"{rule:>4}" for rule in RULES) + "  total",
        "  " + " ".join(f"{totals[rule]:>4}" for rule in RULES) + f"  {sum(totals.values()):>5}",
    ]
    return "\n".join(out)


def _figure(name: str, part: int, whole: int, pct: float) -> str:
    return f"  {name:<22}{part:>6} / {whole:<6}{pct:6.1f} %"


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n] + "…"
