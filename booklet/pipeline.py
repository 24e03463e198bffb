"""Runs the stages in order, times them, and is the one place that writes files."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from . import csslint, glyphs, impose, marks, paginate, preflight, render, styles
from . import finish as finishing
from .model import Book
from .problems import BuildFailed, Problem, Where, error, warning
from .validate import read_book

PROJECT = Path(__file__).resolve().parent.parent
STYLES = PROJECT / "styles"
FONTS = PROJECT / "fonts"


@dataclass(frozen=True)
class Options:
    book: Path = PROJECT / "book"
    out: Path = PROJECT / "dist"
    html: bool = False  # also write the HTML handed to WeasyPrint
    strict: bool = False  # warnings fail the build
    typeset: bool = True  # the Chinese typesetting pass and justification hook
    proof: bool = False  # also write proof/: a PNG per page and a contact sheet of spreads
    profile: str = "screen"  # screen, print, imposed, proof or all (see PROFILES)
    creep_mm: float = 0.0  # creep compensation of the imposed sheets
    allow_placeholders: bool = False  # placeholder photos allowed in print (else an error)


@dataclass
class Result:
    book: Book
    pdf: Path
    pages: int
    blank_pages_added: int
    problems: list[Problem]
    timings: dict[str, float] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    preflight: dict[str, preflight.Preflight] = field(default_factory=dict)


class Stopwatch:
    """Times the stages, and tells ``progress`` (if any) as each one starts."""

    def __init__(self, progress: paginate.Progress | None = None) -> None:
        self.timings: dict[str, float] = {}
        self.progress = progress

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.progress:
            self.progress(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


# Which layouts each --profile needs, and the file each output goes to.
PROFILES = {
    "screen": ("screen",),
    "print": ("print",),
    "imposed": ("imposed",),
    "proof": ("proof",),
    "all": ("screen", "print", "imposed", "proof"),
}
SUFFIX = {"screen": "", "print": "-print", "imposed": "-imposed", "proof": "-proof"}
# WeasyPrint options per layout. The screen PDF is tagged for accessibility and its images
# are downsampled; the print PDF keeps images at full resolution.
RENDER_OPTIONS = {
    "screen": {"pdf_tags": True, "dpi": 150, "optimize_images": True, "jpeg_quality": 85},
    "print": {},
    "proof": {"dpi": 150, "optimize_images": True, "jpeg_quality": 85},
}


@dataclass(frozen=True)
class Layout:
    renderer: render.Renderer
    numbers: dict[str, int]  # the page numbers the contents print
    document: object  # weasyprint.Document, padded to a multiple of four
    blanks: int  # filler pages added before the back cover
    pdf: bytes  # finished: metadata, labels

    def html(self) -> str:
        """The whole booklet as one HTML document (the --html output)."""
        parts = self.renderer
        return parts.document([parts.front(self.numbers), *parts.articles(), parts.back()])


class Warm:
    """What a long-lived process (the watch loop) keeps from one build to the next.

    WeasyPrint's FontConfiguration copies every @font-face file (about 100 MB of CJK fonts)
    into a private fontconfig set; doing it once saves that on every rebuild. Faces pile
    up in a configuration, so it is made anew when any @font-face rule or font file changes.
    The parsed stylesheet and the laid-out parts are kept while the files they were made
    from are unchanged (see paginate.PartCache), and font subsets are reused (subsets.py).
    """

    _FACE = re.compile(r"@font-face\s*{[^}]*}", re.S)

    def __init__(self) -> None:
        from . import subsets

        subsets.install()
        self._fonts: FontConfiguration | None = None
        self._key: tuple = ()
        self._sheets: dict[str, tuple[tuple, weasyprint.CSS]] = {}
        self._parts: dict[str, paginate.PartCache] = {}

    def font_config(self) -> FontConfiguration:
        faces = tuple(
            face
            for css in sorted(STYLES.rglob("*.css"))
            for face in self._FACE.findall(css.read_text("utf-8"))
        )
        files = tuple(
            (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(FONTS.iterdir())
        )
        if self._fonts is None or (faces, files) != self._key:
            self._fonts, self._key = FontConfiguration(), (faces, files)
            self._sheets.clear()
            self._parts.clear()
        return self._fonts

    def stylesheet(self, profile: str, key: tuple, parse: Callable[[], tuple]):
        """The parsed entry stylesheet of a profile; ``parse()`` returns (css, silent) and
        is called when the stylesheets changed or the last parse had something to say."""
        kept = self._sheets.get(profile)
        if kept is not None and kept[0] == key:
            return kept[1]
        css, silent = parse()
        if silent:
            self._sheets[profile] = (key, css)
        else:
            self._sheets.pop(profile, None)
        return css

    def parts(self, profile: str) -> paginate.PartCache:
        return self._parts.setdefault(profile, paginate.PartCache())


def _stamps(*folders: Path, skip: str = "") -> tuple:
    """Name, mtime and size of every file under the folders (files ending in ``skip``
    excepted): whatever a layout reads besides the HTML."""
    return tuple(
        (str(path), stat.st_mtime_ns, stat.st_size)
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not (skip and path.name.endswith(skip))
        for stat in (path.stat(),)
    )


def build(
    options: Options,
    cwd: Path | None = None,
    warm: Warm | None = None,
    progress: paginate.Progress | None = None,
) -> Result:
    """Build one book; raise BuildFailed (nothing written) if any error was found.
    ``progress`` is told of each stage as it starts and of each part as it is laid out."""
    warm = warm or Warm()
    if options.profile not in PROFILES:
        raise ValueError(f"unknown profile {options.profile!r}")
    cwd = cwd or Path.cwd()
    clock = Stopwatch(progress)
    problems: list[Problem] = []
    with clock.stage("load+validate"):
        css = csslint.check(STYLES, cwd)
        try:
            book, found = read_book(options.book, cwd, glyphs.coverage(FONTS))
        except BuildFailed as failed:  # every problem at once: the styles' too
            raise BuildFailed([*failed.problems, *css]) from None
        problems += [*found, *css]
    if paginate.subsetter_missing():
        problems.append(
            warning(
                Where("system"),
                "system.harfbuzz-subset",
                "HarfBuzz's subsetter (libharfbuzz-subset0) is missing: builds are ten times slower",
                "apt-get install libharfbuzz-subset0 (./run does it)",
            )
        )
    out = options.out.resolve()
    from . import cjk, justify

    typeset = render.plain
    if options.typeset:
        justify.install()
        typeset = lambda runs: cjk.typeset(runs, cjk.CjkOptions())  # noqa: E731
    else:
        justify.uninstall()  # the hook patches the engine for the whole process
    wanted = PROFILES[options.profile]
    layouts: dict[str, Layout] = {}
    outputs: dict[str, bytes] = {}
    checked: dict[str, preflight.Preflight] = {}
    for name in wanted:
        layout_name = "print" if name == "imposed" else name
        if layout_name not in layouts:
            layouts[layout_name] = _lay_out(
                book, layout_name, out, typeset, clock, cwd, problems, warm, progress
            )
        layout = layouts[layout_name]
        with clock.stage("finish"):
            if name == "screen":
                outputs[name] = layout.pdf
            elif name == "print":
                outputs[name] = marks.add_crop_marks(layout.pdf)
            elif name == "imposed":
                outputs[name] = impose.impose(
                    layout.pdf, impose.ImposeOptions(creep_mm=options.creep_mm)
                )
            else:
                outputs[name] = finishing.outline_type_area(layout.pdf, layout.document)
        with clock.stage("preflight"):
            # The imposed sheets are checked through the print pages they are made of.
            checked_as, pdf = ("print", layout.pdf) if name == "imposed" else (name, outputs[name])
            if checked_as not in checked:
                checked[checked_as] = preflight.run(
                    layout.document,
                    pdf,
                    book,
                    profile=checked_as,
                    fonts_css=STYLES / "fonts.css",
                    allow_placeholders=options.allow_placeholders,
                )
            if name == "imposed":
                problems += preflight.check_fonts(outputs[name], STYLES / "fonts.css")
    problems += [p for p in preflight.combine(checked.values()) if p not in problems]
    errors = [p for p in problems if p.severity == "error"]
    if errors or (options.strict and problems):
        raise BuildFailed(problems)
    written = [
        write_atomic(out / f"{book.slug}{SUFFIX[name]}.pdf", data) for name, data in outputs.items()
    ]
    report = {
        "book": book.slug,
        # Timings vary from run to run; the report, like the PDFs, must not.
        "profiles": {
            name: {k: v for k, v in result.facts.items() if k != "ms"}
            for name, result in checked.items()
        },
        "problems": [str(p) for p in problems],
    }
    written.append(
        write_atomic(
            out / f"{book.slug}-preflight.json",
            json.dumps(report, ensure_ascii=False, indent=2, default=str).encode("utf-8"),
        )
    )
    first = next(iter(layouts.values()))
    if options.html:
        written.append(write_atomic(out / f"{book.slug}.html", first.html().encode("utf-8")))
    if options.proof:
        with clock.stage("proof"):
            from . import proof

            pages = proof.page_pngs(first.pdf)
            for number, png in enumerate(pages, start=1):
                written.append(write_atomic(out / "proof" / f"page-{number:03d}.png", png))
            written.append(write_atomic(out / "proof" / "spreads.png", proof.contact_sheet(pages)))
    pages = len(first.document.pages)
    return Result(book, written[0], pages, first.blanks, problems, clock.timings, written, checked)


def _lay_out(book, profile, out, typeset, clock, cwd, problems, warm, progress) -> Layout:
    """One layout of the book with one profile's stylesheet: parts, pages, finished PDF."""
    with clock.stage("render"):
        sheet = styles.Stylesheets(STYLES, book, profile)
        entry = sheet.entry(out)
        page = render.Page(stylesheet=entry, base=out, fonts=styles.FONT_CREDITS)
        renderer = render.Renderer(book, page, typeset)
    fetcher = paginate.FolderFetcher([book.root, STYLES, FONTS])
    html_url = (out / f"{book.slug}.html").as_uri()
    fonts = warm.font_config()
    with clock.stage("layout"), paginate.engine_log() as records:
        # What a layout reads besides the HTML: stylesheets, fonts, images.
        key = (entry, html_url, _stamps(STYLES, FONTS, book.root, skip=".yaml"))
        css = warm.stylesheet(profile, key, lambda: _parse(entry, html_url, fetcher, fonts))
        engine = paginate.Engine(css, html_url, fetcher, fonts, RENDER_OPTIONS[profile])
        cache = warm.parts(profile)
        cache.begin((key, typeset is not render.plain))
        laid = paginate.lay_out(renderer, engine, cache, progress)
    with clock.stage("write"), paginate.engine_log() as write_records:
        # Tagging is read when writing, the image options when rendering: give both.
        pdf = laid.document.write_pdf(finisher=finishing.finisher(book), **RENDER_OPTIONS[profile])
    engine_problems = paginate.log_problems([*records, *write_records], styles.shown(STYLES, cwd))
    if any(p.code == "engine.css" for p in engine_problems):
        # The engine's messages have no file name: find each complaint's stylesheet.
        placed = csslint.lint(STYLES, fetcher, cwd)
        if placed:
            engine_problems = [p for p in engine_problems if p.code != "engine.css"] + placed
    problems += [p for p in engine_problems if p not in problems]
    refused = [
        error(
            Where(url),
            "security.refused",
            "refused to read a file outside the book, styles and fonts folders",
            "copy the file into the book folder",
        )
        for url in fetcher.refused
    ]
    problems += [p for p in refused if p not in problems]
    return Layout(renderer, laid.numbers, laid.document, laid.padding, pdf)


def _parse(entry: str, base_url: str, fetcher, fonts) -> tuple:
    """The entry stylesheet parsed (its imports fetched), and whether that went silently."""
    refused = len(fetcher.refused)
    with paginate.engine_log() as records:
        css = weasyprint.CSS(
            string=entry, base_url=base_url, url_fetcher=fetcher, font_config=fonts
        )
    return css, not records and len(fetcher.refused) == refused


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> Path:
    """Write beside the target and rename: a reader sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)  # left by a build that was killed while writing
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; outputs are ordinary files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
