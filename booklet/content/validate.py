"""Turn the loaded YAML of a book folder into a Book, collecting every problem on the way."""

from __future__ import annotations

import datetime
import re
import unicodedata
from pathlib import Path
from typing import Any

from booklet.model import (
    RESERVED_IDS,
    Article,
    Book,
    Byline,
    PageOptions,
    Paragraph,
)
from booklet.problems import BuildFailed, Problem, Where, did_you_mean, error, relative, warning

from . import images, schema
from .article import read_article
from .glyphs import Coverage
from .inline import parse_runs as _parse
from .load import YList, YMap, YStr, load_yaml

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# C0/C1 controls, and invisible format characters an editor cannot see in a YAML file.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]+"
)
_TAB = re.compile(r"\t+")


def _runs_of(indexes: list[int]) -> list[tuple[int, int]]:
    """Consecutive indexes as (first, last) runs."""
    found: list[tuple[int, int]] = []
    for index in indexes:
        if found and index == found[-1][1] + 1:
            found[-1] = (found[-1][0], index)
        else:
            found.append((index, index))
    return found


def _codes(chars: str) -> str:
    shown = " ".join(f"U+{ord(c):04X}" for c in chars[:4])
    return shown + (" …" if len(chars) > 4 else "")


def _position(first: int, last: int) -> str:
    return f"character {first + 1}" if first == last else f"characters {first + 1}–{last + 1}"


class Checker:
    """Collects problems while reading raw YAML values against the schema."""

    def __init__(self, root: Path, cwd: Path, glyphs: Coverage | None):
        self.root = root
        self.cwd = cwd
        self.glyphs = glyphs
        self.problems: list[Problem] = []
        self.pending_facts: list = []  # (Fact, Where), checked against all articles at the end
        self.first_use: dict[str, Where] = {}  # each character, where it first appears
        self.calls: list[tuple[str, Where]] = []  # the note calls of the article being read

    describe = staticmethod(lambda value: describe(value))

    def shown(self, path: Path) -> str:
        return relative(path, self.cwd)

    def error(self, where: Where, code: str, message: str, hint: str = "") -> None:
        self.problems.append(error(where, code, message, hint))

    def warn(self, where: Where, code: str, message: str, hint: str = "") -> None:
        self.problems.append(warning(where, code, message, hint))

    def fields(
        self, value: Any, spec: dict[str, schema.Field], what: str, lines: tuple[str, ...] = ()
    ) -> YMap | None:
        """Check a mapping's keys and value types; return it, or None when unusable. A text
        of a key in ``lines`` written as a literal block (|) is left as it is (a YStr with
        its lines): the caller checks it line by line."""
        if not isinstance(value, YMap):
            return None
        for key, key_where in value.key_where.items():
            if key not in spec:
                hint = did_you_mean(key, spec) or f"the fields of {what} are: {', '.join(spec)}"
                self.error(
                    key_where, "content.unknown-field", f"unknown field '{key}' in {what}", hint
                )
        for key, field in spec.items():
            if key not in value or value[key] is None:
                if field.required:
                    self.error(
                        value.where,
                        "content.missing-field",
                        f"{what} has no '{key}'",
                        f"add {key}: ({field.doc})",
                    )
                continue
            kinds = field.kind if isinstance(field.kind, tuple) else (field.kind,)
            item = value[key]
            if not isinstance(item, kinds) or (isinstance(item, bool) and bool not in kinds):
                hint = "put the text in quotes" if str in kinds else field.doc
                self.error(
                    value.value_where[key],
                    "content.wrong-type",
                    f"'{key}' must be {schema.type_name(field.kind)}, not {describe(item)}",
                    hint,
                )
                value[key] = None
            elif isinstance(item, YStr) and item.lines is not None and key in lines:
                continue
            elif isinstance(item, str):
                value[key] = self.text(item, value.value_where[key], key)
        return value

    def text(self, text: str, where: Where, key: str) -> str:
        for place in getattr(text, "swallowed", ()):
            line = text.replace("\n", " ")
            at = line.find(" - ")
            shown = line[max(0, at - 8) : at + 9] if at >= 0 else line[:16]
            self.warn(
                place,
                "content.list-swallowed",
                f"this line starts with '- ' but YAML reads it as more of the {key} above, "
                f"which prints '…{shown}…'",
                "indent each '- ' of a list like the others (two spaces more than the key); "
                "to print a dash here, start the line with another character",
            )
        text = unicodedata.normalize("NFC", text)
        for bad in _CONTROL.finditer(text):
            chars = bad.group()
            what = (
                f"the invisible character {_codes(chars)}"
                if len(chars) == 1
                else f"the invisible characters {_codes(chars)}"
            )
            self.error(
                where,
                "content.control-char",
                f"'{key}' contains {what} ({_position(bad.start(), bad.end() - 1)})",
                "delete it; it cannot be printed",
            )
        text = _CONTROL.sub("", text)
        for tab in _TAB.finditer(text):
            self.warn(
                where,
                "content.tab",
                f"'{key}' holds a tab ({_position(tab.start(), tab.end() - 1)}): it prints as "
                "one space",
                "type a space where one is meant, or delete the tab",
            )
        if not text.strip():
            self.error(
                where,
                "content.empty-text",
                f"'{key}' is empty",
                "write the text or remove the field",
            )
        missing = dict(self.glyphs.missing(text)) if self.glyphs else {}
        for first, last in _runs_of(sorted(missing)):
            chars = text[first : last + 1]
            what = (
                f"the character '{chars}' ({_codes(chars)})"
                if first == last
                else f"the characters '{chars}' ({_codes(chars)})"
            )
            self.error(
                where,
                "content.no-glyph",
                f"no font in fonts/ has {what}, {_position(first, last)} of this {key}",
                "replace it, or add a font that has it (see fonts/README.md)",
            )
        for char in text:
            self.first_use.setdefault(char, where)
        partial = self.glyphs.partial(text) if self.glyphs else []
        lacking = {index: names for index, _char, names in partial}
        for first, last in _runs_of(sorted(lacking)):
            # One message per run of characters the same faces lack.
            start = first
            for index in range(first, last + 2):
                if index <= last and lacking[index] == lacking[start]:
                    continue
                chars = text[start:index]
                what = f"'{chars}' ({_codes(chars)}), {_position(start, index - 1)}"
                self.warn(
                    where,
                    "content.glyph-partial",
                    f"the character{'s' if len(chars) > 1 else ''} {what} of this {key}, "
                    f"{'are' if len(chars) > 1 else 'is'} not in every font in fonts/: "
                    f"{', '.join(lacking[start])} cannot set "
                    f"{'them' if len(chars) > 1 else 'it'}",
                    "where the text is set in such a face, the build fails with a font error: "
                    "replace the character, or add a font that has it (see fonts/README.md)",
                )
                start = index
        return text.strip()

    def paragraph(
        self, text: str, where: Where, what: str, *, notes: bool = True, checked: bool = False
    ) -> Paragraph:
        """A text with its inline markup; note calls are collected in ``calls``."""
        if not checked:
            text = self.text(text, where, what)
        return Paragraph(
            _parse(text, where, self._report, self.calls if notes else None, what), where
        )

    def _report(self, where: Where, code: str, message: str, hint: str) -> None:
        self.error(where, code, message, hint)

    def get(self, mapping: YMap | None, key: str, default: Any = None) -> Any:
        if mapping is None:
            return default
        value = mapping.get(key)
        return default if value is None else value

    def list_items(self, mapping: YMap, key: str) -> list[tuple[Any, Where]]:
        value = mapping.get(key)
        if not isinstance(value, YList):
            return []
        return list(zip(value, value.item_where, strict=True))

    def inside_book(self, text: str, where: Where, what: str) -> Path | None:
        """Resolve a path written in the book; refuse anything that leaves the book folder."""
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text) or text.startswith(("/", "\\")):
            self.error(
                where,
                "content.path-outside",
                f"{what} '{text}' is not a path inside the book",
                "write a path relative to the book folder, e.g. images/photo.jpg",
            )
            return None
        root = self.root.resolve()
        walked = self.root
        for part in Path(text).parts:
            walked = walked / part
            if walked.is_symlink() and not walked.resolve().is_relative_to(root):
                self.error(
                    where,
                    "content.path-outside",
                    f"{what} '{text}' is a symbolic link to {walked.resolve()}, outside the "
                    "book folder",
                    "copy the file itself into the book folder (WeasyPrint reads only files "
                    "inside it)",
                )
                return None
        path = (self.root / text).resolve()
        if not path.is_relative_to(root):
            self.error(
                where,
                "content.path-outside",
                f"{what} '{text}' points outside the book folder",
                "copy the file into the book folder",
            )
            return None
        return path


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def read_book(
    root: Path,
    cwd: Path | None = None,
    glyphs: Coverage | None = None,
    styles: Path | None = None,
    verdicts: images.Verdicts | None = None,
) -> tuple[Book, tuple[Problem, ...]]:
    """Read and check a book folder: the Book and its warnings, or BuildFailed with all problems.

    With glyphs, every character of the text must be in one of the fonts; with styles (the
    styles folder), the theme must be one of its themes/.
    """
    cwd = cwd or Path.cwd()
    root = root.resolve()
    check = Checker(root, cwd, glyphs)
    check.verdicts = verdicts or images.Verdicts()
    book_file = root / "book.yaml"
    raw = _load(book_file, check)
    if isinstance(raw, YMap) and isinstance(raw.get("date"), str):
        raw["date"] = _iso_date(raw["date"]) or raw["date"]  # a quoted date is still a date
    book = check.fields(raw, schema.BOOK, "book.yaml")
    if raw is not None and book is None:
        check.error(
            Where(check.shown(book_file), 1, 1),
            "content.wrong-type",
            "book.yaml must be a mapping of fields",
        )
    articles = []
    if book is not None:
        items = check.list_items(book, "articles")
        if "articles" in book and not items and book.get("articles") is not None:
            check.error(
                book.value_where["articles"],
                "content.empty-book",
                "the book has no articles",
                "list article files under articles:",
            )
        seen_files: dict[Path, Where] = {}
        for item, where in items:
            if not isinstance(item, str):
                check.error(
                    where,
                    "content.wrong-type",
                    f"an article entry must be a file path, not {describe(item)}",
                )
                continue
            path = check.inside_book(item, where, "article file")
            if path is None:
                continue
            if path in seen_files:
                check.error(
                    where,
                    "content.duplicate-file",
                    f"article file '{item}' is listed twice",
                    f"first at line {seen_files[path].line}",
                )
                continue
            seen_files[path] = where
            if path.is_dir():
                inside = sorted(str(p.relative_to(root)) for p in path.glob("*.yaml"))
                hint = (
                    f"list the files in it, e.g. {', '.join(inside[:3])}"
                    if inside
                    else "write the path of an article file (.yaml) in this folder"
                )
                check.error(
                    where,
                    "content.not-a-file",
                    f"'{item}' is a folder, not an article file",
                    hint,
                )
                continue
            if not path.is_file():
                candidates = [
                    str(p.relative_to(root))
                    for p in root.glob("**/*.yaml")
                    if p.name != "book.yaml"
                ]
                hint = did_you_mean(item, candidates) or "the path is relative to the book folder"
                check.error(where, "content.file-missing", f"article file not found: {item}", hint)
                continue
            article = read_article(path, check, endnotes=bool(check.get(book, "endnotes", False)))
            if article is not None:
                articles.append(article)
        _unique_ids(articles, check)
        _check_facts(articles, check)
        _check_shared_glyphs(check)
    if any(p.severity == "error" for p in check.problems) or book is None:
        raise BuildFailed(check.problems)
    result = Book(
        root=root,
        title=book["title"],
        subtitle=check.get(book, "subtitle", ""),
        slug=_slug(book, check),
        publisher=book["publisher"],
        date=book["date"],
        language=_language(book, check),
        edition=check.get(book, "edition", ""),
        description=check.get(book, "description", ""),
        source_note=check.get(book, "source_note", ""),
        theme=_theme(book, check, styles),
        page=_page(book, check),
        articles=tuple(articles),
        keywords=tuple(str(k) for k in check.get(book, "keywords", [])),
        authors=_people(book, check),
        openings=_openings(book, check),
        title_page=_title_page(book, check),
        places=dict(book.value_where),
    )
    errors = [p for p in check.problems if p.severity == "error"]
    if errors:
        raise BuildFailed(check.problems)
    return result, tuple(check.problems)


OPENINGS = ("auto", "right", "any")
TITLE_PAGE = ("auto", True, False)


def _openings(book: YMap, check: Checker) -> str:
    return _choice(book, check, "openings", OPENINGS)


def _title_page(book: YMap, check: Checker) -> str | bool:
    return _choice(book, check, "title_page", TITLE_PAGE)


def _choice(book: YMap, check: Checker, name: str, choices: tuple) -> Any:
    """A setting that takes one of a few values; the first is the default."""
    value = check.get(book, name, choices[0])
    if value in choices and type(value) in {type(c) for c in choices if c == value}:
        return value
    said = ", ".join(str(c).lower() if isinstance(c, bool) else c for c in choices)
    hint = did_you_mean(str(value), [str(c) for c in choices]) or f"{name}: one of {said}"
    check.error(
        book.value_where[name],
        f"content.{name.replace('_', '-')}",
        f"{name} '{value}' is not one of {said}",
        hint,
    )
    return choices[0]


def _iso_date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _load(path: Path, check: Checker) -> Any:
    try:
        return load_yaml(path, check.shown(path))
    except BuildFailed as failed:
        check.problems.extend(failed.problems)
        return None


def _slug(book: YMap, check: Checker) -> str:
    slug = book["slug"]
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", slug):
        check.error(
            book.value_where["slug"],
            "content.bad-slug",
            f"slug '{slug}' is not a plain file name",
            "use letters, digits and -, e.g. zhefu-feature",
        )
    return slug


def _language(book: YMap, check: Checker) -> str:
    language = book["language"]
    if language not in schema.LANGUAGES:
        check.error(
            book.value_where["language"],
            "content.language",
            f"language '{language}' is not supported",
            "this pipeline sets Simplified Chinese: use zh-Hans",
        )
    return language


def _theme(book: YMap, check: Checker, styles: Path | None) -> str:
    theme = check.get(book, "theme", "booklet")
    if styles is None:
        return theme
    available = sorted(p.stem for p in (styles / "themes").glob("*.css"))
    if theme not in available:
        hint = did_you_mean(theme, available) or f"themes: {', '.join(available)}"
        check.error(book.value_where["theme"], "content.unknown-theme", f"no theme '{theme}'", hint)
    return theme


def _page(book: YMap, check: Checker) -> PageOptions:
    page = check.fields(check.get(book, "page"), schema.PAGE, "page")
    size = check.get(page, "size", "A5")
    where = page.value_where.get("size", page.where) if page is not None else Where("book.yaml")
    if isinstance(size, str):
        if size.upper() not in schema.PAGE_SIZES:
            hint = (
                did_you_mean(size.upper(), schema.PAGE_SIZES)
                or f"sizes: {', '.join(schema.PAGE_SIZES)} or [width, height]"
            )
            check.error(where, "content.page-size", f"unknown page size '{size}'", hint)
            return PageOptions()
        return PageOptions(*schema.PAGE_SIZES[size.upper()])
    if (
        isinstance(size, list)
        and len(size) == 2
        and all(
            isinstance(n, int | float) and not isinstance(n, bool) and 50 <= n <= 500 for n in size
        )
    ):
        return PageOptions(float(size[0]), float(size[1]))
    check.error(
        where,
        "content.page-size",
        "page size must be a name or [width, height] in mm",
        "e.g. size: A5 or size: [148, 210]",
    )
    return PageOptions()


def _people(book: YMap, check: Checker) -> tuple[Byline, ...]:
    """The book's authors, editors and translators, each with a role."""
    people = []
    for item, where in check.list_items(book, "authors"):
        if isinstance(item, str):  # a bare name: an author with no role printed
            people.append(Byline(name=check.text(item, where, "name")))
            continue
        person = check.fields(item, schema.PERSON, "an author")
        if person is None:
            check.error(
                where,
                "content.wrong-type",
                f"an author must be a name or a mapping, not {describe(item)}",
                "write - name: …\n    role: 著",
            )
        elif person.get("name"):
            people.append(Byline(name=person["name"], role=check.get(person, "role", "")))
    return tuple(people)


def _check_facts(articles: list[Article], check: Checker) -> None:
    """Every figure of a facts panel must stand in the text, with its unit: no invented data."""
    text = "".join(p.text for a in articles for p in a.paragraphs())
    for fact, where in check.pending_facts:
        if f"{fact.value}{fact.unit}" not in text:
            check.error(
                where,
                "content.fact-not-in-text",
                f"'{fact.value}{fact.unit}' is not found in the text",
                "a key figure repeats a number of the articles, with its unit as written there",
            )


def _unique_ids(articles: list[Article], check: Checker) -> None:
    seen: dict[str, Where] = {}
    for article in articles:
        for key, where in [
            (article.id, article.where),
            *((s.id, s.where) for s in article.all_sections()),
        ]:
            if key in RESERVED_IDS:
                check.error(
                    where,
                    "content.reserved-id",
                    f"id '{key}' is the name of one of the booklet's own parts",
                    "choose another id (set id:, or rename the file); reserved: "
                    + ", ".join(sorted(RESERVED_IDS)),
                )
            elif key in seen:
                first = seen[key]
                check.error(
                    where,
                    "content.duplicate-id",
                    f"id '{key}' is used twice",
                    f"first used at {first}; ids must be unique",
                )
            else:
                seen[key] = where


def _check_shared_glyphs(check: Checker) -> None:
    """Two characters of the book that a font draws with one glyph read back as one in the
    PDF's text layer: say so at the second one's place (searching and copying would find
    the other character there)."""
    if not check.glyphs:
        return
    order = {char: number for number, char in enumerate(check.first_use)}  # reading order
    chars = [c for c in check.first_use if not c.isascii()]
    for first, other in check.glyphs.shared(chars):
        one, two = sorted((first, other), key=order.__getitem__)
        check.warn(
            check.first_use[two],
            "content.glyph-shared",
            f"'{two}' (U+{ord(two):04X}) and '{one}' (U+{ord(one):04X}) are drawn with one "
            f"glyph: the PDF's text reads both back as one of them",
            "use one of the two throughout the book (for a dash, —— U+2014)",
        )
