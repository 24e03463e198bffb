"""Stylesheet problems at their file, line and column: what WeasyPrint passes over in
silence (braces that do not pair up, font files that are not there) and, by reading each
stylesheet on its own, the complaints it makes without a file name."""

from __future__ import annotations

import re
from pathlib import Path

import tinycss2
import weasyprint

from .paginate import FolderFetcher, engine_log
from .problems import Problem, Where, error, relative

_AT = re.compile(r" at (\d+):(\d+)")
_IMPORT = re.compile(r"@import[^;]*;")


def lint(styles: Path, fetcher: FolderFetcher, cwd: Path) -> list[Problem]:
    """Every declaration or rule WeasyPrint would ignore, at its file, line and column."""
    problems = []
    for path in _stylesheets(styles):
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
    for path in _stylesheets(styles):
        text = path.read_text(encoding="utf-8")
        shown = relative(path, cwd)
        problems += _braces(text, shown)
        if "@font-face" in text:
            problems += _font_files(text, path, shown)
    return problems


def _stylesheets(styles: Path) -> list[Path]:
    """The stylesheets under ``styles``; one linked in from outside it is never read (the
    folder-bound fetcher refuses it where it is used)."""
    root = styles.resolve()
    return [p for p in sorted(styles.rglob("*.css")) if p.resolve().is_relative_to(root)]


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
    problems = []
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "font-face" or not rule.content:
            continue
        for token, url in _urls(rule.content):
            if ":" in url.split("/", 1)[0]:
                continue  # a URL with a scheme: the fetcher decides
            target = (path.parent / url).resolve()
            if not target.is_file():
                problems.append(
                    error(
                        Where(shown, token.source_line, token.source_column),
                        "css.font-missing",
                        f"font file not found: {url}",
                        "put the file in fonts/ (see fonts/README.md) or correct its name",
                    )
                )
    return problems


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
