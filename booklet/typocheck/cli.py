"""The command line: python -m booklet.typocheck FILE.pdf [options] (--help lists them)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from booklet.typocheck.report import check_pdf, format_report


def _pages(spec: str) -> list[int]:
    pages: list[int] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        pages += range(int(first), int(last or first) + 1)
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report; exit 0, or 1 with --strict when anything was found, 2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m booklet.typocheck",
        description="Report violations of the Chinese typesetting rules R1–R12.",
    )
    parser.add_argument("pdf", help="the finished PDF")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--source", help="the source text, one paragraph per line, for R12")
    parser.add_argument("--pages", help="pages to examine, e.g. 3-10,12 (default: all)")
    parser.add_argument("--measure", type=float, help="the column width in pt, if known")
    parser.add_argument(
        "--limit", type=int, default=20, help="violations listed per rule (default 20)"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when any violation is found")
    args = parser.parse_args(argv)
    try:
        source = Path(args.source).read_text(encoding="utf-8").splitlines() if args.source else None
        pages = _pages(args.pages) if args.pages else None
        report = check_pdf(args.pdf, source_paragraphs=source, pages=pages, measure=args.measure)
    except (OSError, ValueError) as error:  # pdfminer's PDFSyntaxError is not an OSError
        print(f"{args.pdf}: error: {error}", file=sys.stderr)
        return 2
    print(report.to_json() if args.json else format_report(report, limit=args.limit))
    return 1 if args.strict and report.violations else 0
