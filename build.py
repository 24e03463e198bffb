#!/usr/bin/env python3
"""The command: parse options, build the booklet, report problems, set the exit status."""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python build.py",
        description="Build a Chinese booklet PDF from the YAML content in a book folder.",
        epilog="Exit status: 0 built; 1 content or style errors (nothing written); "
        "2 wrong command line.",
    )
    p.add_argument(
        "--book",
        type=Path,
        default=HERE / "book",
        metavar="DIR",
        help="book folder holding book.yaml and the articles (default: book/)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=HERE / "dist",
        metavar="DIR",
        help="output folder (default: dist/)",
    )
    p.add_argument(
        "--profile",
        choices=["screen", "print", "imposed", "proof", "all"],
        default="screen",
        help="which PDFs: screen (DIR/<slug>.pdf, the default), print (<slug>-print.pdf: "
        "3 mm bleed, crop marks), imposed (<slug>-imposed.pdf: saddle-stitch sheets), "
        "proof (<slug>-proof.pdf: 校样 with type-area outlines), or all of them",
    )
    p.add_argument(
        "--creep",
        type=float,
        default=0.0,
        metavar="MM",
        help="creep compensation of the imposed sheets, in mm (default 0)",
    )
    p.add_argument(
        "--allow-placeholders",
        action="store_true",
        help="let the print and imposed PDFs carry placeholder boxes for missing photos "
        "(otherwise an error there; always a warning)",
    )
    p.add_argument(
        "--html",
        action="store_true",
        help="also write DIR/<slug>.html, the HTML handed to WeasyPrint; "
        "it renders with the plain weasyprint command",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (placeholders, missing subsetter, …) as errors",
    )
    p.add_argument(
        "--no-typeset",
        action="store_true",
        help="leave out the Chinese typesetting pass (to compare with plain WeasyPrint)",
    )
    p.add_argument(
        "--check-typography",
        nargs="?",
        const="",
        metavar="PDF",
        help="report the Chinese typesetting rules measured on a PDF "
        "(default: the booklet just built) and exit 1 if any is broken",
    )
    p.add_argument(
        "--proof",
        action="store_true",
        help="also write DIR/proof/: a PNG of every page and a contact sheet of "
        "all spreads, for review without a PDF viewer",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="stay running and rebuild on every change to the book, styles, "
        "templates or fonts (Ctrl-C stops)",
    )
    p.add_argument(
        "--serve",
        action="store_true",
        help="watch, and show the booklet as printed spreads on a local web page "
        "that refreshes after each rebuild",
    )
    p.add_argument(
        "--port",
        type=int,
        default=8765,
        metavar="N",
        help="port of the preview page on 127.0.0.1 (default: 8765; 0 picks a free one)",
    )
    p.add_argument("--quiet", action="store_true", help="print only problems")
    return p


class ProgressLine:
    """What a long build is doing, on stderr: nothing during the first two seconds (the
    booklet's build, about as long, prints only its summary), then each step as it starts:
    on a terminal one line rewritten in place, elsewhere a line per step."""

    def __init__(self, stream=None, after: float = 2.0):
        self.stream = stream or sys.stderr  # the one in use now, not at import
        self.start = time.monotonic() + after
        self.shown = False

    def __call__(self, step: str) -> None:
        if time.monotonic() < self.start:
            return
        if self.stream.isatty():
            self.stream.write(f"\r\033[K… {step}")
        else:
            self.stream.write(f"… {step}\n")
        self.stream.flush()
        self.shown = True

    def end(self) -> None:
        if self.shown and self.stream.isatty():
            self.stream.write("\r\033[K")
            self.stream.flush()


def main(argv: list[str] | None = None) -> int:
    # A terminated build unwinds like Ctrl-C: temporary files go, finished files stay.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK

    try:
        from booklet import pipeline
        from booklet.problems import BuildFailed, summary
    except KeyboardInterrupt:  # Ctrl-C while WeasyPrint loads
        return EXIT_OK if (args.watch or args.serve) else 130

    if not (args.watch or args.serve):
        # A one-shot build allocates a large layout tree and frees it at exit: collecting
        # garbage on the way only costs time (about 10 % of a long book, measured).
        gc.freeze()
        gc.disable()

    if args.check_typography:  # a PDF given: only measure it
        return report_typography(Path(args.check_typography), None)
    options = pipeline.Options(
        book=args.book,
        out=args.out,
        html=args.html,
        strict=args.strict,
        typeset=not args.no_typeset,
        proof=args.proof,
        profile=args.profile,
        creep_mm=args.creep,
        allow_placeholders=args.allow_placeholders,
    )
    if not (args.book / "book.yaml").is_file():
        print(
            f"{args.book}: error: no book.yaml in this folder — give --book the folder "
            "that holds book.yaml [usage.book]",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.watch or args.serve:
        from booklet import watch

        return watch.main(
            options, serve=args.serve, port=args.port, quiet=args.quiet, proof=args.proof
        )
    progress = None if args.quiet else ProgressLine()
    try:
        result = pipeline.build(options, progress=progress)
    except KeyboardInterrupt:
        print("Interrupted. Nothing was written.", file=sys.stderr)
        return 130
    except BuildFailed as failed:
        if progress:
            progress.end()
        for problem in failed.problems:
            print(problem, file=sys.stderr)
        print(f"Aborted: {summary(failed.problems)}. Nothing was written.", file=sys.stderr)
        return EXIT_CONTENT
    if progress:
        progress.end()
    for problem in result.problems:
        print(problem, file=sys.stderr)
    if not args.quiet:
        for checked in result.preflight.values():
            print(checked.summary(), file=sys.stderr)
        stages = "  ".join(f"{name} {seconds:.2f}s" for name, seconds in result.timings.items())
        print(f"{stages}", file=sys.stderr)
        blanks = f", {result.blank_pages_added} blank added" if result.blank_pages_added else ""
        print(f"{result.pages} pages{blanks}; {summary(result.problems)}", file=sys.stderr)
    for path in result.written:
        print(path)
    if args.check_typography is not None:
        return report_typography(result.pdf, result.book)
    return EXIT_OK


def report_typography(pdf: Path, book) -> int:
    from booklet import typocheck

    if not pdf.is_file():
        print(f"{pdf}: error: no such PDF [usage.pdf]", file=sys.stderr)
        return EXIT_USAGE
    paragraphs = [p.text for a in book.articles for p in a.paragraphs()] if book else None
    report = typocheck.check_pdf(pdf, source_paragraphs=paragraphs)
    print(typocheck.format_report(report))
    return EXIT_CONTENT if report.violations else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
