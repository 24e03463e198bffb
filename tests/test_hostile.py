"""Hostile and broken input: a clear message and exit 1, nothing leaves the book, output
deterministic and atomic."""

from __future__ import annotations

import io
import os
import signal
import struct
import subprocess
import sys
import zlib

import pytest
from PIL import Image

from booklet import pipeline
from booklet.glyphs import coverage
from booklet.pipeline import FONTS, PROJECT
from booklet.problems import BuildFailed
from booklet.validate import read_book

from .conftest import MINIMAL_ARTICLE, MINIMAL_BOOK


def png(width=40, height=30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions: the shape of a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat_data = zlib.compress(b"\0" * 64)
    idat = struct.pack(">I", len(idat_data)) + b"IDAT" + idat_data
    idat += struct.pack(">I", zlib.crc32(b"IDAT" + idat_data))
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat + b"\0\0\0\0IEND\xaeB`\x82"


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, "GIF")
    return buffer.getvalue()


def figure_article(image: str) -> str:
    return f"id: a\ntitle: 标题\nbody:\n  - 段落。\n  - figure:\n      image: {image}\n      caption: 图说\n"


IMAGE_CASES = [
    # (file name, bytes, code, message fragment)
    ("images/empty.jpg", b"", "content.image-bad", "empty (0 bytes)"),
    (
        "images/broken.jpg",
        b"\xff\xd8\xff\xe0 not really a jpeg",
        "content.image-bad",
        "cannot be read",
    ),
    (
        "images/bomb.png",
        png_header_only(100_000, 100_000),
        "content.image-bad",
        "10,000,000,000 pixels, too large",
    ),
    ("images/anim.gif", gif(), "content.image-bad", "format GIF is not supported"),
    ("images/text.png", "这不是图片".encode(), "content.image-bad", "cannot be read"),
    (
        "images/script.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "content.image-bad",
        "scripts",
    ),
    (
        "images/link.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="file:///etc/passwd"/></svg>',
        "content.image-bad",
        "references to other files",
    ),
    (
        "images/onload.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><rect width="1" height="1"/></svg>',
        "content.image-bad",
        "event handlers",
    ),
]


@pytest.mark.parametrize(("name", "data", "code", "fragment"), IMAGE_CASES)
def test_bad_image_is_refused_with_its_place(make_book, name, data, code, fragment):
    root = make_book(articles={"a.yaml": figure_article(name)}, images=[(name, data)])
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root)
    [problem] = [p for p in failed.value.problems if p.code == code]
    assert fragment in problem.message
    assert (problem.where.file, problem.where.line, problem.where.col) == ("articles/a.yaml", 6, 14)


PATH_CASES = [
    "file:///etc/passwd",
    "/etc/passwd",
    "../../../etc/passwd",
    "images/../../secret.png",
    "http://example.com/photo.jpg",
    "https://example.com/photo.jpg",
    "data:image/png;base64,iVBORw0KGgo=",
]


@pytest.mark.parametrize("reference", PATH_CASES)
def test_image_references_outside_the_book_are_refused(make_book, reference):
    root = make_book(articles={"a.yaml": figure_article(f'"{reference}"')})
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root)
    assert [p.code for p in failed.value.problems] == ["content.path-outside"]


def test_symlink_pointing_outside_the_book_is_refused(make_book, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png())
    root = make_book(articles={"a.yaml": figure_article("images/link.png")})
    (root / "images").mkdir()
    (root / "images" / "link.png").symlink_to(secret)
    with pytest.raises(BuildFailed) as failed:
        read_book(root, cwd=root)
    assert [p.code for p in failed.value.problems] == ["content.path-outside"]


def test_a_good_image_builds(make_book, tmp_path):
    root = make_book(
        articles={"a.yaml": figure_article("images/ok.png")},
        images=[("images/ok.png", png(600, 400))],
    )
    result = pipeline.build(pipeline.Options(book=root, out=tmp_path / "out"))
    assert result.pdf.is_file()


TEXT_CASES = [
    # Text that must print literally, neither interpreted nor lost.
    "<script>alert('x')</script>正文",
    "<b>不是粗体</b>与&amp;实体&lt;",
    "{{ book.title }} 与 {% for x in y %} 照印",
    '<link rel="attachment" href="file:///etc/passwd">附件',
    "url(file:///etc/passwd) 与 @import url(x.css);",
]


@pytest.fixture(scope="module")
def literal_pdf(tmp_path_factory):
    root = tmp_path_factory.mktemp("literal") / "book"
    (root / "articles").mkdir(parents=True)
    (root / "book.yaml").write_text(MINIMAL_BOOK, encoding="utf-8")
    body = "".join("  - '" + t.replace("'", "''") + "'\n" for t in TEXT_CASES)
    (root / "articles" / "a.yaml").write_text(
        f"id: a\ntitle: 字面\nbody:\n{body}", encoding="utf-8"
    )
    out = tmp_path_factory.mktemp("literal-out")
    return pipeline.build(pipeline.Options(book=root, out=out, html=True))


@pytest.mark.parametrize("text", TEXT_CASES)
def test_markup_and_template_syntax_print_literally(literal_pdf, text):
    import pdfplumber

    with pdfplumber.open(literal_pdf.pdf) as pdf:
        printed = "".join(c["text"] for p in pdf.pages for c in p.chars)
    assert "".join(text.split()) in "".join(printed.split())


def test_no_attachment_or_outside_file_reaches_the_pdf(literal_pdf):
    data = literal_pdf.pdf.read_bytes()
    assert b"/EmbeddedFile" not in data and b"/FileAttachment" not in data
    assert b"root:x:0:0" not in data


def test_css_url_to_an_outside_file_is_refused_and_never_read(tmp_path, make_book):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42", encoding="utf-8")
    styles = tmp_path / "styles"
    import shutil

    shutil.copytree(PROJECT / "styles", styles)
    (styles / "overrides.css").write_text(
        f'.title::after {{ content: url("{secret.as_uri()}"); }}\n'
        f'@font-face {{ font-family: X; src: url("{secret.as_uri()}"); }}\n',
        encoding="utf-8",
    )
    root = make_book()
    old = pipeline.STYLES
    pipeline.STYLES = styles
    try:
        with pytest.raises(BuildFailed) as failed:
            pipeline.build(pipeline.Options(book=root, out=tmp_path / "out"))
    finally:
        pipeline.STYLES = old
    assert "security.refused" in {p.code for p in failed.value.problems}
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_paragraph_of_45000_characters_lays_out_whole(make_book, tmp_path):
    long_paragraph = "浙江与涪陵的协作，" * 5000
    article = f"id: a\ntitle: 长文\nbody:\n  - {long_paragraph}\n"
    root = make_book(articles={"a.yaml": article})
    result = pipeline.build(pipeline.Options(book=root, out=tmp_path / "out"))
    import pdfplumber

    from .pdffacts import body_chars

    with pdfplumber.open(result.pdf) as pdf:  # running heads and folios left out
        printed = "".join(c["text"] for p in pdf.pages for c in body_chars(p, 19, 21))
    assert printed.count("浙江与涪陵的协作") == 5000


@pytest.mark.parametrize(
    "word",
    ["https://example.com/" + "a" * 2000, "Pneumonoultramicroscopic" * 80],
    ids=["url", "word"],
)
def test_an_unbreakable_word_is_reported_not_cut(make_book, tmp_path, word):
    article = f"id: a\ntitle: 长词\nbody:\n  - 第一段。\n  - 网址{word}结束。\n"
    root = make_book(articles={"a.yaml": article})
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(pipeline.Options(book=root, out=tmp_path / "out"))
    problems = failed.value.problems
    assert {p.code for p in problems} == {"preflight.overflow"}, [str(p) for p in problems]
    problem = problems[0]
    assert problem.where.file.endswith("book/articles/a.yaml") and problem.where.line == 5
    assert not (tmp_path / "out").exists()


def test_missing_font_file_is_an_error_naming_it(tmp_path, make_book):
    import shutil

    styles = tmp_path / "styles"
    shutil.copytree(PROJECT / "styles", styles)
    css = (styles / "fonts.css").read_text("utf-8").replace("LXGWWenKai-Regular.ttf", "Missing.ttf")
    (styles / "fonts.css").write_text(css, encoding="utf-8")
    old = pipeline.STYLES
    pipeline.STYLES = styles
    try:
        with pytest.raises(BuildFailed) as failed:
            pipeline.build(pipeline.Options(book=make_book(), out=tmp_path / "out"))
    finally:
        pipeline.STYLES = old
    assert any("Missing.ttf" in str(p) for p in failed.value.problems)


def test_characters_outside_every_font_fail_the_build_by_name(make_book, tmp_path):
    article = MINIMAL_ARTICLE + "  - 表情😀\n"
    root = make_book(articles={"a.yaml": article})
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(pipeline.Options(book=root, out=tmp_path / "out"))
    assert [p.code for p in failed.value.problems] == ["content.no-glyph"]
    assert "U+1F600" in str(failed.value.problems[0])
    assert coverage(FONTS)  # loaded once, shared


def test_two_builds_are_byte_identical_for_every_profile(make_book_module, tmp_path):
    def build(out):
        return pipeline.build(
            pipeline.Options(book=make_book_module, out=out, profile="all", allow_placeholders=True)
        )

    first, second = build(tmp_path / "1"), build(tmp_path / "2")
    for a, b in zip(first.written, second.written, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


SLOW_WRITE = """
import os, sys, time
sys.path.insert(0, {project!r})
from booklet import pipeline
real = os.fdopen
def slow_fdopen(fd, mode="r", *args, **kwargs):
    handle = real(fd, mode, *args, **kwargs)
    if "w" in mode:
        write = handle.write
        def half_then_wait(data):
            write(data[: len(data) // 2])
            handle.flush()
            print("WRITING", flush=True)
            time.sleep(60)
        handle.write = half_then_wait
    return handle
pipeline.os.fdopen = slow_fdopen
import build
sys.exit(build.main(["--book", {book!r}, "--out", {out!r}, "--quiet"]))
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_build_killed_while_writing_leaves_the_last_pdf(make_book, tmp_path, sig):
    root = make_book()
    out = tmp_path / "out"
    good = pipeline.build(pipeline.Options(book=root, out=out)).pdf.read_bytes()
    (root / "articles" / "a.yaml").write_text(
        MINIMAL_ARTICLE + "  - 新的一段。\n", encoding="utf-8"
    )
    script = SLOW_WRITE.format(project=str(PROJECT), book=str(root), out=str(out))
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "WRITING"
        os.kill(child.pid, sig)
        child.wait(timeout=30)
    finally:
        child.kill()
    assert (out / "test-book.pdf").read_bytes() == good
    leftovers = sorted(p.name for p in out.iterdir())
    if sig == signal.SIGKILL:
        # Nothing can clean up after SIGKILL: the hidden temporary file stays until the next build.
        pipeline.build(pipeline.Options(book=root, out=out))
        leftovers = sorted(p.name for p in out.iterdir())
    else:
        assert "Traceback" not in child.stderr.read()
    assert leftovers == ["test-book-preflight.json", "test-book.pdf"]


def test_css_mistakes_are_reported_at_their_file_line_and_column(tmp_path, make_book):
    import shutil

    styles = tmp_path / "styles"
    shutil.copytree(PROJECT / "styles", styles)
    (styles / "overrides.css").write_text(
        ".title {\n  colr: red;\n}\n.heading { font-size: 12qq; }\n", encoding="utf-8"
    )
    (tmp_path / "fonts").symlink_to(PROJECT / "fonts")  # fonts.css reaches ../fonts/
    old = pipeline.STYLES
    pipeline.STYLES = styles
    try:
        with pytest.raises(BuildFailed) as failed:
            pipeline.build(pipeline.Options(book=make_book(), out=tmp_path / "out"), cwd=tmp_path)
    finally:
        pipeline.STYLES = old
    found = sorted(str(p) for p in failed.value.problems)
    assert found == [
        "styles/overrides.css:2:3: error: Ignored `colr: red`, unknown property — WeasyPrint "
        "ignores this; fix the spelling or the value [css.ignored]",
        "styles/overrides.css:4:12: error: Ignored `font-size: 12qq`, invalid value — "
        "WeasyPrint ignores this; fix the spelling or the value [css.ignored]",
    ]


def test_a_missing_font_subsetter_is_a_warning_with_the_fix_and_fails_strict(
    make_book, tmp_path, monkeypatch
):
    from booklet import paginate

    monkeypatch.setattr(paginate, "subsetter_missing", lambda: True)
    result = pipeline.build(pipeline.Options(book=make_book(), out=tmp_path / "a"))
    [problem] = [p for p in result.problems if p.code == "system.harfbuzz-subset"]
    assert problem.severity == "warning" and "apt-get install libharfbuzz-subset0" in str(problem)
    with pytest.raises(BuildFailed):
        pipeline.build(pipeline.Options(book=make_book(), out=tmp_path / "b", strict=True))
