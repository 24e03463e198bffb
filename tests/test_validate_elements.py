"""Broken input of the content's elements → exact problems at their place: notes, inline
marks, verse, sections, lists, tables, pull quotes with elisions, people; and the mistakes
that used to pass silently (a list item swallowed by the line above, a tab, invisible
characters after the first, a script the fonts lack, a symbolic link out of the book, a
folder named as an article)."""

from __future__ import annotations

import os

import pytest

from booklet.content.glyphs import Coverage
from booklet.content.validate import read_book
from booklet.problems import BuildFailed

from .conftest import FONTS, MINIMAL_BOOK, STYLES

HEAD = "id: a\ntitle: 标题\n"
CASES = [
    # (article yaml after id and title, code, message fragment, line, col)
    ("body:\n  - 注释[^1]。\n", "content.note-missing", "[^1] is called but not written", 4, 5),
    ("body:\n  - 段落。\nnotes:\n  x: 注。\n", "content.note-unused", "'x' is never called", 6, 3),
    (
        "body:\n  - 甲[^1]乙[^1]。\nnotes:\n  1: 注。\n",
        "content.note-twice",
        "called a second time (first at line 4)",
        4,
        5,
    ),
    (
        'body:\n  - table:\n      header: [甲]\n      rows:\n        - ["注[^1]"]\nnotes:\n  1: 注。\n',
        "content.note-place",
        "a note cannot be called from a table cell",
        7,
        12,
    ),
    ("body:\n  - 段落。\nnotes: 注释\n", "content.wrong-type", "'notes' must be a mapping", 5, 8),
    ("body:\n  - 这是*着重\n", "content.emphasis", "'*' is not closed (character 3", 4, 5),
    (
        "body:\n  - verse: 第一行\n      第二行\n",
        "content.lines-joined",
        "the lines of this verse are joined into one",
        4,
        12,
    ),
    ("body:\n  - blockquote: 3\n", "content.wrong-type", "a blockquote must be text", 4, 17),
    ("body:\n  - signoff:\n", "content.empty-text", "the sign-off is empty", 4, 5),
    (
        "sections:\n  - body: [段落。]\n",
        "content.missing-field",
        "a section has no 'heading' — add heading: (小标题), or mark: ＊",
        4,
        5,
    ),
    (
        "sections:\n  - heading: 一\n    mark: ＊\n    body: [段落。]\n",
        "content.section-mark",
        "a heading or a break mark, not both",
        5,
        11,
    ),
    (
        "sections:\n  - heading: 一\n    body: [段落。]\n    sections:\n      - heading: 二\n"
        "        body: [段落。]\n        sections:\n          - heading: 三\n"
        "            body: [段落。]\n",
        "content.section-depth",
        "a subsection cannot have sections",
        9,
        9,
    ),
    (
        "body:\n  - list:\n      numbers: 甲\n      items: [一项]\n",
        "content.list-numbers",
        "numbers '甲' is not a numbering",
        5,
        16,
    ),
    ("body:\n  - list: 一项\n", "content.wrong-type", "a list must be a list of items", 4, 11),
    (
        "body:\n  - table:\n      header: [甲, 乙]\n      rows:\n        - [1, 2]\n        - [3]\n",
        "content.table-row",
        "row 2 has 1 cells; the header has 2",
        8,
        11,
    ),
    ("body:\n  - table:\n      rows: [[1]]\n", "content.missing-field", "has no 'header'", 5, 7),
    (
        "body:\n  - 燕子去了，有再来的时候；杨柳枯了，有再青的时候。\n"
        "  - quote: 杨柳枯了……燕子去了\n",
        "content.quote-not-in-text",
        "'燕子去了' (piece 2 of 2, between ……) is not found after the words before it",
        5,
        12,
    ),
    (
        "body:\n  - poem: 一行\n",
        "content.unknown-block",
        "a block is a paragraph (text) or one of: quote: 摘句; blockquote: 引文; verse: 诗; "
        "signoff: 落款; list: 列表; table: 表格; figure: 图片; facts: 数字",
        4,
        5,
    ),
    (
        "epigraph:\n  source: 某书\nbody:\n  - 段落。\n",
        "content.missing-field",
        "an epigraph has no 'text'",
        4,
        3,
    ),
]


@pytest.mark.parametrize(("article", "code", "fragment", "line", "col"), CASES)
def test_a_broken_element_is_reported_at_its_place(make_book, article, code, fragment, line, col):
    root = make_book(articles={"a.yaml": HEAD + article})
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root, styles=STYLES)
    found = [p for p in failed.value.problems if p.code == code]
    assert found, [str(p) for p in failed.value.problems]
    assert fragment in str(found[0]), str(found[0])
    assert (found[0].where.line, found[0].where.col) == (line, col), str(found[0])
    assert str(found[0]).startswith(f"articles/a.yaml:{line}:{col}: error: ")


def test_an_unknown_block_close_to_a_name_says_so_and_lists_every_block(make_book):
    root = make_book(articles={"a.yaml": HEAD + "body:\n  - qoute: 段落\n  - blockqoute: 段落\n"})
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root)
    hints = [p.hint for p in failed.value.problems if p.code == "content.unknown-block"]
    assert hints[0].startswith("did you mean 'quote'? a block is a paragraph (text) or one of")
    assert hints[1].startswith("did you mean 'blockquote'?")
    assert all("table: 表格" in h for h in hints)


def test_blockquote_is_a_block_of_its_own(make_book):
    """It used to get "did you mean 'quote'", a pull quote that must repeat the text."""
    article = HEAD + "body:\n  - 引文如下：\n  - blockquote: 别处的话，不在正文里。\n"
    book, warnings = read_book(make_book(articles={"a.yaml": article}), cwd=None)
    assert warnings == ()
    assert [p.text for p in book.articles[0].paragraphs()] == [
        "引文如下：",
        "别处的话，不在正文里。",
    ]


def test_book_people_with_roles_and_their_mistakes(make_book):
    good = MINIMAL_BOOK + "authors:\n  - name: 甲\n    role: 著\n  - 乙\n"
    book, _ = read_book(make_book(book=good), cwd=None)
    assert book.pdf_author == "甲 著；乙"
    bad = MINIMAL_BOOK + "authors:\n  - role: 译\n  - 3\n"
    root = make_book(book=bad)
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root)
    assert [(str(p.where), p.code) for p in failed.value.problems] == [
        ("book.yaml:9:5", "content.missing-field"),
        ("book.yaml:10:5", "content.wrong-type"),
    ]


def test_a_list_item_indented_by_three_spaces_is_named_where_the_lines_joined(make_book):
    """YAML reads the item as more of the paragraph above: it would print
    "…从未停歇。 - 这是一场…". The warning is at the swallowed line."""
    article = HEAD + "body:\n  - 第一段，从未停歇。\n   - 这是一场新的开始。\n  - 第三段。\n"
    root = make_book(articles={"a.yaml": article})
    book, warnings = read_book(root, cwd=root)
    assert [(str(w.where), w.code) for w in warnings] == [
        ("articles/a.yaml:5:4", "content.list-swallowed")
    ]
    assert "'…一段，从未停歇。 - 这是一场新的…'" in warnings[0].message
    assert book.articles[0].paragraphs()[0].text == "第一段，从未停歇。 - 这是一场新的开始。"


def test_a_tab_in_text_is_a_warning_at_its_place(make_book):
    article = HEAD + 'body:\n  - "甲\\t乙\\t\\t丙。"\n'
    root = make_book(articles={"a.yaml": article})
    _, warnings = read_book(root, cwd=root)
    assert [(str(w.where), w.code) for w in warnings] == [
        ("articles/a.yaml:4:5", "content.tab")
    ] * 2
    assert "(character 2)" in warnings[0].message and "(characters 4–5)" in warnings[1].message
    assert "prints as one space" in warnings[0].message


def test_every_invisible_character_of_a_field_is_reported(make_book):
    article = HEAD + 'body:\n  - "甲\\u0007乙\\u200b\\u200b丙\\u0008。"\n'
    root = make_book(articles={"a.yaml": article})
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root)
    messages = [p.message for p in failed.value.problems if p.code == "content.control-char"]
    assert messages == [
        "'paragraph' contains the invisible character U+0007 (character 2)",
        "'paragraph' contains the invisible characters U+200B U+200B (characters 4–5)",
        "'paragraph' contains the invisible character U+0008 (character 7)",
    ]


def test_a_word_in_a_script_the_fonts_lack_is_one_message(make_book):
    article = HEAD + "body:\n  - 阿拉伯文مرحبا和عالم。\n"
    root = make_book(articles={"a.yaml": article})
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root, glyphs=Coverage(FONTS))
    missing = [p.message for p in failed.value.problems if p.code == "content.no-glyph"]
    assert missing == [
        "no font in fonts/ has the characters 'مرحبا' (U+0645 U+0631 U+062D U+0628 …), "
        "characters 5–9 of this paragraph",
        "no font in fonts/ has the characters 'عالم' (U+0639 U+0627 U+0644 U+0645), "
        "characters 11–14 of this paragraph",
    ]


def test_a_symbolic_link_out_of_the_book_says_it_is_one(make_book, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "photo.png").write_bytes(b"not read")
    article = HEAD + "body:\n  - figure:\n      image: shared/photo.png\n      caption: 图\n"
    root = make_book(articles={"a.yaml": article})
    os.symlink(outside, root / "shared")
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root)
    (problem,) = failed.value.problems
    assert problem.code == "content.path-outside" and str(problem.where) == "articles/a.yaml:5:14"
    assert f"is a symbolic link to {outside}, outside the book folder" in problem.message


def test_an_article_path_that_is_a_folder_says_so(make_book):
    root = make_book(book=MINIMAL_BOOK.replace("articles/a.yaml", "articles"))
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root)
    (problem,) = failed.value.problems
    assert problem.code == "content.not-a-file"
    assert problem.message == "'articles' is a folder, not an article file"
    assert problem.hint == "list the files in it, e.g. articles/a.yaml"
    assert "did you mean" not in str(problem)


def test_notes_are_numbered_in_the_order_of_their_calls(make_book):
    article = (
        HEAD
        + "body:\n  - 乙[^b]甲[^a]。\n  - verse: |\n      诗[^c]\nnotes:\n  a: 注甲。\n  b: 注乙。\n  c: 注丙。\n"
    )
    book, _ = read_book(make_book(articles={"a.yaml": article}), cwd=None)
    notes = book.articles[0].notes
    assert [(n.key, n.number, n.body.text) for n in notes] == [
        ("b", 1, "注乙。"),
        ("a", 2, "注甲。"),
        ("c", 3, "注丙。"),
    ]
    assert book.articles[0].paragraphs()[0].text == "乙甲。"  # the calls are not words


def test_inline_marks_and_what_stays_literal(make_book):
    article = (
        HEAD
        + 'body:\n  - "**粗***着重*，2 * 3，\\\\*星\\\\*，[^没有]之外[无]。"\nnotes:\n  没有: 注。\n'
    )
    book, _ = read_book(make_book(articles={"a.yaml": article}), cwd=None)
    runs = book.articles[0].paragraphs()[0].runs
    assert runs == (
        ("粗", "strong"),
        ("着重", "em"),
        ("，2 * 3，*星*，", None),
        ("没有", "note"),
        ("之外[无]。", None),
    )
