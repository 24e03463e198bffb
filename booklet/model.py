"""The booklet as typed, frozen values handed from stage to stage; no I/O here."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Where

Run = tuple[str, str | None]  # (text, tag): tag is None or "strong"

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
        return "".join(text for text, _ in self.runs)


@dataclass(frozen=True)
class PullQuote:
    """A sentence repeated from the article for display; never counted as new text."""

    text: str
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


Block = Paragraph | PullQuote | Figure | Facts


@dataclass(frozen=True)
class Byline:
    name: str
    role: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    kicker: str
    blocks: tuple[Block, ...]
    where: Where


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
    sections: tuple[Section, ...]
    where: Where

    def paragraphs(self) -> list[Paragraph]:
        """Every paragraph of the article in reading order (pull quotes excluded)."""
        found = [self.lede] if self.lede else []
        for blocks in (self.blocks, *(s.blocks for s in self.sections)):
            found += [b for b in blocks if isinstance(b, Paragraph)]
        return found

    def figures(self) -> list[Figure]:
        return [
            b
            for blocks in (self.blocks, *(s.blocks for s in self.sections))
            for b in blocks
            if isinstance(b, Figure)
        ]


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
