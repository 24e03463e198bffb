"""The command (python build.py, or booklet): options, the build, problems, the exit status."""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import time
from pathlib import Path

from booklet import profiles

PROJECT = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
# Options that build a booklet, with their defaults: given with --check-typography FILE (which
# only measures a PDF), they would be ignored, so they are refused.
BUILD_DEFAULTS = {
    "book": PROJECT / "book",
    "out": PROJECT / "dist",
    "styles": PROJECT / "styles",
    "fonts": PROJECT / "fonts",
    "profile": "screen",
    "creep": 0.0,
    "allow_placeholders": False,
    "html": False,
    "strict": False,
    "no_typeset": False,
    "proof": False,
    "watch": False,
    "serve": False,
    "port": 8765,
}


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
        default=None,
        metavar="DIR",
        help="book folder holding book.yaml and the articles (default: book/)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder (default: dist/)",
    )
    p.add_argument(
        "--styles",
        type=Path,
        default=None,
        metavar="DIR",
        help="the stylesheets folder (default: styles/; see styles/README.md)",
    )
    p.add_argument(
        "--fonts",
        type=Path,
        default=None,
        metavar="DIR",
        help="the font files the stylesheets may load (default: fonts/)",
    )
    p.add_argument(
        "--profile",
        choices=profiles.CHOICES,
        default=None,
        help="which PDFs (default screen): "
        + "; ".join(f"{p.name}: {p.doc}" for p in profiles.PROFILES.values())
        + "; all: every one of them",
    )
    p.add_argument(
        "--creep",
        type=float,
        default=None,
        metavar="MM",
        help="creep compensation of the imposed sheets, in mm (default 0)",
    )
    p.add_argument(
        "--allow-placeholders",
        action="store_true",
        default=None,
        help="let the print and imposed PDFs carry placeholder boxes for missing photos "
        "(otherwise an error there; always a warning)",
    )
    p.add_argument(
        "--html",
        action="store_true",
        default=None,
        help="also write DIR/<slug>.html, the HTML handed to WeasyPrint; "
        "it renders with the plain weasyprint command",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        default=None,
        help="treat warnings (placeholders, missing subsetter, …) as errors",
    )
    p.add_argument(
        "--no-typeset",
        action="store_true",
        default=None,
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
        default=None,
        help="also write DIR/proof/: a PNG of every page and a contact sheet of "
        "all spreads, for review without a PDF viewer",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        default=None,
        help="stay running and rebuild on every change to the book, styles, "
        "templates or fonts (Ctrl-C stops)",
    )
    p.add_argument(
        "--serve",
        action="store_true",
        default=None,
        help="watch, and show the booklet as printed spreads on a local web page "
        "that refreshes after each rebuild",
    )
    p.add_argument(
        "--port",
        type=int,
        default=None,
        metavar="N",
        help="port of the preview page on 127.0.0.1 (default: 8765; 0 picks a free one)",
    )
    p.add_argument(
        "--editor",
        metavar="COMMAND",
        help="with --serve: the program a click on a page opens the source in, "
        "{file}, {line} and {col} filled in (e.g. 'code -g {file}:{line}:{col}')",
    )
    p.add_argument("--quiet", action="store_true", help="print only problems and the paths written")
    return p


PROGRESS_AFTER = 2.0  # seconds of a build before it says what it is doing


class ProgressLine:
    """What a long build is doing, on stderr: nothing during the first two seconds (the
    booklet's build, about as long, prints only its summary), then each step as it starts:
    on a terminal one line rewritten in place, elsewhere a line per step."""

    def __init__(self, stream=None, after: float | None = None, clock=time.monotonic):
        self.stream = stream or sys.stderr  # the one in use now, not at import
        self.clock = clock
        self.start = clock() + (PROGRESS_AFTER if after is None else after)
        self.shown = False

    def __call__(self, step: str) -> None:
        if self.clock() < self.start:
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


def conflicts(args: argparse.Namespace) -> str:
    """Why the options given make no sense together ('' when they do)."""
    given = [name for name in BUILD_DEFAULTS if getattr(args, name) is not None]
    flag = {name: "--" + name.replace("_", "-") for name in BUILD_DEFAULTS}
    if args.check_typography:
        if given:
            return (
                f"--check-typography {args.check_typography} only measures that PDF: "
                f"{', '.join(flag[name] for name in given)} would be ignored"
            )
        return ""
    if args.port is not None and not args.serve:
        return "--port sets the preview's port: it needs --serve"
    if args.editor is not None and not args.serve:
        return "--editor opens sources from the preview: it needs --serve"
    if args.editor is not None and "{file}" not in args.editor:
        return "--editor needs {file} where the file goes, e.g. 'code -g {file}:{line}:{col}'"
    if args.creep is not None and args.profile not in ("imposed", profiles.ALL):
        return "--creep shifts the imposed sheets: it needs --profile imposed or all"
    if args.check_typography is not None and (args.watch or args.serve):
        return "--check-typography reports once on a build: it cannot watch"
    return ""


def entry() -> int:
    """The command as a process runs it (build.py, the booklet console script)."""
    return main(sys.argv[1:], process=True)


def main(argv: list[str] | None = None, process: bool = False) -> int:
    """Parse, build, report; the exit status. ``process``: this is the whole process, so
    the garbage collector may be held off for a one-shot build (never inside a test run)."""
    # A terminated build unwinds like Ctrl-C, and says what it left behind.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    trouble = conflicts(args)
    if trouble:
        print(f"python build.py: error: {trouble} [usage.options]", file=sys.stderr)
        return EXIT_USAGE
    for name, default in BUILD_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)

    try:
        from booklet import outputs, pipeline
        from booklet.problems import BuildFailed, summary
    except KeyboardInterrupt:  # Ctrl-C while WeasyPrint loads
        return EXIT_OK if (args.watch or args.serve) else 130

    if process and not (args.watch or args.serve):
        # A one-shot build allocates a large layout tree and frees it at exit: collecting
        # garbage on the way only costs time (about 10 % of a long book, measured).
        gc.freeze()
        gc.disable()

    if args.check_typography:  # a PDF given: only measure it
        path = Path(args.check_typography)
        if not path.is_file():
            print(f"{path}: error: no such PDF [usage.pdf]", file=sys.stderr)
            return EXIT_USAGE
        return report_typography(path.read_bytes(), None, str(path))
    options = pipeline.Options(
        book=args.book,
        out=args.out,
        styles=args.styles,
        fonts=args.fonts,
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
        from booklet.editor import watch

        return watch.main(
            options, serve=args.serve, port=args.port, quiet=args.quiet, editor=args.editor or ""
        )
    progress = None if args.quiet else ProgressLine()
    try:
        result = pipeline.build(options, progress=progress)
    except outputs.Interrupted as stopped:
        if progress:
            progress.end()
        print(
            f"Interrupted as the files were written: all {len(stopped.replaced)} files of "
            "this build are in place, none half-written.",
            file=sys.stderr,
        )
        return 128 + stopped.signum
    except KeyboardInterrupt as stopped:
        if progress:
            progress.end()
        print("Interrupted. Nothing was written.", file=sys.stderr)
        return 128 + (stopped.args[0] if stopped.args else signal.SIGINT)
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
        print(f"fitted: {result.fitted}", file=sys.stderr)
        if result.next_best:
            print(f"  next best: {result.next_best}", file=sys.stderr)
        print(f"{result.pages} pages; {summary(result.problems)}", file=sys.stderr)
    for path in result.written:
        print(path)
    if args.check_typography is not None:
        return report_typography(result.reader, result.book, str(result.reader_path or "the PDF"))
    return EXIT_OK


def _terminated(signum, _frame) -> None:
    raise KeyboardInterrupt(signum)


def report_typography(pdf: bytes, book, name: str) -> int:
    """The typography report on the reader's PDF (its bytes, named ``name``); 1 when a rule
    is broken."""
    from booklet import typocheck

    paragraphs = [t for a in book.articles for t in a.reading_text()] if book else None
    notes = [t for a in book.articles for t in a.footnote_text()] if book else None
    report = typocheck.check_pdf(pdf, source_paragraphs=paragraphs, source_notes=notes, name=name)
    print(typocheck.format_report(report))
    return EXIT_CONTENT if report.violations else EXIT_OK
