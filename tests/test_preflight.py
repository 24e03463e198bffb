"""Preflight on real outputs: the real booklet, small fixture books, and documents made here.

Documents are captured from ``pipeline.build`` at its stage boundary with the preflight (the
joined, padded document and the finished bytes of each profile), so these tests follow the
pipeline however it wires the preflight in.
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import weasyprint
from PIL import Image
from pypdf import PdfReader, PdfWriter
from weasyprint.text.fonts import FontConfiguration

from booklet import engine, pipeline, preflight, profiles
from booklet.content.glyphs import Coverage
from booklet.content.validate import read_book
from booklet.model import Figure, Paragraph
from booklet.preflight import checks as preflight_checks
from booklet.preflight.pdf import FontFacts
from booklet.problems import BuildFailed, Where
from booklet.typeset.render import Piece
from booklet.typeset.styles import all_font_faces

from .conftest import FONTS, MINIMAL_BOOK, PROJECT, STYLES

FONTS_CSS = STYLES / "fonts.css"
FACES = all_font_faces(STYLES, PROJECT)


def check(document, pdf, book, profile="screen", pieces=None, **options) -> preflight.Preflight:
    """The preflight of one profile on a document and its bytes (made anywhere)."""
    chosen = profiles.PROFILES[profile]
    laid = SimpleNamespace(document=document, anchors=engine.anchor_pages(document.pages))
    return preflight.run(
        laid,
        pdf,
        book,
        pieces or {},
        rules=chosen.rules,
        output=profiles.file_name(book.slug, chosen),
        faces=FACES,
        **options,
    )


@dataclasses.dataclass
class Laid:
    document: weasyprint.Document
    pdf: bytes
    book: object
    pieces: dict
    problems: tuple

    def run(self, profile: str, **options) -> preflight.Preflight:
        return check(self.document, self.pdf, self.book, profile, self.pieces, **options)


def lay_out(patch: pytest.MonkeyPatch, root: Path, out: Path, profile: str = "screen") -> Laid:
    """Build with the pipeline and keep what it hands to the preflight."""
    seen = []
    run = preflight.run

    def preflighted(laid, pdf, book, pieces, **options):
        seen.append((laid.document, pdf, pieces))
        return run(laid, pdf, book, pieces, **options)

    patch.setattr(preflight, "run", preflighted)
    try:
        problems = tuple(
            pipeline.build(pipeline.Options(book=root, out=out, profile=profile)).problems
        )
    except BuildFailed as failed:  # once the pipeline stops on preflight errors
        problems = failed.problems
    assert seen, [str(p) for p in problems]
    book, _ = read_book(root, None, Coverage(FONTS))
    document, pdf, pieces = seen[0]
    return Laid(document, pdf, book, pieces, problems)


def codes(result: preflight.Preflight) -> list[str]:
    return [p.code for p in result.problems]


def png(width: int, height: int, mode: str = "RGB", fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    colour = (0, 80, 80, 0) if mode == "CMYK" else (180, 60, 40) if mode == "RGB" else 128
    Image.new(mode, (width, height), colour).save(buffer, format=fmt)
    return buffer.getvalue()


def article(*blocks: str) -> str:
    return "id: a\ntitle: 第一篇文章\nbody:\n" + "".join(blocks)


FIGURE = "  - figure:\n      image: {path}\n      caption: {caption}\n      credit: 某某 摄\n"
PLACEHOLDER = (
    "  - figure:\n      placeholder: true\n      caption: 占位图说\n      credit: 某某 摄\n"
)
FIRST = "  - 这是第一段正文，用来测试。\n"


# --- the real booklet -------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(booklet) -> dict[str, Laid]:
    """The real booklet's screen and print layouts, as the shared build laid them out."""
    result = booklet.result
    return {
        name: Laid(layout.laid.document, layout.pdf, result.book, layout.renderer.pieces, ())
        for name, layout in result.layouts.items()
        if name in ("screen", "print")
    }


@pytest.fixture(scope="module")
def example(example_book) -> Laid:
    """The second example book's screen layout: its title page leaves blanks to fill."""
    result = example_book.result
    layout = result.layouts["screen"]
    return Laid(layout.laid.document, layout.pdf, result.book, layout.renderer.pieces, ())


def test_real_booklet_passes_with_only_the_placeholder_warning(real):
    result = real["screen"].run("screen")
    assert [(p.severity, p.code) for p in result.problems] == [("warning", "preflight.placeholder")]
    assert result.problems[0].where.file.endswith("03-cdb.yaml")
    facts = result.facts
    assert facts["pages"]["count"] % 4 == 0 and facts["pages"]["multiple_of_4"]
    assert facts["text"]["paragraphs_found"] == facts["text"]["paragraphs"] > 50
    assert facts["text"]["pieces_found"] == facts["text"]["pieces"]
    assert facts["overflow"] == [] and facts["empty_pages"] == []
    assert facts["toc"]["ok"] and all(e["ok"] for e in facts["toc"]["entries"])
    json.dumps(facts)  # JSON-ready
    summary = result.summary()
    assert summary.startswith(
        f"preflight (screen): {facts['pages']['count']} pages (×4 ✓, boxes ✓)"
    )
    assert "text 57/57 paragraphs" in summary and len(summary.splitlines()) <= 2


def test_real_booklet_fonts_all_embedded_subset_and_from_the_fonts_folder(real):
    fonts = real["screen"].run("screen").facts["fonts"]
    # The booklet uses every face styles/fonts.css declares, each embedded once.
    faces = (STYLES / "fonts.css").read_text("utf-8").count("@font-face")
    assert len(fonts) == faces
    for font in fonts:
        assert font["embedded"] and font["subset"] and font["from_fonts"], font
        assert font["name"][6] == "+" and font["base"].startswith("Booklet-")
        assert font["notdef"] == [] and font["pages"]
    assert f"{faces} fonts embedded+subset" in real["screen"].run("screen").summary()


def test_real_booklet_toc_numbers_and_recto_openings(real):
    result = real["screen"].run("screen")
    book = real["screen"].book
    entries = result.facts["toc"]["entries"]
    targets = [e["target"] for e in entries]
    expected = []
    for a in book.articles:
        expected += [a.id, *(s.id for s in a.sections)]
    assert targets == expected
    assert all(e["printed"] == e["page"] for e in entries)
    assert [o["page"] for o in result.facts["toc"]["articles"]] == [
        engine.anchor_pages(real["screen"].document.pages)[a.id] for a in book.articles
    ]


def test_real_booklet_print_profile(real):
    laid = real["print"]
    result = laid.run("print")
    assert [(p.severity, p.code) for p in result.problems] == [("error", "preflight.placeholder")]
    assert "--allow-placeholders" in result.problems[0].hint
    pages = result.facts["pages"]
    assert pages["trim_mm"] == [148.0, 210.0] and pages["bleed_mm"] == 3.0 and pages["boxes_ok"]
    for boxes in pages["boxes"]:
        x0, y0, x1, y1 = boxes["trim"]
        assert boxes["bleed"] == [x0 - 3, y0 - 3, x1 + 3, y1 + 3]
    allowed = laid.run("print", allow_placeholders=True)
    assert [(p.severity, p.code) for p in allowed.problems] == [
        ("warning", "preflight.placeholder")
    ]
    assert "(×4 ✓, 148×210 mm + 3 mm bleed ✓)" in result.summary()


def test_page_boxes_are_checked_per_profile(real):
    screen_as_print = check(
        real["screen"].document,
        real["screen"].pdf,
        real["screen"].book,
        "print",
        allow_placeholders=True,
    )
    assert "preflight.bleed" in codes(screen_as_print)
    print_as_screen = check(real["print"].document, real["print"].pdf, real["print"].book, "screen")
    assert {"preflight.bleed", "preflight.media-box"} <= set(codes(print_as_screen))


def test_page_count_not_a_multiple_of_four_is_an_error(real):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(real["screen"].pdf)))
    writer.remove_page(len(writer.pages) - 2)
    out = io.BytesIO()
    writer.write(out)
    result = check(real["screen"].document, out.getvalue(), real["screen"].book, "screen")
    problem = next(p for p in result.problems if p.code == "preflight.page-count")
    assert problem.severity == "error" and "multiple of 4" in problem.message
    assert "×4 ✗" in result.summary()


def test_filler_pages_are_intentional_blanks_and_other_empty_pages_are_not(example):
    """The blanks the pipeline places are filler pages (before an article that would open
    on a verso, and before the back cover); the same empty page under another name is a
    stray page break."""
    laid = example
    pages = engine.page_facts(laid.document)
    fillers = [page.number for page in pages if page.name == "filler"]
    assert fillers and len(pages) - 1 in fillers
    assert "preflight.empty-page" not in codes(laid.run("screen"))
    renamed = [dataclasses.replace(p, name="" if p.name == "filler" else p.name) for p in pages]
    empties, facts = preflight_checks.check_empty_pages(renamed, Where("x.pdf"))
    assert [p.message for p in empties] == [f"page {n} is empty" for n in fillers]
    assert facts == fillers
    assert all(p.severity == "warning" and p.code == "preflight.empty-page" for p in empties)


def test_a_paragraph_that_is_not_laid_out_is_reported_at_its_yaml_place(real):
    laid = real["screen"]
    book = laid.book
    first = book.articles[0]
    extra = Paragraph((("这一段从未排入版面，预检应当发现它。", None),), Where("book/x.yaml", 9, 5))
    changed = dataclasses.replace(first, blocks=(*first.blocks, extra))
    book = dataclasses.replace(book, articles=(changed, *book.articles[1:]))
    pieces = dict(laid.pieces)
    pieces[first.id] = [*pieces[first.id], Piece("paragraph", extra.text, extra.where)]
    result = check(laid.document, laid.pdf, book, "screen", pieces)
    missing = [p for p in result.problems if p.code == "preflight.text-missing"]
    assert [str(p.where) for p in missing] == ["book/x.yaml:9:5"]
    assert missing[0].severity == "error"
    text = result.facts["text"]
    assert text["paragraphs_found"] == text["paragraphs"] - 1


def test_toc_numbers_that_disagree_with_the_pages(example):
    """Drop the blank inside front cover: every printed number after it is off by one."""
    laid = example
    anchors = engine.anchor_pages(laid.document.pages)
    first = anchors[laid.book.articles[0].id]
    assert engine.page_name(laid.document.pages[1]) == "filler"
    document = laid.document.copy([p for n, p in enumerate(laid.document.pages, 1) if n != 2])
    result = check(document, laid.pdf, laid.book, "screen", laid.pieces)
    wrong = [p for p in result.problems if p.code == "preflight.toc-page"]
    entries = result.facts["toc"]["entries"]
    assert len(wrong) == len(entries) and not result.facts["toc"]["ok"]
    assert all(e["printed"] == e["page"] + 1 for e in entries)
    assert f"is on page {first}; it is on page {first - 1}" in wrong[0].message
    assert wrong[0].where == laid.book.articles[0].where


def test_an_article_on_a_verso_is_an_error_when_the_book_asks_for_rectos(real):
    """The booklet lets the build choose (openings: auto); told to open every article on a
    recto, the same pages are wrong wherever an article opens on a left-hand page."""
    laid = real["screen"]
    anchors = engine.anchor_pages(laid.document.pages)
    versos = [a.where for a in laid.book.articles if anchors[a.id] % 2 == 0]
    assert versos, "the fitted booklet opens some article on a verso"
    chosen = check(laid.document, laid.pdf, laid.book, "screen", laid.pieces)
    assert "preflight.article-verso" not in codes(chosen)
    rectos = dataclasses.replace(laid.book, openings="right")
    asked = check(laid.document, laid.pdf, rectos, "screen", laid.pieces)
    verso = [p for p in asked.problems if p.code == "preflight.article-verso"]
    assert [p.where for p in verso] == versos


def test_placeholder_warns_on_screen_and_stops_print(make_book, tmp_path, monkeypatch):
    root = make_book(articles={"a.yaml": article(FIRST, PLACEHOLDER)})
    screen = lay_out(monkeypatch, root, tmp_path / "screen", "screen")
    result = screen.run("screen")
    placeholder = [p for p in result.problems if p.code == "preflight.placeholder"]
    assert [(p.severity, p.where.line) for p in placeholder] == [("warning", 5)]
    assert result.facts["placeholders"][0]["caption"] == "占位图说"

    printed = lay_out(monkeypatch, root, tmp_path / "print", "print")
    assert "preflight.placeholder" in [p.code for p in printed.problems if p.severity == "error"]
    assert not (tmp_path / "print").exists()  # the build stopped: nothing written
    result = printed.run("print")
    assert [(p.severity, p.code) for p in result.problems] == [("error", "preflight.placeholder")]
    allowed = printed.run("print", allow_placeholders=True)
    assert [(p.severity, p.code) for p in allowed.problems] == [
        ("warning", "preflight.placeholder")
    ]


def test_image_resolution_in_print(make_book, tmp_path, monkeypatch):
    root = make_book(
        articles={
            "a.yaml": article(
                FIRST,
                FIGURE.format(path="images/small.png", caption="小图"),
                FIGURE.format(path="images/big.jpg", caption="大图"),
            )
        },
        images=[
            ("images/small.png", png(100, 67)),
            ("images/big.jpg", png(2400, 1600, "CMYK", "JPEG")),
        ],
    )
    laid = lay_out(monkeypatch, root, tmp_path / "print", "print")
    result = laid.run("print")
    assert [(p.severity, p.code, p.where.line) for p in result.problems] == [
        ("error", "preflight.image-resolution", 5)
    ]
    assert "images/small.png" in result.problems[0].message
    assert "23 ppi" in result.problems[0].message
    small, big = result.facts["images"]
    assert small["file"] == "images/small.png" and small["pixels"] == [100, 67]
    assert small["ppi"] == 23 and small["mode"] == "RGB"
    assert small["placed_mm"][0] == pytest.approx(111.1, abs=0.5)  # the full type-area width
    assert big["file"] == "images/big.jpg" and big["pixels"] == [2400, 1600]
    assert big["ppi"] > 500 and big["mode"] == "CMYK"

    screen = lay_out(monkeypatch, root, tmp_path / "screen", "screen").run("screen")
    assert "preflight.image-resolution" not in codes(screen)  # a note only, in the facts
    assert screen.facts["images"][0]["ppi"] == 23


def test_image_resolution_between_150_and_300_ppi_is_a_warning(make_book, tmp_path, monkeypatch):
    root = make_book(
        articles={"a.yaml": article(FIRST, FIGURE.format(path="images/mid.png", caption="中图"))},
        images=[("images/mid.png", png(1000, 667))],
    )
    result = lay_out(monkeypatch, root, tmp_path, "print").run("print")
    assert [(p.severity, p.code) for p in result.problems] == [
        ("warning", "preflight.image-resolution")
    ]
    assert 150 <= result.facts["images"][0]["ppi"] < 300


def test_transparent_image_is_a_warning_in_print(make_book, tmp_path, monkeypatch):
    root = make_book(
        articles={"a.yaml": article(FIRST, FIGURE.format(path="images/logo.png", caption="标志"))},
        images=[("images/logo.png", png(2400, 1600, "RGBA"))],
    )
    result = lay_out(monkeypatch, root, tmp_path, "print").run("print")
    assert codes(result) == ["preflight.image-transparency"]
    assert result.facts["images"][0]["mode"] == "RGBA" and result.facts["images"][0]["alpha"]


def test_unbreakable_word_and_url_overflow(make_book, tmp_path, monkeypatch):
    word = "A" * 300
    url = "https://example.com/" + "a" * 200 + "/index.html"
    root = make_book(
        articles={"a.yaml": article(FIRST, f"  - 长词 {word} 结束。\n", f"  - 网址 {url} 很长。\n")}
    )
    result = lay_out(monkeypatch, root, tmp_path).run("screen")
    overflow = [p for p in result.problems if p.code == "preflight.overflow"]
    assert [(p.severity, p.where.line) for p in overflow] == [("error", 5), ("error", 6)]
    assert "past the right edge of the type area: 'AAAA" in overflow[0].message
    assert overflow[0].message.startswith("page ")
    assert [f["edge"] for f in result.facts["overflow"]] == ["right", "right"]
    assert result.facts["overflow"][0]["mm"] > 100
    assert "2 overflow" in result.summary()


def test_a_photo_taller_than_the_page_overflows_at_the_bottom(make_book, tmp_path, monkeypatch):
    root = make_book(
        articles={"a.yaml": article(FIRST, FIGURE.format(path="images/tall.png", caption="长图"))},
        images=[("images/tall.png", png(300, 1800))],
    )
    result = lay_out(monkeypatch, root, tmp_path).run("screen")
    overflow = [p for p in result.problems if p.code == "preflight.overflow"]
    assert [(p.severity, p.where.line) for p in overflow] == [("error", 5)]
    assert "the image images/tall.png runs" in overflow[0].message
    assert "past the bottom edge" in overflow[0].message
    assert result.facts["overflow"][0]["edge"] == "bottom"


def test_a_figure_whose_photo_is_on_no_page_is_an_error(real):
    """The validator refuses unreadable files; should a photo still not reach the pages
    (styles hiding it, an engine failure), the preflight says so at the figure's place."""
    laid = real["screen"]
    book = laid.book
    last = book.articles[-1]
    figure = Figure("图说", "某某 摄", Where("book/y.yaml", 3, 5), book.root / "images/x.jpg")
    changed = dataclasses.replace(last, blocks=(*last.blocks, figure))
    book = dataclasses.replace(book, articles=(*book.articles[:-1], changed))
    pieces = dict(laid.pieces)
    pieces[last.id] = [*pieces[last.id], Piece("caption", "图说", figure.where)]
    result = check(laid.document, laid.pdf, book, "screen", pieces)
    missing = [p for p in result.problems if p.code == "preflight.image-missing"]
    assert [(p.severity, str(p.where)) for p in missing] == [("error", "book/y.yaml:3:5")]
    assert "x.jpg" in missing[0].message
    caption = [p for p in result.problems if p.code == "preflight.text-missing"]
    assert [str(p.where) for p in caption] == ["book/y.yaml:3:5"]


# --- documents made here -------------------------------------------------------------------


def render(html: str) -> tuple[weasyprint.Document, bytes]:
    """A document set in the booklet's fonts, without the booklet's template."""
    fonts = FontConfiguration()
    css = weasyprint.CSS(filename=str(FONTS_CSS), font_config=fonts)
    page = weasyprint.CSS(
        string="@page { size: 148mm 210mm; margin: 20mm } "
        "html { font-family: 'Booklet Serif'; font-size: 10.5pt }",
        font_config=fonts,
    )
    document = weasyprint.HTML(string=html, base_url=str(STYLES) + "/").render(
        stylesheets=[css, page], font_config=fonts
    )
    return document, document.write_pdf()


@pytest.fixture
def empty_book(make_book):
    """A Book with no articles: nothing to find in the text or the contents."""
    book, _ = read_book(make_book(book=MINIMAL_BOOK), None, Coverage(FONTS))
    return dataclasses.replace(book, slug="made", articles=())


def test_a_forced_page_break_leaves_an_empty_page(empty_book):
    document, pdf = render(
        "<p>一</p><div style='break-before: page; break-after: page'></div><p>二</p>"
        "<p style='break-before: page'>三</p>"
    )
    result = check(document, pdf, empty_book, "screen")
    assert [(p.severity, p.code, p.message) for p in result.problems] == [
        ("warning", "preflight.empty-page", "page 2 is empty")
    ]
    assert result.problems[0].where == Where("made.pdf")
    assert result.facts["empty_pages"] == [2]


def test_engine_blank_pages_are_not_empty_pages(empty_book):
    document, pdf = render(
        "<p>一</p><p style='break-before: right'>二</p><p style='break-before: page'>三</p>"
    )
    assert [p.blank for p in engine.page_facts(document)] == [False, True, False, False]
    result = check(document, pdf, empty_book, "screen")
    assert codes(result) == []


def test_a_character_no_font_has_is_found_as_notdef(empty_book):
    """WeasyPrint 70 draws it as .notdef, logs a warning and gives the font an Encoding CMap
    sending it to CID 0: read from the PDF, with the character named."""
    document, pdf = render("<p>中文\U0010fffd测试</p><p>二</p><p>三</p><p>四</p>")
    result = check(document, pdf, empty_book, "screen")
    notdef = [p for p in result.problems if p.code == "preflight.notdef"]
    assert len(notdef) == 1 and "U+10FFFD" in notdef[0].message
    assert "Booklet-Serif" in notdef[0].message
    font = next(f for f in result.facts["fonts"] if f["notdef"])
    assert font["notdef"] == ["\U0010fffd"]


def test_a_font_not_from_the_fonts_folder_is_an_error(empty_book):
    document, pdf = render("<p style='font-family: DejaVu Sans'>Latin text</p>" + "<p>二</p>" * 3)
    result = check(document, pdf, empty_book, "screen")
    foreign = [p for p in result.problems if p.code == "preflight.font-foreign"]
    assert len(foreign) == 1 and "DejaVu-Sans" in foreign[0].message
    assert "page 1" in foreign[0].message


def test_too_wide_image_overflows(empty_book, tmp_path):
    """Without the booklet's width: 100%, an image keeps its intrinsic size (1 px = 1 CSS
    px): 1200 px is wider than the type area."""
    (tmp_path / "wide.png").write_bytes(png(1200, 200))
    document, pdf = render(
        f"<p>一</p><img src='{(tmp_path / 'wide.png').as_uri()}'><p>二</p>"
        + "".join(f"<p style='break-before: page'>{n}</p>" for n in "三四五")
    )
    result = check(document, pdf, empty_book, "screen")
    assert codes(result) == ["preflight.overflow"]
    problem = result.problems[0]
    assert problem.message.startswith("page 1: the image ")
    assert "wide.png runs" in problem.message and "past the right edge" in problem.message
    assert result.facts["images"][0]["ppi"] == 96
    assert result.facts["overflow"][0]["kind"] == "image"


def test_toc_entries_read_from_the_links_and_their_printed_numbers(empty_book):
    document, _pdf = render(
        "<nav id='toc'><a href='#x' style='display: block'>第一章……5</a>"
        "<a href='#y' style='display: block'>第二章 2025 年……2</a>"
        "<a href='#z' style='display: block'>第三章</a></nav>"
        "<h1 id='x' style='break-before: page'>第一章</h1><h1 id='y'>第二章</h1>"
        "<h1 id='z'>第三章</h1>"
    )
    entries = engine.toc_entries(document)
    assert [(e.target, e.title, e.printed, e.page) for e in entries] == [
        ("x", "第一章", 5, 1),
        ("y", "第二章2025年", 2, 1),
        ("z", "第三章", None, 1),
    ]
    anchors = engine.anchor_pages(document.pages)
    problems, facts = preflight_checks.check_toc(document, anchors, empty_book, Where("made.pdf"))
    assert [p.code for p in problems] == ["preflight.toc-page", "preflight.toc-number"]
    assert "say '第一章' is on page 5; it is on page 2" in problems[0].message
    assert [e["ok"] for e in facts["entries"]] == [False, True, False]


def test_the_font_check_alone_finds_what_the_whole_preflight_finds(empty_book):
    """The imposed sheets are checked through their pages, and their own fonts alone: on a
    PDF with a foreign font, the font check finds what the whole preflight finds of fonts."""
    document, pdf = render("<p style='font-family: DejaVu Sans'>Latin</p>" + "<p>二</p>" * 3)
    whole = [p for p in check(document, pdf, empty_book).problems if ".font" in p.code]
    alone = preflight.check_fonts(pdf, FACES, "made.pdf")
    assert alone and list(alone) == whole


def test_problems_of_several_profiles_are_combined_once(real):
    screen = real["screen"].run("screen")
    printed = real["print"].run("print")
    combined = preflight.combine([screen, printed])
    assert [(p.severity, p.code) for p in combined] == [("error", "preflight.placeholder")]
    assert "--allow-placeholders" in combined[0].hint


def test_a_font_embedded_whole_is_not_a_subset_though_tagged():
    """WeasyPrint tags every font it embeds; the program's size tells a subset."""
    sources = preflight_checks.font_sources(FACES)
    assert sources["Booklet-Serif"] == (FONTS / "NotoSerifCJKsc-Regular.otf").stat().st_size
    whole = FontFacts(
        "ABCDEF+Booklet-Serif", "Type0", True, True, sources["Booklet-Serif"], [3], []
    )
    subset = dataclasses.replace(whole, program=300_000)
    problems, facts = preflight_checks.check_font_facts([whole, subset], FACES, Where("x.pdf"))
    assert [(p.severity, p.code) for p in problems] == [("warning", "preflight.font-not-subset")]
    assert [f["subset"] for f in facts] == [False, True]
    untagged = dataclasses.replace(subset, name="Booklet-Serif", tagged=False)
    problems, _ = preflight_checks.check_font_facts([untagged], FACES, Where("x.pdf"))
    assert [p.code for p in problems] == ["preflight.font-not-subset"]
