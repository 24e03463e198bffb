"""The real booklet, built once: completeness of the text, structure, pages, fonts, metadata."""

from __future__ import annotations

import io
import re
import statistics
import subprocess
import sys
from itertools import pairwise

import pdfplumber
import pytest
import yaml
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from booklet import pipeline
from booklet.pipeline import PROJECT
from booklet.typeset.typearea import type_area

from .conftest import SOURCE
from .pdffacts import HAN, body_chars, outline, squeeze, text_lines, toc_entries

AREA = type_area(148, 210)  # the booklet is A5
TOP_MM, BOTTOM_MM = AREA.top_mm, AREA.bottom_mm


def test_the_type_area_in_the_pdf_is_the_one_computed_from_the_page(booklet):
    """Each text page's ArtBox (the type area) has the margins typearea.py computes for A5:
    30 characters by 26 lines of 10.5 pt at a pitch of 1.75."""
    reader = PdfReader(io.BytesIO(booklet.pdf_bytes))
    arts = [page.get("/ArtBox") for page in reader.pages]
    assert arts[0] is None and arts[-1] is None  # the covers have no type area
    mm = 72 / 25.4
    for number, art in enumerate(arts[2:-2], start=3):
        if art is None:
            continue  # a filler page
        x0, y0, x1, y1 = (float(v) for v in art)
        assert (x1 - x0) / 10.5 == pytest.approx(30, abs=1e-3), number
        assert (y1 - y0) / (10.5 * 1.75) == pytest.approx(26, abs=1e-3), number
        assert (210 * mm - y1) / mm == pytest.approx(TOP_MM, abs=0.05), number
    assert (AREA.chars, AREA.lines) == (30, 26)


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
    """Column, title, series, bylines, lede and paragraphs of each article in order; each
    caption within its own article (a figure may float past the paragraph it follows)."""
    first = min(article_pages.values())
    text = squeeze("".join(pages_text[first - 1 :]))
    position = 0
    for article in booklet.result.book.articles:
        start = position
        pieces = [article.column, article.title, article.series]
        pieces += [b.role + b.name for b in article.bylines]
        pieces += [p.text for p in article.paragraphs()]
        for piece in filter(None, pieces):
            found = text.find(squeeze(piece), position)
            assert found >= 0, f"not found after position {position}: {piece[:30]}"
            position = found + len(squeeze(piece))
        for figure in article.figures():
            caption = squeeze(figure.caption + figure.credit)
            assert start <= text.find(caption, start) < position + len(caption), caption[:30]


def test_no_space_is_inserted_between_chinese_characters(booklet_pdf):
    """The text layer holds no space glyphs between Han characters (search and copy work)."""
    bad = []
    for number, page in enumerate(booklet_pdf.pages, start=1):
        stream = "".join(c["text"] for c in page.chars)
        bad += [(number, m.group()) for m in re.finditer(rf"[{HAN}]\s+[{HAN}]", stream)]
    # Spaces typed in the source (two-part headlines, "李政 摄") are the editor's own.
    typed = set(re.findall(rf"[{HAN}] [{HAN}]", SOURCE.read_text("utf-8")))
    assert [b for b in bad if b[1] not in typed] == []


def test_page_count_is_a_multiple_of_four_and_blank_pages_are_blank(booklet, booklet_pdf):
    pages = booklet_pdf.pages
    plan = booklet.result.layouts["screen"].laid.plan
    assert len(pages) % 4 == 0
    assert booklet.result.pages == len(pages) == plan.pages
    for number in plan.blanks():
        assert pages[number - 1].chars == [], f"page {number} should be an intentional blank"
    printed = {n for n, page in enumerate(pages, start=1) if page.chars}
    assert printed == set(range(1, len(pages) + 1)) - set(plan.blanks())
    assert f"{len(pages)} pages" in booklet.result.fitted


def test_articles_open_where_the_fitting_placed_them(article_pages, booklet):
    plan = booklet.result.layouts["screen"].laid.plan
    book = booklet.result.book
    assert len(article_pages) == len(book.articles)
    assert sorted(article_pages.values()) == [plan.start(a.id) for a in book.articles]
    if plan.arrangement.openings == "right":
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


def toc_pages(booklet_pdf, booklet) -> list[int]:
    """The contents' pages: from the one headed 目录 up to the first article."""
    first = next(
        i + 1
        for i, p in enumerate(booklet_pdf.pages)
        if squeeze(p.extract_text()).startswith("目录")
    )
    articles = min(page for level, _, page in outline(booklet.pdf_bytes) if level == 1)
    return list(range(first, articles))


LEADER = ".·…．"


def test_toc_entries_have_dot_leaders_up_to_aligned_numbers(booklet, booklet_pdf):
    """Between each entry's title and its page number a row of leader dots runs across the
    gap; the numbers end at one right edge."""
    rows = []
    for number in toc_pages(booklet_pdf, booklet):
        page = booklet_pdf.pages[number - 1]
        for line in text_lines(page, number, body_chars(page, TOP_MM, BOTTOM_MM)):
            chars = [c for c in line.chars if c["text"].strip()]
            dots = [c for c in chars if c["text"] in LEADER]
            if not re.search(rf"[{re.escape(LEADER)}]{{3,}}\d+$", line.text.strip()):
                continue
            title = [c for c in chars if c["x1"] <= dots[0]["x0"] + 0.1]
            digits = [c for c in chars if c["x0"] >= dots[-1]["x1"] - 0.1]
            assert len(title) + len(dots) + len(digits) == len(chars), line.text
            assert "".join(c["text"] for c in digits).isdigit(), line.text
            gap = digits[0]["x0"] - title[-1]["x1"]
            run = dots[-1]["x1"] - dots[0]["x0"]
            assert len(dots) >= 3 and run >= 0.75 * gap, (line.text, run, gap)
            steps = [b["x0"] - a["x0"] for a, b in pairwise(dots)]
            assert max(steps) < 1.5 * min(steps), line.text  # an even row, not stray dots
            rows.append((squeeze("".join(c["text"] for c in title)), digits[-1]["x1"]))
    entries = toc_entries(booklet.pdf_bytes, toc_pages(booklet_pdf, booklet))
    assert len(rows) == len(outline(booklet.pdf_bytes)) > 0  # one row per bookmark
    assert [title for title, _ in rows] == [e.title for e in entries]
    right = [x1 for _, x1 in rows]
    assert max(right) - min(right) < 0.5, right


def test_bookmarks_point_to_the_pages_the_toc_links_point_to(booklet, booklet_pdf):
    entries = toc_entries(booklet.pdf_bytes, toc_pages(booklet_pdf, booklet))
    marks = outline(booklet.pdf_bytes)
    assert len(entries) == len(marks) > 0
    for entry, (level, title, page) in zip(entries, marks, strict=True):
        assert entry.title.endswith(squeeze(title)), (entry, title)
        assert page == entry.target == entry.printed, (entry, level, title, page)


def test_the_colophon_lists_publisher_edition_fonts_and_credits(booklet, booklet_pdf):
    """The colophon, where the fitting put it (the title page's verso, 封二 or the back),
    names the publisher, the date and edition, every face in fonts/ and the credit of every
    photo — read from the book's files, not the build."""
    book = yaml.safe_load((PROJECT / "book" / "book.yaml").read_text("utf-8"))
    plan = booklet.result.layouts["screen"].laid.plan
    texts = [squeeze(p.extract_text()) for p in booklet_pdf.pages]
    colophon = plan.start("colophon")
    where = plan.arrangement.colophon
    if where == "front":
        assert colophon == plan.start("title") + 1 and colophon % 2 == 0
    elif where == "cover":
        assert colophon == 2
    else:
        assert colophon > max(plan.start(a.id) for a in booklet.result.book.articles)
    text = texts[colophon - 1]
    date = book["date"]
    assert squeeze(book["publisher"]) in text
    assert f"{date.year}年{date.month}月" in text and book["edition"] in text
    faces = {
        TTFont(path, lazy=True)["name"].getDebugName(1)
        for path in (PROJECT / "fonts").iterdir()
        if path.suffix in (".otf", ".ttf")
    }
    assert len(faces) >= 3
    for face in faces:
        assert squeeze(face) in text, face
    credits = []
    for name in book["articles"]:
        article = yaml.safe_load((PROJECT / "book" / name).read_text("utf-8"))
        blocks = list(article.get("body", []))
        for section in article.get("sections", []):
            blocks += section["body"]
        credits += [b["figure"] for b in blocks if isinstance(b, dict) and "figure" in b]
    assert credits
    for figure in credits:
        # A photo not yet supplied is not printed: its credit says it is still to come.
        pending = "（原图待补）" if figure.get("placeholder") else ""
        assert squeeze(figure["credit"] + pending) in text, figure


def test_title_page_is_centred_on_the_paper(example_book):
    """The second example book keeps its title page (title_page: true)."""
    plan = example_book.result.layouts["screen"].laid.plan
    with pdfplumber.open(example_book.path) as pdf:
        page = pdf.pages[plan.start("title") - 1]
        title = [c for c in page.chars if c["size"] > 20]
        assert title
        middle = (min(c["x0"] for c in title) + max(c["x1"] for c in title)) / 2
        assert middle == pytest.approx(float(page.width) / 2, abs=0.5)


def test_ledes_and_pull_quotes_are_set_tight(booklet_pdf, booklet):
    """Ledes and pull quotes are larger than the body: their measure is a whole number of
    their own characters, so their lines are spread no more than the body's (under 0.08 em
    a gap; a measure of 28.6 characters spread the lede's lines by 0.13 em)."""
    sizes = {11.0: "lede", 13.0: "pull quote"}
    widest = {}
    for page in booklet_pdf.pages:
        rows = {}
        for char in page.chars:
            size = round(char["size"], 1)
            kai = "Kai" in char["fontname"]
            if size in sizes and kai and re.match(f"[{HAN}]", char["text"]):
                rows.setdefault((size, round(char["top"])), []).append(char)
        for (size, _), chars in rows.items():
            chars.sort(key=lambda c: c["x0"])
            gaps = [
                (b["x0"] - a["x1"]) / size for a, b in pairwise(chars) if b["x0"] - a["x1"] < size
            ]
            if gaps:
                widest[sizes[size]] = max(widest.get(sizes[size], 0), statistics.median(gaps))
    assert set(widest) == {"lede", "pull quote"}
    assert all(gap < 0.08 for gap in widest.values()), widest


def test_running_heads_and_folios(booklet_pdf, booklet, article_pages):
    """Left pages carry the booklet title, right pages the article's running head; folios
    print the page number; cover, front matter, blank pages and the opening pages of the
    contents and of each article carry no running head."""
    book = booklet.result.book
    toc_page = next(i + 1 for i, p in enumerate(booklet_pdf.pages) if "目" in p.extract_text()[:3])
    openings = {*article_pages.values(), toc_page}
    heads = {a.running_head for a in book.articles} | {"目录"}
    plan = booklet.result.layouts["screen"].laid.plan
    matter = ("cover", "colophon", "title", "back", "filler", "notes")
    front = {slot.start for slot in plan.slots if slot.part in matter}
    assert {1, 2, len(booklet_pdf.pages)} <= front
    for number, page in enumerate(booklet_pdf.pages, start=1):
        top = "".join(c["text"] for c in page.chars if c["bottom"] < (TOP_MM - 2) * 72 / 25.4)
        foot = "".join(
            c["text"] for c in page.chars if c["top"] > page.height - BOTTOM_MM * 72 / 25.4 + 2
        )
        has_body = bool(body_chars(page, TOP_MM, BOTTOM_MM))
        if number in front or not has_body:
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
    # 封三 names the inside back cover only when nothing but a blank, the notes pages or the
    # colophon prints there; a page of the last article keeps its folio.
    last = len(labels) - 1
    plan = booklet.result.layouts["screen"].laid.plan
    part = next(slot.part for slot in plan.slots if slot.start <= last < slot.start + slot.pages)
    inside_back = "封三" if part in ("filler", "notes", "colophon") else str(last)
    assert labels[-2:] == [inside_back, "封底"]


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


def test_html_is_written_with_the_language_and_the_bold_runs(booklet):
    html = (booklet.out / "zhefu-feature.html").read_text("utf-8")
    assert '<html lang="zh-Hans">' in html
    assert "<strong>第一个关键词是" in html


def test_raw_html_typed_in_content_prints_literally_and_is_escaped_in_html(make_book, tmp_path):
    typed = "<b>x</b>与<script>alert(1)</script>照印。"
    article = f"id: a\ntitle: 字面\nbody:\n  - '{typed}'\n"
    root = make_book(articles={"a.yaml": article})
    result = pipeline.build(pipeline.Options(book=root, out=tmp_path / "out", html=True))
    printed = squeeze("".join(p.extract_text() for p in PdfReader(result.reader_path).pages))
    assert squeeze(typed) in printed
    html = (tmp_path / "out" / "test-book.html").read_text("utf-8")
    assert "&lt;b&gt;x&lt;/b&gt;与&lt;script&gt;alert(1)&lt;/script&gt;照印。" in html
    assert "<b>" not in html and "<script>" not in html


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


def test_html_output_renders_with_plain_weasyprint_to_the_same_pages(tmp_path):
    """The --html file is the whole booklet in one document: the plain weasyprint command
    sets it on the same pages as the build. (Compared without the Chinese typesetting,
    whose hook lives in the build, so that every line must match too.)"""
    result = pipeline.build(pipeline.Options(out=tmp_path, html=True, typeset=False))
    html = tmp_path / f"{result.book.slug}.html"
    raw = tmp_path / "raw.pdf"
    command = [sys.executable, "-m", "weasyprint", str(html), str(raw)]
    subprocess.run(command, check=True, capture_output=True)
    built = [page.extract_text() for page in PdfReader(result.reader_path).pages]
    plain = [page.extract_text() for page in PdfReader(raw).pages]
    # The HTML holds every page in the build's order, the blank ones too.
    assert plain == built
    assert "江海共潮生" in plain[-1]
