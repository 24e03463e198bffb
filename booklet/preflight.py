"""Checks on the finished PDF: fonts only from fonts/, every glyph found."""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader

from .problems import Problem, Where, error

_FACE = re.compile(r"@font-face\s*{[^}]*font-family:\s*[\"']([^\"']+)[\"']", re.S)


def font_families(fonts_css: Path) -> frozenset[str]:
    """The family names declared in styles/fonts.css, as WeasyPrint writes them in a PDF."""
    return frozenset(m.replace(" ", "-") for m in _FACE.findall(fonts_css.read_text("utf-8")))


def embedded_fonts(pdf: bytes) -> dict[str, list[int]]:
    """Base font name (subset tag removed) → pages it is used on (1-based)."""
    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, list[int]] = {}
    for number, page in enumerate(reader.pages, start=1):
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        for ref in (fonts.get_object() if fonts else {}).values():
            name = str(ref.get_object().get("/BaseFont", "")).lstrip("/")
            name = name.split("+", 1)[1] if "+" in name[:7] else name
            found.setdefault(name, []).append(number)
    return found


def check_fonts(pdf: bytes, fonts_css: Path) -> list[Problem]:
    """Every font in the PDF must be one of styles/fonts.css (which load only fonts/)."""
    families = font_families(fonts_css)
    problems = []
    for name, pages in sorted(embedded_fonts(pdf).items()):
        if not any(name == f or name.startswith(f + "-") for f in families):
            problems.append(
                error(
                    Where("dist"),
                    "fonts.fallback",
                    f"text on page {pages[0]} fell back to the system font {name}",
                    "some character is missing from the fonts in fonts/; see the typography report",
                )
            )
    return problems
