"""Stylesheet problems at their file, line and column: what WeasyPrint passes over in
silence (braces that do not pair up, font files that are not there) and, by reading each
stylesheet on its own, the complaints it makes without a file name."""

from __future__ import annotations

import re
from pathlib import Path

import weasyprint

from booklet.engine import FolderFetcher, engine_log
from booklet.problems import Problem, Where, error, relative

from .styles import font_faces, stylesheets

_AT = re.compile(r" at (\d+):(\d+)")
_IMPORT = re.compile(r"@import[^;]*;")


def lint(styles: Path, fetcher: FolderFetcher, cwd: Path) -> list[Problem]:
    """Every declaration or rule WeasyPrint would ignore, at its file, line and column."""
    problems = []
    for path in stylesheets(styles):
        text = path.read_text(encoding="utf-8")
        # Imports are read on their own; blank them out, keeping every position in place.
        text = _IMPORT.sub(lambda m: " " * len(m.group()), text)
        with engine_log() as records:
            weasyprint.CSS(string=text, base_url=path.as_uri(), url_fetcher=fetcher)
        for record in records:
            message = record.getMessage().splitlines()[0]
            place = _AT.search(message)
            line, col = (int(place[1]), int(place[2])) if place else (0, 0)
            message = _AT.sub("", message).rstrip(".")
            problems.append(
                error(
                    Where(relative(path, cwd), line, col),
                    "css.ignored",
                    message,
                    "WeasyPrint ignores this; fix the spelling or the value",
                )
            )
    return problems


def check(styles: Path, cwd: Path) -> list[Problem]:
    """Unpaired braces (a block left open swallows every rule after it, silently) and
    @font-face files that do not exist, in every stylesheet under ``styles``."""
    problems = []
    for path in stylesheets(styles):
        text = path.read_text(encoding="utf-8")
        shown = relative(path, cwd)
        problems += _braces(text, shown)
        problems += _font_files(text, path, shown)
    return problems


_BRACE_OR_SKIP = re.compile(
    r"/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\n])*\"?|'(?:\\.|[^'\\\n])*'?|[{}]", re.S
)


def _braces(text: str, shown: str) -> list[Problem]:
    """Braces that do not pair up (comments and strings skipped)."""
    opened: list[tuple[int, int]] = []
    problems = []
    for match in _BRACE_OR_SKIP.finditer(text):
        char = match.group()
        if char not in "{}":
            continue
        line = text.count("\n", 0, match.start()) + 1
        col = match.start() - text.rfind("\n", 0, match.start())
        if char == "{":
            opened.append((line, col))
        elif opened:
            opened.pop()
        else:
            problems.append(
                error(
                    Where(shown, line, col),
                    "css.syntax",
                    "this } closes no block",
                    "remove it, or open the block it was meant to close",
                )
            )
    for at_line, at_col in opened:
        problems.append(
            error(
                Where(shown, at_line, at_col),
                "css.syntax",
                "this { is never closed: every rule after it is swallowed",
                "add the } that ends the block",
            )
        )
    return problems


def _font_files(text: str, path: Path, shown: str) -> list[Problem]:
    return [
        error(
            where,
            "css.font-missing",
            f"font file not found: {url}",
            "put the file in fonts/ (see fonts/README.md) or correct its name",
        )
        for face in font_faces(path, shown, text)
        for url, local, where in face.sources
        if local is not None and not local.is_file()
    ]
