"""The Chinese typesetting rules R1–R12, measured by the typography report on the finished
PDFs: the real booklet in both themes, and adversarial paragraphs."""

from __future__ import annotations

import shutil

import pytest

from booklet import pipeline, typocheck
from booklet.pipeline import PROJECT
from booklet.typocheck import Tolerances
from booklet.typocheck.layout import Layout, read_pdf

from .conftest import SOURCE
from .pdffacts import outline

RULES = [f"R{n}" for n in range(1, 14)]  # the line rules; the page rules: test_composition


def paragraphs_of(result: pipeline.Result) -> list[str]:
    return [p.text for a in result.book.articles for p in a.paragraphs()]


def assert_clean(report: typocheck.Report, rules=RULES) -> None:
    problems = [
        f"p.{v.page} {v.rule} {v.line[:30]} — {v.detail}"
        for v in report.violations
        if v.rule in rules
    ]
    assert problems == []
    assert {rule: report.totals()[rule] for rule in rules} == dict.fromkeys(rules, 0)


def test_the_booklet_meets_every_rule(booklet):
    report = typocheck.check_pdf(booklet.path, source_paragraphs=paragraphs_of(booklet.result))
    assert_clean(report)
    stats = report.stats
    assert stats["full_lines"] > 150 and stats["ragged_full_lines"] == 0
    assert stats["punct_pairs"] > 30 and stats["punct_pairs_compressed"] == stats["punct_pairs"]
    assert stats["latin_transitions"] > 50 and stats["latin_gaps"] == stats["latin_transitions"]
    assert stats["lone_last_lines"] == 0


@pytest.fixture(scope="module")
def supplement(tmp_path_factory):
    book = tmp_path_factory.mktemp("supplement") / "book"
    shutil.copytree(PROJECT / "book", book)
    config = book / "book.yaml"
    config.write_text(config.read_text("utf-8").replace("theme: booklet", "theme: supplement"))
    out = tmp_path_factory.mktemp("supplement-out")
    return pipeline.build(pipeline.Options(book=book, out=out))


def test_the_supplement_theme_meets_every_rule_in_two_columns(supplement):
    """R1–R12 (R13, loose lines, is not met yet in 14-character columns: a break the rules
    forbid leaves room that only re-breaking the lines before it could share out)."""
    report = typocheck.check_pdf(supplement.reader, source_paragraphs=paragraphs_of(supplement))
    assert_clean(report, RULES[:12])
    pages, _, _ = read_pdf(supplement.reader, None)
    layout = Layout(pages, Tolerances())
    assert max(len(page.columns) for page in layout.pages) == 2  # the body, in two columns
    assert report.stats["full_lines"] > 300  # narrower columns: more lines


def test_the_supplement_theme_passes_the_preflight(supplement):
    assert [p.code for p in supplement.problems] == ["preflight.placeholder"]
    assert supplement.book.theme == "supplement"


def test_the_plain_engine_breaks_the_rules_the_typesetting_keeps(tmp_path):
    """The same booklet with --no-typeset: the report sees what WeasyPrint alone does."""
    result = pipeline.build(pipeline.Options(out=tmp_path, typeset=False))
    report = typocheck.check_pdf(result.reader, source_paragraphs=paragraphs_of(result))
    totals, stats = report.totals(), report.stats
    assert totals["R4"] > 20 and stats["ragged_pct"] > 10
    assert stats["punct_pairs_compressed"] == 0 and stats["latin_gaps"] == 0
    assert totals["R7"] > 0


ADVERSARIAL = [
    "网址https://example.com/a/very/long/path/that/keeps/going/and/going?with=query&and=more结束。",
    "长单词Pneumonoultramicroscopicsilicovolcanoconiosis与中文混排，再接着写一些中文字以便换行测试。",
    "数字串1234567890123456789012345678901234567890与中文混排，看看能否正确断行而不溢出版心。",
    "标点连续：“《‘〈嵌套〉’》”，（括号）、【方括号】！？……——再来一段文字以便测试换行与挤压。",
    "一",
    "“引号开头”的段落，后面跟着“引号”与（括号）和《书名号》，以及——破折号——和……省略号……结束。",
    "嘉陵江碕石两岸，卢作孚纪念馆、百年夏坝等片区老旧建筑正改换新颜，2025年末T3B航站楼投用。",
]


def test_adversarial_paragraphs_lay_out_without_violations_or_lost_text(make_book, tmp_path):
    import yaml

    article = {"id": "a", "title": "难排段落", "body": ADVERSARIAL}
    root = make_book(articles={"a.yaml": yaml.safe_dump(article, allow_unicode=True)})
    result = pipeline.build(pipeline.Options(book=root, out=tmp_path))
    # The article's pages: in so short a book the front matter and covers hold one-line
    # headings with nothing under them, which the report rightly takes for R10 cases.
    first = outline(result.reader_path.read_bytes())[0][2]
    body_pages = range(first, result.pages)  # up to the page before the back cover
    report = typocheck.check_pdf(
        result.reader_path, source_paragraphs=ADVERSARIAL, pages=body_pages
    )
    assert_clean(report)


def test_the_justify_token_turns_justification_off_for_the_whole_booklet(
    tmp_path, make_book, styles_copy
):
    """--bk-cjk-justify: start in overrides.css sets the booklet ragged right (R4 then
    finds the short lines); the default justifies them."""
    longest = sorted(SOURCE.read_text("utf-8").split(), key=len)[-2:]
    article = "id: a\ntitle: 齐行\nbody:\n" + "".join(f"  - {text}\n" for text in longest)
    root = make_book(articles={"a.yaml": article})
    on = pipeline.Options(book=root, out=tmp_path / "on", styles=styles_copy)
    justified = pipeline.build(on, tmp_path)
    assert typocheck.check_pdf(justified.reader).totals().get("R4", 0) == 0
    (styles_copy / "overrides.css").write_text(":root { --bk-cjk-justify: start; }\n", "utf-8")
    off = pipeline.Options(book=root, out=tmp_path / "off", styles=styles_copy)
    ragged = pipeline.build(off, tmp_path)
    assert typocheck.check_pdf(ragged.reader).totals().get("R4", 0) >= 3
