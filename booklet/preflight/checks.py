"""The preflight's checks, in the editor's terms: pages and boxes, fonts, images, placeholders,
overflow, empty pages, text completeness and order, contents."""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import unquote

from PIL import Image
from pypdf import PdfReader

from booklet import engine
from booklet.engine import PX_PER_MM
from booklet.model import Book, Figure, squeeze
from booklet.problems import Where, error, warning
from booklet.profiles import Rules
from booklet.typeset.render import Piece
from booklet.typeset.styles import FontFace

from .pdf import FontFacts, page_boxes

BOX_TOLERANCE_MM = 0.1
PRINT_MIN_PPI = 150  # below: error in the press files
PRINT_GOOD_PPI = 300  # below: warning in the press files


# --- 1. pages and page boxes --------------------------------------------------------------


def check_pages(reader: PdfReader, book: Book, rules: Rules, output: Where):
    problems = []
    count = len(reader.pages)
    boxes = page_boxes(reader)
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
        bleed = rules.bleed_mm
        if any(abs(m - bleed) > BOX_TOLERANCE_MM for m in margins):
            bad_bleed.append((number, margins))
        inside = mx0 <= bx0 + 0.01 and my0 <= by0 + 0.01 and mx1 >= bx1 - 0.01 and my1 >= by1 - 0.01
        if not inside or (rules.sheet_is_trim and [mx0, my0, mx1, my1] != [tx0, ty0, tx1, ty1]):
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
        if rules.bleed_mm:
            message = f"page {number}{_and_more(bad_bleed)} has a bleed of {shown} mm, not {rules.bleed_mm:g} mm on every side"
            hint = "the print profile sets @page { bleed: 3mm } (styles/profiles/print.css)"
        else:
            message = f"page {number}{_and_more(bad_bleed)} of the {rules.name} PDF has a bleed ({shown} mm)"
            hint = "only the print profile has bleed; remove bleed from the other profiles' styles"
        problems.append(error(output, "preflight.bleed", message, hint))
    if bad_media:
        problems.append(
            error(
                output,
                "preflight.media-box",
                f"page {bad_media[0]}{_and_more(bad_media)}: the sheet (MediaBox) does not "
                + ("equal the trim size" if rules.sheet_is_trim else "hold the bleed"),
                "the screen PDF has no marks or bleed; the print PDF's sheet holds bleed and marks",
            )
        )
    return problems, facts


def _and_more(items: list) -> str:
    return f" (and {len(items) - 1} more)" if len(items) > 1 else ""


# --- 2. fonts -------------------------------------------------------------------------------


def _from_fonts(base: str, families: frozenset[str]) -> bool:
    return any(base == f or base.startswith(f + "-") for f in families)


def _source_size(base: str, sources: dict[str, int]) -> int | None:
    sizes = [size for family, size in sources.items() if _from_fonts(base, frozenset([family]))]
    return min(sizes) if sizes else None


def font_sources(faces: list[FontFace]) -> dict[str, int]:
    """Family name as in a PDF → size in bytes of its smallest font file."""
    sizes: dict[str, int] = {}
    for face in faces:
        for _url, path, _where in face.sources:
            if path is not None and path.is_file():
                size = path.stat().st_size
                sizes[face.pdf_name] = min(sizes.get(face.pdf_name, size), size)
    return sizes


def check_font_facts(fonts: list[FontFacts], faces: list[FontFace], output: Where):
    """A font is subset when its name carries the tag (PDF 9.6.4) and its program is under
    half the smallest file of its family: WeasyPrint tags every font it embeds, so the tag
    alone proves nothing; a CJK subset is a few per cent of the file."""
    families = frozenset(face.pdf_name for face in faces)
    sources = font_sources(faces)
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


def check_images(pages, book: Book, rules: Rules, output: Where):
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
            if not rules.for_press:
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


def check_placeholders(book: Book, rules: Rules, allowed: bool):
    problems = []
    facts = []
    for figure in _figures(book):
        if not figure.placeholder:
            continue
        facts.append({"caption": figure.caption, "where": str(figure.where)})
        message = f"photo missing: the page shows a 仅示位置 box for '{figure.caption[:20]}'"
        if rules.for_press and not allowed:
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


def check_text(pages, book: Book, pieces: dict[str, list[Piece]]):
    """Every piece of each article is laid out, in reading order, inside its <article>."""
    streams: dict[str, list[str]] = {}
    for page in pages:
        for article_id, text in page.chunks:
            streams.setdefault(article_id, []).append(text)
    problems = []
    paragraphs = found_paragraphs = pieces_total = pieces_found = 0
    for article in book.articles:
        listed = pieces.get(article.id, [])
        count = sum(p.kind == "paragraph" for p in listed)
        paragraphs += count
        pieces_total += len(listed)
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
        for piece in listed:
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


def check_toc(document, anchors: dict[str, int], book: Book, output: Where, rectos: bool = True):
    """The contents against the pages; with ``rectos`` (the book's openings: right), every
    article on a right-hand page."""
    problems = []
    entries = engine.toc_entries(document)
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
                    "check content: leader(dotted) attr(data-page) in styles/components/toc.css",
                )
            )
        elif entry.printed != target:
            problems.append(
                error(
                    where,
                    "preflight.toc-page",
                    f"the contents say '{label}' is on page {entry.printed}; it is on page {target}",
                    "the layout changed after the contents were numbered: rebuild, and check "
                    "attr(data-page) in styles/components/toc.css",
                )
            )
    listed = {e.target for e in entries}
    toc_found = any(engine.TOC_ANCHOR in page.anchors for page in document.pages)
    if book.articles and not toc_found:
        problems.append(
            error(
                output,
                "preflight.toc-missing",
                "the booklet has no table of contents",
                f'the template\'s <nav id="{engine.TOC_ANCHOR}"> is missing or hidden',
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
                        "check the contents in booklet/typeset/templates/parts.html",
                    )
                )
    openings = []
    for article in book.articles:
        page = anchors.get(article.id)
        openings.append({"id": article.id, "page": page})
        if rectos and page is not None and page % 2 == 0:
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
