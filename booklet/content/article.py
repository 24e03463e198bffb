"""One article file read into an Article: its fields, epigraph, sections, notes and blocks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from booklet.model import Article, Byline, Epigraph, Note, PullQuote, Section
from booklet.problems import BuildFailed, Where, did_you_mean

from . import schema
from .blocks import read_block
from .load import YList, YMap, YStr, load_yaml

if TYPE_CHECKING:
    from .validate import Checker

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def _load(path: Path, check: Checker):
    try:
        return load_yaml(path, check.shown(path))
    except BuildFailed as failed:
        check.problems.extend(failed.problems)
        return None


def read_article(path: Path, check: Checker, endnotes: bool = False) -> Article | None:
    """The article in ``path``, or None when nothing usable is left; problems go to ``check``."""
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
    data = check.fields(raw, schema.ARTICLE, "an article", lines=("epigraph",))
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
    check.calls = []
    words: list[str] = []  # the article's own text, for the pull quotes
    epigraph = _epigraph(data, check)
    lede = None
    if data.get("lede"):
        lede = check.paragraph(data["lede"], data.value_where["lede"], "lede", checked=True)
        words.append(lede.text)
    blocks = _blocks(data, "body", check, words)
    sections = _sections(data, check, words, article_id, level=1)
    if not blocks and not sections and lede is None:
        check.error(
            data.where, "content.empty-article", "the article has no text", "add body: or sections:"
        )
    everything = [*blocks, *(b for s in sections for t in (s, *s.subsections) for b in t.blocks)]
    _check_quotes(everything, words, check)
    bylines = []
    for item, where in check.list_items(data, "bylines"):
        byline = check.fields(item, schema.BYLINE, "a byline")
        if byline is None:
            check.error(
                where,
                "content.wrong-type",
                f"a byline must be a mapping, not {check.describe(item)}",
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
        divisions=tuple(sections),
        where=data.where,
        epigraph=epigraph,
        source=check.get(data, "source", ""),
        notes=_notes(data, check),
        endnotes=bool(check.get(data, "endnotes", endnotes)),
    )


def _epigraph(data: YMap, check: Checker) -> Epigraph | None:
    value = data.get("epigraph")
    if value is None:
        return None
    where = data.value_where["epigraph"]
    source = ""
    if isinstance(value, YMap):
        fields = check.fields(value, schema.EPIGRAPH, "an epigraph", lines=("text",))
        source = check.get(fields, "source", "")
        raw = value.get("text")
        where = value.value_where.get("text", where)
    else:
        raw = value
    if not isinstance(raw, str) or not raw.strip():
        return None
    if isinstance(raw, YStr) and raw.lines is not None:  # a | block: its lines kept
        texts = [(t, w) for t, w in zip(raw.lines, raw.places, strict=True) if t.strip()]
        lines = tuple(check.paragraph(t, w, "epigraph", notes=False) for t, w in texts)
    else:  # checked by the field check already
        lines = (check.paragraph(raw, where, "epigraph", notes=False, checked=True),)
    return Epigraph(lines, source, data.value_where["epigraph"])


def _sections(parent: YMap, check: Checker, words: list[str], prefix: str, level: int):
    sections = []
    for number, (item, where) in enumerate(check.list_items(parent, "sections"), start=1):
        section = check.fields(item, schema.SECTION, "a section")
        if section is None:
            check.error(
                where,
                "content.wrong-type",
                f"a section must be a mapping, not {check.describe(item)}",
                "give it heading: and body:",
            )
            continue
        heading, mark = check.get(section, "heading", ""), check.get(section, "mark", "")
        if not heading and not mark:
            check.error(
                section.where,
                "content.missing-field",
                "a section has no 'heading'",
                "add heading: (小标题), or mark: ＊ for a break without a heading",
            )
        elif heading and mark:
            check.error(
                section.value_where["mark"],
                "content.section-mark",
                "a section has a heading or a break mark, not both",
                "write the number into the heading (一、…), or remove mark:",
            )
        if mark and check.get(section, "kicker"):
            check.error(
                section.value_where["kicker"],
                "content.section-mark",
                "a break without a heading has no kicker",
                "add heading:, or remove kicker:",
            )
        section_id = check.get(section, "id", f"{prefix}-{number}")
        subsections: list[Section] = []
        if section.get("sections") is not None and level >= 2:
            check.error(
                section.key_where["sections"],
                "content.section-depth",
                "a subsection cannot have sections of its own",
                "the booklet has two heading levels: sections and their subsections",
            )
        blocks = _blocks(section, "body", check, words)
        if level < 2:
            subsections = _sections(section, check, words, section_id, level + 1)
        sections.append(
            Section(
                id=section_id,
                heading=heading,
                kicker=check.get(section, "kicker", ""),
                blocks=blocks,
                where=where,
                mark=mark if not heading else "",
                toc=bool(check.get(section, "toc", True)),
                level=level,
                subsections=tuple(subsections),
            )
        )
    return sections


def _notes(data: YMap, check: Checker) -> tuple[Note, ...]:
    """The article's notes in call order; every call has a note and every note one call."""
    written = data.get("notes")
    texts: dict[str, tuple[str, Where]] = {}
    if isinstance(written, YMap):
        for key, value in written.items():
            where = written.value_where[key]
            if not isinstance(value, str):
                check.error(
                    where,
                    "content.wrong-type",
                    f"note '{key}' must be text, not {check.describe(value)}",
                    "write key: the note's text",
                )
                continue
            texts[key] = (value, where)
    first: dict[str, Where] = {}
    notes = []
    for key, where in check.calls:
        if key in first:
            check.error(
                where,
                "content.note-twice",
                f"the note [^{key}] is called a second time (first at line {first[key].line})",
                "a note is called once: write another note for the second place",
            )
            continue
        first[key] = where
        if key not in texts:
            hint = did_you_mean(key, texts) or "add it under notes: as "
            check.error(
                where,
                "content.note-missing",
                f"the note [^{key}] is called but not written under notes:",
                hint if hint.startswith("did") else f"{hint}{key}: …",
            )
            continue
        text, text_where = texts[key]
        body = check.paragraph(text, text_where, "note", notes=False)
        notes.append(Note(key, len(notes) + 1, body))
    for key in texts:
        if key not in first:
            check.error(
                written.key_where[key],
                "content.note-unused",
                f"the note '{key}' is never called",
                f"call it in the text with [^{key}] where it belongs, or delete it",
            )
    return tuple(notes)


def _blocks(parent: YMap, key: str, check: Checker, words: list[str]) -> tuple:
    blocks = []
    for item, where in check.list_items(parent, key):
        block = read_block(item, where, check, words)
        if block is not None:
            blocks.append(block)
    if parent.get(key) is not None and not isinstance(parent.get(key), YList):
        check.error(
            parent.value_where[key],
            "content.wrong-type",
            f"'{key}' must be a list of paragraphs",
            "start each paragraph with '- '",
        )
    return tuple(blocks)


def _check_quotes(blocks: list, words: list[str], check: Checker) -> None:
    """A pull quote repeats words of its article; …… may leave words out between pieces
    that each stand in the article, in order."""
    text = "".join(words)
    for block in blocks:
        if not isinstance(block, PullQuote) or block.text in text:
            continue
        pieces = block.text.split("……")
        if len(pieces) == 1:
            check.error(
                block.where,
                "content.quote-not-in-text",
                "a pull quote must repeat words of its article exactly",
                "copy the sentence from a paragraph of this article; …… may leave words out",
            )
            continue
        at = 0
        for number, piece in enumerate(pieces, start=1):
            if not piece:
                continue
            found = text.find(piece, at)
            if found < 0:
                place = "in the article" if at == 0 else "after the words before it"
                check.error(
                    block.where,
                    "content.quote-not-in-text",
                    f"a pull quote must repeat words of its article: '{piece[:16]}' (piece "
                    f"{number} of {len(pieces)}, between ……) is not found {place}",
                    "each piece between …… is copied exactly from the article, in order",
                )
                break
            at = found + len(piece)
