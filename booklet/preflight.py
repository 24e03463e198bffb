"""Checks on every build, before the file goes to the printer: pages, fonts, images, text, contents.

``run`` reads the laid-out WeasyPrint document (text, images, overflow, links, anchors: see
booklet/layoutfacts.py) and, with pypdf, the finished PDF of one profile (page boxes,
fonts). No text extraction (pdfplumber/pdfminer) and no content-stream parsing: content
streams are only decompressed and searched for the font operator, so a 28-page booklet
is checked in about 10–15 ms. Every problem is in the editor's terms, at the YAML place
of the content concerned where that is known, else at the output file, with a stable
``preflight.*`` code.
"""

from __future__ import annotations

import io
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, IndirectObject

from . import layoutfacts
from .layoutfacts import PX_PER_MM, squeeze
from .model import Book, Figure, Paragraph, PullQuote
from .problems import Problem, Where, error, warning

PT_PER_MM = 72 / 25.4
BLEED_MM = 3.0  # bleed of the print profile (styles/profiles/print.css)
BOX_TOLERANCE_MM = 0.1
PRINT_MIN_PPI = 150  # below: error in the print profile
PRINT_GOOD_PPI = 300  # below: warning in the print profile
FULL_BLEED_PAGES = frozenset({"cover", "back", "filler"})  # margin 0: no type area to overflow
PROFILES = ("screen", "print", "proof")

_FACE = re.compile(r"@font-face\s*{[^}]*font-family:\s*[\"']([^\"']+)[\"']", re.S)
_FACE_FAMILY = re.compile(r"font-family:\s*[\"']([^\"']+)[\"']")
_FACE_URL = re.compile(r"url\(\s*[\"']?([^\"')]+)[\"']?\s*\)")
_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_CID_TO_ZERO = re.compile(rb"<([0-9a-fA-F]+)>\s+0\b")
_TF = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s+[-+\d.]+\s+Tf\b")
_DO = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s+Do\b")
_DESCRIPTOR = re.compile(rb"/FontDescriptor\s+(\d+)\s+(\d+)\s+R")
_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


@dataclass(frozen=True)
class Preflight:
    problems: tuple[Problem, ...]  # errors and warnings, editor terms, codes "preflight.*"
    facts: dict  # JSON-ready: what was measured

    def summary(self) -> str:
        """One or two short lines for the terminal."""
        f = self.facts
        pages = f["pages"]
        fonts = f["fonts"]
        good_fonts = sum(1 for x in fonts if x["embedded"] and x["subset"] and x["from_fonts"])
        fonts_text = (
            f"{len(fonts)} fonts embedded+subset"
            if good_fonts == len(fonts)
            else f"{good_fonts}/{len(fonts)} fonts embedded+subset from fonts/"
        )
        images = f["images"]
        images_text = f"{len(images)} image{'' if len(images) == 1 else 's'}"
        ppis = [i["ppi"] for i in images if i["ppi"] is not None]
        if ppis:
            images_text += f" (min {min(ppis):.0f} ppi)"
        text = f["text"]
        toc = f["toc"]
        toc_ok = sum(1 for e in toc["entries"] if e["ok"])
        mark = "✓" if pages["boxes_ok"] else "✗"
        if f["profile"] == "print" and "trim_mm" in pages:
            width, height = pages["trim_mm"]
            boxes = f"{width:g}×{height:g} mm + {pages['bleed_mm']:g} mm bleed {mark}"
        else:
            boxes = f"boxes {mark}"
        parts = [
            f"{pages['count']} pages (×4 {'✓' if pages['multiple_of_4'] else '✗'}, {boxes})",
            fonts_text,
            images_text,
            f"{len(f['placeholders'])} placeholder{'' if len(f['placeholders']) == 1 else 's'}",
            f"{len(f['overflow'])} overflow",
        ]
        if f["empty_pages"]:
            parts.append(f"{len(f['empty_pages'])} empty")
        parts += [
            f"text {text['paragraphs_found']}/{text['paragraphs']} paragraphs",
            f"TOC {toc_ok}/{len(toc['entries'])} {'✓' if toc['ok'] else '✗'}",
        ]
        line = f"preflight ({f['profile']}): " + ", ".join(parts)
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        second = (
            f"  {errors} error{'' if errors == 1 else 's'}, "
            f"{warnings} warning{'' if warnings == 1 else 's'}; checked in {f['ms']:.0f} ms"
        )
        return f"{line}\n{second}"


def run(
    document,
    pdf: bytes,
    book: Book,
    *,
    profile: str,
    fonts_css: Path,
    allow_placeholders: bool = False,
) -> Preflight:
    """Check one profile's output: ``document`` is the padded WeasyPrint document,
    ``pdf`` the finished bytes written for ``profile`` (screen, print or proof)."""
    if profile not in PROFILES:
        raise ValueError(f"preflight knows the profiles {', '.join(PROFILES)}, not {profile!r}")
    start = time.perf_counter()
    output = Where(output_name(book, profile))
    reader = PdfReader(io.BytesIO(pdf))
    pages = layoutfacts.page_facts(document, skip_overflow=FULL_BLEED_PAGES)
    pieces = book_pieces(book)
    problems: list[Problem] = []
    facts: dict = {"profile": profile, "output": output.file}

    found, facts["pages"] = check_pages(reader, book, profile, output)
    problems += found
    fonts = read_fonts(reader, pdf)
    found, facts["fonts"] = check_font_facts(
        fonts, font_families(fonts_css), output, font_sources(fonts_css)
    )
    problems += found
    found, facts["images"] = check_images(pages, book, profile, output)
    problems += found
    found, facts["placeholders"] = check_placeholders(book, profile, allow_placeholders)
    problems += found
    found, facts["overflow"] = check_overflow(pages, pieces, book, output)
    problems += found
    found, facts["empty_pages"] = check_empty_pages(pages, output)
    problems += found
    found, facts["text"] = check_text(pages, book)
    problems += found
    found, facts["toc"] = check_toc(document, book, output)
    problems += found
    facts["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return Preflight(tuple(problems), facts)


def combine(results: Iterable[Preflight]) -> tuple[Problem, ...]:
    """The problems of several profiles' preflights, each once: a problem found at the same
    place with the same code and message in several profiles (a placeholder, an overflowing
    paragraph) is kept once, as an error if any profile made it one."""
    kept: dict[tuple, Problem] = {}
    for result in results:
        for problem in result.problems:
            key = (problem.where, problem.code, problem.message)
            if key not in kept or (problem.severity == "error" and kept[key].severity != "error"):
                kept[key] = problem
    return tuple(kept.values())


def output_name(book: Book, profile: str) -> str:
    """The file the profile is written to (as booklet/pipeline.py names it)."""
    return f"{book.slug}.pdf" if profile == "screen" else f"{book.slug}-{profile}.pdf"


# --- 1. pages and page boxes --------------------------------------------------------------


def _mm(box) -> list[float]:
    return [round(float(v) / PT_PER_MM, 2) for v in box]


def _box(page, name: str):
    """A page box as pypdf gives it (TrimBox and BleedBox default to the CropBox/MediaBox)."""
    return {"media": page.mediabox, "trim": page.trimbox, "bleed": page.bleedbox}[name]


def check_pages(reader: PdfReader, book: Book, profile: str, output: Where):
    problems = []
    count = len(reader.pages)
    boxes = []
    for page in reader.pages:
        boxes.append({name: _mm(_box(page, name)) for name in ("media", "trim", "bleed")})
    facts: dict = {"count": count, "multiple_of_4": count % 4 == 0, "boxes": boxes}
    if count % 4:
        problems.append(
            error(
                output,
                "preflight.page-count",
                f"{count} pages: a saddle-stitched booklet needs a multiple of 4",
                f"add {-count % 4} page(s) or remove {count % 4}; the pipeline pads with blanks",
            )
        )
    want_w, want_h = book.page.width_mm, book.page.height_mm
    bad_trim, bad_bleed, bad_media = [], [], []
    for number, b in enumerate(boxes, start=1):
        tx0, ty0, tx1, ty1 = b["trim"]
        bx0, by0, bx1, by1 = b["bleed"]
        mx0, my0, mx1, my1 = b["media"]
        if abs(tx1 - tx0 - want_w) > BOX_TOLERANCE_MM or abs(ty1 - ty0 - want_h) > BOX_TOLERANCE_MM:
            bad_trim.append((number, tx1 - tx0, ty1 - ty0))
        margins = (tx0 - bx0, ty0 - by0, bx1 - tx1, by1 - ty1)
        bleed = BLEED_MM if profile == "print" else 0.0
        if any(abs(m - bleed) > BOX_TOLERANCE_MM for m in margins):
            bad_bleed.append((number, margins))
        inside = mx0 <= bx0 + 0.01 and my0 <= by0 + 0.01 and mx1 >= bx1 - 0.01 and my1 >= by1 - 0.01
        if not inside or (profile == "screen" and [mx0, my0, mx1, my1] != [tx0, ty0, tx1, ty1]):
            bad_media.append(number)
    if boxes:
        tx0, ty0, tx1, ty1 = boxes[0]["trim"]
        bx0, by0, bx1, by1 = boxes[0]["bleed"]
        facts["trim_mm"] = [round(tx1 - tx0, 1), round(ty1 - ty0, 1)]
        facts["bleed_mm"] = round(min(tx0 - bx0, ty0 - by0, bx1 - tx1, by1 - ty1), 1)
    facts["boxes_ok"] = not (bad_trim or bad_bleed or bad_media)
    if bad_trim:
        number, w, h = bad_trim[0]
        problems.append(
            error(
                output,
                "preflight.trim-size",
                f"page {number}{_and_more(bad_trim)} is trimmed to {w:g}×{h:g} mm, "
                f"not the {want_w:g}×{want_h:g} mm of book.yaml",
                "check page: size in book.yaml and @page size in the styles",
            )
        )
    if bad_bleed:
        number, margins = bad_bleed[0]
        shown = "/".join(f"{m:g}" for m in margins)
        if profile == "print":
            message = f"page {number}{_and_more(bad_bleed)} has a bleed of {shown} mm, not {BLEED_MM:g} mm on every side"
            hint = "the print profile sets @page { bleed: 3mm } (styles/profiles/print.css)"
        else:
            message = (
                f"page {number}{_and_more(bad_bleed)} of the {profile} PDF has a bleed ({shown} mm)"
            )
            hint = "only the print profile has bleed; remove bleed from the other profiles' styles"
        problems.append(error(output, "preflight.bleed", message, hint))
    if bad_media:
        problems.append(
            error(
                output,
                "preflight.media-box",
                f"page {bad_media[0]}{_and_more(bad_media)}: the sheet (MediaBox) does not "
                + ("equal the trim size" if profile == "screen" else "hold the bleed"),
                "the screen PDF has no marks or bleed; the print PDF's sheet holds bleed and marks",
            )
        )
    return problems, facts


def _and_more(items: list) -> str:
    return f" (and {len(items) - 1} more)" if len(items) > 1 else ""


# --- 2. fonts -------------------------------------------------------------------------------


def font_families(fonts_css: Path) -> frozenset[str]:
    """The family names declared in styles/fonts.css, as WeasyPrint writes them in a PDF."""
    return frozenset(m.replace(" ", "-") for m in _FACE.findall(fonts_css.read_text("utf-8")))


def font_sources(fonts_css: Path) -> dict[str, int]:
    """Family name as in a PDF → size in bytes of its smallest font file (fonts.css src)."""
    sizes: dict[str, int] = {}
    for block in re.findall(r"@font-face\s*{([^}]*)}", fonts_css.read_text("utf-8")):
        family = _FACE_FAMILY.search(block)
        for url in _FACE_URL.findall(block):
            path = (fonts_css.parent / unquote(url)).resolve()
            if family and path.is_file():
                name = family[1].replace(" ", "-")
                sizes[name] = min(sizes.get(name, path.stat().st_size), path.stat().st_size)
    return sizes


@dataclass
class FontFacts:
    name: str  # BaseFont as written, subset tag included
    kind: str  # Type0, TrueType, Type1, Type3
    embedded: bool
    tagged: bool  # the name has a subset tag (WeasyPrint tags every font, subset or not)
    program: int  # bytes of the embedded font program (/Length1, else as stored, compressed)
    pages: list[int]
    missing: list[str]  # characters drawn as .notdef

    @property
    def base(self) -> str:
        return self.name.split("+", 1)[1] if _SUBSET_TAG.match(self.name) else self.name


def _stream_data(obj) -> bytes:
    """Decompressed bytes of a content stream, or of a page's /Contents (one or an array)."""
    obj = obj.get_object()
    if isinstance(obj, ArrayObject):
        return b"\n".join(part.get_object().get_data() for part in obj)
    return obj.get_data()


def _key(ref) -> object:
    return ref.idnum if isinstance(ref, IndirectObject) else id(ref)


class _FontReader:
    """Which fonts each page's content selects (Tf), through the form XObjects it draws (Do).

    WeasyPrint shares one resource dictionary between all pages, so the resources say
    nothing about where a font is used; the content streams do. They are decompressed and
    searched for the two operators only (text is in hex strings, which hold no '/')."""

    def __init__(self, reader: PdfReader, pdf: bytes | None = None) -> None:
        self.reader = reader
        self.pdf = pdf
        self.fonts: dict[object, FontFacts] = {}
        self.forms: dict[object, set] = {}

    def font_keys(self, data: bytes, resources, depth: int = 0) -> set:
        resources = resources.get_object() if resources is not None else {}
        fonts = resources.get("/Font")
        fonts = fonts.get_object() if fonts is not None else {}
        keys = set()
        for ref in fonts.values():  # every font listed is checked, used or not
            key = _key(ref)
            if key not in self.fonts:
                self.fonts[key] = _font_facts(ref.get_object(), self.descriptor)
        for name in set(_TF.findall(data)):
            ref = fonts.get("/" + name.decode("latin-1"))
            if ref is not None:
                keys.add(_key(ref))
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else {}
        for name in set(_DO.findall(data)) if depth < 8 else ():
            ref = xobjects.get("/" + name.decode("latin-1"))
            if ref is None:
                continue
            key = _key(ref)
            if key not in self.forms:
                self.forms[key] = set()
                form = ref.get_object()
                if form.get("/Subtype") == "/Form":
                    self.forms[key] = self.font_keys(
                        form.get_data(), form.get("/Resources", resources), depth + 1
                    )
            keys |= self.forms[key]
        return keys

    def descriptor(self, ref):
        """The /FontDescriptor of a CIDFont. pypdf would parse the whole dictionary with
        its /W array (thousands of numbers for a CJK font, ~10 ms): read the reference from
        the object's bytes instead when it is a plain object, else let pypdf parse it."""
        if self.pdf is not None and isinstance(ref, IndirectObject):
            offset = self.reader.xref.get(ref.generation, {}).get(ref.idnum)
            if isinstance(offset, int) and offset > 0:
                end = self.pdf.find(b"endobj", offset)
                head = self.pdf[offset:end] if end > 0 else b""
                if re.match(rb"\s*%d\s+%d\s+obj" % (ref.idnum, ref.generation), head):
                    match = _DESCRIPTOR.search(head)
                    if match and head.count(b"/FontDescriptor") == 1:
                        return IndirectObject(int(match[1]), int(match[2]), self.reader)
        return ref.get_object().get("/FontDescriptor")


def read_fonts(reader: PdfReader, pdf: bytes | None = None) -> list[FontFacts]:
    """Every font of the PDF once, with the pages whose content uses it."""
    fonts = _FontReader(reader, pdf)
    for number, page in enumerate(reader.pages, start=1):
        contents = page.get("/Contents")
        data = _stream_data(contents) if contents is not None else b""
        for key in fonts.font_keys(data, page.get("/Resources")):
            fonts.fonts[key].pages.append(number)
    return list(fonts.fonts.values())


def _font_facts(font, descriptor_of) -> FontFacts:
    name = str(font.get("/BaseFont", "")).lstrip("/")
    kind = str(font.get("/Subtype", "")).lstrip("/")
    descriptor = font.get("/FontDescriptor")
    if kind == "Type0":
        descendants = font.get("/DescendantFonts")
        descendants = descendants.get_object() if descendants is not None else []
        descriptor = descriptor_of(descendants[0]) if len(descendants) else None
    descriptor = descriptor.get_object() if descriptor is not None else {}
    program = 0
    files = [descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor]
    if files:
        stream = files[0].get_object()
        # pypdf drops /Length once read; its raw (still compressed) data is _data.
        stored = getattr(stream, "_data", None)
        program = int(stream.get("/Length1", 0)) or (
            len(stored) if isinstance(stored, bytes) else len(stream.get_data())
        )
    embedded = kind == "Type3" or bool(files)
    tagged = kind == "Type3" or bool(_SUBSET_TAG.match(name))
    return FontFacts(name, kind, embedded, tagged, program, [], _notdef_characters(font))


def _notdef_characters(font) -> list[str]:
    """Characters drawn as .notdef. WeasyPrint 70 gives each character no font has a glyph
    id past the font's last glyph and, for such a font only, writes an Encoding CMap that
    sends those ids to CID 0 (.notdef) instead of /Identity-H; the ToUnicode map still
    names the character. So: read the Encoding only when it is not a name."""
    encoding = font.get("/Encoding")
    if encoding is None or not hasattr(encoding.get_object(), "get_data"):
        return []
    gids = {
        int(m[1], 16)
        for m in _CID_TO_ZERO.finditer(encoding.get_object().get_data())
        if int(m[1], 16)
    }
    if not gids:
        return []
    names = {}
    to_unicode = font.get("/ToUnicode")
    if to_unicode is not None:
        for m in _BFCHAR.finditer(to_unicode.get_object().get_data()):
            if int(m[1], 16) in gids:
                names[int(m[1], 16)] = bytes.fromhex(m[2].decode()).decode("utf-16-be", "replace")
    return sorted(names.get(g, "?") for g in gids)


def _from_fonts(base: str, families: frozenset[str]) -> bool:
    return any(base == f or base.startswith(f + "-") for f in families)


def _source_size(base: str, sources: dict[str, int]) -> int | None:
    sizes = [size for family, size in sources.items() if _from_fonts(base, frozenset([family]))]
    return min(sizes) if sizes else None


def check_font_facts(
    fonts: list[FontFacts], families: frozenset[str], output: Where, sources: dict[str, int]
):
    """A font is subset when its name carries the tag (PDF 9.6.4) and its program is under
    half the smallest file of its family: WeasyPrint tags every font it embeds, so the tag
    alone proves nothing; a CJK subset is a few per cent of the file."""
    problems = []
    facts = []
    for font in sorted(fonts, key=lambda f: f.base):
        ours = _from_fonts(font.base, families)
        source = _source_size(font.base, sources)
        small = font.kind == "Type3" or source is None or font.program < source / 2
        subset = font.tagged and small
        facts.append(
            {
                "name": font.name,
                "base": font.base,
                "type": font.kind,
                "embedded": font.embedded,
                "subset": subset,
                "program_kb": round(font.program / 1024),
                "source_kb": round(source / 1024) if source else None,
                "from_fonts": ours,
                "pages": font.pages,
                "notdef": font.missing,
            }
        )
        where = (
            f"page {font.pages[0]}" + _and_more(font.pages).replace("more", "more pages")
            if font.pages
            else "no page (listed, unused)"
        )
        if not ours:
            problems.append(
                error(
                    output,
                    "preflight.font-foreign",
                    f"text on {where} is set in {font.base}, a font not in fonts/",
                    "some character or style has no face in fonts/ (see fonts/README.md)",
                )
            )
        if not font.embedded:
            problems.append(
                error(
                    output,
                    "preflight.font-not-embedded",
                    f"the font {font.base} (used on {where}) is not embedded",
                    "the printer would substitute it: use only the fonts in fonts/",
                )
            )
        elif not subset:
            problems.append(
                warning(
                    output,
                    "preflight.font-not-subset",
                    f"the font {font.base} is embedded whole, not as a subset "
                    f"({font.program // 1024} KB)",
                    "subsetting failed or was turned off: see the engine's log; "
                    "the PDF is needlessly large",
                )
            )
        if font.missing:
            chars = "".join(dict.fromkeys(font.missing))
            codes = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(font.missing) if c != "?")
            problems.append(
                error(
                    output,
                    "preflight.notdef",
                    f"{len(font.missing)} character(s) print as empty boxes (.notdef) in "
                    f"{font.base} on {where}: {chars} ({codes})",
                    "replace the character, or add a font that has it (see fonts/README.md)",
                )
            )
    return problems, facts


def check_fonts(pdf: bytes, fonts_css: Path) -> list[Problem]:
    """Every font in the PDF must be one of styles/fonts.css (which load only fonts/).

    Kept for booklet/pipeline.py; run() reports the same as preflight.font-foreign."""
    families = font_families(fonts_css)
    problems = []
    for name, pages in sorted(embedded_fonts(pdf).items()):
        if not _from_fonts(name, families):
            problems.append(
                error(
                    Where("dist"),
                    "fonts.fallback",
                    f"text on page {pages[0]} fell back to the system font {name}",
                    "some character is missing from the fonts in fonts/; see the typography report",
                )
            )
    return problems


def embedded_fonts(pdf: bytes) -> dict[str, list[int]]:
    """Base font name (subset tag removed) → pages it is used on (1-based)."""
    found: dict[str, list[int]] = {}
    for font in read_fonts(PdfReader(io.BytesIO(pdf)), pdf):
        found.setdefault(font.base, []).extend(font.pages)
    return {name: sorted(set(pages)) for name, pages in found.items()}


# --- 3. images and 4. placeholders ------------------------------------------------------


def _figures(book: Book) -> list[Figure]:
    return [f for article in book.articles for f in article.figures()]


def _figure_for(src: str, figures: list[Figure], root: Path) -> Figure | None:
    """The figure whose image an <img src> shows: src is relative to the HTML's folder,
    so compare its end with the image's path inside the book."""
    path = unquote(src).split("?", 1)[0].split("#", 1)[0]
    if path.startswith("file://"):
        path = path[len("file://") :]
    for figure in figures:
        if figure.image is None:
            continue
        try:
            inside = figure.image.relative_to(root).as_posix()
        except ValueError:
            inside = figure.image.name
        if path == inside or path.endswith("/" + inside):
            return figure
    return None


def _image_name(figure: Figure | None, src: str, root: Path) -> str:
    """The photo as the editor wrote it in the YAML (its path inside the book), else src."""
    if figure is not None and figure.image is not None and figure.image.is_relative_to(root):
        return figure.image.relative_to(root).as_posix()
    return unquote(src)


def _source_mode(path: Path | None) -> tuple[str | None, bool]:
    """Mode of the image file (RGB, CMYK, L, P, …) and whether it has transparency; Pillow
    reads the header only."""
    if path is None:
        return None, False
    try:
        with Image.open(path) as image:
            mode = image.mode
            alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
            return mode, alpha
    except OSError:
        return None, False


def check_images(pages, book: Book, profile: str, output: Where):
    problems = []
    facts = []
    figures = _figures(book)
    placed: set[int] = set()
    for page in pages:
        for image in page.images:
            figure = _figure_for(image.src, figures, book.root)
            if figure is not None:
                placed.add(id(figure))
            where = figure.where if figure else output
            mode, alpha = _source_mode(figure.image if figure else None)
            mode = mode or image.mode
            ppi = None
            if image.pixels and image.width > 0 and image.height > 0:
                ppi = min(
                    image.pixels[0] / (image.width / 96), image.pixels[1] / (image.height / 96)
                )
            name = _image_name(figure, image.src, book.root)
            facts.append(
                {
                    "file": name,
                    "page": page.number,
                    "placed_mm": [
                        round(image.width / PX_PER_MM, 1),
                        round(image.height / PX_PER_MM, 1),
                    ],
                    "pixels": list(image.pixels) if image.pixels else None,
                    "ppi": round(ppi) if ppi is not None else None,
                    "mode": mode,
                    "alpha": alpha,
                }
            )
            if profile != "print":
                continue
            if ppi is not None and ppi < PRINT_GOOD_PPI:
                severity = error if ppi < PRINT_MIN_PPI else warning
                problems.append(
                    severity(
                        where,
                        "preflight.image-resolution",
                        f"the photo {name} on page {page.number} prints at {ppi:.0f} ppi "
                        f"({image.pixels[0]}×{image.pixels[1]} px over "
                        f"{image.width / PX_PER_MM:.0f}×{image.height / PX_PER_MM:.0f} mm); "
                        f"print needs {PRINT_GOOD_PPI} ppi"
                        + (
                            f", and under {PRINT_MIN_PPI} it looks blurred"
                            if ppi < PRINT_MIN_PPI
                            else ""
                        ),
                        f"ask for the original file: at least "
                        f"{_pixels_for(image.width)}×{_pixels_for(image.height)} px",
                    )
                )
            if alpha:
                problems.append(
                    warning(
                        where,
                        "preflight.image-transparency",
                        f"the photo {name} on page {page.number} has transparency ({mode})",
                        "save it without an alpha channel (JPEG, or PNG flattened on white)",
                    )
                )
    for figure in figures:
        if figure.image is not None and id(figure) not in placed:
            problems.append(
                error(
                    figure.where,
                    "preflight.image-missing",
                    f"the photo {figure.image.name} is on no page",
                    "the file could not be read as an image, or the styles hide it",
                )
            )
    return problems, facts


def _pixels_for(css_px: float) -> int:
    """Pixels an image needs over css_px to print at PRINT_GOOD_PPI."""
    return math.ceil(css_px / 96 * PRINT_GOOD_PPI)


def check_placeholders(book: Book, profile: str, allowed: bool):
    problems = []
    facts = []
    for figure in _figures(book):
        if not figure.placeholder:
            continue
        facts.append({"caption": figure.caption, "where": str(figure.where)})
        message = f"photo missing: the page shows a 仅示位置 box for '{figure.caption[:20]}'"
        if profile == "print" and not allowed:
            problems.append(
                error(
                    figure.where,
                    "preflight.placeholder",
                    message,
                    "the print PDF cannot go to the printer with it: supply the photo "
                    "(image: images/<file>), or build with --allow-placeholders",
                )
            )
        else:
            problems.append(
                warning(
                    figure.where,
                    "preflight.placeholder",
                    message,
                    "set image: when the photo arrives",
                )
            )
    return problems, facts


# --- 5. overflow and empty pages -----------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A piece of the book's text as the template sets it, with its YAML place."""

    kind: str  # paragraph, title, column, series, byline, heading, caption, quote
    text: str  # squeezed
    where: Where


def article_pieces(article) -> list[Piece]:
    """An article's text in the order booklet/templates/booklet.html sets it."""
    at = article.where
    pieces = [Piece("column", squeeze(article.column), at)] if article.column else []
    pieces.append(Piece("title", squeeze(article.title), at))
    if article.series:
        pieces.append(Piece("series", squeeze(article.series), at))
    pieces += [Piece("byline", squeeze(b.role + b.name), at) for b in article.bylines]
    if article.lede:
        pieces.append(Piece("paragraph", squeeze(article.lede.text), article.lede.where))

    def blocks(items) -> list[Piece]:
        found = []
        for block in items:
            if isinstance(block, Paragraph):
                found.append(Piece("paragraph", squeeze(block.text), block.where))
            elif isinstance(block, PullQuote):
                found.append(Piece("quote", squeeze(block.text), block.where))
            elif isinstance(block, Figure):
                found.append(Piece("caption", squeeze(block.caption + block.credit), block.where))
        return found

    pieces += blocks(article.blocks)
    for section in article.sections:
        pieces.append(Piece("heading", squeeze(section.kicker + section.heading), section.where))
        pieces += blocks(section.blocks)
    return [p for p in pieces if p.text]


def book_pieces(book: Book) -> list[Piece]:
    return [piece for article in book.articles for piece in article_pieces(article)]


def _locate(block_text: str, pieces: list[Piece]) -> Piece | None:
    """The piece of the book that a block's text on one page belongs to."""
    if not block_text:
        return None
    for piece in pieces:
        if block_text in piece.text:
            return piece
    for piece in pieces:
        if piece.text in block_text and len(piece.text) > 8:
            return piece
    return None


def check_overflow(pages, pieces: list[Piece], book: Book, output: Where):
    problems = []
    facts = []
    figures = _figures(book)
    for page in pages:
        for overflow in page.overflows:
            mm = overflow.by / PX_PER_MM
            start = overflow.text.strip()[:24]
            if overflow.kind == "image":
                figure = _figure_for(overflow.text, figures, book.root)
                where = figure.where if figure else output
                message = (
                    f"page {page.number}: the image {_image_name(figure, overflow.text, book.root)} "
                    f"runs {mm:.1f} mm "
                    f"past the {overflow.edge} edge of the type area"
                )
                hint = "make it fit the type area (width: 100%; max-height) or crop the photo"
            else:
                piece = _locate(overflow.block, pieces)
                where = piece.where if piece else output
                message = (
                    f"page {page.number}: text runs {mm:.1f} mm past the {overflow.edge} edge "
                    f"of the type area: '{start}…'"
                )
                hint = (
                    "a long word or URL cannot break: shorten it or add a space, "
                    "or let the style break it (overflow-wrap: anywhere)"
                    if overflow.edge != "bottom"
                    else "the block is taller than the page: shorten it or let it break"
                )
            facts.append(
                {
                    "page": page.number,
                    "kind": overflow.kind,
                    "edge": overflow.edge,
                    "mm": round(mm, 1),
                    "text": start,
                    "where": str(where),
                }
            )
            problems.append(error(where, "preflight.overflow", message, hint))
    return problems, facts


def check_empty_pages(pages, output: Where):
    """An empty page that is neither an engine blank (a left/right break) nor a filler page
    (the blanks the pipeline places: before an article that would open on a verso, and
    before the back cover for a multiple of four) is a stray page break."""
    problems = []
    facts = []
    for page in pages:
        if page.has_content or page.blank or page.name == "filler":
            continue
        facts.append(page.number)
        problems.append(
            warning(
                output,
                "preflight.empty-page",
                f"page {page.number} is empty",
                "a stray page break (break-before/after: page) or content that moved away",
            )
        )
    return problems, facts


# --- 6. text completeness -------------------------------------------------------------------


def check_text(pages, book: Book):
    """Every piece of each article is laid out, in reading order, inside its <article>."""
    streams: dict[str, list[str]] = {}
    for page in pages:
        for article_id, text in page.chunks:
            streams.setdefault(article_id, []).append(text)
    problems = []
    paragraphs = found_paragraphs = pieces_total = pieces_found = 0
    for article in book.articles:
        pieces = article_pieces(article)
        count = sum(p.kind == "paragraph" for p in pieces)
        paragraphs += count
        pieces_total += len(pieces)
        text = squeeze("".join(streams.get(article.id, ())))
        if not text:
            problems.append(
                error(
                    article.where,
                    "preflight.text-missing",
                    f"the article '{article.title[:20]}' is missing from the pages",
                    "check the styles for display: none or an empty article",
                )
            )
            continue
        position = 0
        for piece in pieces:
            at = text.find(piece.text, position)
            if at >= 0:
                position = at + len(piece.text)
                pieces_found += 1
                found_paragraphs += piece.kind == "paragraph"
                continue
            earlier = text.find(piece.text)
            if earlier >= 0:
                pieces_found += 1
                found_paragraphs += piece.kind == "paragraph"
                problems.append(
                    error(
                        piece.where,
                        "preflight.text-order",
                        f"this {piece.kind} is printed out of order: "
                        f"'{piece.text[:16]}…' comes before the text that precedes it",
                        "check floats and positioned elements in the styles",
                    )
                )
                continue
            problems.append(
                error(
                    piece.where,
                    "preflight.text-missing",
                    f"this {piece.kind} is not on any page: '{piece.text[:16]}…'",
                    "check the styles (display: none, overflow: hidden, a too-small height)",
                )
            )
    facts = {
        "paragraphs_found": found_paragraphs,
        "paragraphs": paragraphs,
        "pieces_found": pieces_found,
        "pieces": pieces_total,
    }
    return problems, facts


# --- 7. table of contents -------------------------------------------------------------------


def check_toc(document, book: Book, output: Where):
    problems = []
    anchors = layoutfacts.anchor_pages(document)
    entries = layoutfacts.toc_entries(document)
    places: dict[str, Where] = {}
    labels: dict[str, str] = {}
    for article in book.articles:
        places[article.id] = article.where
        labels[article.id] = article.title
        for section in article.sections:
            places[section.id] = section.where
            labels[section.id] = section.heading
    rows = []
    for entry in entries:
        target = anchors.get(entry.target)
        ok = target is not None and entry.printed == target
        rows.append(
            {
                "target": entry.target,
                "title": entry.title,
                "printed": entry.printed,
                "page": target,
                "ok": ok,
            }
        )
        where = places.get(entry.target, output)
        label = labels.get(entry.target, entry.title)[:20]
        if target is None:
            problems.append(
                error(
                    where,
                    "preflight.toc-target",
                    f"the contents entry '{label}' points to #{entry.target}, which is on no page",
                    "the heading it links to is missing from the layout",
                )
            )
        elif entry.printed is None:
            problems.append(
                error(
                    where,
                    "preflight.toc-number",
                    f"the contents entry '{label}' prints no page number (it is on page {target})",
                    "check target-counter() in styles/components/toc.css",
                )
            )
        elif entry.printed != target:
            problems.append(
                error(
                    where,
                    "preflight.toc-page",
                    f"the contents say '{label}' is on page {entry.printed}; it is on page {target}",
                    "the layout changed after the contents were numbered: rebuild, and check "
                    "target-counter() in styles/components/toc.css",
                )
            )
    listed = {e.target for e in entries}
    toc_found = any(layoutfacts.TOC_ANCHOR in page.anchors for page in document.pages)
    if book.articles and not toc_found:
        problems.append(
            error(
                output,
                "preflight.toc-missing",
                "the booklet has no table of contents",
                f'the template\'s <nav id="{layoutfacts.TOC_ANCHOR}"> is missing or hidden',
            )
        )
    elif toc_found:
        for target, where in places.items():
            if target not in listed:
                problems.append(
                    error(
                        where,
                        "preflight.toc-entry-missing",
                        f"'{labels[target][:20]}' has no entry in the table of contents",
                        "check the contents in booklet/templates/booklet.html",
                    )
                )
    openings = []
    for article in book.articles:
        page = anchors.get(article.id)
        openings.append({"id": article.id, "page": page})
        if page is not None and page % 2 == 0:
            problems.append(
                error(
                    article.where,
                    "preflight.article-verso",
                    f"the article '{article.title[:20]}' opens on page {page}, a left-hand page",
                    "articles open on right-hand pages: check break-before: right on .article",
                )
            )
    facts = {
        "entries": rows,
        "articles": openings,
        "ok": not any(p.code.startswith(("preflight.toc", "preflight.article")) for p in problems),
    }
    return problems, facts
