"""Hostile and broken input: a clear message and exit 1, nothing leaves the book, output
deterministic and atomic."""

from __future__ import annotations

import base64
import http.server
import io
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import zlib
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader

from booklet import pipeline
from booklet.content.validate import read_book
from booklet.pipeline import PROJECT
from booklet.problems import BuildFailed

from .conftest import MINIMAL_ARTICLE, MINIMAL_BOOK, folder_bytes


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


def photo(fmt: str, size=(800, 600)) -> bytes:
    """A photo with detail in it (noise), so that its compressed data is long."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


def truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def one_byte_changed(data: bytes) -> bytes:
    at = len(data) // 2
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'
LINKING_OUT = SVG.format('<image xlink:href="file:///etc/passwd" width="9" height="9"/>')


def figure_article(image: str) -> str:
    return f"id: a\ntitle: 标题\nbody:\n  - 段落。\n  - figure:\n      image: {image}\n      caption: 图说\n"


IMAGE_CASES = [
    # (file name, bytes, code, message fragment)
    ("images/empty.jpg", b"", "content.image-bad", "empty (0 bytes)"),
    (
        "images/broken.jpg",
        b"\xff\xd8\xff\xe0 not really a jpeg",
        "content.image-bad",
        "damaged",
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
    # Files that passed as good: decoded whole now, and SVG read as XML in any encoding.
    ("images/cut.jpg", truncated(photo("JPEG")), "content.image-bad", "damaged"),
    ("images/cut.png", truncated(photo("PNG")), "content.image-bad", "damaged"),
    ("images/flipped.png", one_byte_changed(photo("PNG")), "content.image-bad", "damaged"),
    (
        "images/utf16.svg",
        SVG.format("<script>alert(1)</script>").encode("utf-16"),
        "content.image-bad",
        "scripts",
    ),
    (
        "images/nested.svg",
        SVG.format(
            '<image width="9" height="9" xlink:href="data:image/svg+xml;base64,'
            + base64.b64encode(LINKING_OUT.encode()).decode()
            + '"/>'
        ).encode(),
        "content.image-bad",
        "references to other files",
    ),
    (
        "images/entity.svg",
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + SVG.format("<text>&x;</text>").encode(),
        "content.image-bad",
        "document type",
    ),
]


def test_a_plain_svg_and_whole_photos_pass(make_book):
    plain = SVG.format(
        '<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="9" height="9"/>'
        '<image width="4" height="4" xlink:href="data:image/png;base64,iVBORw0KGgo="/>'
    )
    for name, data in (
        ("images/ok.svg", plain.encode("utf-16")),
        ("images/ok.jpg", photo("JPEG")),
        ("images/ok.png", photo("PNG")),
    ):
        root = make_book(articles={"a.yaml": figure_article(name)}, images=[(name, data)])
        book, _ = read_book(root, cwd=root)
        assert book.articles[0].figures()[0].image.name == name.split("/")[1]


@pytest.mark.parametrize(
    ("name", "data", "code", "fragment"), IMAGE_CASES, ids=[case[0] for case in IMAGE_CASES]
)
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
    assert result.reader_path.is_file()


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
    with pdfplumber.open(literal_pdf.reader_path) as pdf:
        printed = "".join(c["text"] for p in pdf.pages for c in p.chars)
    assert "".join(text.split()) in "".join(printed.split())


# Nothing leaves the book ------------------------------------------------------------------
# A folder outside the book holds files whose every form carries SECRET: text, the pixels
# of a PNG, the text of an SVG, a stylesheet that would print it, an article. Each way of
# reaching them is tried; none may bring SECRET into any output or message.
SECRET = "OUTSIDE-SECRET-7Q3ZK"


def secret_png() -> bytes:
    pixels = SECRET.encode().ljust(3 * ((len(SECRET) + 2) // 3), b"-")
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (len(pixels) // 3, 1), pixels).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


@pytest.fixture
def outside(tmp_path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET, encoding="utf-8")
    (folder / "secret.png").write_bytes(secret_png())
    (folder / "secret.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40">'
        f'<text x="0" y="20">{SECRET}</text></svg>',
        encoding="utf-8",
    )
    (folder / "secret.css").write_text(
        f'.title::before {{ content: "{SECRET}"; }}\n.x {{ colr: {SECRET}; }}\n', encoding="utf-8"
    )
    (folder / "secret.yaml").write_text(
        f"id: s\ntitle: {SECRET}\nbody:\n  - {SECRET}\n", encoding="utf-8"
    )
    return folder


@pytest.fixture
def web(outside):
    """The outside folder served on 127.0.0.1: (base URL, list of the paths requested)."""
    requested: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(outside), **kwargs)

        def log_message(self, format, *args):
            requested.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requested
    finally:
        server.shutdown()
        server.server_close()


def assert_secret_absent(path: Path) -> None:
    """SECRET is in no form of this output: its bytes, every stream decompressed, the text
    layer, attachments and images of a PDF, or the text of an HTML or JSON file."""
    forms = [SECRET.encode(), SECRET.encode("utf-16-be"), SECRET.encode().hex().encode()]
    forms.append(forms[-1].upper())
    data = path.read_bytes()
    assert not any(form in data for form in forms), path.name
    if path.suffix != ".pdf":
        assert SECRET not in data.decode("utf-8"), path.name
        return
    decoded = path.with_name(path.name + ".qdf")
    subprocess.run(
        ["qpdf", "--qdf", "--object-streams=disable", "--decode-level=all", path, decoded],
        check=True,
    )
    data = decoded.read_bytes()
    decoded.unlink()
    assert b"/FlateDecode" not in data, "a stream was left compressed"
    assert not any(form in data for form in forms), f"{path.name}, decompressed"
    reader = PdfReader(path)
    assert reader.attachments == {}
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    for page in reader.pages:
        assert SECRET not in page.extract_text()
        for annotation in page.get("/Annots", []):
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
        for image in page.images:
            assert SECRET.encode() not in image.image.tobytes()
    with pdfplumber.open(path) as pdf:
        assert SECRET not in "".join(c["text"] for page in pdf.pages for c in page.chars)


def test_the_secret_check_is_not_a_grep_of_compressed_bytes(make_book, tmp_path):
    """The check finds SECRET where a grep of the PDF's bytes cannot: in the text layer (a
    Flate stream of glyph numbers), and in a compressed stream of any other object."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    article = MINIMAL_ARTICLE + f"  - 正文里的{SECRET}。\n"
    root = make_book(articles={"a.yaml": article})
    pdf = pipeline.build(pipeline.Options(book=root, out=tmp_path / "text")).reader_path
    assert SECRET.encode() not in pdf.read_bytes()
    with pytest.raises(AssertionError, match="OUTSIDE-SECRET"):
        assert_secret_absent(pdf)

    writer = PdfWriter(clone_from=tmp_path / "text" / "test-book.pdf")
    stream = DecodedStreamObject()
    stream.set_data(SECRET.encode())
    writer._root_object[NameObject("/Leak")] = writer._add_object(stream.flate_encode())
    hidden = tmp_path / "hidden.pdf"
    writer.write(hidden)
    assert SECRET.encode() not in hidden.read_bytes()
    with pytest.raises(AssertionError, match="decompressed"):
        assert_secret_absent(hidden)


@pytest.fixture(scope="module")
def previous_output(tmp_path_factory) -> tuple[Path, Path]:
    """A good book and the output folder of its build: (book, out), to copy and break."""
    folder = tmp_path_factory.mktemp("previous")
    root = folder / "book"
    (root / "articles").mkdir(parents=True)
    (root / "book.yaml").write_text(MINIMAL_BOOK, encoding="utf-8")
    (root / "articles" / "a.yaml").write_text(MINIMAL_ARTICLE, encoding="utf-8")
    pipeline.build(pipeline.Options(book=root, out=folder / "out"))
    return root, folder / "out"


@pytest.fixture
def rebuild(tmp_path, monkeypatch, previous_output, styles_copy, build_cli):
    """A copy of the good book and of its output folder in tmp_path (the working folder),
    and a function running build.py on them: rebuild(*options) → (status, stdout, stderr).

    --quiet: problems, the Aborted line and written paths are printed all the same, and
    no progress line comes between them.
    """
    shutil.copytree(previous_output[0], tmp_path / "book")
    shutil.copytree(previous_output[1], tmp_path / "out")
    monkeypatch.chdir(tmp_path)
    return lambda *options: build_cli(
        "--book",
        "book",
        "--out",
        "out",
        "--styles",
        "styles",
        "--fonts",
        "fonts",
        "--quiet",
        *options,
    )


def figure(image: str) -> str:
    return f"id: a\ntitle: 标题\nbody:\n  - 段落。\n  - figure:\n      image: '{image}'\n      caption: 图说\n"


# (id, the article given the outside folder and the web server's URL, the code refusing it)
CONTENT_REFERENCES = [
    ("file-url", lambda o, w: figure(f"{o.as_uri()}/secret.png"), "content.path-outside"),
    ("absolute-path", lambda o, w: figure(f"{o}/secret.png"), "content.path-outside"),
    ("traversal", lambda o, w: figure("../outside/secret.png"), "content.path-outside"),
    (
        "traversal-inside",
        lambda o, w: figure("images/../../outside/secret.svg"),
        "content.path-outside",
    ),
    ("symlink-file", lambda o, w: figure("images/link.png"), "content.path-outside"),
    ("symlink-folder", lambda o, w: figure("linked/secret.png"), "content.path-outside"),
    ("http", lambda o, w: figure(f"{w}/secret.png"), "content.path-outside"),
    (
        "https",
        lambda o, w: figure(w.replace("http:", "https:") + "/secret.png"),
        "content.path-outside",
    ),
    ("svg-linking-out", lambda o, w: figure("images/inner.svg"), "content.image-bad"),
    ("svg-css-url", lambda o, w: figure("images/styled.svg"), "content.image-bad"),
]
ARTICLE_REFERENCES = [
    ("article-traversal", lambda o: "../outside/secret.yaml"),
    ("article-file-url", lambda o: f"{o.as_uri()}/secret.yaml"),
    ("article-absolute", lambda o: f"{o}/secret.yaml"),
    ("article-symlink", lambda o: "articles/linked.yaml"),
]


@pytest.mark.parametrize(
    ("article", "code"), [pytest.param(a, c, id=i) for i, a, c in CONTENT_REFERENCES]
)
def test_content_reaching_outside_is_refused_and_nothing_is_written(
    rebuild, tmp_path, outside, web, article, code
):
    url, requested = web
    book = tmp_path / "book"
    (book / "images").mkdir()
    (book / "images" / "link.png").symlink_to(outside / "secret.png")
    (book / "linked").symlink_to(outside, target_is_directory=True)
    (book / "images" / "inner.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f'<image xlink:href="{outside.as_uri()}/secret.png" width="9" height="9"/></svg>'
    )
    (book / "images" / "styled.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9" '
        f"style=\"fill: url('{url}/secret.svg#p')\"/></svg>"
    )
    (book / "articles" / "a.yaml").write_text(article(outside, url), encoding="utf-8")
    before = folder_bytes(tmp_path / "out")
    status, out, err = rebuild()
    assert status == 1, err
    lines = err.splitlines()
    assert all(line.endswith(f"[{code}]") for line in lines[:-1]), err
    assert lines[0].startswith("book/articles/a.yaml:6:14: error: ")
    assert lines[-1] == "Aborted: 1 error, 0 warnings. Nothing was written."
    assert SECRET not in out + err and out == ""
    assert folder_bytes(tmp_path / "out") == before
    assert requested == []


@pytest.mark.parametrize(("entry",), [pytest.param(e, id=i) for i, e in ARTICLE_REFERENCES])
def test_article_files_outside_the_book_are_refused(rebuild, tmp_path, outside, entry):
    book = tmp_path / "book"
    (book / "articles" / "linked.yaml").symlink_to(outside / "secret.yaml")
    text = (book / "book.yaml").read_text("utf-8") + f"  - '{entry(outside)}'\n"
    (book / "book.yaml").write_text(text, encoding="utf-8")
    before = folder_bytes(tmp_path / "out")
    status, out, err = rebuild()
    assert status == 1, err
    problem, aborted = err.splitlines()
    assert problem.startswith("book/book.yaml:8:5: error: article file ")
    assert problem.endswith("[content.path-outside]")
    assert aborted == "Aborted: 1 error, 0 warnings. Nothing was written."
    assert SECRET not in out + err and out == ""
    assert folder_bytes(tmp_path / "out") == before


# Stylesheet URLs to outside files: the read stage finds each one before any layout (the
# folder-bound fetcher would refuse it) and the build fails with one security.refused at the
# URL's place in the stylesheet, with a hint about styles/.
CSS_REFERENCES = [
    pytest.param(
        '.title::after {{ content: url("{file}/secret.svg"); }}\n',
        "{file}/secret.svg",
        id="content-file-url",
    ),
    pytest.param('@import url("{file}/secret.css");\n', "{file}/secret.css", id="import-file-url"),
    pytest.param(
        '@font-face {{ font-family: X; src: url("../outside/secret.txt"); }}\n',
        "{file}/secret.txt",
        id="font-traversal",
    ),
    pytest.param(
        'html {{ background-image: url("{web}/secret.png"); }}\n',
        "{web}/secret.png",
        id="background-http",
    ),
    pytest.param(
        '.title::after {{ content: url("leak.svg"); }}\n', "{styles}/leak.svg", id="image-symlink"
    ),
    pytest.param(
        '@import "leak.css";\n',
        "{styles}/leak.css",
        id="import-symlink",
    ),
]


@pytest.mark.parametrize(("css", "refused"), CSS_REFERENCES)
def test_stylesheet_urls_to_outside_files_are_refused(
    rebuild, tmp_path, styles_copy, outside, web, css, refused
):
    url, requested = web
    (styles_copy / "leak.svg").symlink_to(outside / "secret.svg")
    if "leak.css" in css:  # a stylesheet linked into styles/ from outside: never read
        (styles_copy / "leak.css").symlink_to(outside / "secret.css")
    names = {"file": outside.as_uri(), "web": url, "styles": styles_copy.as_uri()}
    (styles_copy / "overrides.css").write_text(css.format(**names), encoding="utf-8")
    before = folder_bytes(tmp_path / "out")
    status, out, err = rebuild()
    assert status == 1, err
    text = css.format(**names)
    written = re.search(r'(?:url\(|@import )"([^"]+)"', text)[1]
    column = (text.index("url(") if "url(" in text else text.index('"')) + 1
    [line] = [line for line in err.splitlines() if "[security.refused]" in line]
    assert line.startswith(f"styles/overrides.css:1:{column}: error: refused {written}: "), line
    assert "copy the file into styles/" in line
    assert err.splitlines()[-1] == "Aborted: 1 error, 0 warnings. Nothing was written."
    assert SECRET not in out + err and out == ""
    assert folder_bytes(tmp_path / "out") == before
    assert requested == []


@pytest.fixture
def near(outside):
    """A short absolute path to the outside folder (a link in a fresh folder under /tmp), so
    file: URLs to it fit on a line of text."""
    folder = Path(tempfile.mkdtemp(prefix="o", dir="/tmp"))
    (folder / "x").symlink_to(outside, target_is_directory=True)
    yield folder / "x"
    shutil.rmtree(folder)


def test_text_naming_outside_files_prints_literally_and_reads_none(
    tmp_path, outside, near, web, make_book, build_cli
):
    """Markup in the text is text: the build succeeds, every output of every profile holds
    the markup as text, and none holds the outside files' content or an attachment."""
    url, requested = web
    file = near.as_uri()
    texts = [
        '<link rel="attachment" href="../outside/secret.txt">附件',
        '<img src="../outside/secret.png">',
        f'<link rel="attachment" href="{file}/secret.txt">附件',
        f'<img src="{file}/secret.png">图',
        f'<object data="{file}/secret.svg"></object>',
        f'<iframe src="{file}/secret.txt"></iframe>',
        f'<a href="{url}/secret.txt">链接</a>',
        f'<style>@import url("{file}/secret.css");</style>',
        f"url({file}/secret.svg) 与 {{% include '{near}/secret.txt' %}}",
    ]
    quoted = ["'" + text.replace("'", "''") + "'" for text in texts]
    article = (
        f"id: a\ntitle: {quoted[0]}\nbylines:\n  - name: {quoted[1]}\nbody:\n"
        + "".join(f"  - {q}\n" for q in quoted[2:])
        + f"  - figure:\n      placeholder: true\n      caption: {quoted[1]}\n"
    )
    root = make_book(articles={"a.yaml": article})
    out = tmp_path / "out"  # ../outside/ seen from the HTML in out/ is the outside folder
    status, stdout, err = build_cli(
        *("--book", root, "--out", out, "--profile", "all", "--html", "--allow-placeholders"),
        "--quiet",  # the paths written, one a line
    )
    assert status == 0, err
    written = [Path(line) for line in stdout.split()]
    assert {p.suffix for p in written} == {".pdf", ".json", ".html"}
    assert len(written) == 7  # screen, print, imposed, desktop, proof; preflight; html
    assert sorted(written) == sorted(p for p in out.rglob("*") if p.is_file())
    for path in written:
        assert_secret_absent(path)
    with pdfplumber.open(out / "test-book.pdf") as pdf:
        printed = "".join(c["text"] for page in pdf.pages for c in page.chars)
    for text in texts:
        assert "".join(text.split()) in "".join(printed.split())
    html = (out / "test-book.html").read_text("utf-8")
    assert '<link rel="attachment"' not in html and "&lt;link rel=" in html
    assert requested == []
    assert SECRET not in err


def test_a_paragraph_of_50000_characters_lays_out_whole(make_book, tmp_path):
    long_paragraph = "浙江与涪陵携手协作，" * 5000
    assert len(long_paragraph) == 50_000
    article = f"id: a\ntitle: 长文\nbody:\n  - {long_paragraph}\n"
    root = make_book(articles={"a.yaml": article})
    result = pipeline.build(pipeline.Options(book=root, out=tmp_path / "out"))
    from .pdffacts import body_chars

    with pdfplumber.open(result.reader_path) as pdf:  # running heads and folios left out
        printed = "".join(c["text"] for p in pdf.pages for c in body_chars(p, 19, 21))
    assert printed.count("浙江与涪陵携手协作，") == 5000


@pytest.mark.parametrize(
    "word",
    ["https://example.com/" + "a" * 1980, ("Pneumonoultramicroscopic" * 84)[:2000]],
    ids=["url", "word"],
)
def test_an_unbreakable_word_is_reported_not_cut(make_book, tmp_path, word):
    assert len(word) == 2000
    article = f"id: a\ntitle: 长词\nbody:\n  - 第一段。\n  - 网址{word}结束。\n"
    root = make_book(articles={"a.yaml": article})
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(pipeline.Options(book=root, out=tmp_path / "out"))
    problems = failed.value.problems
    assert {p.code for p in problems} == {"preflight.overflow"}, [str(p) for p in problems]
    problem = problems[0]
    assert problem.where.file.endswith("book/articles/a.yaml") and problem.where.line == 5
    assert not (tmp_path / "out").exists()


# A font file that is not there: WeasyPrint only warns "Font-face … cannot be loaded", without
# a place, and falls back to another face; the build reports it at its @font-face.


def test_missing_font_file_is_an_error_naming_it(tmp_path, make_book, styles_copy):
    css = (styles_copy / "fonts.css").read_text("utf-8")
    line = css[: css.index("LXGWWenKai-Regular.ttf")].count("\n") + 1
    (styles_copy / "fonts.css").write_text(css.replace("LXGWWenKai-Regular.ttf", "Missing.ttf"))
    options = pipeline.Options(book=make_book(), out=tmp_path / "out", styles=styles_copy)
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(options, cwd=tmp_path)
    messages = [str(p) for p in failed.value.problems]
    assert "security.refused" not in " ".join(messages)  # the fonts folder itself is reachable
    assert any(
        m.startswith(f"styles/fonts.css:{line}:") and "Missing.ttf" in m for m in messages
    ), messages


# The command on broken input -------------------------------------------------------------
# Build a good book, break a copy of it (or of styles/), build again with build.py into the
# same output folder: exit status 1, the problem at its file:line:col on stderr, the
# "Aborted" line, nothing on stdout, and the previous output byte for byte as it was.


def put(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


def article(text: str):
    return lambda book, styles: put(book / "articles" / "a.yaml", text)


def image(name: str, data: bytes):
    def edit(book, styles):
        put(book / "articles" / "a.yaml", figure(name))
        put(book / name, data)

    return edit


def stylesheet(css: str, name: str = "overrides.css"):
    return lambda book, styles: put(styles / name, css)


def replace_in(name: str, old: str, new: str):
    def edit(book, styles):
        path = styles / name if name.endswith(".css") else book / name
        put(path, path.read_text("utf-8").replace(old, new))

    return edit


def fonts_css_line(name: str) -> int:
    css = (PROJECT / "styles" / "fonts.css").read_text("utf-8")
    return css[: css.index(name)].count("\n") + 1


A = "book/articles/a.yaml"
# (break, where, code, message fragment); code ending in "." is a prefix (any code of it)
CLI_CASES = [
    pytest.param(
        article('id: a\ntitle: "不闭合\nbody:\n  - 段落。\n'),
        f"{A}:2:8",
        "content.yaml-syntax",
        "never closed",
        id="yaml-syntax",
    ),
    pytest.param(
        article("id: a\ntitle: 标题\nbody:\n\t- 段落。\n"),
        f"{A}:4:1",
        "content.yaml-syntax",
        "tab",
        id="tab",
    ),
    pytest.param(
        article("id: a\ntitle: 一\ntitle: 二\nbody:\n  - 段落。\n"),
        f"{A}:3:1",
        "content.duplicate-key",
        "appears twice",
        id="duplicate-key",
    ),
    pytest.param(
        article("id: a\ntitel: 标题\nbody:\n  - 段落。\n"),
        f"{A}:2:1",
        "content.unknown-field",
        "did you mean 'title'",
        id="unknown-field",
    ),
    pytest.param(
        article("id: a\ntitle: 2026\nbody:\n  - 段落。\n"),
        f"{A}:2:8",
        "content.wrong-type",
        "not the number 2026",
        id="wrong-type",
    ),
    pytest.param(
        article("title: 标题\nbody:\n  - 段落。\n"),
        f"{A}:1:1",
        "content.missing-field",
        "has no 'id'",
        id="missing-id",
    ),
    pytest.param(
        replace_in("book.yaml", "articles:\n  - articles/a.yaml\n", "articles: []\n"),
        "book/book.yaml:6:11",
        "content.empty-book",
        "no articles",
        id="empty-book",
    ),
    pytest.param(
        article(figure("images/none.jpg")),
        f"{A}:6:14",
        "content.image-missing",
        "looked in book/images/",
        id="missing-image",
    ),
    pytest.param(
        image("images/empty.jpg", b""),
        f"{A}:6:14",
        "content.image-bad",
        "0 bytes",
        id="zero-byte-image",
    ),
    pytest.param(
        image("images/broken.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"),
        f"{A}:6:14",
        "content.image-bad",
        "damaged",
        id="corrupt-image",
    ),
    pytest.param(
        image("images/cut.jpg", truncated(photo("JPEG"))),
        f"{A}:6:14",
        "content.image-bad",
        "cannot be decoded whole",
        id="truncated-jpeg",
    ),
    pytest.param(
        image("images/utf16.svg", SVG.format("<script>alert(1)</script>").encode("utf-16")),
        f"{A}:6:14",
        "content.image-bad",
        "scripts",
        id="utf16-svg-script",
    ),
    pytest.param(
        image("images/bomb.png", png_header_only(100_000, 100_000)),
        f"{A}:6:14",
        "content.image-bad",
        "too large",
        id="decompression-bomb",
    ),
    pytest.param(
        image("images/anim.gif", gif()),
        f"{A}:6:14",
        "content.image-bad",
        "GIF",
        id="unsupported-format",
    ),
    pytest.param(
        image(
            "images/script.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        f"{A}:6:14",
        "content.image-bad",
        "scripts",
        id="svg-script",
    ),
    pytest.param(
        article(figure("../../etc/passwd")),
        f"{A}:6:14",
        "content.path-outside",
        "outside the book",
        id="path-traversal",
    ),
    pytest.param(
        article("id: a\ntitle: 标题\nbody:\n  - 段落\x07。\n"),
        f"{A}:4:7",
        "content.control-char",
        "U+0007",
        id="raw-control-char",
    ),
    pytest.param(
        article(MINIMAL_ARTICLE + "  - 表情😀。\n"),
        f"{A}:5:5",
        "content.no-glyph",
        "'😀' (U+1F600), character 3 of this paragraph",
        id="outside-every-font",
    ),
    pytest.param(
        stylesheet(".title {\n  colr: red;\n}\n"),
        "styles/overrides.css:2:3",
        "css.ignored",
        "Ignored `colr: red`, unknown property",
        id="css-unknown-property",
    ),
    pytest.param(
        stylesheet(".heading { font-size: 12qq; }\n"),
        "styles/overrides.css:1:12",
        "css.ignored",
        "invalid value",
        id="css-invalid-value",
    ),
    pytest.param(
        stylesheet(".title { color: red; }\n}\n.heading { color: blue; }\n"),
        "styles/overrides.css:2:1",
        "css.",
        "",
        id="css-stray-brace",
    ),
    pytest.param(
        stylesheet(".title { color: red;\n.heading { color: blue; }\n"),
        "styles/overrides.css:1:8",
        "css.",
        "",
        id="css-unclosed-block",
    ),
    pytest.param(
        replace_in("fonts.css", "LXGWWenKai-Regular.ttf", "Missing.ttf"),
        f"styles/fonts.css:{fonts_css_line('LXGWWenKai-Regular.ttf')}:",
        "",
        "Missing.ttf",
        id="missing-font-file",
    ),
]


@pytest.mark.parametrize(("edit", "where", "code", "fragment"), CLI_CASES)
def test_the_command_on_broken_input_exits_1_and_keeps_the_last_output(
    rebuild, tmp_path, styles_copy, edit, where, code, fragment
):
    before = folder_bytes(tmp_path / "out")
    assert sorted(before) == ["test-book-preflight.json", "test-book.pdf"]
    edit(tmp_path / "book", styles_copy)
    status, out, err = rebuild()
    assert status == 1, err
    assert out == ""
    lines = err.splitlines()
    assert re.fullmatch(r"Aborted: \d+ errors?, \d+ warnings?\. Nothing was written\.", lines[-1])
    assert "Traceback" not in err
    placed = [line for line in lines if line.startswith(where) and fragment in line]
    assert placed, err
    assert re.match(r"[^:]+:\d+:\d+: error: ", placed[0]), placed[0]
    assert (
        f"[{code}" in placed[0]
        if code.endswith(".") or not code
        else placed[0].endswith(f"[{code}]")
    ), placed[0]
    assert folder_bytes(tmp_path / "out") == before


def test_characters_outside_every_font_fail_the_build_by_name(make_book, tmp_path):
    article = MINIMAL_ARTICLE + "  - 表情😀\n"
    root = make_book(articles={"a.yaml": article})
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(pipeline.Options(book=root, out=tmp_path / "out"))
    assert [p.code for p in failed.value.problems] == ["content.no-glyph"]
    assert "U+1F600" in str(failed.value.problems[0])


def test_a_character_only_some_fonts_have_fails_with_its_name_and_place(make_book, tmp_path):
    """Ą is in LXGW WenKai only: body text falls back to a system font, which the preflight
    refuses without naming the character; the content check names it and its place."""
    article = MINIMAL_ARTICLE + "  - 波兰文Ą。\n"
    root = make_book(articles={"a.yaml": article})
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(pipeline.Options(book=root, out=tmp_path / "out"), cwd=tmp_path)
    problems = {p.code: p for p in failed.value.problems}
    assert set(problems) == {"content.glyph-partial", "preflight.font-foreign"}, problems
    assert str(problems["content.glyph-partial"]).startswith(
        "book/articles/a.yaml:5:5: warning: the character 'Ą' (U+0104), character 4 of this "
        "paragraph, is not in every font in fonts/"
    )
    assert problems["preflight.font-foreign"].severity == "error"
    assert not (tmp_path / "out").exists()


def test_two_builds_are_byte_identical_for_every_profile(make_book_module, tmp_path):
    import hashlib

    from booklet import profiles

    def build(out):
        return pipeline.build(
            pipeline.Options(book=make_book_module, out=out, profile="all", allow_placeholders=True)
        )

    first, second = build(tmp_path / "1"), build(tmp_path / "2")
    assert len([p for p in first.written if p.suffix == ".pdf"]) == len(profiles.PROFILES)
    for a, b in zip(first.written, second.written, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
        if a.suffix != ".pdf":
            continue
        data = a.read_bytes()
        # The header states the version the content needs: OpenType fonts 1.6, PDF/X-4
        # 1.6, a duplex print preference 1.7.
        header = re.match(rb"%PDF-(\d\.\d)\n", data)[1]
        needed = max(
            b"1.6" if b"/OpenType" in data or b"/OutputIntents" in data else b"1.4",
            b"1.7" if b"/DuplexFlipShortEdge" in data else b"1.0",
        )
        assert header >= needed, (a.name, header, needed)
        assert header == (b"1.6" if b"/OutputIntents" in data else b"1.7"), a.name
        # One /ID, derived from the content: the digest of the file without it (and with
        # the XMP identifiers, which repeat it, left blank).
        (digest,) = re.findall(rb"/ID \[<([0-9a-f]{32})> <\1>\]\n", data)
        uid = b"uuid:%s-%s-%s-%s-%s" % (
            digest[:8],
            digest[8:12],
            digest[12:16],
            digest[16:20],
            digest[20:],
        )
        body = re.sub(rb"/ID \[<[0-9a-f]{32}> <[0-9a-f]{32}>\]\n", b"", data)
        body = body.replace(uid, b"uuid:00000000-0000-0000-0000-000000000000")
        assert hashlib.md5(body, usedforsecurity=False).hexdigest().encode() == digest, a.name
        assert data.count(b"/ID [") == 1, a.name


SLOW_WRITE = """
import os, sys, time
sys.path.insert(0, {project!r})
from booklet import outputs
real = open
opened = []
def slow_open(file, mode="r", *args, **kwargs):
    handle = real(file, mode, *args, **kwargs)
    opened.append(file)
    if "w" in mode and len(opened) == 3:  # two files of the set written, the third half
        write = handle.write
        def half_then_wait(data):
            write(data[: len(data) // 2])
            handle.flush()
            print("WRITING", flush=True)
            time.sleep(60)
        handle.write = half_then_wait
    return handle
outputs.open = slow_open
import build
sys.exit(build.main(["--book", {book!r}, "--out", {out!r}, "--quiet", "--profile", "all"]))
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_build_killed_while_writing_leaves_the_last_pdf(make_book, tmp_path, sig):
    """Killed with two files of five written and the third half: every file of the last
    build is as it was, the build says so (or, killed outright, the next build tidies)."""
    root = make_book()
    out = tmp_path / "out"
    good = pipeline.build(pipeline.Options(book=root, out=out, profile="all")).reader
    before = folder_bytes(out)
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
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    shown = {name: data for name, data in folder_bytes(out).items() if not name.startswith(".")}
    assert shown == before  # the whole set of the last build, nothing new beside it
    if sig == signal.SIGKILL:
        # Nothing can clean up after SIGKILL: the temporary files stay, hidden, beside the
        # intact last set, until the next build removes them.
        assert len(hidden) == 3 and all(re.fullmatch(r"\..+\.\d+\..+\.tmp", h) for h in hidden)
        assert len(PdfReader(out / "test-book.pdf").pages) % 4 == 0  # still a whole PDF
        rebuilt = pipeline.build(pipeline.Options(book=root, out=out))
        assert rebuilt.reader != good
        assert "新的一段" in "".join(
            page.extract_text() for page in PdfReader(rebuilt.reader_path).pages
        )
        assert not any(p.name.startswith(".") for p in out.iterdir())
    else:
        assert hidden == []
        err = child.stderr.read()
        assert "Traceback" not in err and "Interrupted. Nothing was written." in err
        assert child.returncode == 128 + sig
    assert sorted(p.name for p in out.iterdir()) == sorted(before)


def test_css_mistakes_are_reported_at_their_file_line_and_column(tmp_path, make_book):
    styles = tmp_path / "styles"
    shutil.copytree(PROJECT / "styles", styles)
    (styles / "overrides.css").write_text(
        ".title {\n  colr: red;\n}\n.heading { font-size: 12qq; }\n", encoding="utf-8"
    )
    (tmp_path / "fonts").symlink_to(PROJECT / "fonts")  # fonts.css reaches ../fonts/
    options = pipeline.Options(book=make_book(), out=tmp_path / "out", styles=styles)
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(options, cwd=tmp_path)
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
    from booklet import engine

    monkeypatch.setattr(engine, "subsetter_missing", lambda: True)
    result = pipeline.build(pipeline.Options(book=make_book(), out=tmp_path / "a"))
    [problem] = [p for p in result.problems if p.code == "system.harfbuzz-subset"]
    assert problem.severity == "warning" and "apt-get install libharfbuzz-subset0" in str(problem)
    with pytest.raises(BuildFailed):
        pipeline.build(pipeline.Options(book=make_book(), out=tmp_path / "b", strict=True))
