"""The stylesheets of a build: which files, the entry handed to WeasyPrint, their @font-face rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tinycss2

from booklet.model import Book
from booklet.problems import Where, relative

from .render import url_from
from .typearea import type_area

LAYERS = "defaults, tokens, base, page, components, theme, profile"
FONT_CREDITS = (
    "正文：思源宋体（Noto Serif CJK SC）",
    "标题：思源黑体（Noto Sans CJK SC）",
    "导语、摘句、图说：霞鹜文楷（LXGW WenKai）",
    "均依SIL开源字体许可1.1使用",
)


def shown(styles: Path, cwd: Path) -> str:
    return relative(styles, cwd)


def stylesheets(styles: Path) -> list[Path]:
    """The stylesheets under ``styles``, sorted; one linked in from outside the folder is
    never read (the folder-bound fetcher refuses it where it is used)."""
    root = styles.resolve()
    return [p for p in sorted(styles.rglob("*.css")) if p.resolve().is_relative_to(root)]


@dataclass(frozen=True)
class FontFace:
    """One @font-face rule: the family as CSS names it, and the files it points to."""

    family: str
    sources: tuple[tuple[str, Path | None, Where], ...]  # (url, local file or None, place)
    where: Where

    @property
    def pdf_name(self) -> str:
        """The family as WeasyPrint writes it into a PDF's font names."""
        return self.family.replace(" ", "-")


def font_faces(path: Path, shown_as: str, text: str | None = None) -> list[FontFace]:
    """The @font-face rules of one stylesheet, with the local file of each url()."""
    text = path.read_text("utf-8") if text is None else text
    if "@font-face" not in text:
        return []
    faces = []
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "font-face" or not rule.content:
            continue
        family = ""
        for declaration in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True):
            if declaration.type == "declaration" and declaration.lower_name == "font-family":
                names = [t.value for t in declaration.value if t.type in ("string", "ident")]
                family = " ".join(names)
        sources = []
        for token, url in _urls(rule.content):
            local = None
            if ":" not in url.split("/", 1)[0]:  # a URL with a scheme: the fetcher decides
                local = (path.parent / url).resolve()
            sources.append((url, local, Where(shown_as, token.source_line, token.source_column)))
        faces.append(
            FontFace(family, tuple(sources), Where(shown_as, rule.source_line, rule.source_column))
        )
    return faces


def all_font_faces(styles: Path, cwd: Path) -> list[FontFace]:
    return [face for path in stylesheets(styles) for face in font_faces(path, relative(path, cwd))]


def _urls(tokens):
    """(token, url) of every url() in a list of component values."""
    for token in tokens:
        if token.type == "url":
            yield token, token.value
        elif token.type == "function":
            if token.lower_name == "url":
                strings = [t for t in token.arguments if t.type == "string"]
                if strings:
                    yield token, strings[0].value
            else:
                yield from _urls(token.arguments)
        elif hasattr(token, "content") and isinstance(token.content, list):
            yield from _urls(token.content)


class Stylesheets:
    """Which stylesheets a book uses, in cascade order."""

    def __init__(self, folder: Path, book: Book, layout: str = "screen"):
        self.folder = folder
        self.book = book
        self.files = [
            folder / "booklet.css",
            folder / "themes" / f"{book.theme}.css",
            folder / "profiles" / f"{layout}.css",
        ]
        self.overrides = folder / "overrides.css"

    def entry(self, base: Path) -> str:
        """The CSS inside the HTML's <style>: every URL relative to the HTML's folder."""
        page = self.book.page
        area = type_area(page.width_mm, page.height_mm)
        lines = [f"@layer {LAYERS};"]
        lines += [f'@import url("{url_from(base, path)}");' for path in self.files]
        lines.append(f'@import url("{url_from(base, self.overrides)}");')
        # After the imports (CSS wants them first); the layer order puts it under them all.
        lines.append(f"@layer defaults {{ :root {{ {area.tokens()} }} }}")
        lines.append(
            "@layer tokens { :root { "
            f"--bk-page-width: {page.width_mm:g}mm; --bk-page-height: {page.height_mm:g}mm; }} }}"
        )
        return "\n".join(lines)
