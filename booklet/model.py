"""The booklet as typed, frozen values handed from stage to stage; no I/O here."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Where

# (text, tag). Tag None: plain text; "strong": bold; "em": emphasis dots (着重号); "strong em":
# both; "note": a note call, whose text is the note's key (printed as its mark, not as text).
Run = tuple[str, str | None]
NOTE = "note"

# The names of the booklet's own parts (compose/fit.py) and of the contents' anchor: an
# article or section may not take one as its id.
PARTS = ("cover", "title", "colophon", "contents", "back", "filler", "notes")
RESERVED_IDS = frozenset((*PARTS, "toc"))

# Whitespace and invisible format characters the typesetting pass may add (word joiner …).
_INVISIBLE = re.compile(r"[\s\u00ad\u200b-\u200d\u2060\ufeff]+")


def squeeze(text: str) -> str:
    """Text for comparison: whitespace and invisible characters removed."""
    return _INVISIBLE.sub("", text)


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    where: Where

    @property
    def text(self) -> str:
        """The words as printed in the text, note calls left out."""
        return "".join(text for text, tag in self.runs if tag != NOTE)

    @property
    def calls(self) -> tuple[str, ...]:
        """The keys of the notes this text calls, in order."""
        return tuple(text for text, tag in self.runs if tag == NOTE)


@dataclass(frozen=True)
class Note:
    """注释: called once from the text as [^key]; numbered per article in call order."""

    key: str
    number: int
    body: Paragraph


@dataclass(frozen=True)
class PullQuote:
    """A sentence repeated from the article for display; never counted as new text. It may
    leave words out with ……: each piece stands in the article, in order."""

    text: str
    where: Where


@dataclass(frozen=True)
class BlockQuote:
    """引文: words quoted from elsewhere, set apart; one or more paragraphs."""

    paragraphs: tuple[Paragraph, ...]
    where: Where


@dataclass(frozen=True)
class Verse:
    """诗 and other line-kept text: stanzas of lines, each line printed as its own line."""

    stanzas: tuple[tuple[Paragraph, ...], ...]
    where: Where

    @property
    def lines(self) -> tuple[Paragraph, ...]:
        return tuple(line for stanza in self.stanzas for line in stanza)


@dataclass(frozen=True)
class SignOff:
    """落款: a date line or a signature, right-aligned after the text; one or more lines."""

    lines: tuple[Paragraph, ...]
    where: Where


@dataclass(frozen=True)
class ListItem:
    mark: str  # the enumeration as printed (一、 （一） 1.), typed or generated; '' for a bullet
    typed: bool  # the mark is the editor's text (part of the item's words)
    body: Paragraph  # the words after the mark

    @property
    def printed(self) -> Paragraph:
        """The item's text as it prints: a typed mark is text like the rest."""
        if not self.typed:
            return self.body
        return Paragraph(((self.mark, None), *self.body.runs), self.body.where)


@dataclass(frozen=True)
class ListBlock:
    items: tuple[ListItem, ...]
    ordered: bool
    where: Where

    @property
    def latin_marks(self) -> bool:
        """Generated marks that end with a Latin letter, digit or point (1. (1)): a
        Chinese–Latin gap follows them."""
        return any(i.mark and not i.typed and i.mark[-1].isascii() for i in self.items)


@dataclass(frozen=True)
class Cell:
    body: Paragraph
    number: tuple[str, str] | None = None  # (integer part, fraction part with its point)


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: tuple[bool, ...]  # per column: every body cell a number (aligned on the point)
    fraction: tuple[int, ...]  # per column: the widest fraction part, in characters
    source: str  # 资料来源 under the table
    where: Where


@dataclass(frozen=True)
class Figure:
    caption: str
    credit: str
    where: Where
    image: Path | None = None  # absolute path; None for a placeholder
    placeholder: bool = False


@dataclass(frozen=True)
class Fact:
    value: str  # as printed: 33, 239, 400
    unit: str  # 年, 户, 亿元
    label: str


@dataclass(frozen=True)
class Facts:
    """A panel of key figures, each repeating a number of the text (checked, never invented)."""

    title: str
    items: tuple[Fact, ...]
    where: Where


Block = Paragraph | PullQuote | BlockQuote | Verse | SignOff | ListBlock | Table | Figure | Facts


def texts_of(block: Block) -> tuple[Paragraph, ...]:
    """The text of a block that counts as the article's own words, in reading order (a pull
    quote repeats words, a figure's caption and a facts panel describe them: none)."""
    if isinstance(block, Paragraph):
        return (block,)
    if isinstance(block, BlockQuote):
        return block.paragraphs
    if isinstance(block, Verse):
        return block.lines
    if isinstance(block, SignOff):
        return block.lines
    if isinstance(block, ListBlock):
        return tuple(item.printed for item in block.items)
    if isinstance(block, Table):
        return tuple(c.body for row in (block.header, *block.rows) for c in row)
    return ()


@dataclass(frozen=True)
class Byline:
    name: str
    role: str = ""


Person = Byline  # a book's author, editor or translator: {name, role}


@dataclass(frozen=True)
class Epigraph:
    """题记: lines under an article's title, with where they come from."""

    lines: tuple[Paragraph, ...]
    source: str
    where: Where


@dataclass(frozen=True)
class Section:
    id: str
    heading: str  # '' for a break without a heading (then ``mark`` is printed)
    kicker: str
    blocks: tuple[Block, ...]
    where: Where
    mark: str = ""  # a break mark printed centred (＊, 一, 1) instead of a heading
    toc: bool = True  # listed in the contents (never when it has no heading)
    level: int = 1  # 1: a section (小标题); 2: a subsection (小节标题)
    subsections: tuple[Section, ...] = ()

    @property
    def in_contents(self) -> bool:
        return bool(self.heading) and self.toc


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    running_head: str
    column: str
    series: str
    bylines: tuple[Byline, ...]
    lede: Paragraph | None
    blocks: tuple[Block, ...]
    divisions: tuple[Section, ...]  # the sections as written (each with its subsections)
    where: Where
    epigraph: Epigraph | None = None
    source: str = ""  # 出处, printed at the article's end
    notes: tuple[Note, ...] = ()  # in call order
    endnotes: bool = False  # notes printed at the article's end instead of the page foot

    def all_sections(self) -> list[Section]:
        """Every section and subsection in reading order."""
        return [s for top in self.divisions for s in (top, *top.subsections)]

    @property
    def sections(self) -> tuple[Section, ...]:
        """The sections and subsections the contents list, in reading order."""
        return tuple(s for s in self.all_sections() if s.in_contents)

    def all_blocks(self) -> list[Block]:
        sections = self.all_sections()
        return [b for blocks in (self.blocks, *(s.blocks for s in sections)) for b in blocks]

    def paragraphs(self) -> list[Paragraph]:
        """The article's own words in reading order, block by block (epigraph, lede,
        paragraphs, quotations, verse lines, sign-offs, list items, table cells; pull quotes, captions
        and notes left out)."""
        found = list(self.epigraph.lines) if self.epigraph else []
        if self.lede:
            found.append(self.lede)
        for block in self.all_blocks():
            found += texts_of(block)
        return found

    def reading_text(self) -> list[str]:
        """The words the article prints in the flow, in order: its own words (a table row by
        row), then its notes when they are endnotes (the typography report compares them
        with the PDF)."""
        found = [p.text for p in self.epigraph.lines] if self.epigraph else []
        if self.lede:
            found.append(self.lede.text)
        for block in self.all_blocks():
            if isinstance(block, Table):  # a row reads as one line: its cells in order
                rows = (block.header, *block.rows)
                found += ["".join(c.body.text for c in row) for row in rows]
            else:
                found += [p.text for p in texts_of(block)]
        if self.endnotes:
            found += [n.body.text for n in self.notes]
        return found

    def footnote_text(self) -> list[str]:
        """The words of its footnotes, in order (none when the notes are endnotes)."""
        return [] if self.endnotes else [n.body.text for n in self.notes]

    def figures(self) -> list[Figure]:
        return [b for b in self.all_blocks() if isinstance(b, Figure)]


@dataclass(frozen=True)
class PageOptions:
    width_mm: float = 148.0
    height_mm: float = 210.0


@dataclass(frozen=True)
class Book:
    root: Path
    title: str
    subtitle: str
    slug: str
    publisher: str
    date: datetime.date
    language: str
    edition: str
    description: str
    source_note: str
    theme: str
    page: PageOptions
    articles: tuple[Article, ...]
    keywords: tuple[str, ...] = field(default=())
    authors: tuple[Person, ...] = ()  # 著者、编者、译者 of the whole book, with their roles
    openings: str = "auto"  # where articles open: right, any, auto (compose/fit.py)
    title_page: str | bool = "auto"  # 扉页: True, False, or auto (left out to save a sheet)
    places: dict[str, Where] = field(default_factory=dict)  # book.yaml's fields → their values

    def place(self, *fields: str) -> Where:
        """Where the longest of ``fields`` is written in book.yaml (its file, if none is)."""
        found = [
            (len(str(getattr(self, f, ""))), self.places[f]) for f in fields if f in self.places
        ]
        if found:
            return max(found, key=lambda pair: pair[0])[1]
        return Where(str(self.root / "book.yaml"))

    @property
    def credit_line(self) -> str:
        """The book's people as printed on the title page: 朱自清 著；某某 注."""
        return "；".join(f"{p.name} {p.role}".strip() for p in self.authors)

    @property
    def pdf_author(self) -> str:
        """The PDF's Author: the book's people with their roles, or the publisher."""
        return self.credit_line or self.publisher
