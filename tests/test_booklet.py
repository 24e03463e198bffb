"""The real booklet, built once: completeness of the text, structure, pages, fonts, metadata."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from pypdf import PdfReader

from booklet.pipeline import PROJECT

from .conftest import SOURCE
from .pdffacts import HAN, body_chars, outline, squeeze, toc_entries

TOP_MM, BOTTOM_MM = 19, 21  # --bk-margin-top / --bk-margin-bottom in styles/tokens.css


def tokens() -> dict[str, str]:
    text = (PROJECT / "styles" / "tokens.css").read_text("utf-8")
    return dict(re.findall(r"(--bk-[\w-]+):\s*([^;]+);", text))


def test_margins_in_this_test_match_the_tokens():
    assert tokens()["--bk-margin-top"] == f"{TOP_MM}mm"
    assert tokens()["--bk-margin-bottom"] == f"{BOTTOM_MM}mm"


@pytest.fixture(scope="module")
def pages_text(booklet_pdf) -> list[str]:
    """Type-area text of every page, pull quotes left out, whitespace kept."""
    return ["".join(c["text"] for c in body_chars(p, TOP_MM, BOTTOM_MM)) for p in booklet_pdf.pages]


@pytest.fixture(scope="module")
def article_pages(booklet) -> dict[str, int]:
    return {title: page for level, title, page in outline(booklet.pdf_bytes) if level == 1}


def test_every_line_of_the_source_reaches_the_booklet(pages_text, article_pages):
    """Each non-empty line of the newspaper text is found in the articles' pages."""
    first = min(article_pages.values())
    text = squeeze("".join(pages_text[first - 1 :]))
    lines = [squeeze(line) for line in SOURCE.read_text("utf-8").splitlines() if line.strip()]
    assert len(lines) > 80
    missing = [line for line in lines if line not in text]
    assert missing == []


def test_articles_read_in_order_with_every_paragraph(booklet, pages_text, article_pages):
    """Column, title, series, bylines, lede, paragraphs, captions of each article in order."""
    first = min(article_pages.values())
    text = squeeze("".join(pages_text[first - 1 :]))
    position = 0
    for article in booklet.result.book.articles:
        pieces = [article.column, article.title, article.series]
        pieces += [b.role + b.name for b in article.bylines]
        pieces += [p.text for p in article.paragraphs()]
        for figure in article.figures():
            pieces += [figure.caption + figure.credit]
        for piece in filter(None, pieces):
            found = text.find(squeeze(piece), position)
            assert found >= 0, f"not found after position {position}: {piece[:30]}"
        # Paragraphs strictly in reading order (figures may float after their paragraph).
        for paragraph in article.paragraphs():
            found = text.find(squeeze(paragraph.text), position)
            assert found >= position, paragraph.text[:30]
            position = found + len(squeeze(paragraph.text))


def test_no_space_is_inserted_between_chinese_characters(booklet_pdf):
    """The text layer holds no space glyphs between Han characters (search and copy work)."""
    bad = []
    for number, page in enumerate(booklet_pdf.pages, start=1):
        stream = "".join(c["text"] for c in page.chars)
        bad += [(number, m.group()) for m in re.finditer(rf"[{HAN}]\s+[{HAN}]", stream)]
    # Spaces typed in the source (two-part headlines, "李政 摄") are the editor's own.
    typed = set(re.findall(rf"[{HAN}] [{HAN}]", SOURCE.read_text("utf-8")))
    assert [b for b in bad if b[1] not in typed] == []


def test_page_count_is_a_multiple_of_four_and_padding_pages_are_blank(booklet, booklet_pdf):
    pages = booklet_pdf.pages
    assert len(pages) % 4 == 0
    assert booklet.result.pages == len(pages)
    last_text = len(pages) - 1  # the back cover
    blanks = range(last_text - booklet.result.blank_pages_added, last_text)
    for index in blanks:
        assert pages[index].chars == [], f"page {index + 1} should be an intentional blank"


def test_articles_open_on_right_hand_pages(article_pages, booklet):
    assert len(article_pages) == len(booklet.result.book.articles)
    assert all(page % 2 == 1 for page in article_pages.values()), article_pages


def test_toc_numbers_match_links_and_headings(booklet, booklet_pdf):
    toc_page = next(
        i + 1
        for i, p in enumerate(booklet_pdf.pages)
        if squeeze(p.extract_text()).startswith("目录")
    )
    entries = toc_entries(booklet.pdf_bytes, [toc_page])
    book = booklet.result.book
    expected = []
    for article in book.articles:
        expected.append(squeeze(article.title))  # the column label sits on a line of its own
        expected += [squeeze(s.kicker + s.heading) for s in article.sections]
    assert [e.title for e in entries] == expected
    for entry in entries:
        assert entry.printed == entry.target, entry
        heading = entry.title[-6:]
        page_text = squeeze(booklet_pdf.pages[entry.printed - 1].extract_text())
        assert heading in page_text, (entry, page_text[:60])


def test_bookmarks_mirror_the_toc(booklet):
    marks = outline(booklet.pdf_bytes)
    expected = []
    for article in booklet.result.book.articles:
        expected.append((1, article.title))
        expected += [(2, s.heading) for s in article.sections]
    assert [(level, title) for level, title, _ in marks] == expected


def test_running_heads_and_folios(booklet_pdf, booklet, article_pages):
    """Left pages carry the booklet title, right pages the article's running head; folios
    print the page number; cover, front matter, blank pages and the opening pages of the
    contents and of each article carry no running head."""
    book = booklet.result.book
    toc_page = next(i + 1 for i, p in enumerate(booklet_pdf.pages) if "目" in p.extract_text()[:3])
    openings = {*article_pages.values(), toc_page}
    heads = {a.running_head for a in book.articles} | {"目录"}
    for number, page in enumerate(booklet_pdf.pages, start=1):
        top = "".join(c["text"] for c in page.chars if c["bottom"] < (TOP_MM - 2) * 72 / 25.4)
        foot = "".join(
            c["text"] for c in page.chars if c["top"] > page.height - BOTTOM_MM * 72 / 25.4 + 2
        )
        has_body = bool(body_chars(page, TOP_MM, BOTTOM_MM))
        if number in (1, 2, 3, 4, len(booklet_pdf.pages)) or not has_body:
            assert top == "" and not foot.isdigit(), (number, top, foot)
            continue
        assert foot == str(number)
        if number in openings:
            assert top == ""
        elif number % 2 == 0:
            assert top == book.title
        else:
            assert top in heads, (number, top)


def test_fonts_are_embedded_and_all_from_the_fonts_folder(booklet):
    out = subprocess.run(
        ["pdffonts", str(booklet.path)], capture_output=True, text=True, check=True
    )
    rows = out.stdout.splitlines()[2:]
    assert rows
    for row in rows:
        name = row.split()[0].split("+", 1)[-1]
        assert name.startswith("Booklet-"), row
        columns = row.split()
        assert columns[-5:-3] == ["yes", "yes"], row  # emb, sub


def test_metadata_language_and_page_labels(booklet):
    reader = PdfReader(io.BytesIO(booklet.pdf_bytes))
    book = booklet.result.book
    assert reader.metadata["/Title"].startswith(book.title)
    assert reader.metadata["/Author"] == book.publisher
    assert reader.metadata["/CreationDate"].startswith(f"D:{book.date:%Y%m%d}")
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    labels = reader.page_labels
    assert labels[:3] == ["封面", "封二", "3"]
    assert labels[-2:] == ["封三", "封底"]


def test_build_reports_no_engine_warnings(booklet):
    """WeasyPrint logged nothing; the only warning is the placeholder the content asks for."""
    assert [p.code for p in booklet.result.problems] == ["preflight.placeholder"]


def test_placeholder_is_visibly_marked_with_the_real_caption(booklet_pdf, booklet):
    figure = next(f for a in booklet.result.book.articles for f in a.figures())
    page = next(
        p for p in booklet_pdf.pages if squeeze(figure.caption) in squeeze(p.extract_text())
    )
    text = squeeze(page.extract_text())
    assert "仅示位置" in text
    assert squeeze(figure.credit) in text


def test_html_is_written_and_escapes_raw_text(booklet):
    html = (booklet.out / "zhefu-feature.html").read_text("utf-8")
    assert '<html lang="zh-Hans">' in html
    assert "<strong>第一个关键词是" in html


def test_quotation_marks_are_inked_full_width_in_every_face(booklet, booklet_pdf):
    """Every “ ” ‘ ’ is a full-width mark with ink in its box — in body, headings, lede and
    pull quotes alike (a mark taken from another face must not print as a blank)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(booklet.pdf_bytes)
    checked = set()
    for index, page in enumerate(booklet_pdf.pages):
        marks = [c for c in page.chars if c["text"] in "“”‘’"]
        if not marks:
            continue
        scale = 4
        image = document[index].render(scale=scale).to_pil().convert("L")
        for char in marks:
            assert char["x1"] - char["x0"] >= 0.45 * char["size"], (index + 1, char["fontname"])
            box = [round(v * scale) for v in (char["x0"], char["top"], char["x1"], char["bottom"])]
            darkest = image.crop(box).getextrema()[0]
            assert darkest < 160, (index + 1, char["text"], char["fontname"])
            checked.add(char["fontname"].split("+")[-1])
    assert {"Booklet-Serif", "Booklet-CJK-Quotes", "Booklet-Sans-Bold"} <= checked
