"""Stylesheet problems at their file, line and column, before any layout: what WeasyPrint
passes over in silence (braces that do not pair up, rules nested by a lost brace, font files
that are not there, URLs it may not read) and, by reading each stylesheet on its own, the
declarations it ignores. ``Checked`` remembers the problems of each stylesheet by its text,
so a warm process checks again only the stylesheets that changed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import tinycss2
import weasyprint

from booklet.engine import FolderFetcher, engine_log
from booklet.problems import Problem, Where, error, relative, warning

from .styles import font_faces, stylesheets

_AT = re.compile(r" at (\d+):(\d+)")
_IMPORT = re.compile(r"@import[^;]*;")
REFUSED_HINT = (
    "a stylesheet may load files from styles/ and fonts/ (and the book folder) only: "
    "copy the file into styles/ and point the url there"
)


def lint(styles: Path, fetcher: FolderFetcher, cwd: Path) -> list[Problem]:
    """Every declaration or rule WeasyPrint would ignore, at its file, line and column."""
    problems = []
    for path in stylesheets(styles):
        problems += _lint_one(path, path.read_text(encoding="utf-8"), fetcher, relative(path, cwd))
    return problems


def _lint_one(path: Path, text: str, fetcher: FolderFetcher, shown: str) -> list[Problem]:
    # Imports are read on their own; blank them out, keeping every position in place.
    text = _IMPORT.sub(lambda m: " " * len(m.group()), text)
    with engine_log() as records:
        weasyprint.CSS(string=text, base_url=path.as_uri(), url_fetcher=fetcher)
    problems = []
    for record in records:
        message = record.getMessage().splitlines()[0]
        place = _AT.search(message)
        line, col = (int(place[1]), int(place[2])) if place else (0, 0)
        message = _AT.sub("", message).rstrip(".")
        problems.append(
            error(
                Where(shown, line, col),
                "css.ignored",
                message,
                "WeasyPrint ignores this; fix the spelling or the value",
            )
        )
    return problems


def check(styles: Path, cwd: Path, allowed: Iterable[Path] = ()) -> list[Problem]:
    """Unpaired braces (a block left open swallows every rule after it), rules nested in
    another one, @font-face files that do not exist, and URLs outside ``allowed`` (the book,
    styles and fonts folders), in every stylesheet under ``styles``."""
    problems = []
    allowed = [Path(a).resolve() for a in allowed] or [styles.resolve()]
    for path in stylesheets(styles):
        text = path.read_text(encoding="utf-8")
        problems += _static(path, text, relative(path, cwd), allowed)
    return problems


def _static(path: Path, text: str, shown: str, allowed: list[Path]) -> list[Problem]:
    problems = _braces(text, shown)
    problems += _font_files(text, path, shown)
    problems += _urls(text, path, shown, allowed)
    return problems


class Checked:
    """The problems of each stylesheet, by its text and what it is checked against (owned
    by pipeline.Warm)."""

    def __init__(self) -> None:
        self.kept: dict[Path, tuple[tuple, list[Problem]]] = {}

    def check(
        self, styles: Path, cwd: Path, allowed: Iterable[Path], fetcher: FolderFetcher
    ) -> list[Problem]:
        """Every problem ``check`` and ``lint`` find, each stylesheet read again only when
        its text changed. Style problems are all reported before any layout."""
        allowed = [Path(a).resolve() for a in allowed]
        problems = []
        seen = set()
        for path in stylesheets(styles):
            text = path.read_text(encoding="utf-8")
            shown = relative(path, cwd)
            key = (text, shown, tuple(allowed))
            seen.add(path)
            kept = self.kept.get(path)
            if kept is None or kept[0] != key:
                found = _static(path, text, shown, allowed)
                if not any(p.code == "css.syntax" for p in found):
                    found += _lint_one(path, text, fetcher, shown)
                kept = self.kept[path] = (key, found)
            problems += kept[1]
        for gone in set(self.kept) - seen:
            del self.kept[gone]
        return problems


# -- braces ----------------------------------------------------------------------------------

_BRACE_OR_SKIP = re.compile(
    r"/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\n])*\"?|'(?:\\.|[^'\\\n])*'?|[{};]", re.S
)


@dataclass
class _Block:
    start: int  # offset of the "{"
    prelude: str  # what comes before it: a selector, or an at-rule ("@layer components")
    prelude_at: int  # offset where the prelude starts
    end: int | None = None  # offset of the "}" that closes it
    parent: _Block | None = None

    @property
    def style_rule(self) -> bool:
        return bool(self.prelude) and not self.prelude.startswith("@")


def _place(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - text.rfind("\n", 0, offset)


def _indent(text: str, offset: int) -> int:
    """The indentation of the line that holds ``offset``."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", start)
    line = text[start : end if end >= 0 else len(text)]
    return len(line) - len(line.lstrip())


def _first_on_line(text: str, offset: int) -> bool:
    start = text.rfind("\n", 0, offset) + 1
    return not text[start:offset].strip()


def _short(prelude: str) -> str:
    prelude = " ".join(prelude.split())
    return prelude if len(prelude) <= 40 else prelude[:37] + "…"


def _blocks(text: str) -> tuple[list[_Block], list[_Block], list[int]]:
    """Every block with its prelude, the blocks never closed, and the stray closing braces."""
    blocks: list[_Block] = []
    open_: list[_Block] = []
    stray: list[int] = []
    boundary = 0  # where the current prelude begins: after the last { } or ;
    for match in _BRACE_OR_SKIP.finditer(text):
        char = match.group()
        if char not in "{};":
            continue
        if char == "{":
            raw = text[boundary : match.start()]
            prelude = re.sub(r"/\*.*?\*/", "", raw, flags=re.S).strip()
            lead = len(raw) - len(raw.lstrip())
            block = _Block(
                match.start(), prelude, boundary + lead, parent=open_[-1] if open_ else None
            )
            blocks.append(block)
            open_.append(block)
        elif char == "}":
            if open_:
                open_.pop().end = match.start()
            else:
                stray.append(match.start())
        boundary = match.end()
    return blocks, open_, stray


def _braces(text: str, shown: str) -> list[Problem]:
    """Braces that do not pair up (comments and strings skipped), each at the rule that
    lost or gained one; and rules nested inside another rule, which match only inside it."""
    blocks, unclosed, stray = _blocks(text)
    problems = []
    for offset in stray:
        problems.append(
            error(
                Where(shown, *_place(text, offset)),
                "css.syntax",
                "this } closes no block",
                "remove it, or open the block it was meant to close",
            )
        )
    nested = [b for b in blocks if b.style_rule and b.parent is not None and b.parent.style_rule]
    if unclosed:
        problems += _lost(text, shown, blocks, unclosed, nested)
        return problems
    for block in nested:
        parent = block.parent
        line, _col = _place(text, parent.prelude_at)
        problems.append(
            warning(
                Where(shown, *_place(text, block.prelude_at)),
                "css.nested",
                f"'{_short(block.prelude)}' is nested inside '{_short(parent.prelude)}' "
                f"(line {line}): it applies only inside that rule",
                "if that is not meant, a } is missing before it: close the rule above first",
            )
        )
    return problems


def _lost(text, shown, blocks, unclosed, nested) -> list[Problem]:
    """The rules that lost their closing brace: each one a later rule sits nested in, or
    else one whose } is indented less than the rule (it was its parent's); at worst the
    block left open."""
    suspects: list[tuple[_Block, int]] = []  # (rule, offset before which its } belongs)
    for block in nested:
        if block.parent not in (s for s, _ in suspects):
            suspects.append((block.parent, block.prelude_at))
    if len(suspects) < len(unclosed):
        for block in blocks:
            if block in (s for s, _ in suspects) or block.end is None:
                continue
            if _first_on_line(text, block.end) and _indent(text, block.end) < _indent(
                text, block.prelude_at
            ):
                suspects.append((block, block.end))
    problems = []
    for block, before in suspects[: len(unclosed)]:
        line = _place(text, before)[0]
        inner = next((b for b in nested if b.parent is block), None)
        what = (
            f"'{_short(inner.prelude)}' at line {line} is read as nested inside it"
            if inner is not None
            else f"the }} at line {line} that seems to end it closes the block around it"
        )
        problems.append(
            error(
                Where(shown, *_place(text, block.start)),
                "css.syntax",
                f"this {{ of '{_short(block.prelude)}' is never closed: {what}",
                f"end '{_short(block.prelude)}' with }}"
                + (" after its last declaration," if block.style_rule else "")
                + f" before line {line}",
            )
        )
    for block in unclosed[len(suspects) :]:
        problems.append(
            error(
                Where(shown, *_place(text, block.start)),
                "css.syntax",
                "this { is never closed: every rule after it is swallowed",
                "add the } that ends the block",
            )
        )
    return problems


# -- files -------------------------------------------------------------------------------------


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


def _url_tokens(tokens) -> Iterable[tuple[object, str]]:
    """(token, url) of every url() and @import string in a list of component values."""
    for token in tokens:
        if token.type == "url":
            yield token, token.value
        elif token.type == "function":
            if token.lower_name == "url":
                strings = [t for t in token.arguments if t.type == "string"]
                if strings:
                    yield token, strings[0].value
            else:
                yield from _url_tokens(token.arguments)
        elif getattr(token, "content", None) and isinstance(token.content, list):
            yield from _url_tokens(token.content)


def _urls(text: str, path: Path, shown: str, allowed: list[Path]) -> list[Problem]:
    """URLs the fetcher would refuse (another scheme, a file outside the allowed folders,
    a link that leads outside), at their place; an @import is checked like a url()."""
    problems = []
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True):
        tokens = []
        if rule.type == "at-rule":
            if rule.lower_at_keyword == "import":
                strings = [t for t in rule.prelude if t.type == "string"]
                tokens += [(t, t.value) for t in strings[:1]]
            tokens += list(_url_tokens(rule.prelude))
            tokens += list(_url_tokens(rule.content or []))
        elif rule.type == "qualified-rule":
            tokens += list(_url_tokens(rule.content))
        for token, url in tokens:
            reason = _refused(url, path, allowed)
            if reason:
                problems.append(
                    error(
                        Where(shown, token.source_line, token.source_column),
                        "security.refused",
                        f"refused {url}: {reason}",
                        REFUSED_HINT,
                    )
                )
    return problems


def _refused(url: str, path: Path, allowed: list[Path]) -> str:
    """Why the engine's fetcher would refuse ``url`` in the stylesheet ``path`` ('' if not)."""
    if url.startswith("data:") or url.startswith("#") or not url.strip():
        return ""
    parts = urlsplit(url)
    if parts.scheme and parts.scheme != "file":
        return f"only files are read, never {parts.scheme}: URLs"
    if parts.scheme == "file" and parts.netloc not in ("", "localhost"):
        return "only files on this machine are read"
    where = Path(unquote(parts.path))
    target = Path(os.path.normpath(where if where.is_absolute() else path.parent / where))
    resolved = target.resolve()
    if any(resolved.is_relative_to(folder) for folder in allowed):
        return ""
    if any(target.is_relative_to(folder) for folder in allowed):
        return f"a link in the folder that leads outside it, to {resolved}"
    return "outside the book, styles and fonts folders"
