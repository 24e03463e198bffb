"""Each element of the content, measured on the PDF of a book made for it: footnotes and
endnotes, quotations, verse, epigraphs, sign-offs, sections, lists, tables, emphasis dots.

One book holds the cases (built once for the module); the examples' own pages are checked
in test_example.py. Positions are in points from the page's top left."""

from __future__ import annotations

import io
import re
import subprocess
from itertools import pairwise

import pdfplumber
import pytest
from PIL import Image
from pypdf import PdfReader

from booklet import pipeline

from .conftest import Built
from .pdffacts import outline
from .printed import CIRCLED, Printed, all_lines, squeeze

BODY = 10.5  # --bk-body-size
SENTENCE = "月光如流水一般，静静地泻在这一片叶子和花上。薄薄的青雾浮起在荷塘里。"

BOOK = """\
title: 元素样本
slug: elements
authors:
  - name: 甲作者
    role: 著
  - 乙译者
publisher: 测试出版
date: 2026-03-04
language: zh-Hans
articles:
  - articles/notes.yaml
  - articles/endnotes.yaml
  - articles/blocks.yaml
  - articles/tables.yaml
"""


def notes_article() -> str:
    """Two paragraphs with a call on almost every line and notes of one or two lines: at
    each page's foot a call falls where its note cannot fit under it."""
    body, notes, n = [], [], 0
    for _paragraph in range(2):
        pieces = []
        for _line in range(18):
            n += 1
            pieces.append(f"{SENTENCE[:27]}[^{n}]")
            longer = 5 if n == 2 else n % 3  # one note of two lines, the others of one
            notes.append(f"  {n}: 第{n}条注释，说明正文里的一个词语" + "，写得比较长" * longer)
        body.append("  - " + "".join(pieces) + "。")
    return (
        "id: footnotes\ntitle: 脚注\nbody:\n"
        + "\n".join(body)
        + "\nnotes:\n"
        + "\n".join(notes)
        + "\n"
    )


ENDNOTES = """\
id: endnotes
title: 尾注
endnotes: true
body:
  - 第一段有一个注释[^a]，后面还有文字。
  - 第二段也有一个注释[^b]。
source: 原载某刊。
notes:
  a: 尾注甲的文字。
  b: 尾注乙的文字。
"""

BLOCKS = """\
id: blocks
title: 块级元素
epigraph:
  text: |
    题记第一行，
    题记第二行。
  source: ——某书
body:
  - 引文之前的段落，说明下面引的是什么。
  - blockquote:
      - 引文第一段，引文第一段，引文第一段，引文第一段，引文第一段，引文第一段，引文第一段。
      - 引文第二段。
  - verse: |
      短句一，
      短句二。

      这是第二节里很长很长的一行诗，长到一行放不下，剩下的部分要悬挂在下一行里。
  - list:
      - （一）第一项写得比较长，一行排不下，第二行从版心的左边开始，像正文段落一样。
      - （二）第二项。
  - list:
      numbers: "1."
      items: [甲项, 乙项, 丙项]
  - list: [无序项一, 无序项二]
  - 这一句里有*着重，号*的字。
  - signoff: |
      某某
      二〇二六年三月
sections:
  - heading: 一级标题
    body:
      - 一级标题下的段落。
    sections:
      - heading: 二级标题
        body:
          - 二级标题下的段落。
      - heading: 不进目录的二级标题
        toc: false
        body:
          - 不进目录的段落。
  - mark: ＊
    body:
      - 分隔符后面的段落。
"""


def tables_article() -> str:
    rows = "\n".join(f"      - [第{n}行, {n * 3}, {n}.{n % 4}]" for n in range(1, 61))
    wide = "[" + ", ".join(["很长很长的一个没有标点的表头文字"] * 8) + "]"
    return f"""\
id: tables
title: 表格
body:
  - table:
      caption: 长表
      header: [名称, 整数, 小数]
      rows:
{rows}
      source: 资料来源：测试。
  - table:
      caption: 宽表
      header: {wide}
      rows:
        - {wide}
  - table:
      header: [项, 数]
      rows:
        - [甲, 1.5]
        - [乙, 12.25]
        - [丙, 100]
        - [丁, "—"]
"""


def write_book(root, book=BOOK, articles=None):
    (root / "articles").mkdir(parents=True)
    (root / "book.yaml").write_text(book, "utf-8")
    articles = articles or {
        "notes.yaml": notes_article(),
        "endnotes.yaml": ENDNOTES,
        "blocks.yaml": BLOCKS,
        "tables.yaml": tables_article(),
    }
    for name, text in articles.items():
        (root / "articles" / name).write_text(text, "utf-8")
    return root


@pytest.fixture(scope="module")
def elements(tmp_path_factory) -> Built:
    root = write_book(tmp_path_factory.mktemp("elements") / "book")
    out = root.parent / "out"
    result = pipeline.build(pipeline.Options(book=root, out=out))
    return Built(result, result.reader, out)


@pytest.fixture(scope="module")
def pdf(elements):
    with pdfplumber.open(io.BytesIO(elements.pdf_bytes)) as opened:
        yield opened


@pytest.fixture(scope="module")
def lines(pdf) -> list[Printed]:
    return all_lines(pdf)


@pytest.fixture(scope="module")
def pages(elements) -> dict[str, range]:
    """Each article's pages."""
    first = {t: p for level, t, p in outline(elements.pdf_bytes) if level == 1}
    order = [*sorted(first.values()), elements.result.pages]
    return {t: range(p, order[order.index(p) + 1]) for t, p in first.items()}


def of(lines, pages):
    return [line for line in lines if line.page in pages]


def column(lines, page: int) -> tuple[float, float]:
    """The type area's left and right edge on a page: 30 body characters from the inner
    margin (16 mm; styles/tokens.css), mirrored on left-hand pages of an A5 page."""
    inner, measure, width = 16 * 72 / 25.4, 30 * BODY, 148 * 72 / 25.4
    left = inner if page % 2 else width - inner - measure
    return left, left + measure


# --- notes ----------------------------------------------------------------------------------


def footnotes(lines):
    lowest: dict[int, float] = {}
    for line in lines:
        if line.size >= 10:
            lowest[line.page] = max(lowest.get(line.page, 0), line.baseline)
    return [
        line for line in lines if line.size < 9.5 and line.baseline > lowest.get(line.page, 1e9)
    ]


def test_every_footnote_is_on_the_page_of_its_call_even_when_the_call_is_at_a_foot(
    lines, pages, elements
):
    """The notes are long and the calls many: some calls fall where their note cannot fit
    under them; the line with the call then moves on to the next page with its note
    (footnote-policy: line), so no note ever lands a page after its call."""
    own = of(lines, pages["脚注"])
    calls = {c["text"]: line.page for line in own for c in line.calls}
    assert list(calls) == list(CIRCLED[:36])
    notes = {line.text[0]: line.page for line in footnotes(own) if line.text[0] in CIRCLED}
    assert notes == calls
    assert len(set(calls.values())) >= 3  # the notes spread over several pages
    for page in set(calls.values()):  # each page's notes sit under its text, in order
        marks = [
            line.text[0] for line in footnotes(own) if line.page == page and line.text[0] in CIRCLED
        ]
        assert marks == sorted(marks)


def test_a_footnote_is_set_small_under_a_rule_with_its_mark_hanging(lines, pages, pdf):
    own = of(lines, pages["脚注"])
    notes = footnotes(own)
    note, follow = next(
        (a, b)
        for a, b in pairwise(notes)
        if a.page == b.page and a.text[0] in CIRCLED and b.text[0] not in CIRCLED
    )  # a note of two lines
    assert note.size == pytest.approx(9)  # --bk-size-note
    left, right = column(lines, note.page)
    assert note.x0 == pytest.approx(left, abs=0.5)  # the mark at the column's edge
    assert note.chars[1]["x0"] == pytest.approx(left + 2 * 9, abs=0.5)  # the text after 2 em
    assert follow.x0 == pytest.approx(left + 2 * 9, abs=0.5)  # continuation lines align
    assert note.x1 == pytest.approx(right, abs=0.6)  # justified
    assert follow.baseline - note.baseline == pytest.approx(9 * 1.6, abs=0.2)
    first = min((x for x in notes if x.page == note.page), key=lambda x: x.baseline)
    page = pdf.pages[note.page - 1]
    rules = [
        r
        for r in page.rects + page.lines
        if first.baseline - 9 - 20 < r["top"] < first.baseline - 9 and r["width"] > 50
    ]
    assert rules  # 注线 above the notes


def test_a_line_never_starts_with_a_call(lines):
    for line in lines:
        if line.calls:
            assert min(c["x0"] for c in line.calls) > line.x0


def test_endnotes_print_at_the_articles_end_after_its_source(lines, pages, elements):
    own = of(lines, pages["尾注"])
    texts = [line.text for line in own]
    source = texts.index("原载某刊。")
    heading = texts.index("注释")
    first = next(i for i, t in enumerate(texts) if t.startswith("①尾注甲"))
    second = next(i for i, t in enumerate(texts) if t.startswith("②尾注乙"))
    assert source < heading < first < second
    # in the flow right after the source, not at the page's foot
    assert own[second].baseline - own[source].baseline < 8 * BODY
    calls = [c["text"] for line in own for c in line.calls]
    assert calls == ["①", "②"]
    # each call links to its note
    reader = PdfReader(io.BytesIO(elements.pdf_bytes))
    page = reader.pages[pages["尾注"][0] - 1]
    assert (
        len([a for a in page.get("/Annots", []) if a.get_object().get("/Subtype") == "/Link"]) >= 2
    )


@pytest.mark.parametrize(
    ("marks", "first", "second"),
    [("bk-bracketed", "[1]", "[2]"), ("bk-tortoise", "〔1〕", "〔2〕")],
)
def test_the_note_marks_follow_their_token(styles_copy, tmp_path, marks, first, second):
    tokens = styles_copy / "tokens.css"
    tokens.write_text(
        tokens.read_text("utf-8").replace(
            "--bk-note-marks: bk-circled;", f"--bk-note-marks: {marks};"
        ),
        "utf-8",
    )
    root = write_book(
        tmp_path / "book", articles={"notes.yaml": ENDNOTES.replace("endnotes: true\n", "")}
    )
    (root / "book.yaml").write_text(
        BOOK.split("articles:")[0] + "articles:\n  - articles/notes.yaml\n", "utf-8"
    )
    result = pipeline.build(pipeline.Options(book=root, out=tmp_path / "out", styles=styles_copy))
    with pdfplumber.open(io.BytesIO(result.reader)) as pdf:
        text = pdf.pages[-2].extract_text() + "".join(p.extract_text() for p in pdf.pages)
    squeezed = squeeze(text)
    assert f"注释{first}，" in squeezed and f"{first}尾注甲的文字。" in squeezed
    assert f"{second}尾注乙的文字。" in squeezed


# --- quotations, verse, epigraph, sign-off ---------------------------------------------------


def test_a_block_quotation_is_indented_both_sides_in_kai_and_justified(lines, pages):
    own = of(lines, pages["块级元素"])
    texts = [line.text for line in own]
    at = next(i for i, t in enumerate(texts) if t.startswith("引文第一段"))
    quote = own[at : at + 3]
    left, right = column(lines, quote[0].page)
    first, second, third = quote
    assert all(any("Kai" in f for f in line.fonts) for line in quote)
    assert first.x0 == pytest.approx(left + 4 * BODY, abs=0.5)  # 2 em indent + 2 em first line
    assert second.x0 == pytest.approx(left + 2 * BODY, abs=0.5)
    assert first.x1 == pytest.approx(right - 2 * BODY, abs=0.6)  # justified to its own edge
    assert third.text == "引文第二段。" and third.x0 == pytest.approx(left + 4 * BODY, abs=0.5)


def test_verse_keeps_its_lines_and_hangs_a_long_one(lines, pages):
    own = of(lines, pages["块级元素"])
    texts = [line.text for line in own]
    one, two = own[texts.index("短句一，")], own[texts.index("短句二。")]
    left, _right = column(lines, one.page)
    assert one.x0 == two.x0 == pytest.approx(left + 4 * BODY, abs=0.5)  # --bk-verse-indent
    assert one.x1 == pytest.approx(one.x0 + 4 * BODY, abs=0.3)  # never justified
    long_start = next(i for i, t in enumerate(texts) if t.startswith("这是第二节"))
    long, rest = own[long_start], own[long_start + 1]
    assert long.x0 == pytest.approx(left + 4 * BODY, abs=0.5)
    assert rest.x0 == pytest.approx(left + 5 * BODY, abs=0.5)  # hangs 1 em further
    assert (
        squeeze(long.text + rest.text)
        == "这是第二节里很长很长的一行诗，长到一行放不下，剩下的部分要悬挂在下一行里。"
    )
    # the stanza break is one empty line
    assert long.baseline - two.baseline == pytest.approx(2 * BODY * 1.75, abs=0.5)


def test_an_epigraph_sits_under_the_title_indented_with_its_source_right(lines, pages):
    own = of(lines, pages["块级元素"])
    texts = [line.text for line in own]
    title = own[texts.index("块级元素")]
    one, two, source = (own[texts.index(t)] for t in ("题记第一行，", "题记第二行。", "——某书"))
    left, right = column(lines, one.page)
    assert title.baseline < one.baseline < two.baseline < source.baseline
    assert one.x0 == two.x0 == pytest.approx(left + 8 * BODY, abs=0.5)  # --bk-epigraph-indent
    assert source.x1 == pytest.approx(right, abs=0.5)


def test_a_signoff_is_right_aligned_after_the_text_on_its_page(lines, pages):
    own = of(lines, pages["块级元素"])
    texts = [line.text for line in own]
    name, date = own[texts.index("某某")], own[texts.index("二〇二六年三月")]
    before = own[texts.index("某某") - 1]
    _left, right = column(lines, name.page)
    assert name.x1 == pytest.approx(right, abs=0.5) and date.x1 == pytest.approx(right, abs=0.5)
    assert name.page == before.page  # kept with the text before it
    assert date.baseline - name.baseline == pytest.approx(BODY * 1.75, abs=0.3)


# --- sections, lists, emphasis ---------------------------------------------------------------


def test_two_heading_levels_breaks_and_toc_false(lines, pages, elements):
    own = of(lines, pages["块级元素"])
    texts = [line.text for line in own]
    first, second = own[texts.index("一级标题")], own[texts.index("二级标题")]
    assert first.size == pytest.approx(13, abs=0.01) and second.size == pytest.approx(11, abs=0.01)
    assert all("Bold" in f for f in second.fonts)
    mark = own[texts.index("＊")]
    left, right = column(lines, mark.page)
    centre = (mark.chars[0]["x0"] + mark.chars[0]["x1"]) / 2
    assert centre == pytest.approx((left + right) / 2, abs=0.6)
    marks = [(level, t) for level, t, _ in outline(elements.pdf_bytes)]
    assert (2, "一级标题") in marks and (3, "二级标题") in marks
    assert not any(t in ("不进目录的二级标题", "＊") for _, t in marks)
    with pdfplumber.open(io.BytesIO(elements.pdf_bytes)) as pdf:
        toc = next(
            squeeze(p.extract_text()) for p in pdf.pages if "......" in (p.extract_text() or "")
        )
    assert "一级标题" in toc and "二级标题" in toc
    assert "不进目录" not in toc and "＊" not in toc


def test_list_items_are_set_like_paragraphs_with_their_marks(lines, pages):
    own = of(lines, pages["块级元素"])
    texts = [line.text for line in own]
    typed = own[next(i for i, t in enumerate(texts) if t.startswith("（一）第一项"))]
    wrapped = own[texts.index(typed.text) + 1]
    left, right = column(lines, typed.page)
    assert typed.x0 == pytest.approx(left + 2 * BODY, abs=0.6)  # the first-line indent
    assert wrapped.x0 == pytest.approx(left, abs=0.5) and typed.x1 == pytest.approx(right, abs=0.6)
    numbered = [line for line in own if re.match(r"^[123]\.", line.text)]
    assert [line.text for line in numbered] == ["1.甲项", "2.乙项", "3.丙项"]
    gap = numbered[0].chars[2]["x0"] - numbered[0].chars[1]["x1"]
    assert gap == pytest.approx(0.25 * BODY, abs=0.3)  # a Latin mark, then the ¼ em gap
    bullets = [line for line in own if line.text.endswith(("无序项一", "无序项二"))]
    assert [line.text[0] for line in bullets] == ["•", "•"]


def test_emphasis_dots_sit_under_each_character_and_none_under_punctuation(
    lines, pages, pdf, elements, tmp_path
):
    own = of(lines, pages["块级元素"])
    line = next(line for line in own if "着重" in line.text)
    page = pdf.pages[line.page - 1]
    dots = [r for r in page.rects if r["width"] < 3 and r["height"] < 3]
    wanted = [c for c in line.chars if c["text"] in "着重号"][:3]  # 着 重 号 of *着重，号*
    assert len(dots) == 3
    for char, dot in zip(wanted, sorted(dots, key=lambda d: d["x0"]), strict=True):
        centre = (dot["x0"] + dot["x1"]) / 2
        assert centre == pytest.approx((char["x0"] + char["x1"]) / 2, abs=0.3)
        assert 0.15 * BODY < (dot["top"] + dot["bottom"]) / 2 - line.baseline < 0.45 * BODY
    assert "这一句里有着重，号的字。" in squeeze(page.extract_text())  # no extra characters
    # drawn: black pixels under 着, none under the comma
    rendered = subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-f", str(line.page), "-l", str(line.page), "-"],
        input=elements.pdf_bytes,
        capture_output=True,
        check=True,
    ).stdout
    image = Image.open(io.BytesIO(rendered)).convert("L")
    scale = 300 / 72
    comma = next(c for c in line.chars if c["text"] == "，")

    def ink_under(char) -> int:
        x = (char["x0"] + char["x1"]) / 2 * scale
        y = (line.baseline + 0.3 * BODY) * scale
        box = image.crop((int(x - 4), int(y - 4), int(x + 4), int(y + 4)))
        return sum(1 for v in box.get_flattened_data() if v < 128)

    assert ink_under(wanted[0]) > 10 and ink_under(comma) == 0
    # in print, black ink alone
    root = write_book(
        tmp_path / "print", articles={"a.yaml": "id: a\ntitle: 印刷\nbody:\n  - 有*着重*的字。\n"}
    )
    (root / "book.yaml").write_text(
        BOOK.split("articles:")[0] + "articles:\n  - articles/a.yaml\n", "utf-8"
    )
    result = pipeline.build(pipeline.Options(book=root, out=tmp_path / "out", profile="print"))
    with pdfplumber.open(io.BytesIO(result.output("print").data)) as printed:
        small = [r for p in printed.pages for r in p.rects if r["width"] < 3 and r["height"] < 3]
    assert len(small) == 2 and {tuple(r["non_stroking_color"]) for r in small} == {(0, 0, 0, 1)}


# --- tables ----------------------------------------------------------------------------------


def test_a_long_table_breaks_across_pages_repeating_its_header(lines, pages):
    own = of(lines, pages["表格"])
    rows = [line for line in own if re.match(r"^第\d+行", line.text)]
    assert [int(re.match(r"^第(\d+)行", r.text)[1]) for r in rows] == list(range(1, 61))
    table_pages = sorted({r.page for r in rows})
    assert len(table_pages) >= 2
    for page in table_pages:
        header = [line for line in own if line.page == page and line.text.startswith("名称")]
        assert header and header[0].baseline < min(r.baseline for r in rows if r.page == page)
    assert sum(1 for line in own if line.text == "长表") == 1  # the caption once, above


def test_numbers_align_on_the_point_and_the_right(lines, pages):
    own = of(lines, pages["表格"])
    rows = [
        line for line in own if line.text.startswith(("甲", "乙", "丙", "丁")) and line.size < 10
    ]
    points = [next(c for c in r.chars if c["text"] == ".")["x0"] for r in rows[:2]]
    assert abs(points[0] - points[1]) < 0.3  # 1.5 and 12.25
    hundred = [c for c in rows[2].chars if c["text"].isdigit()]
    assert hundred[-1]["x1"] <= points[0] + 0.3  # 100 ends where the point stands
    assert hundred[-1]["x1"] == pytest.approx(points[0], abs=0.3)
    long_rows = [line for line in own if re.match(r"^第\d+行", line.text)]
    ends = {
        round(max(c["x1"] for c in r.chars if c["text"].isdigit() and c["x0"] < r.x1 - 20), 1)
        for r in long_rows[:9]
    }
    assert len(ends) == 1  # the whole numbers end on one edge


def test_a_table_is_never_wider_than_the_type_area(lines, pages, elements):
    """Eight columns of long unbroken headings: the cells wrap, every glyph stays inside
    the type area (the preflight's overflow check reads the layout; here the glyphs)."""
    own = of(lines, pages["表格"])
    texts = [line.text for line in own]
    caption, end = texts.index("宽表"), texts.index("项数")
    wide = own[caption + 1 : end]
    assert len(wide) >= 6  # wrapped, cell by cell
    assert own[caption].page == wide[0].page  # the caption stays with its table
    left, right = column(lines, wide[0].page)
    assert min(line.x0 for line in wide) >= left - 0.5
    assert max(line.x1 for line in wide) <= right + 0.5
    assert elements.result.preflight["screen"].facts["overflow"] == []


def test_the_elements_book_builds_clean_and_counts_every_piece(elements):
    assert [p for p in elements.result.problems if p.severity == "error"] == []
    text = elements.result.preflight["screen"].facts["text"]
    assert text["pieces_found"] == text["pieces"] > 100
    kinds = {
        piece.kind
        for pieces in elements.result.layouts["screen"].renderer.pieces.values()
        for piece in pieces
    }
    assert {
        "note",
        "quotation",
        "verse",
        "sign-off",
        "list item",
        "table cell",
        "epigraph",
        "source",
        "mark",
        "heading",
        "caption",
    } <= kinds


def test_authors_go_to_the_pdfs_author_and_a_bare_name_prints_alone(elements):
    meta = PdfReader(io.BytesIO(elements.pdf_bytes)).metadata
    assert meta["/Author"] == "甲作者 著；乙译者"


def test_the_preflight_misses_no_element_the_styles_hide(styles_copy, tmp_path):
    """Every new element records what it prints: hidden by a stylesheet, a verse line, a
    quotation, a table cell and a footnote are each reported missing at their YAML place."""
    overrides = styles_copy / "overrides.css"
    overrides.write_text(".verse, .blockquote, .table tbody, .note { display: none; }\n", "utf-8")
    article = (
        "id: a\ntitle: 隐藏\nbody:\n  - 正文有注[^1]。\n  - blockquote: 引文。\n"
        "  - verse: |\n      诗一行，\n  - table:\n      header: [表头]\n      rows:\n"
        "        - [表格里的字]\nnotes:\n  1: 注文。\n"
    )
    root = write_book(tmp_path / "book", articles={"a.yaml": article})
    (root / "book.yaml").write_text(
        BOOK.split("articles:")[0] + "articles:\n  - articles/a.yaml\n", "utf-8"
    )
    with pytest.raises(pipeline.BuildFailed) as failed:
        pipeline.build(pipeline.Options(book=root, out=tmp_path / "out", styles=styles_copy))
    missing = {
        (str(p.where).split("/book/")[-1], p.message.split(":")[0])
        for p in failed.value.problems
        if p.code == "preflight.text-missing"
    }
    assert missing == {
        ("articles/a.yaml:5:17", "this quotation is not on any page"),
        ("articles/a.yaml:7:7", "this verse is not on any page"),
        ("articles/a.yaml:11:12", "this table cell is not on any page"),
        ("articles/a.yaml:13:6", "this note is not on any page"),
    }
