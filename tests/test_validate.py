"""Broken input → exact problems: code, place and message, every problem in one run."""

from __future__ import annotations

import pytest

from booklet.content.validate import read_book
from booklet.problems import BuildFailed, Where

from .conftest import MINIMAL_ARTICLE, MINIMAL_BOOK, STYLES

ARTICLE_CASES = [
    # (article yaml, code, message fragment, line, col)
    ('id: a\ntitle: "不闭合\nbody:\n  - 段落。\n', "content.yaml-syntax", "never closed", 2, 8),
    ("id: a\ntitle: 标题\nbody:\n\t- 段落。\n", "content.yaml-syntax", "tab", 4, 1),
    (
        "id: a\ntitel: 标题\nbody:\n  - 段落。\n",
        "content.unknown-field",
        "did you mean 'title'",
        2,
        1,
    ),
    ("id: a\nbody:\n  - 段落。\n", "content.missing-field", "has no 'title'", 1, 1),
    (
        "id: a\ntitle: [一, 二]\nbody:\n  - 段落。\n",
        "content.wrong-type",
        "'title' must be text",
        2,
        8,
    ),
    ("id: a\ntitle: 2026\nbody:\n  - 段落。\n", "content.wrong-type", "not the number 2026", 2, 8),
    (
        "id: a\ntitle: 一\ntitle: 二\nbody:\n  - 段落。\n",
        "content.duplicate-key",
        "appears twice",
        3,
        1,
    ),
    (
        "id: a\ntitle: 标题\nbody:\n  - figure:\n      image: images/none.jpg\n      caption: 图说\n",
        "content.image-missing",
        "looked in",
        5,
        14,
    ),
    (
        "id: a\ntitle: 标题\nbody:\n  - figure:\n      image: ../../secret.jpg\n      caption: 图说\n",
        "content.path-outside",
        "outside the book",
        5,
        14,
    ),
    (
        "id: a\ntitle: 标题\nbody:\n  - figure:\n      image: https://example.com/a.jpg\n      caption: 图\n",
        "content.path-outside",
        "not a path inside the book",
        5,
        14,
    ),
    (
        "id: a\ntitle: 标题\nbody:\n  - 段落。\n  - quote: 不在文中的话\n",
        "content.quote-not-in-text",
        "pull quote",
        5,
        12,
    ),
    ("id: a\ntitle: 标题\nbody:\n  - 这是**粗体\n", "content.emphasis", "'**' is not closed", 4, 5),
    ('id: a\ntitle: 标题\nbody:\n  - "段落\\u0007。"\n', "content.control-char", "U+0007", 4, 5),
    (
        "id: a\ntitle: 标题\nbody:\n  - qoute: 段落\n",
        "content.unknown-block",
        "did you mean 'quote'",
        4,
        5,
    ),
    (
        "id: a\ntitle: 标题\nbody:\n  - figure:\n      caption: 图说\n",
        "content.figure-image",
        "needs image",
        4,
        5,
    ),
    ("id: a b\ntitle: 标题\nbody:\n  - 段落。\n", "content.bad-id", "letters, digits", 1, 5),
    (
        "id: a\ntitle: 标题\nsections:\n  - heading: 小标题\n",
        "content.missing-field",
        "has no 'body'",
        4,
        5,
    ),
    ("", "content.empty-file", "empty", 1, 1),
    ("title: 标题\nbody:\n  - 段落。\n", "content.missing-field", "has no 'id'", 1, 1),
    ("id:\ntitle: 标题\nbody:\n  - 段落。\n", "content.missing-field", "has no 'id'", 1, 1),
    ('id: ""\ntitle: 标题\nbody:\n  - 段落。\n', "content.empty-text", "'id' is empty", 1, 5),
    (
        "id: a\ntitle: 标题\nsections:\n  - id: s\n    heading: 一\n    body: [段落。]\n"
        "  - id: s\n    heading: 二\n    body: [段落。]\n",
        "content.duplicate-id",
        "id 's' is used twice",
        7,
        5,
    ),
    # A raw control character in the file (not an escape in quotes): YAML refuses to read it.
    ("id: a\ntitle: 标题\nbody:\n  - 段落\x07。\n", "content.control-char", "U+0007", 4, 7),
    ("id: a\ntitle: 标\x00题\nbody:\n  - 段落。\n", "content.control-char", "U+0000", 2, 9),
    # Aliases repeat nodes by reference: refused, so no cycle or billion laughs can form.
    (
        "id: a\ntitle: &t 标题\nrunning_head: *t\nbody:\n  - 段落。\n",
        "content.yaml-syntax",
        "aliases (*name) are not supported",
        3,
        15,
    ),
    ("id: a\ntitle: 标题\nbody: &b\n  - *b\n", "content.yaml-syntax", "aliases", 4, 5),
    (
        "id: a\ntitle: 标题\nbody:\n  - " + "[" * 5000 + "]" * 5000 + "\n",
        "content.yaml-syntax",
        "nested more than 64 levels deep",
        4,
        67,
    ),
]


@pytest.mark.parametrize(("article", "code", "fragment", "line", "col"), ARTICLE_CASES)
def test_broken_article_is_reported_at_its_place(make_book, article, code, fragment, line, col):
    root = make_book(articles={"a.yaml": article})
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root, styles=STYLES)
    found = [p for p in failed.value.problems if p.code == code]
    assert found, [str(p) for p in failed.value.problems]
    problem = found[0]
    assert problem.severity == "error"
    assert fragment in str(problem)
    assert (problem.where.file, problem.where.line, problem.where.col) == (
        "articles/a.yaml",
        line,
        col,
    )
    assert str(problem).startswith(f"articles/a.yaml:{line}:{col}: error: ")
    assert str(problem).endswith(f"[{code}]")


BOOK_CASES = [
    (MINIMAL_BOOK.replace("date: 2026-01-02", "date: 明天"), "content.wrong-type", "a date", 4, 7),
    (MINIMAL_BOOK + "page:\n  size: A55\n", "content.page-size", "did you mean 'A5'", 9, 9),
    (MINIMAL_BOOK + "theme: bookelt\n", "content.unknown-theme", "did you mean 'booklet'", 8, 8),
    (
        MINIMAL_BOOK.replace("articles/a.yaml", "articles/b.yaml"),
        "content.file-missing",
        "did you mean 'articles/a.yaml'",
        7,
        5,
    ),
    (MINIMAL_BOOK + "  - articles/a.yaml\n", "content.duplicate-file", "listed twice", 8, 5),
    (
        MINIMAL_BOOK.replace("  - articles/a.yaml\n", "  []\n").replace("articles:\n", "articles:"),
        "content.empty-book",
        "no articles",
        6,
        12,
    ),
    (
        MINIMAL_BOOK.replace("slug: test-book", "slug: 测试/书"),
        "content.bad-slug",
        "plain file name",
        2,
        7,
    ),
    (MINIMAL_BOOK.replace("zh-Hans", "en"), "content.language", "zh-Hans", 5, 11),
    (
        MINIMAL_BOOK.replace("publisher: 测试出版\n", ""),
        "content.missing-field",
        "has no 'publisher'",
        1,
        1,
    ),
]


@pytest.mark.parametrize(("book", "code", "fragment", "line", "col"), BOOK_CASES)
def test_broken_book_yaml_is_reported_at_its_place(make_book, book, code, fragment, line, col):
    root = make_book(book=book)
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root, styles=STYLES)
    found = [p for p in failed.value.problems if p.code == code]
    assert found, [str(p) for p in failed.value.problems]
    assert fragment in str(found[0])
    assert (found[0].where.file, found[0].where.line, found[0].where.col) == (
        "book.yaml",
        line,
        col,
    )


def test_two_articles_with_one_id_are_reported_at_the_second(make_book):
    book = MINIMAL_BOOK + "  - articles/b.yaml\n"
    article_b = "id: a\ntitle: 第二篇\nbody:\n  - 段落。\n"
    root = make_book(book=book, articles={"a.yaml": MINIMAL_ARTICLE, "b.yaml": article_b})
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root)
    assert [str(p) for p in failed.value.problems] == [
        "articles/b.yaml:1:1: error: id 'a' is used twice — first used at articles/a.yaml:1:1; "
        "ids must be unique [content.duplicate-id]"
    ]


def test_a_billion_laughs_fails_at_once(make_book):
    """Aliases of aliases would multiply into 9^8 values: refused at the first alias."""
    levels = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 9))
    article = "id: a\ntitle: 标题\nl0: &l0 [哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈]\n" + levels
    root = make_book(articles={"a.yaml": article + "body:\n  - 段落。\n"})
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root)
    assert [p.code for p in failed.value.problems] == ["content.yaml-syntax"]
    assert failed.value.problems[0].where == Where("articles/a.yaml", 4, 10)


def test_every_problem_of_every_file_in_one_run(make_book):
    article_a = "id: a\ntitel: 标题\nbody:\n  - 这是**粗体\n  - qoute: 段落\n"
    article_b = "id: a\ntitle: 第二篇\nbody:\n  - 段落。\n"
    book = MINIMAL_BOOK + "  - articles/b.yaml\n"
    root = make_book(book=book, articles={"a.yaml": article_a, "b.yaml": article_b})
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root)
    codes = sorted(p.code for p in failed.value.problems)
    assert codes == [
        "content.duplicate-id",
        "content.emphasis",
        "content.missing-field",
        "content.unknown-block",
        "content.unknown-field",
    ]


def test_placeholder_is_valid_content(make_book):
    """A placeholder is not a content error; the preflight warns (screen) or fails (print)."""
    article = "id: a\ntitle: 标题\nbody:\n  - 段落。\n  - figure:\n      placeholder: true\n      caption: 图说\n"
    root = make_book(articles={"a.yaml": article})
    book, warnings = read_book(root, cwd=root)
    assert warnings == ()
    assert book.articles[0].figures()[0].placeholder


def test_line_breaks_between_chinese_characters_vanish(make_book):
    article = (
        "id: a\ntitle: 标题\nbody:\n"
        "  - 第一行文字\n    接着第二行 English words\n    continue here。\n"
        "  - |\n    字面块第一行\n    第二行 and\n    Latin\n"
    )
    root = make_book(articles={"a.yaml": article})
    book, _ = read_book(root, cwd=root)
    texts = [p.text for p in book.articles[0].paragraphs()]
    assert texts == [
        "第一行文字接着第二行 English words continue here。",
        "字面块第一行第二行 and Latin",
    ]


def test_raw_html_is_kept_as_text(make_book):
    article = 'id: a\ntitle: 标题<b>粗</b>\nbody:\n  - "<script>alert(1)</script>文字"\n'
    root = make_book(articles={"a.yaml": article})
    book, _ = read_book(root, cwd=root)
    assert book.articles[0].title == "标题<b>粗</b>"
    assert book.articles[0].paragraphs()[0].text == "<script>alert(1)</script>文字"


def test_the_real_book_has_no_content_problems():
    from booklet.pipeline import PROJECT

    book, warnings = read_book(PROJECT / "book", cwd=PROJECT)
    assert warnings == ()
    assert [a.id for a in book.articles] == ["feature", "commentary", "cdb"]


def test_the_factory_book_is_valid(make_book):
    book, warnings = read_book(make_book(), cwd=None)
    assert warnings == () and book.articles[0].paragraphs()[0].text == "这是第一段正文，用来测试。"


def test_a_character_outside_every_font_is_named_with_its_place(make_book):
    from booklet.content.glyphs import Coverage

    from .conftest import FONTS

    article = "id: a\ntitle: 标题\nbody:\n  - 第一段。\n  - 表情😀和生僻字𠀀。\n"
    root = make_book(articles={"a.yaml": article})
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root, glyphs=Coverage(FONTS))
    messages = [str(p) for p in failed.value.problems]
    assert messages == [
        "articles/a.yaml:5:5: error: no font in fonts/ has the character '😀' (U+1F600), "
        "character 3 of this paragraph — replace it, or add a font that has it "
        "(see fonts/README.md) [content.no-glyph]",
        "articles/a.yaml:5:5: error: no font in fonts/ has the character '𠀀' (U+20000), "
        "character 8 of this paragraph — replace it, or add a font that has it "
        "(see fonts/README.md) [content.no-glyph]",
    ]


def test_rare_characters_the_fonts_have_pass(make_book):
    from booklet.content.glyphs import Coverage

    from .conftest import FONTS

    article = "id: a\ntitle: 嘉陵江碕石\nbody:\n  - 碕石、夏坝、AMOLED、12吋。\n"
    root = make_book(articles={"a.yaml": article})
    book, _ = read_book(root, cwd=root, glyphs=Coverage(FONTS))
    assert book.articles[0].title == "嘉陵江碕石"


def test_a_character_only_some_fonts_have_is_a_warning_naming_it_and_them(make_book):
    """Ą is in LXGW WenKai only: a caption (set in that face) prints it, body text or a
    heading would fall back to a font outside fonts/ and fail the build's font check, with
    no word of which character. The warning names it, its place and the faces without it."""
    from booklet.content.glyphs import Coverage

    from .conftest import FONTS

    article = "id: a\ntitle: 标题\nbody:\n  - 波兰文Ąą与Ą。\n"
    root = make_book(articles={"a.yaml": article})
    _, warnings = read_book(root, cwd=root, glyphs=Coverage(FONTS))
    # One warning per run of such characters (each character named where it first stands).
    assert [(str(w.where), w.severity, w.code) for w in warnings] == [
        ("articles/a.yaml:4:5", "warning", "content.glyph-partial")
    ]
    assert "'Ąą' (U+0104 U+0105), characters 4–5 of this paragraph" in warnings[0].message
    assert "NotoSerifCJKsc-Regular.otf" in warnings[0].message
    assert "LXGWWenKai" not in warnings[0].message
