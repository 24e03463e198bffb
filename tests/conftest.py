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


@dataclass
class Built:
    result: pipeline.Result
    pdf_bytes: bytes
    out: Path

    @property
    def path(self) -> Path:
        return self.result.pdf


@pytest.fixture(scope="session")
def booklet(tmp_path_factory) -> Built:
    """The real booklet, built once with the default options (HTML written too)."""
    out = tmp_path_factory.mktemp("dist")
    result = pipeline.build(pipeline.Options(out=out, html=True))
    return Built(result, result.pdf.read_bytes(), out)


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
