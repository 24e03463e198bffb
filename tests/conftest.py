"""Shared fixtures: the real booklet built once per run, and a factory for small books."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest

from booklet import pipeline
from booklet.pipeline import PROJECT

SOURCE = PROJECT.parent / "shared" / "source" / "zhefu-feature.txt"
STYLES = PROJECT / "styles"
FONTS = PROJECT / "fonts"


@dataclass
class Built:
    result: pipeline.Result
    pdf_bytes: bytes
    out: Path

    @property
    def path(self) -> Path:
        return self.result.reader_path


@pytest.fixture(scope="session")
def booklet(tmp_path_factory) -> Built:
    """The real booklet, built once per run with every profile (placeholders allowed in
    print) and the HTML: the one build of the real book most tests read."""
    out = tmp_path_factory.mktemp("dist")
    options = pipeline.Options(out=out, html=True, profile="all", allow_placeholders=True)
    result = pipeline.build(options)
    return Built(result, result.reader, out)


EXAMPLE = PROJECT / "examples" / "zhu-ziqing"


@pytest.fixture(scope="session")
def example_book(tmp_path_factory) -> Built:
    """The second example book (examples/zhu-ziqing), built once per run as
    `./run build --book examples/zhu-ziqing` builds it (the screen PDF)."""
    out = tmp_path_factory.mktemp("example")
    options = pipeline.Options(book=EXAMPLE, out=out)
    result = pipeline.build(options)
    return Built(result, result.reader, out)


@pytest.fixture(scope="session")
def booklet_pdf(booklet):
    with pdfplumber.open(booklet.path) as pdf:
        yield pdf


MINIMAL_BOOK = """\
title: 测试小册
slug: test-book
publisher: 测试出版
date: 2026-01-02
language: zh-Hans
articles:
  - articles/a.yaml
"""
MINIMAL_ARTICLE = """\
id: a
title: 第一篇文章
body:
  - 这是第一段正文，用来测试。
"""


@pytest.fixture
def make_book(tmp_path) -> Callable[..., Path]:
    """Write a small book folder: make_book(book=..., articles={"a.yaml": ...}, images=[...])."""

    def make(book: str = MINIMAL_BOOK, articles: dict[str, str] | None = None, images=()) -> Path:
        root = tmp_path / "book"
        if root.exists():
            shutil.rmtree(root)
        (root / "articles").mkdir(parents=True)
        (root / "book.yaml").write_text(textwrap.dedent(book), encoding="utf-8")
        for name, text in (
            articles if articles is not None else {"a.yaml": MINIMAL_ARTICLE}
        ).items():
            (root / "articles" / name).write_text(textwrap.dedent(text), encoding="utf-8")
        for name, data in images:
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return root

    return make


SMALL_BOOK = """\
title: 小册样本
subtitle: 用于测试的四篇文章
slug: small-book
publisher: 测试出版
date: 2026-03-04
language: zh-Hans
articles:
  - articles/a.yaml
  - articles/b.yaml
"""
SMALL_ARTICLE = """\
id: {id}
column: 栏目{id}
title: 第{id}篇 测试标题
bylines:
  - role: 记者
    name: 张三
lede: 这是导语，说明本篇的内容，含有数字2026和Latin字样。
sections:
  - kicker: 引题
    heading: 小标题{id}
    body:
      - 第一段正文，用来测试排版。浙江与涪陵的协作已经走过三十三年，书写了东西部协作的“浙涪现象”。
      - 第二段正文：“双向奔赴”的故事仍在继续……
      - figure:
          placeholder: true
          caption: 图片说明文字
          credit: 某某 摄
"""


@pytest.fixture(scope="session")
def make_book_module(tmp_path_factory) -> Path:
    """A small two-article book folder, written once per session (tests copy it to edit it)."""
    root = tmp_path_factory.mktemp("small") / "book"
    (root / "articles").mkdir(parents=True)
    (root / "book.yaml").write_text(SMALL_BOOK, encoding="utf-8")
    for key in ("a", "b"):
        text = SMALL_ARTICLE.format(id=key)
        (root / "articles" / f"{key}.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def styles_copy(tmp_path) -> Path:
    """A copy of styles/ for this test to break: give it as Options(styles=…) or --styles.

    A link to fonts/ sits beside it, where the stylesheets' ../fonts/ URLs point.
    """
    styles = tmp_path / "styles"
    shutil.copytree(STYLES, styles)
    (tmp_path / "fonts").symlink_to(FONTS)
    return styles


@pytest.fixture
def build_cli(capsys) -> Callable[..., tuple[int, str, str]]:
    """Run the command's main() in this process: build_cli("--book", …) → (status, out, err).

    main() sets a SIGTERM handler, put back afterwards (the garbage collector is left alone
    in a test run: only a whole process holds it off).
    """
    import gc
    import signal

    from booklet import cli

    def run(*args) -> tuple[int, str, str]:
        capsys.readouterr()
        handler = signal.getsignal(signal.SIGTERM)
        try:
            status = cli.main([str(arg) for arg in args])
        finally:
            signal.signal(signal.SIGTERM, handler)
        assert gc.isenabled()
        out, err = capsys.readouterr()
        return status, out, err

    return run


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (hidden ones too) by relative path, with its bytes."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }
