"""The read stage's stylesheet checks: every style problem found before any layout, in the
same run as the content's, at its file, line and column, each once, with a hint that leads
to a stylesheet that works."""

from __future__ import annotations

import pytest

from booklet import pipeline
from booklet.compose import paginate
from booklet.problems import BuildFailed

LOST_BRACE = """\
@layer components {
  .title {
    color: red;

  .byline { color: blue; }
}
"""


def failed(options, cwd) -> list[str]:
    with pytest.raises(BuildFailed) as raised:
        pipeline.build(options, cwd=cwd)
    return [str(p) for p in raised.value.problems]


@pytest.fixture
def no_layout(monkeypatch):
    """Any layout is a failure: the problems must be found before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("laid out although the read stage had found errors")

    monkeypatch.setattr(paginate, "lay_out", refuse)


def test_content_and_style_problems_come_in_one_run_before_any_layout(
    make_book, tmp_path, styles_copy, no_layout
):
    book = make_book(articles={"a.yaml": "id: a\ntitel: 题\nbody:\n  - 段落。\n"})
    (styles_copy / "overrides.css").write_text(".title {\n  colr: red;\n}\n", "utf-8")
    options = pipeline.Options(book=book, out=tmp_path / "out", styles=styles_copy)
    problems = failed(options, tmp_path)
    assert any("book/articles/a.yaml:2:1: error: unknown field 'titel'" in p for p in problems)
    assert any(
        p.startswith("styles/overrides.css:2:3: error: Ignored `colr: red`, unknown property")
        for p in problems
    ), problems


def test_a_refused_url_is_reported_once_at_its_place_with_a_hint_about_styles(
    make_book, tmp_path, styles_copy, no_layout
):
    (tmp_path / "elsewhere.png").write_bytes(b"\x89PNG")
    css = '.title {\n  background: url("../elsewhere.png");\n}\n@import url("../x.css");\n'
    (styles_copy / "overrides.css").write_text(css, "utf-8")
    options = pipeline.Options(book=make_book(), out=tmp_path / "out", styles=styles_copy)
    problems = failed(options, tmp_path)
    refused = [p for p in problems if "[security.refused]" in p]
    assert refused == [
        "styles/overrides.css:2:15: error: refused ../elsewhere.png: outside the book, styles "
        "and fonts folders — a stylesheet may load files from styles/ and fonts/ (and the book "
        "folder) only: copy the file into styles/ and point the url there [security.refused]",
        "styles/overrides.css:4:9: error: refused ../x.css: outside the book, styles and fonts "
        "folders — a stylesheet may load files from styles/ and fonts/ (and the book folder) "
        "only: copy the file into styles/ and point the url there [security.refused]",
    ]
    assert len(problems) == len(refused)  # nothing else, nothing twice


def test_a_lost_brace_is_placed_at_the_rule_that_lost_it_and_its_hint_works(
    make_book, tmp_path, styles_copy
):
    book = make_book()
    options = pipeline.Options(book=book, out=tmp_path / "out", styles=styles_copy)
    overrides = styles_copy / "overrides.css"
    overrides.write_text(LOST_BRACE, "utf-8")
    [problem] = failed(options, tmp_path)
    assert problem.startswith(
        "styles/overrides.css:2:10: error: this { of '.title' is never closed: '.byline' at "
        "line 5 is read as nested inside it — end '.title' with } after its last declaration, "
        "before line 5 [css.syntax]"
    ), problem
    # Following the hint: the brace where it says, and the byline rule applies again.
    lines = LOST_BRACE.splitlines(keepends=True)
    lines.insert(3, "  }\n")
    overrides.write_text("".join(lines), "utf-8")
    fixed = pipeline.build(options, cwd=tmp_path)
    assert not [p for p in fixed.problems if p.code.startswith("css.")]


def test_the_old_hint_at_the_end_of_the_file_now_warns_of_the_nested_rule(
    make_book, tmp_path, styles_copy
):
    """Closing the block at the end instead (the hint as it was) nests the byline rule
    inside the title rule, where it matches nothing: a warning says so."""
    (styles_copy / "overrides.css").write_text(LOST_BRACE + "}\n", "utf-8")
    options = pipeline.Options(book=make_book(), out=tmp_path / "out", styles=styles_copy)
    result = pipeline.build(options, cwd=tmp_path)
    [nested] = [str(p) for p in result.problems if p.code == "css.nested"]
    assert nested.startswith(
        "styles/overrides.css:5:3: warning: '.byline' is nested inside '.title' (line 2): "
        "it applies only inside that rule"
    )


def test_the_booklets_own_stylesheets_are_clean(tmp_path, styles_copy):
    from booklet.engine import FolderFetcher
    from booklet.typeset import csslint

    folders = [pipeline.PROJECT / "book", styles_copy, pipeline.PROJECT / "fonts"]
    checked = csslint.Checked()
    assert checked.check(styles_copy, tmp_path, folders, FolderFetcher(folders)) == []


def test_a_warm_process_checks_again_only_the_stylesheets_that_changed(
    tmp_path, styles_copy, monkeypatch
):
    from booklet.engine import FolderFetcher
    from booklet.typeset import csslint

    folders = [tmp_path, styles_copy, pipeline.PROJECT / "fonts"]
    fetcher = FolderFetcher(folders)
    checked = csslint.Checked()
    linted = []
    original = csslint._lint_one
    monkeypatch.setattr(
        csslint, "_lint_one", lambda path, *a: linted.append(path.name) or original(path, *a)
    )
    assert checked.check(styles_copy, tmp_path, folders, fetcher) == []
    assert len(linted) > 10
    linted.clear()
    tokens = styles_copy / "tokens.css"
    tokens.write_text(tokens.read_text("utf-8") + "\n:root { colr: red; }\n", "utf-8")
    found = checked.check(styles_copy, tmp_path, folders, fetcher)
    assert linted == ["tokens.css"]
    assert [p.code for p in found] == ["css.ignored"]  # reported on every check, not once
    assert [p.code for p in checked.check(styles_copy, tmp_path, folders, fetcher)] == [
        "css.ignored"
    ]
