"""Turn the loaded YAML of a book folder into a Book, collecting every problem on the way."""

from __future__ import annotations

import datetime
import re
import unicodedata
from pathlib import Path
from typing import Any

from booklet.model import (
    Article,
    Book,
    Byline,
    Fact,
    Facts,
    Figure,
    PageOptions,
    Paragraph,
    PullQuote,
    Run,
    Section,
)
from booklet.problems import BuildFailed, Problem, Where, did_you_mean, error, relative, warning

from . import images, schema
from .glyphs import Coverage
from .load import YList, YMap, load_yaml

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# C0/C1 controls, and invisible format characters an editor cannot see in a YAML file.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


_BLOCK_LIST = ", ".join(f"{kind}:" for kind in schema.BLOCK_KINDS)


class Checker:
    """Collects problems while reading raw YAML values against the schema."""

    def __init__(self, root: Path, cwd: Path, glyphs: Coverage | None):
        self.root = root
        self.cwd = cwd
        self.glyphs = glyphs
        self.problems: list[Problem] = []
        self.pending_facts: list = []  # (Fact, Where), checked against all articles at the end
        self.first_use: dict[str, Where] = {}  # each character, where it first appears

    def shown(self, path: Path) -> str:
        return relative(path, self.cwd)

    def error(self, where: Where, code: str, message: str, hint: str = "") -> None:
        self.problems.append(error(where, code, message, hint))

    def warn(self, where: Where, code: str, message: str, hint: str = "") -> None:
        self.problems.append(warning(where, code, message, hint))

    def fields(self, value: Any, spec: dict[str, schema.Field], what: str) -> YMap | None:
        """Check a mapping's keys and value types; return it, or None when unusable."""
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
            elif isinstance(item, str):
                value[key] = self.text(item, value.value_where[key], key)
        return value

    def text(self, text: str, where: Where, key: str) -> str:
        text = unicodedata.normalize("NFC", text)
        bad = _CONTROL.search(text)
        if bad:
            char = bad.group()
            self.error(
                where,
                "content.control-char",
                f"'{key}' contains the invisible character U+{ord(char):04X}",
                "delete it; it cannot be printed",
            )
            text = _CONTROL.sub("", text)
        if not text.strip():
            self.error(
                where,
                "content.empty-text",
                f"'{key}' is empty",
                "write the text or remove the field",
            )
        for index, char in self.glyphs.missing(text) if self.glyphs else ():
            self.error(
                where,
                "content.no-glyph",
                f"no font in fonts/ has the character '{char}' (U+{ord(char):04X}), "
                f"character {index + 1} of this {key}",
                "replace it, or add a font that has it (see fonts/README.md)",
            )
        for char in text:
            self.first_use.setdefault(char, where)
        for index, char, lacking in self.glyphs.partial(text) if self.glyphs else ():
            self.warn(
                where,
                "content.glyph-partial",
                f"the character '{char}' (U+{ord(char):04X}), character {index + 1} of this "
                f"{key}, is not in every font in fonts/: {', '.join(lacking)} cannot set it",
                "where the text is set in such a face, the build fails with a font error: "
                "replace the character, or add a font that has it (see fonts/README.md)",
            )
        return text.strip()

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
        path = (self.root / text).resolve()
        if not path.is_relative_to(self.root.resolve()):
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


def parse_runs(text: str, where: Where, check: Checker) -> tuple[Run, ...]:
    """Split **bold** emphasis out of a paragraph; everything else is literal text."""
    parts = text.split("**")
    if len(parts) % 2 == 0:
        check.error(
            where, "content.emphasis", "'**' is not closed", "bold text is written **like this**"
        )
        parts = [text.replace("**", "")]
    runs = [(part, "strong" if i % 2 else None) for i, part in enumerate(parts) if part]
    return tuple(runs)


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
            if not path.is_file():
                candidates = [
                    str(p.relative_to(root))
                    for p in root.glob("**/*.yaml")
                    if p.name != "book.yaml"
                ]
                hint = did_you_mean(item, candidates) or "the path is relative to the book folder"
                check.error(where, "content.file-missing", f"article file not found: {item}", hint)
                continue
            article = _article(path, check)
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
    )
    errors = [p for p in check.problems if p.severity == "error"]
    if errors:
        raise BuildFailed(check.problems)
    return result, tuple(check.problems)


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


def _article(path: Path, check: Checker) -> Article | None:
    raw = _load(path, check)
    shown = check.shown(path)
    if raw is None:
        if not any(p.where.file == shown for p in check.problems):
            check.error(
                Where(shown, 1, 1),
                "content.empty-file",
                "the article file is empty",
                "an article needs at least id, title and body",
            )
        return None
    data = check.fields(raw, schema.ARTICLE, "an article")
    if data is None:
        check.error(
            Where(shown, 1, 1),
            "content.wrong-type",
            "an article must be a mapping of fields",
            "start with id: and title:",
        )
        return None
    if data.get("id") and not _ID.match(data["id"]):
        check.error(
            data.value_where["id"],
            "content.bad-id",
            f"id '{data['id']}' may hold only letters, digits, - and _",
        )
    article_id = data.get("id") or path.stem
    all_text: list[str] = []
    lede = None
    if data.get("lede"):
        lede = Paragraph(
            parse_runs(data["lede"], data.value_where["lede"], check), data.value_where["lede"]
        )
        all_text.append(lede.text)
    blocks = _blocks(data, "body", check, all_text)
    sections = []
    for number, (item, where) in enumerate(check.list_items(data, "sections"), start=1):
        section = check.fields(item, schema.SECTION, "a section")
        if section is None:
            check.error(
                where,
                "content.wrong-type",
                f"a section must be a mapping, not {describe(item)}",
                "give it kicker:, heading: and body:",
            )
            continue
        sections.append(
            Section(
                id=check.get(section, "id", f"{article_id}-{number}"),
                heading=check.get(section, "heading", ""),
                kicker=check.get(section, "kicker", ""),
                blocks=_blocks(section, "body", check, all_text),
                where=where,
            )
        )
    if not blocks and not sections and lede is None:
        check.error(
            data.where, "content.empty-article", "the article has no text", "add body: or sections:"
        )
    _check_quotes(blocks, sections, all_text, check)
    bylines = []
    for item, where in check.list_items(data, "bylines"):
        byline = check.fields(item, schema.BYLINE, "a byline")
        if byline is None:
            check.error(
                where,
                "content.wrong-type",
                f"a byline must be a mapping, not {describe(item)}",
                "write - role: …\n    name: …",
            )
        elif byline.get("name"):
            bylines.append(Byline(name=byline["name"], role=check.get(byline, "role", "")))
    return Article(
        id=article_id,
        title=check.get(data, "title", ""),
        running_head=check.get(data, "running_head", "") or check.get(data, "title", ""),
        column=check.get(data, "column", ""),
        series=check.get(data, "series", ""),
        bylines=tuple(bylines),
        lede=lede,
        blocks=blocks,
        sections=tuple(sections),
        where=data.where,
    )


def _blocks(parent: YMap, key: str, check: Checker, all_text: list[str]) -> tuple:
    blocks = []
    for item, where in check.list_items(parent, key):
        if isinstance(item, str):
            text = check.text(item, where, "paragraph")
            paragraph = Paragraph(parse_runs(text, where, check), where)
            all_text.append(paragraph.text)
            blocks.append(paragraph)
        elif isinstance(item, YMap) and len(item) == 1 and next(iter(item)) in schema.BLOCK_KINDS:
            kind = next(iter(item))
            if kind == "quote":
                blocks.append(_quote(item, check))
            elif kind == "facts":
                facts = _facts(item, check)
                if facts is not None:
                    blocks.append(facts)
            else:
                figure = _figure(item, check)
                if figure is not None:
                    blocks.append(figure)
        elif isinstance(item, YMap):
            keys = list(item)
            unknown = [k for k in keys if k not in schema.BLOCK_KINDS]
            hint = (
                did_you_mean(unknown[0], schema.BLOCK_KINDS) if unknown else ""
            ) or f"a block is a paragraph (text) or one of {_BLOCK_LIST}"
            message = (
                f"unknown block '{unknown[0]}'"
                if unknown
                else f"a block holds one of {_BLOCK_LIST}, not several"
            )
            check.error(
                item.key_where[unknown[0]] if unknown else where,
                "content.unknown-block",
                message,
                hint,
            )
        elif item is None:
            check.error(where, "content.empty-text", "empty paragraph", "remove the empty '-' line")
        else:
            check.error(
                where,
                "content.wrong-type",
                f"a paragraph must be text, not {describe(item)}",
                "put the text in quotes",
            )
    if parent.get(key) is not None and not isinstance(parent.get(key), YList):
        check.error(
            parent.value_where[key],
            "content.wrong-type",
            f"'{key}' must be a list of paragraphs",
            "start each paragraph with '- '",
        )
    return tuple(blocks)


def _quote(item: YMap, check: Checker) -> PullQuote | None:
    where = item.value_where["quote"]
    value = item["quote"]
    if not isinstance(value, str):
        check.error(
            where,
            "content.wrong-type",
            f"a quote must be text, not {describe(value)}",
            "put the text in quotes",
        )
        return None
    return PullQuote(check.text(value, where, "quote"), where)


def _figure(item: YMap, check: Checker) -> Figure | None:
    where = item.key_where["figure"]
    data = check.fields(item["figure"], schema.FIGURE, "a figure")
    if data is None:
        check.error(
            where,
            "content.wrong-type",
            "a figure must be a mapping",
            "give it image:, caption: and credit:",
        )
        return None
    placeholder = bool(data.get("placeholder"))
    image = None
    if data.get("image") and placeholder:
        check.error(
            data.value_where["placeholder"],
            "content.figure-placeholder",
            "a figure has both an image and placeholder: true",
            "remove placeholder: true now that the image is here",
        )
    elif data.get("image"):
        image = check.inside_book(data["image"], data.value_where["image"], "image")
        if image is not None and not image.is_file():
            folder = image.parent
            check.error(
                data.value_where["image"],
                "content.image-missing",
                f"image not found: {data['image']} (looked in {check.shown(folder)}/)",
                "check the file name, or set placeholder: true until the photo arrives",
            )
            image = None
        elif image is not None and (trouble := check.verdicts.check(image)):
            check.error(
                data.value_where["image"],
                "content.image-bad",
                f"{data['image']}: {trouble[0]}",
                trouble[1],
            )
            image = None
    elif not placeholder:
        check.error(
            where,
            "content.figure-image",
            "a figure needs image: or placeholder: true",
            "add image: images/<file>",
        )
    # A placeholder is reported by the preflight: a warning on screen, an error in print.
    return Figure(
        caption=data.get("caption") or "",
        credit=data.get("credit") or "",
        where=where,
        image=image,
        placeholder=placeholder,
    )


def _facts(item: YMap, check: Checker) -> Facts | None:
    where = item.key_where["facts"]
    data = check.fields(item["facts"], schema.FACTS, "a facts panel")
    if data is None:
        check.error(
            where, "content.wrong-type", "facts must be a mapping", "give it title: and items:"
        )
        return None
    facts = []
    for entry, entry_where in check.list_items(data, "items"):
        fact = check.fields(entry, schema.FACT, "a fact")
        if fact is None:
            check.error(
                entry_where,
                "content.wrong-type",
                "a fact must be a mapping",
                "write - value: …, unit: …, label: …",
            )
        elif fact.get("value") is not None and fact.get("label"):
            value = fact["value"]
            value = f"{value:g}" if isinstance(value, float) else str(value)
            facts.append((Fact(value, check.get(fact, "unit", ""), fact["label"]), entry_where))
    if not facts:
        return None
    panel = Facts(check.get(data, "title", ""), tuple(f for f, _ in facts), where)
    check.pending_facts.extend(facts)
    return panel


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


def _check_quotes(blocks, sections, all_text: list[str], check: Checker) -> None:
    text = "".join(all_text)
    for block in [*blocks, *(b for s in sections for b in s.blocks)]:
        if isinstance(block, PullQuote) and block.text not in text:
            check.error(
                block.where,
                "content.quote-not-in-text",
                "a pull quote must repeat words of its article exactly",
                "copy the sentence from a paragraph of this article",
            )


def _unique_ids(articles: list[Article], check: Checker) -> None:
    seen: dict[str, Where] = {}
    for article in articles:
        for key, where in [
            (article.id, article.where),
            *((s.id, s.where) for s in article.sections),
        ]:
            if key in seen:
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
