"""Floats that fill pages (compose/floats.py): a pull quote that does not fit at a page foot
moves on and the text fills the page, near where it was written, inside its section; the
HTML prints the order the build chose; an engine failure is the editor's clear message."""

from __future__ import annotations

import re

import pdfplumber
import pytest
import weasyprint

from booklet import pipeline, typocheck
from booklet.compose import floats
from booklet.model import Paragraph, PullQuote
from booklet.problems import BuildFailed, Where

from .pdffacts import squeeze

BOOK = """\
title: 浮动测试
slug: floats
publisher: 测试出版
date: 2026-05-06
language: zh-Hans
openings: any
articles:
  - articles/a.yaml
"""
CLAUSES = "协作的故事从一条江开始，", "两地的干部往来不断，", "新的产业园区陆续建成，"
QUOTE = "江水流过的地方，人们记得这份情谊，也记得一起走过的路。"  # from paragraph 2


def paragraph(number: int) -> str:
    """A paragraph of its own length (three to seven lines at A5), marked by its number."""
    clauses = "".join(CLAUSES[(number + k) % 3] for k in range(3 + number % 4 * 2))
    return f"第{number}段。{clauses}{QUOTE if number == 2 else ''}故事还在继续。"


def article(quote_after: int, paragraphs: int = 14) -> str:
    body = [f"      - {paragraph(n)}" for n in range(1, paragraphs + 1)]
    body.insert(quote_after, f"      - quote: {QUOTE}")
    return (
        "id: a\ntitle: 浮动的引语\nsections:\n  - heading: 第一节\n    body:\n"
        + "\n".join(body)
        + "\n  - heading: 第二节\n    body:\n      - 第二节只有这一段。\n"
    )


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> dict[int, pipeline.Result]:
    """The article with its pull quote written after each paragraph from the 4th to the 11th."""
    built = {}
    for after in range(4, 12):
        folder = tmp_path_factory.mktemp(f"floats{after}")
        root = folder / "book"
        (root / "articles").mkdir(parents=True)
        (root / "book.yaml").write_text(BOOK, "utf-8")
        (root / "articles" / "a.yaml").write_text(article(after), "utf-8")
        built[after] = pipeline.build(pipeline.Options(book=root, out=folder / "out"))
    return built


def test_no_page_of_the_article_ends_short_wherever_the_quote_was_written(layouts):
    for after, result in layouts.items():
        paragraphs = [p.text for a in result.book.articles for p in a.paragraphs()]
        report = typocheck.check_pdf(result.reader, source_paragraphs=paragraphs)
        short = [f"p.{v.page} {v.detail}" for v in report.violations if v.rule == "P5"]
        assert short == [], (after, short)
    moved = {after: r.layouts["screen"].laid.moves["a"] for after, r in layouts.items()}
    assert any(moved.values()), moved  # somewhere the quote had to move to fill a page


def printed_order(pdf_path) -> list[str]:
    """The paragraph numbers and the quote (Q) in the order they print (the quote's words
    in paragraph 2 left out)."""
    with pdfplumber.open(pdf_path) as pdf:
        text = squeeze("".join(page.extract_text() for page in pdf.pages))
    marks = re.finditer(r"第(\d+)段。|" + re.escape(squeeze(QUOTE)), text)
    order = [m.group(1) or "Q" for m in marks]
    order.remove("Q")  # the first: paragraph 2's own words
    return order


def test_a_moved_quote_stays_near_its_place_in_its_section(layouts):
    for after, result in layouts.items():
        order = printed_order(result.reader_path)
        offset = sum(result.layouts["screen"].laid.moves["a"].values())
        assert abs(offset) <= 2
        written = [str(n) for n in range(1, 15)]
        written.insert(after + offset, "Q")
        assert order == written, (after, offset)  # every paragraph once, in order
        assert order.index("Q") < order.index("14")  # in its section, before the next


def test_the_html_prints_the_order_the_build_chose(layouts, tmp_path):
    after, result = next((a, r) for a, r in layouts.items() if r.layouts["screen"].laid.moves["a"])
    again = pipeline.build(pipeline.Options(book=result.book.root, out=tmp_path, html=True))
    html = next(tmp_path.glob("*.html"))
    plain = tmp_path / "plain.pdf"
    weasyprint.HTML(filename=html).write_pdf(plain)
    written = [str(n) for n in range(1, 15)]
    written.insert(after, "Q")
    assert printed_order(plain) == printed_order(again.reader_path) != written


def test_a_float_moves_past_paragraphs_but_never_past_another_float():
    def para(text: str, line: int) -> Paragraph:
        return Paragraph(((text, None),), Where("a.yaml", line, 1))

    first, second = PullQuote("甲", Where("a.yaml", 2, 1)), PullQuote("乙", Where("a.yaml", 3, 1))
    blocks = [para("一", 1), first, second, para("二", 4), para("三", 5)]
    assert floats._shift(blocks, second, 1) == [blocks[0], first, blocks[3], second, blocks[4]]
    assert floats._shift(blocks, first, 1) is None  # it would pass the second quote
    assert floats._shift(blocks, second, -1) is None  # back past the first quote
    assert floats._shift(blocks, first, -1) == [first, blocks[0], second, *blocks[3:]]
    assert floats._shift(blocks, second, 3) is None  # not that many paragraphs after it


def test_an_engine_failure_names_the_article_and_keeps_the_last_booklet(
    make_book, tmp_path, monkeypatch
):
    """A fault inside the engine (WeasyPrint asserting on a layout it cannot make) is an
    error at the article's place, and the booklet built before stays."""
    root = make_book(BOOK, {"a.yaml": article(5)})
    out = tmp_path / "out"
    pipeline.build(pipeline.Options(book=root, out=out))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    render = weasyprint.HTML.render

    def failing(self, *args, **kwargs):
        if any(e.tag == "article" and e.get("id") == "a" for e in self.etree_element.iter()):
            raise AssertionError("assert not page_is_empty")
        return render(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "render", failing)
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(pipeline.Options(book=root, out=out))
    problem = next(p for p in failed.value.problems if p.code == "engine.layout-failed")
    assert problem.severity == "error" and problem.where.file.endswith("a.yaml")
    assert "article 'a'" in problem.message and "AssertionError" in problem.message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
