"""Fitting the signature (compose/fit.py): the arrangement of the pages the build chooses, the
notes pages and blank inside covers that pad the last sheet, the one-page parts that step
down to fit, the page labels, and the settings that limit the choice."""

from __future__ import annotations

import random
import re
import shutil

import pdfplumber
import pypdfium2
import pytest
from pypdf import PdfReader

from booklet import pipeline
from booklet.compose import fit
from booklet.problems import BuildFailed
from booklet.typeset.typearea import type_area

from .conftest import SMALL_ARTICLE, SMALL_BOOK
from .pdffacts import outline

FIXED = {fit.COVER: 1, fit.TITLE: 1, fit.COLOPHON: 1, fit.BACK: 1, fit.FILLER: 1, fit.NOTES: 1}


def counts(contents: int = 1, **articles: int) -> dict[str, int]:
    return {**FIXED, fit.CONTENTS: contents, **articles}


def test_the_pages_a_sheet_still_needs_are_notes_pages_then_a_blank_inside_back_cover():
    arrangement = fit.Arrangement("any", True, "front")
    # cover, 封二, title, colophon, contents (5), a 6–8: pages 9 to 11 pad the last sheet
    plan = fit.plan(arrangement, counts(a=3), ["a"])
    assert [(s.part, s.start) for s in plan.slots[-4:]] == [
        (fit.NOTES, 9),
        (fit.NOTES, 10),
        (fit.FILLER, 11),
        (fit.BACK, 12),
    ]
    assert plan.pages == 12 and plan.blanks() == [2, 11] and plan.notes() == [9, 10]
    # a 6–10: one page short, the inside back cover
    plan = fit.plan(arrangement, counts(a=5), ["a"])
    assert plan.pages == 12 and plan.blanks() == [2, 11] and plan.notes() == []
    # a 6–7: the back cover is page 8, nothing to pad
    plan = fit.plan(arrangement, counts(a=2), ["a"])
    assert plan.pages == 8 and plan.blanks() == [2] and plan.slots[-2].part == "a"


def test_blank_pages_count_before_pages_and_pages_before_a_books_habits():
    """The booklet's three articles (8, 3 and 6 pages): on rectos they need three blanks
    before articles; opening on the next page leaves only the inside covers blank."""
    names = ["feature", "commentary", "cdb"]
    best, runner_up = fit.best(counts(feature=8, commentary=3, cdb=6), names)
    assert best.arrangement == fit.Arrangement("any", True, "front")
    assert best.pages == 24 and best.blanks() == [2, 23] and best.notes() == []
    assert best.score() <= runner_up.score()
    assert [best.start(n) for n in names] == [6, 14, 17]
    assert best.summary() == (
        "24 pages, blank 2 (封二), 23 (封三): articles open on any page, a title page, "
        "the colophon in the front matter"
    )
    # Where rectos cost nothing (both articles fall on one anyway), they win: a book's habit.
    best, runner_up = fit.best(counts(2, a=2, b=4), ["a", "b"], title_page=True)
    assert best.arrangement == fit.Arrangement("right", True, "front")
    assert runner_up.slots == best.slots and runner_up.arrangement.openings == "any"
    # Without a title page the same book saves a sheet (16 pages → 12): that wins.
    best, _ = fit.best(counts(2, a=2, b=4), ["a", "b"])
    assert not best.arrangement.title_page and best.pages == 12


def test_the_books_settings_limit_the_arrangements():
    names = ["a", "b", "c"]
    pages = counts(a=3, b=2, c=5)
    right, _ = fit.best(pages, names, openings="right")
    assert right.arrangement.openings == "right"
    assert all(right.start(n) % 2 == 1 for n in names)
    assert all(a.openings == "any" for a in fit.arrangements("any"))
    titled, _ = fit.best(pages, names, title_page=True)
    assert titled.arrangement.title_page and fit.TITLE in [s.part for s in titled.slots]
    bare, _ = fit.best(pages, names, title_page=False)
    assert fit.TITLE not in [s.part for s in bare.slots]
    assert len(fit.arrangements("auto")) == 2 * 2 * 3


def test_every_fit_is_a_whole_number_of_sheets_with_no_two_blanks_in_a_row():
    """Books of 1 to 12 articles of 1 to 9 pages, and contents of 1 to 3 pages."""
    rng = random.Random(20261207)
    for _ in range(300):
        names = [f"a{i}" for i in range(rng.randint(1, 12))]
        pages = counts(rng.randint(1, 3), **{n: rng.randint(1, 9) for n in names})
        best, _ = fit.best(pages, names)
        assert best.pages % 4 == 0
        blank = set(best.blanks())
        assert not any(n + 1 in blank for n in blank), best.slots
        assert len(blank - {2, best.pages - 1}) <= 2, best.slots
        assert [s.part for s in best.slots if s.part in names] == names
        for first, second in zip(best.slots, best.slots[1:], strict=False):
            assert second.start == first.start + first.pages
        assert best.slots[0].part == fit.COVER and best.slots[-1].part == fit.BACK


def visible_rules(path, number: int) -> int:
    """The ruled lines one sees on page ``number``: runs of rows drawn across most of it (the
    rules below the type area are clipped, so only the rendering tells)."""
    document = pypdfium2.PdfDocument(path)
    try:
        image = document[number - 1].render(scale=2).to_pil().convert("L")
    finally:
        document.close()
    width, height = image.size
    pixels = image.load()
    ruled = [
        sum(pixels[x, y] < 245 for x in range(0, width, 2)) > width / 2 * 0.6 for y in range(height)
    ]
    return sum(1 for y in range(1, height) if ruled[y] and not ruled[y - 1])


# --- built books --------------------------------------------------------------------------


def small_book(tmp_path, make_book_module, settings: str = "", title: str = "") -> pipeline.Options:
    root = tmp_path / "book"
    shutil.copytree(make_book_module, root)
    book = (root / "book.yaml").read_text("utf-8")
    if title:
        book = re.sub(r"^title: .*$", f"title: {title}", book, flags=re.M)
    (root / "book.yaml").write_text(book + settings, "utf-8")
    return pipeline.Options(book=root, out=tmp_path / "out", allow_placeholders=True)


def test_a_notes_page_prints_its_heading_ruled_lines_and_folio(example_book):
    """The example book keeps its title page (title_page: true): the sheet is padded with a
    notes page before the blank inside back cover."""
    plan = example_book.result.layouts["screen"].laid.plan
    assert plan.notes(), plan.summary()
    labels = PdfReader(example_book.path).page_labels
    with pdfplumber.open(example_book.path) as pdf:
        for number in plan.notes():
            page = pdf.pages[number - 1]
            text = re.sub(r"\s", "", page.extract_text())
            assert text == f"笔记{number}"
            assert visible_rules(example_book.path, number) == type_area(148, 210).lines - 2
            assert labels[number - 1] == str(number)
        assert pdf.pages[plan.pages - 2].chars == [] and labels[-2] == "封三"
    assert f"notes pages {', '.join(map(str, plan.notes()))}" in example_book.result.fitted


def test_text_on_the_inside_back_cover_is_labelled_by_its_folio(tmp_path, make_book_module):
    result = pipeline.build(small_book(tmp_path, make_book_module, "openings: any\n"))
    plan = result.layouts["screen"].laid.plan
    assert plan.slots[-2].part == "b", plan.summary()  # the last article runs to page n − 1
    labels = PdfReader(result.reader_path).page_labels
    with pdfplumber.open(result.reader_path) as pdf:
        inside_back = pdf.pages[-2].extract_text().split()
    assert labels[-2] == str(plan.pages - 1) == inside_back[-1]
    assert labels[:2] == ["封面", "封二"] and labels[-1] == "封底"


def test_articles_open_on_rectos_when_the_book_asks(tmp_path, make_book_module):
    result = pipeline.build(small_book(tmp_path, make_book_module, "openings: right\n"))
    plan = result.layouts["screen"].laid.plan
    opened = {title: page for level, title, page in outline(result.reader) if level == 1}
    assert len(opened) == 2 and all(page % 2 == 1 for page in opened.values()), opened
    assert sorted(opened.values()) == [plan.start("a"), plan.start("b")]
    assert result.problems == [p for p in result.problems if p.code == "preflight.placeholder"]
    assert result.fitted.endswith(plan.arrangement.describe())
    assert "articles open on rectos" in result.fitted


def test_a_long_title_steps_down_on_the_cover_and_cuts_the_running_head(tmp_path, make_book_module):
    """80 characters fit the cover and the title page of an A6 booklet; the running head on
    left pages is cut to its line with …, and the editor is told."""
    title = ("浙江对口支援涪陵三十三载" * 7)[:80]
    # Articles on rectos: each runs on to a left page, where the book's title is the head.
    settings = "page:\n  size: A6\nopenings: right\n"
    options = small_book(tmp_path, make_book_module, settings, title)
    result = pipeline.build(options)
    steps = result.layouts["screen"].laid.steps
    assert steps[fit.COVER] > 0 and result.pages % 4 == 0
    with pdfplumber.open(result.reader_path) as pdf:
        cover = pdf.pages[0]
        sizes = {round(c["size"], 1) for c in cover.chars if c["text"] == "浙"}
        assert max(sizes) < 34 * 105 / 148  # smaller than the A6 cover's own title size
        assert re.sub(r"\s", "", cover.extract_text()).count("浙江对口") >= 6  # whole title
        heads = [
            "".join(c["text"] for c in page.chars if c["top"] < 40)
            for page in pdf.pages
            if page.page_number % 2 == 0 and page.chars
        ]
    cut = [h for h in heads if h.endswith("…")]
    assert cut and all(title.startswith(h[:-1]) for h in cut)
    warned = [p for p in result.problems if p.code == "layout.running-head-cut"]
    assert len(warned) == 1 and warned[0].severity == "warning"


def test_a_title_too_long_for_the_cover_is_an_error_at_its_place(
    tmp_path, make_book_module, build_cli
):
    options = small_book(tmp_path, make_book_module, "page:\n  size: A6\n", "长" * 240)
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(options)
    spilled = [p for p in failed.value.problems if p.code == "layout.spill"]
    assert spilled and all(str(p.where).endswith("book.yaml:1:8") for p in spilled)
    assert "cover (封面) takes 2 pages" in spilled[0].message
    status, _, err = build_cli("--book", options.book, "--out", options.out)
    assert status == 1 and "[layout.spill]" in err and not options.out.exists()


@pytest.mark.parametrize(
    ("setting", "code"),
    [("title_page: maybe\n", "content.title-page"), ("openings: left\n", "content.openings")],
)
def test_a_setting_out_of_its_choices_is_an_error_at_its_place(
    tmp_path, make_book_module, setting, code
):
    options = small_book(tmp_path, make_book_module, setting)
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(options)
    [problem] = [p for p in failed.value.problems if p.code == code]
    line = SMALL_BOOK.count("\n") + 1
    assert (problem.where.line, problem.where.col) == (line, len(setting.split(":")[0]) + 3)
    assert problem.hint


def test_an_article_may_not_take_the_name_of_a_part_of_the_booklet(make_book):
    root = make_book(
        SMALL_BOOK.replace("articles/b.yaml", "articles/notes.yaml"),
        {"a.yaml": SMALL_ARTICLE.format(id="a"), "notes.yaml": SMALL_ARTICLE.format(id="notes")},
    )
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(pipeline.Options(book=root, out=root.parent / "out"))
    [problem] = [p for p in failed.value.problems if p.code == "content.reserved-id"]
    assert problem.where.file.endswith("notes.yaml") and problem.where.line == 1
    assert "notes" in problem.message and "choose another id" in problem.hint
