"""The stylesheet entry handed to WeasyPrint: layer order, imports, the page size from book.yaml."""

from __future__ import annotations

from pathlib import Path

from .model import Book
from .problems import relative
from .render import url_from

LAYERS = "tokens, base, page, components, theme, profile"
FONT_CREDITS = (
    "正文：思源宋体（Noto Serif CJK SC）",
    "标题：思源黑体（Noto Sans CJK SC）",
    "导语、摘句、图说：霞鹜文楷（LXGW WenKai）",
    "均依SIL开源字体许可1.1使用",
)


def shown(styles: Path, cwd: Path) -> str:
    return relative(styles, cwd)


class Stylesheets:
    """Which stylesheets a book uses, in cascade order."""

    def __init__(self, folder: Path, book: Book, profile: str = "screen"):
        self.folder = folder
        self.book = book
        self.files = [
            folder / "booklet.css",
            folder / "themes" / f"{book.theme}.css",
            folder / "profiles" / f"{profile}.css",
        ]
        self.overrides = folder / "overrides.css"

    def entry(self, base: Path) -> str:
        """The CSS inside the HTML's <style>: every URL relative to the HTML's folder."""
        page = self.book.page
        lines = [f"@layer {LAYERS};"]
        lines += [f'@import url("{url_from(base, path)}");' for path in self.files]
        lines.append(f'@import url("{url_from(base, self.overrides)}");')
        lines.append(
            "@layer tokens { :root { "
            f"--bk-page-width: {page.width_mm:g}mm; --bk-page-height: {page.height_mm:g}mm; }} }}"
        )
        return "\n".join(lines)
