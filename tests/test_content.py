"""The source text in the real booklet: extraction repairs, reading order, the key figures.

Everything is read back from the finished PDF (text layer, glyph positions, drawing
operators) and compared with ../shared/source/zhefu-feature.txt and the book's YAML, so the
tests hold however the pages are rendered and joined."""

from __future__ import annotations

import io
import re
from collections import Counter
from functools import cache

import pypdfium2
import pytest
import yaml
from pypdf import PdfReader

from booklet import pipeline
from booklet.pipeline import PROJECT
from booklet.problems import BuildFailed

from .conftest import SOURCE
from .pdffacts import body_chars, outline, paragraph_lines, squeeze, text_lines, toc_entries

TOP_MM, BOTTOM_MM = 19, 21  # --bk-margin-top / --bk-margin-bottom in styles/tokens.css
SENTENCE_END = "。！？…”’）"

# Where the extraction cut a paragraph in two (end of the first piece, start of the second),
# as listed in book/README.md; the pieces themselves are taken from the source file.
JOINTS = [
    ("执行力度，正", "是党领导下"),
    ("与涪陵的", "资源、区位"),
    ("推动长江经", "济带战略"),
    ("聚焦外贸发", "展，发放"),
    ("经济圈建设等", "多重重大决策部署"),
]
COMMENTARY_COLUMN = "重报时论"  # the commentary's column label, as in the source


@cache
def source() -> dict:
    """The source cut into units: its non-empty lines with the cut paragraphs joined, the
    photo caption and the displaced title set aside."""
    lines = [line.strip() for line in SOURCE.read_text("utf-8").splitlines() if line.strip()]
    captions = [line for line in lines if " 摄" in line]  # "…点亮山村新景 李政 摄/视觉重庆"
    assert len(captions) == 1
    displaced_title = lines[-1]  # the extraction put the commentary's title at the very end
    assert not any(mark in displaced_title for mark in "，。、")
    rest = [line for line in lines[:-1] if line not in captions]
    units, joined, pending = [], [], ""
    for line in rest:
        if pending:
            joined.append((pending, line))
            line = pending + line
            pending = ""
        if any(line.endswith(head) for head, _ in JOINTS):
            pending = line
            continue
        units.append(line)
    assert not pending
    pieces = {}
    for first, second in joined:
        ((head, tail),) = [j for j in JOINTS if first.endswith(j[0])]
        assert second.startswith(tail), (head, second[:10])
        pieces[head] = first + second
    assert len(pieces) == len(JOINTS)
    # Any other line that stops mid-sentence would be an undocumented cut.
    unfinished = [u for u in units if "，" in u and not u.endswith(tuple(SENTENCE_END))]
    assert unfinished == []
    paragraphs = [u for u in units if u.endswith(tuple(SENTENCE_END))]
    # What is left out of the paragraphs is the articles' heads: titles, series line, column
    # labels, bylines, kickers and headings, short lines without a sentence in them.
    heads = [u for u in units if u not in paragraphs]
    assert all(len(u) <= 30 and "。" not in u for u in heads), heads
    return {
        "paragraphs": paragraphs,
        "joined": pieces,  # the end of the first piece → the joined paragraph
        "caption": captions[0],
        "displaced_title": displaced_title,
        "units": units,
    }


@pytest.fixture(scope="module")
def lines(booklet_pdf) -> list:
    """Every line of the type area, page by page (pull quotes left out)."""
    found = []
    for number, page in enumerate(booklet_pdf.pages, start=1):
        found += text_lines(page, number, body_chars(page, TOP_MM, BOTTOM_MM))
    return found


@pytest.fixture(scope="module")
def article_text(booklet, booklet_pdf) -> str:
    """The type-area text of the articles' pages, whitespace squeezed out."""
    first = min(page for level, _, page in outline(booklet.pdf_bytes) if level == 1)
    pages = booklet_pdf.pages[first - 1 :]
    return squeeze("".join(c["text"] for p in pages for c in body_chars(p, TOP_MM, BOTTOM_MM)))


def column_left(lines: list, page: int) -> float:
    """The left edge of the text on a page: where most of its lines start."""
    starts = Counter(round(line.x0, 1) for line in lines if line.page == page)
    return starts.most_common(1)[0][0]


@pytest.mark.parametrize("head", [h for h, _ in JOINTS], ids=[f"cut{n}" for n in range(1, 6)])
def test_a_paragraph_cut_by_the_extraction_prints_as_one(lines, head):
    """The joined paragraph is one run of lines holding exactly its text — nothing (no
    caption, no heading) set inside it — indented 2 em on its first line only."""
    text = source()["joined"][head]
    run = paragraph_lines(lines, text)
    assert run is not None, f"not one run of lines: {text[:20]}…"
    first, *rest = run
    indent = first.x0 - column_left(lines, first.page)
    assert indent == pytest.approx(2 * first.size, abs=0.5), (first.page, first.text[:10])
    for line in rest:
        offset = line.x0 - column_left(lines, line.page)
        assert abs(offset) < 0.25 * line.size, (line.page, line.text[:10], offset)
    assert squeeze(source()["caption"]) not in squeeze("".join(line.text for line in run))


def test_source_paragraphs_read_in_source_order(article_text):
    """Every paragraph of the source (cut ones joined) is found whole, in the source's order;
    only the displaced title and the photo caption moved, each to its own place."""
    paragraphs = source()["paragraphs"]
    assert len(paragraphs) > 50
    position, ends = 0, []
    for paragraph in paragraphs:
        found = article_text.find(squeeze(paragraph), position)
        assert found >= 0, f"not found (in order) after {position}: {paragraph[:30]}"
        position = found + len(squeeze(paragraph))
        ends.append(position)
    # The caption and credit form a figure after the paragraph about the place it shows,
    # not inside the paragraph it cut in the source.
    caption = squeeze(source()["caption"])
    assert article_text.count(caption) == 1
    at = article_text.find(caption)
    before = max(i for i, end in enumerate(ends) if end <= at)
    assert "仙女山" in paragraphs[before]
    cut = paragraphs.index(source()["joined"]["经济圈建设等"])
    assert at > ends[cut]
    # The commentary's title stands once, before the commentary's first paragraph and after
    # the last paragraph of the article before it — not at the end.
    title = squeeze(source()["displaced_title"])
    assert article_text.count(title) == 1
    units = source()["units"]
    opening = next(u for u in units[units.index(COMMENTARY_COLUMN) :] if u in paragraphs)
    index = paragraphs.index(opening)
    assert ends[index - 1] <= article_text.find(title) < ends[index] - len(squeeze(opening))


def test_commentary_title_heads_the_page_its_toc_link_points_to(booklet, booklet_pdf, lines):
    title = source()["displaced_title"]
    toc_page = next(
        i + 1
        for i, p in enumerate(booklet_pdf.pages)
        if squeeze(p.extract_text()).startswith("目录")
    )
    entry = next(e for e in toc_entries(booklet.pdf_bytes, [toc_page]) if e.title == title)
    page = entry.target
    assert (1, title, page) in outline(booklet.pdf_bytes)
    on_page = [line for line in lines if line.page == page]
    title_lines = paragraph_lines(on_page, title)
    assert title_lines is not None, f"the title is not set on page {page}"
    units = source()["units"]
    opening = next(
        u for u in units[units.index(COMMENTARY_COLUMN) :] if u in source()["paragraphs"]
    )
    body = paragraph_lines(lines, opening)
    assert body is not None and body[0].page == page
    assert title_lines[-1].baseline < body[0].baseline
    assert title_lines[0].size > body[0].size  # set as a title, not as text


# --- the key figures ------------------------------------------------------------------


def facts_panels() -> list[dict]:
    article = yaml.safe_load((PROJECT / "book" / "articles" / "01-feature.yaml").read_text("utf-8"))
    blocks = list(article.get("body", []))
    for section in article.get("sections", []):
        blocks += section["body"]
    return [b["facts"] for b in blocks if isinstance(b, dict) and "facts" in b]


def test_key_figures_print_in_vector_tiles(booklet, booklet_pdf):
    """Each figure prints its value, unit and label together on a tinted tile; the tiles are
    filled paths in the page's content stream: the page carries no raster image."""
    (panel,) = facts_panels()
    assert len(panel["items"]) >= 3
    number, page = next(
        (i + 1, p)
        for i, p in enumerate(booklet_pdf.pages)
        if squeeze(panel["title"]) in squeeze(p.extract_text())
    )
    scale = 2
    image = pypdfium2.PdfDocument(booklet.pdf_bytes)[number - 1].render(scale=scale).to_pil()
    image = image.convert("RGB")
    chars = [c for c in page.chars if c["text"].strip()]
    stream = "".join(c["text"] for c in chars)
    tiles = [
        shape
        for shape in page.rects + page.curves
        if shape["fill"] and shape["width"] * shape["height"] < page.width * page.height / 4
    ]
    assert tiles, "no filled shapes drawn on the panel's page"
    for item in panel["items"]:
        value, unit, label = str(item["value"]), str(item["unit"]), item["label"]
        at = stream.find(value + unit + squeeze(label))
        assert at >= 0, f"{value}{unit} {label} not printed together on page {number}"
        glyphs = chars[at : at + len(value + unit + squeeze(label))]
        x0, x1 = min(c["x0"] for c in glyphs), max(c["x1"] for c in glyphs)
        top, bottom = min(c["top"] for c in glyphs), max(c["bottom"] for c in glyphs)
        assert any(
            t["x0"] <= x0 + 0.5
            and x1 <= t["x1"] + 0.5
            and t["top"] <= top + 0.5
            and bottom <= t["bottom"] + 0.5
            for t in tiles
        ), f"{value}{unit} is not inside a drawn tile"
        assert glyphs[0]["size"] > glyphs[-1]["size"]  # the value set larger than its label
        # The tile is painted: behind the figure the page is tinted, not paper white.
        box = [round(v * scale) for v in (x0, top, x1, bottom)]
        colours = image.crop(box).getcolors(maxcolors=1 << 16)
        assert max(colours)[1] != (255, 255, 255), f"{value}{unit} is on bare paper"
    assert max(image.getcolors(maxcolors=1 << 20))[1] == (255, 255, 255)  # the paper
    assert page.images == []
    reader_page = PdfReader(io.BytesIO(booklet.pdf_bytes)).pages[number - 1]
    content = reader_page.get_contents().get_data()
    assert re.search(rb"\sre\s", content) and re.search(rb"\s(f|f\*|B|b)\s", content)
    xobjects = reader_page.get("/Resources", {}).get("/XObject", {})
    assert all(x.get_object().get("/Subtype") != "/Image" for x in xobjects.values())


def test_a_key_figure_not_in_the_text_is_refused_at_its_line(make_book, tmp_path):
    article = (
        "id: a\n"
        "title: 数字\n"
        "body:\n"
        "  - 两地协作已有33年，落户企业239户。\n"
        "  - facts:\n"
        "      title: 数说\n"
        "      items:\n"
        "        - value: 33\n"
        "          unit: 年\n"
        "          label: 协作年数\n"
        "        - value: 58\n"
        "          unit: 户\n"
        "          label: 文中没有的数字\n"
    )
    root = make_book(articles={"a.yaml": article})
    out = tmp_path / "out"
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(pipeline.Options(book=root, out=out))
    problems = [str(p) for p in failed.value.problems]
    assert len(problems) == 1, problems
    line = article.splitlines().index("        - value: 58") + 1
    col = len("        - ") + 1
    assert re.fullmatch(
        rf".*book/articles/a\.yaml:{line}:{col}: error: '58户' is not found in the text — .*"
        r"\[content\.fact-not-in-text\]",
        problems[0],
    ), problems[0]
    assert not out.exists() or not any(out.iterdir())
