"""Property tests: any text in any field builds or fails with a message, and what builds
prints exactly the text it was given."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pdfplumber
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booklet import pipeline
from booklet.glyphs import coverage
from booklet.pipeline import FONTS
from booklet.problems import BuildFailed
from booklet.validate import read_book

from .pdffacts import body_chars, outline

BOOK = {
    "title": "性质测试",
    "slug": "prop",
    "publisher": "测试出版",
    "date": "2026-01-02",
    "language": "zh-Hans",
    "articles": ["articles/a.yaml"],
}
FIELDS = ["title", "column", "series", "lede", "running_head"]

# Text an editor might type: Han, Chinese punctuation, Latin, digits, spaces, symbols.
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
CJK_PUNCT = st.sampled_from(list("，。、；：？！“”‘’（）《》〈〉「」—…·"))
LATIN = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789%-/.:"))
EDITOR_TEXT = st.text(
    st.one_of(HAN, HAN, HAN, CJK_PUNCT, LATIN, st.just(" ")), min_size=1, max_size=120
).filter(lambda t: t.strip())


def write_book(root: Path, article: dict) -> None:
    if root.exists():
        shutil.rmtree(root)
    (root / "articles").mkdir(parents=True)
    (root / "book.yaml").write_text(yaml.safe_dump(BOOK, allow_unicode=True), "utf-8")
    text = yaml.safe_dump(article, allow_unicode=True)
    (root / "articles" / "a.yaml").write_text(text, "utf-8")


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from([*FIELDS, "body"]), text=st.text(max_size=200))
def test_any_text_in_any_field_loads_or_fails_with_a_message(field, text):
    article = {"id": "a", "title": "标题", "body": ["段落。"]}
    article[field] = [text] if field == "body" else text
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "book"
        write_book(root, article)
        try:
            read_book(root, cwd=root, glyphs=coverage(FONTS))
        except BuildFailed as failed:
            for problem in failed.problems:
                assert problem.code.startswith("content.")
                assert problem.where.file.endswith(".yaml")
                assert "Traceback" not in str(problem)


@settings(max_examples=12, deadline=20000, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs=st.lists(EDITOR_TEXT, min_size=1, max_size=3))
def test_the_pdf_prints_exactly_the_text_it_was_given(paragraphs):
    article = {"id": "a", "title": "标题", "body": paragraphs}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "book"
        write_book(root, article)
        result = pipeline.build(pipeline.Options(book=root, out=Path(folder) / "out"))
        first = outline(result.pdf.read_bytes())[0][2]  # the article's first page
        with pdfplumber.open(result.pdf) as pdf:
            pages = pdf.pages[first - 1 : -1]  # up to the back cover
            printed = "".join(c["text"] for p in pages for c in body_chars(p, 19, 21))
    expected = "标题" + "".join(paragraphs)
    assert "".join(printed.split()) == "".join(expected.split())
