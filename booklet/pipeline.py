"""One build: the stages in order, timed, with the options they read and the caches they keep.

build() = read (content and styles checked together) → lay out each layout a profile needs
(under the scoped engine hook) → finish each profile's PDF → preflight → collect the files →
write them all at once (booklet/outputs.py, the one writer of files). Nothing is written when
an error was found.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from booklet import engine, outputs, preflight, profiles
from booklet.compose import fit, floats, paginate
from booklet.content import images
from booklet.content.glyphs import Coverage
from booklet.content.validate import read_book
from booklet.model import Book
from booklet.preflight import Preflight
from booklet.press import finish
from booklet.press.impose import ImposeError
from booklet.problems import BuildFailed, Problem, Where, error, relative, warning
from booklet.profiles import Finishing, Profile
from booklet.typeset import cjk, csslint, render, styles
from booklet.typeset.render import cut
from booklet.typeset.typearea import type_area

PROJECT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(render.TEMPLATES)


@dataclass(frozen=True)
class Options:
    book: Path = PROJECT / "book"
    out: Path = PROJECT / "dist"
    styles: Path = PROJECT / "styles"  # the stylesheets (styles/README.md)
    fonts: Path = PROJECT / "fonts"  # the font files the stylesheets load
    html: bool = False  # also write the HTML handed to WeasyPrint
    strict: bool = False  # warnings fail the build
    typeset: bool = True  # the Chinese typesetting pass and justification hook
    proof: bool = False  # also write proof/: a PNG per page and a contact sheet of spreads
    profile: str = "screen"  # a key of profiles.PROFILES, or "all"
    creep_mm: float = 0.0  # creep compensation of the imposed sheets
    allow_placeholders: bool = False  # placeholder photos allowed in print (else an error)


@dataclass(frozen=True)
class Output:
    """One file of a build: what it is (a profile's name, "preflight", "html", "proof"),
    where it goes and its bytes."""

    kind: str
    path: Path
    data: bytes


@dataclass
class Result:
    book: Book
    outputs: list[Output]  # every file written, in the order written
    reader: bytes  # the reader's PDF: the screen PDF, else the pages of the first layout
    reader_path: Path | None  # where the reader's PDF was written (None: not an output)
    pages: int
    fitted: str  # the arrangement of the pages chosen, in a line (compose/fit.py)
    next_best: str  # the runner-up ("" when there was none)
    problems: list[Problem]
    timings: dict[str, float] = field(default_factory=dict)
    preflight: dict[str, Preflight] = field(default_factory=dict)
    layouts: dict[str, Layout] = field(default_factory=dict)  # what each layout laid out

    @property
    def written(self) -> list[Path]:
        return [output.path for output in self.outputs]

    def output(self, kind: str) -> Output | None:
        return next((o for o in self.outputs if o.kind == kind), None)


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


class Warm:
    """Every cache that outlives one build, in one owner; a one-shot build makes a new one.

    WeasyPrint's FontConfiguration copies every @font-face file (about 100 MB of CJK fonts)
    into a private fontconfig set: doing it once saves that on every rebuild; faces pile up
    in a configuration, so it is made anew when an @font-face rule or a font file changes.
    The glyph coverage of the fonts, the parsed stylesheet of each layout, the laid-out parts
    (paginate.PartCache), the font subsets (engine.SubsetMemo) and the painted pages and
    compressed streams (engine.WriteMemo) are kept too. The watch
    loop tells it what changed (``changed``); nothing here looks at the files by itself.
    """

    def __init__(self, options: Options | None = None) -> None:
        options = options or Options()
        self.styles = options.styles.resolve()
        self.fonts_folder = options.fonts.resolve()
        self.subsets = engine.SubsetMemo()
        self.image_verdicts = images.Verdicts()  # each photo decoded once while unchanged
        self.writes = engine.WriteMemo()  # painted pages and compressed streams; page digests
        self._fonts: FontConfiguration | None = None
        self._faces: dict[Path, list[styles.FontFace]] | None = None
        self._coverage: Coverage | None = None
        self._sheets: dict[str, tuple[tuple, weasyprint.CSS]] = {}
        self._parts: dict[str, paginate.PartCache] = {}
        self.styles_checked = csslint.Checked()  # each stylesheet's problems, by its text
        self.generation = 0  # counts changes that make earlier layouts stale

    def changed(self, paths: Iterable[Path]) -> None:
        """Forget what the changed files (added, edited or removed) make stale."""
        stale = False
        for path in (Path(p).resolve() for p in paths):
            if path.suffix == ".yaml" and not path.is_relative_to(self.styles):
                continue  # content: a part whose HTML changes is laid out again anyway
            if path.is_relative_to(self.fonts_folder):
                self._fonts = self._faces = self._coverage = None
            elif path.is_relative_to(self.styles) and path.suffix == ".css" and self._faces:
                before = self._faces.get(path, [])
                now = styles.font_faces(path, str(path)) if path.is_file() else []
                if _face_key(before) != _face_key(now):
                    self._fonts = self._faces = None
            stale = True  # a stylesheet, template, image or font: lay everything out again
        if stale:
            self.generation += 1
            self._sheets.clear()
            self._parts.clear()

    def faces(self, cwd: Path) -> list[styles.FontFace]:
        if self._faces is None:
            self._faces = {
                path.resolve(): styles.font_faces(path, relative(path, cwd))
                for path in styles.stylesheets(self.styles)
            }
        return [face for found in self._faces.values() for face in found]

    def coverage(self) -> Coverage:
        if self._coverage is None:
            self._coverage = Coverage(self.fonts_folder)
        return self._coverage

    def font_config(self) -> FontConfiguration:
        if self._fonts is None:
            self._fonts = FontConfiguration()
            self._sheets.clear()
            self._parts.clear()
        return self._fonts

    def stylesheet(self, layout: str, key: tuple, parse: Callable[[], tuple]):
        """The parsed entry stylesheet of a layout; ``parse()`` returns (css, silent) and
        is called when the stylesheets changed or the last parse had something to say."""
        kept = self._sheets.get(layout)
        if kept is not None and kept[0] == key:
            return kept[1]
        css, silent = parse()
        if silent:
            self._sheets[layout] = (key, css)
        else:
            self._sheets.pop(layout, None)
        return css

    def parts(self, layout: str) -> paginate.PartCache:
        return self._parts.setdefault(layout, paginate.PartCache())


def _face_key(faces: list[styles.FontFace]) -> list[tuple]:
    return [(f.family, [(url, local) for url, local, _ in f.sources]) for f in faces]


@dataclass(frozen=True)
class Layout:
    """The book laid out with one layout's stylesheet, written as a PDF."""

    name: str
    renderer: render.Renderer
    laid: paginate.Laid
    pdf: bytes  # metadata and labels set
    tokens: dict[str, str] = field(default_factory=dict)  # its root element's tokens

    def html(self) -> str:
        """The whole booklet as one HTML document (the --html output)."""
        parts = self.renderer
        steps = self.laid.steps or {}
        made = {
            fit.COVER: lambda: parts.cover(steps[fit.COVER]),
            fit.TITLE: lambda: parts.title_page(steps[fit.TITLE]),
            fit.COLOPHON: lambda: parts.colophon(steps[fit.COLOPHON]),
            fit.CONTENTS: lambda: parts.contents(self.laid.numbers),
            fit.BACK: lambda: parts.back(steps[fit.BACK]),
            fit.FILLER: parts.filler,
            fit.NOTES: parts.notes,
        }
        moves = self.laid.moves or {}
        articles = {
            model.id: parts.article(floats.moved(model, moves.get(model.id, {}), parts.src))
            for model in parts.book.articles
        }
        every = [
            articles[s.part] if s.part in articles else made[s.part]() for s in self.laid.plan.slots
        ]
        # Every page in one document, in the plan's order: the blanks are written out, so
        # the parts' own breaks to a recto must not add more.
        breaks = ".title-page, .colophon, .toc, .article, .notes-page, .back-cover, .filler "
        breaks += "{ break-before: page !important; }"
        return parts.document(every, extra_css=breaks + "\n" + self.laid.grid)


def build(
    options: Options,
    cwd: Path | None = None,
    warm: Warm | None = None,
    progress: paginate.Progress | None = None,
) -> Result:
    """Build one book; raise BuildFailed (nothing written) if any error was found.
    ``progress`` is told of each stage as it starts and of each part as it is laid out."""
    engine.check()
    wanted = profiles.wanted(options.profile)
    cwd = cwd or Path.cwd()
    options = dataclasses.replace(
        options,
        **{
            name: (cwd / getattr(options, name)).resolve()
            for name in ("book", "out", "styles", "fonts")
        },
    )
    warm = warm or Warm(options)
    clock = Stopwatch(progress)
    with clock.stage("load+validate"):
        book, problems = read(options, warm, cwd)
    if engine.subsetter_missing():
        problems.append(
            warning(
                Where("system"),
                "system.harfbuzz-subset",
                "HarfBuzz's subsetter (libharfbuzz-subset0) is missing: builds are ten times slower",
                "apt-get install libharfbuzz-subset0 (./run does it)",
            )
        )
    problems += cut_running_heads(book, cwd)
    layouts: dict[str, Layout] = {}
    pdfs: dict[str, bytes] = {}
    with engine.hooked(typeset=options.typeset, subsets=warm.subsets, writes=warm.writes):
        for profile in wanted:
            if profile.layout not in layouts:
                layouts[profile.layout] = lay_out(
                    book, profile.layout, options, warm, cwd, clock, problems, progress
                )
            with clock.stage("finish"):
                try:
                    pdfs[profile.name] = finish_profile(profile, layouts[profile.layout], options)
                except ImposeError as exc:
                    where = Where(profiles.file_name(book.slug, profile))
                    problems.append(error(where, "press.impose", str(exc), IMPOSE_HINT))
    with clock.stage("preflight"):
        checked = check(book, wanted, layouts, pdfs, options, warm.faces(cwd), problems, cwd)
    errors = [p for p in problems if p.severity == "error"]
    if errors or (options.strict and problems):
        raise BuildFailed(problems)
    first = layouts[wanted[0].layout]
    files = collect(book, wanted, pdfs, first, checked, problems, options, cwd, clock)
    with clock.stage("save"):
        outputs.write_set(
            options.out.resolve(),
            [(o.path, o.data) for o in files],
            replaces=[os.path.join("proof", "page-*.png")] if options.proof else [],
            waiting=_say,
        )
    reader = next((p for p in wanted if p.reader), None)
    return Result(
        book=book,
        outputs=files,
        reader=pdfs[reader.name] if reader else first.pdf,
        reader_path=next((o.path for o in files if reader and o.kind == reader.name), None),
        pages=len(first.laid.document.pages),
        fitted=first.laid.plan.summary(),
        next_best=first.laid.runner_up.summary() if first.laid.runner_up else "",
        problems=problems,
        timings=clock.timings,
        preflight=checked,
        layouts=layouts,
    )


def cut_running_heads(book: Book, cwd: Path) -> list[Problem]:
    """A warning for each running head too long for its line, which the pages cut with …"""
    limit = type_area(book.page.width_mm, book.page.height_mm).running_chars
    found = []
    if len(book.title) > limit:
        found.append((Where(relative(book.root / "book.yaml", cwd)), book.title, "title:"))
    found += [(a.where, a.running_head, "running_head:") for a in book.articles]
    return [
        warning(
            where,
            "layout.running-head-cut",
            f"the running head '{head}' is longer than its line ({limit} characters): the "
            f"pages print '{cut(head, limit)}'",
            f"set a shorter {field} (a running head names the article in a few words)",
        )
        for where, head, field in found
        if len(head) > limit
    ]


def read(options: Options, warm: Warm, cwd: Path) -> tuple[Book, list[Problem]]:
    """The book, read and checked, and the stylesheets checked: every problem of both in
    one run, before any layout (each stylesheet on its own: syntax, rules nested by a lost
    brace, declarations WeasyPrint ignores, missing font files, URLs it may not read)."""
    allowed = [options.book, options.styles, options.fonts]
    fetcher = engine.FolderFetcher(allowed)
    css = warm.styles_checked.check(options.styles, cwd, allowed, fetcher)
    try:
        book, found = read_book(
            options.book, cwd, warm.coverage(), options.styles, warm.image_verdicts
        )
    except BuildFailed as failed:
        raise BuildFailed([*failed.problems, *css]) from None
    if any(p.severity == "error" for p in css):
        raise BuildFailed([*found, *css])
    return book, [*found, *css]


def lay_out(book, name, options, warm, cwd, clock, problems, progress) -> Layout:
    """One layout of the book with one layout's stylesheet: parts, pages, written PDF."""
    out = options.out.resolve()
    with clock.stage("render"):
        sheet = styles.Stylesheets(options.styles, book, name)
        entry = sheet.entry(out)
        page = render.Page(stylesheet=entry, base=out, fonts=styles.FONT_CREDITS, cwd=cwd)
        typeset = cjk.typeset if options.typeset else render.plain
        renderer = render.Renderer(book, page, typeset)
    fetcher = engine.FolderFetcher([book.root, options.styles, options.fonts])
    html_url = (out / f"{book.slug}.html").as_uri()
    fonts = warm.font_config()
    render_options = profiles.LAYOUTS[name]
    with clock.stage("layout"), engine.engine_log() as records:
        key = (entry, html_url, warm.generation, options.typeset)
        css = warm.stylesheet(name, key, lambda: _parse(entry, html_url, fetcher, fonts))
        # The parsed stylesheet's @counter-style rules (note marks) live in its own store.
        with_counters = {**render_options, "counter_style": css.bk_counter_style}
        setter = paginate.PartSetter(css, html_url, fetcher, fonts, with_counters)
        cache = warm.parts(name)
        cache.begin(key)
        try:
            laid = paginate.lay_out(renderer, setter, cache, progress)
        except paginate.LayoutFailed as failed:
            article = next((a for a in book.articles if a.id == failed.part), None)
            where = article.where if article else Where(relative(book.root / "book.yaml", cwd))
            what = f"article '{failed.part}'" if article else "the booklet's own pages"
            problems.append(
                error(
                    where,
                    "engine.layout-failed",
                    f"the engine could not lay out {what} ({failed.reason}) with the styles of "
                    f"the {name} layout",
                    "a fault of the engine with this content and these styles: try another "
                    "theme or page size to go on, and report it with the book",
                )
            )
            raise BuildFailed(problems) from None
    with clock.stage("write"), engine.engine_log() as write_records:
        # Tagging is read when writing, the image options when rendering: give both.
        pages = len(laid.document.pages)
        inside_back = laid.plan.slots[-2].part not in (fit.FILLER, fit.NOTES, fit.COLOPHON)
        info = finish.pdf_info(book, pages, name in profiles.TYPE_AREA_BOX, inside_back)
        converter = None
        if render_options.get("pdf_variant"):
            try:
                converter = engine.press_converter(laid.document, profiles.ICC)
            except engine.PressError as exc:
                # No print file can be made: stop here rather than check a plain PDF as one.
                where = Where(relative(options.styles / "tokens.css", cwd))
                problems.append(error(where, "styles.print-profile", str(exc), PRESS_HINT))
                raise BuildFailed(problems) from None
        pdf = engine.write_pdf(laid.document, info, render_options, converter)
    shown = styles.shown(options.styles, cwd)
    engine_problems = engine.log_problems([*records, *write_records], shown)
    if any(p.code == "engine.css" for p in engine_problems):
        # The engine's messages have no file name: find each complaint's stylesheet.
        placed = csslint.lint(options.styles, fetcher, cwd)
        if placed:
            engine_problems = [p for p in engine_problems if p.code != "engine.css"] + placed
    # A refused URL is reported once, as security.refused: not again as a failed load.
    engine_problems = [
        p for p in engine_problems if not any(url in p.message for url in fetcher.refused)
    ]
    problems += [p for p in engine_problems if p not in problems]
    refused = [
        error(
            Where(url),
            "security.refused",
            f"refused {url}: outside the book, styles and fonts folders",
            csslint.REFUSED_HINT,
        )
        for url in dict.fromkeys(fetcher.refused)
    ]
    problems += [p for p in refused if p not in problems]
    for missing in laid.missing:
        cover = relative(options.styles / "components" / "cover.css", cwd)
        element = ".back-cover" if missing == "back" else ".filler"
        found = error(
            Where(cover),
            "layout.page-name",
            f"no page of the back matter is the named page '{missing}'",
            f"the build places the back cover and the blank fillers by their page names: "
            f"keep page: {missing} on {element}",
        )
        if found not in problems:
            problems.append(found)
    for part, pages in laid.spilled:
        named, fields, hint = SPILLED[part]
        found = error(
            book.place(*fields),
            "layout.spill",
            f"the {named} takes {pages} pages: it must fit on one",
            hint,
        )
        if found not in problems:
            problems.append(found)
    return Layout(name, renderer, laid, pdf, engine.tokens(laid.document))


# What each one-page part is called, the fields it prints (the longest is pointed at), and
# what to shorten when it spills onto a second page.
SPILLED = {
    fit.COVER: ("cover (封面)", ("title", "subtitle", "authors"),
                "shorten title: or subtitle: (up to 80 characters fit every page size)"),
    fit.TITLE: ("title page (扉页)", ("title", "subtitle", "authors"),
                "shorten title:, subtitle: or authors:"),
    fit.COLOPHON: ("colophon (版权页)", ("source_note", "description", "title"),
                   "shorten source_note:, or the title: and subtitle: it repeats"),
    fit.BACK: ("back cover (封底)", ("description", "title"),
               "shorten description: (a sentence or two)"),
}  # fmt: skip


IMPOSE_HINT = (
    "check --creep, and the sheet tokens --bk-desktop-sheet and --bk-desktop-margin in "
    "styles/tokens.css"
)
PRESS_HINT = (
    "--bk-print-profile names a CMYK output profile in icc/ (icc/README.md); "
    "--bk-print-rendering-intent is perceptual, relative-colorimetric, saturation or "
    "absolute-colorimetric"
)


def _parse(entry: str, base_url: str, fetcher, fonts) -> tuple:
    """The entry stylesheet parsed (its imports fetched), and whether that went silently."""
    refused = len(fetcher.refused)
    counters = engine.counter_styles()
    with engine.engine_log() as records:
        css = weasyprint.CSS(
            string=entry,
            base_url=base_url,
            url_fetcher=fetcher,
            font_config=fonts,
            counter_style=counters,
        )
    css.bk_counter_style = counters  # handed to every render with this stylesheet
    return css, not records and len(fetcher.refused) == refused


def finish_profile(profile: Profile, layout: Layout, options: Options) -> bytes:
    pages = engine.page_facts(layout.laid.document) if profile.name == "proof" else []
    return profile.finish(Finishing(layout.pdf, pages, options.creep_mm, layout.tokens))


def check(book, wanted, layouts, pdfs, options, faces, problems, cwd=None) -> dict[str, Preflight]:
    """The preflight of each profile's pages (once per set of rules), and the fonts of a
    file made from pages checked elsewhere; adds every problem to ``problems``."""
    checked: dict[str, Preflight] = {}
    for profile in wanted:
        if profile.name not in pdfs:
            continue  # its finishing failed: the problem says why
        layout = layouts[profile.layout]
        pdf = pdfs[profile.name] if profile.pages_checked_here else layout.pdf
        name = profile.rules.name
        if name not in checked:
            checked[name] = preflight.run(
                layout.laid,
                pdf,
                book,
                layout.renderer.pieces,
                rules=profile.rules,
                output=profiles.file_name(book.slug, profiles.PROFILES[name]),
                faces=faces,
                allow_placeholders=options.allow_placeholders,
                styles=options.styles,
                cwd=cwd,
            )
        if not profile.pages_checked_here:
            # The file itself (sheets, fonts, PDF/X): beside its pages' facts if checked
            # under its own name.
            found = preflight.check_file(
                pdfs[profile.name],
                faces,
                rules=profile.rules,
                profile=profile.name,
                output=profiles.file_name(book.slug, profile),
            )
            checked[profile.name] = (
                checked[profile.name].with_file(found) if profile.name in checked else found
            )
    problems += [p for p in preflight.combine(checked.values()) if p not in problems]
    return checked


def collect(book, wanted, pdfs, first, checked, problems, options, cwd, clock) -> list[Output]:
    """Every file of the build, with its bytes and target path."""
    out = options.out.resolve()
    files = [Output(p.name, out / profiles.file_name(book.slug, p), pdfs[p.name]) for p in wanted]
    data = preflight_report(book, checked, problems, cwd)
    files.append(Output("preflight", out / f"{book.slug}-preflight.json", data))
    if options.html:
        html = first.html().encode("utf-8")
        files.append(Output("html", out / f"{book.slug}.html", html))
    if options.proof:
        with clock.stage("proof"):
            from booklet.editor import proof

            pages = proof.page_pngs(first.pdf)
            for number, png in enumerate(pages, start=1):
                files.append(Output("proof", out / "proof" / f"page-{number:03d}.png", png))
            files.append(Output("proof", out / "proof" / "spreads.png", proof.contact_sheet(pages)))
    return files


def preflight_report(book: Book, checked: dict, problems: list[Problem], cwd: Path) -> bytes:
    """The preflight as JSON, the same on every machine: no timings, and every place
    relative to the book folder (the folder the build ran in does not show)."""

    def place(text: str) -> str:
        file, sep, rest = text.partition(":")
        path = (cwd / file).resolve() if file and not Path(file).is_absolute() else Path(file)
        if path.is_relative_to(book.root):
            return path.relative_to(book.root).as_posix() + sep + rest
        return text

    def shown(value):
        if isinstance(value, dict):
            return {k: place(v) if k == "where" else shown(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shown(v) for v in value]
        return value

    report = {
        "book": book.slug,
        "profiles": {
            name: shown({k: v for k, v in result.facts.items() if k != "ms"})
            for name, result in checked.items()
        },
        "problems": [
            str(
                dataclasses.replace(p, where=dataclasses.replace(p.where, file=place(p.where.file)))
            )
            for p in problems
        ],
    }
    return json.dumps(report, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
