"""Fitting the signature: of the arrangements the book's settings allow, the one that leaves the
fewest blank pages in a saddle-stitched booklet (a multiple of four pages).

An arrangement says where articles open (on a recto, or on the next page), whether the book
has a title page (扉页), and where the colophon (版权页) goes: the inside front cover (封二),
after the title page, or at the back, before the inside back cover (封三); the contents (目录)
open on the first recto after them. Each part's page count is known before pages are numbered (a part sets
the same lines on left and right pages, whose type areas are mirror images), so every
arrangement is counted without laying anything out again.

Plans are scored (page-composition.md, P7): two blank pages in a row are the worst, then the
blank pages other than the inside covers, then the page count (a sheet saved is paper and
binding saved); among equals, the arrangement closest to a book's conventions wins (rectos, a
title page, the colophon behind it), then the fewest notes pages. The padding a booklet needs
before its back cover goes to 封三 and, before it, to notes pages (笔记) rather than blanks.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from booklet.model import PARTS

# FILLER: a blank page; NOTES: a page for the reader's notes, where the signature needs padding
COVER, TITLE, COLOPHON, CONTENTS, BACK, FILLER, NOTES = PARTS


@dataclass(frozen=True)
class Arrangement:
    openings: str  # "right": every article opens on a recto; "any": on the next page
    title_page: bool
    colophon: str  # "front" (after the title page), "cover" (封二) or "back"

    def describe(self) -> str:
        where = {"front": "in the front matter", "cover": "on the inside front cover",
                 "back": "at the back"}  # fmt: skip
        parts = [
            "articles open on rectos" if self.openings == "right" else "articles open on any page",
            "a title page" if self.title_page else "no title page",
            f"the colophon {where[self.colophon]}",
        ]
        return ", ".join(parts)

    @property
    def departures(self) -> int:
        """How far from a book's conventions (the tie-break among equal fits)."""
        return (
            2 * (self.openings != "right") + 2 * (not self.title_page) + (self.colophon != "front")
        )


@dataclass(frozen=True)
class Slot:
    part: str  # a part's name (an article's id, COVER, …), FILLER or NOTES
    start: int  # its first page number
    pages: int


@dataclass(frozen=True)
class Plan:
    arrangement: Arrangement
    slots: tuple[Slot, ...]

    @property
    def pages(self) -> int:
        return sum(slot.pages for slot in self.slots)

    def blanks(self) -> list[int]:
        return [s.start for s in self.slots if s.part == FILLER]

    def notes(self) -> list[int]:
        return [s.start for s in self.slots if s.part == NOTES]

    def score(self) -> tuple:
        blank = set(self.blanks())
        covers = {2, self.pages - 1}
        in_a_row = sum(1 for page in blank if page + 1 in blank)
        return (
            in_a_row,
            len(blank - covers),
            self.pages,
            self.arrangement.departures,
            len(self.notes()),
            len(blank),
        )

    def summary(self) -> str:
        """The plan in a line: 24 pages, blank 2 and 23 (…): articles open on any page, …"""

        def pages(numbers: list[int]) -> str:
            return ", ".join(map(str, numbers))

        covers = {2: "封二", self.pages - 1: "封三"}
        blank = [f"{n} ({covers[n]})" if n in covers else str(n) for n in self.blanks()]
        said = [f"{self.pages} pages", f"blank {', '.join(blank)}" if blank else "no blank page"]
        if self.notes():
            said.append(f"notes pages {pages(self.notes())}")
        return f"{', '.join(said)}: {self.arrangement.describe()}"

    def start(self, part: str) -> int:
        return next(slot.start for slot in self.slots if slot.part == part)


def plan(arrangement: Arrangement, counts: dict[str, int], articles: list[str]) -> Plan | None:
    """The pages of one arrangement, given each part's page count; None when it cannot hold
    the parts (a colophon longer than the inside front cover)."""
    slots: list[Slot] = []
    page = 1

    def put(part: str, pages: int = 1) -> None:
        nonlocal page
        slots.append(Slot(part, page, pages))
        page += pages

    def recto() -> None:
        if page % 2 == 0:
            put(FILLER)

    put(COVER)
    if arrangement.colophon == "cover" and counts[COLOPHON] != 1:
        return None
    put(COLOPHON if arrangement.colophon == "cover" else FILLER)  # 封二
    if arrangement.title_page:
        put(TITLE, counts[TITLE])
    if arrangement.colophon == "front":
        put(COLOPHON, counts[COLOPHON])
    recto()  # the contents open on a recto
    put(CONTENTS, counts[CONTENTS])
    for article in articles:
        if arrangement.openings == "right":
            recto()
        put(article, counts[article])
    if arrangement.colophon == "back":
        put(COLOPHON, counts[COLOPHON])
    padding = -(page) % 4  # the back cover ends the last sheet
    for number in range(padding):
        put(FILLER if number == padding - 1 else NOTES)  # 封三 may stay blank
    put(BACK)
    return Plan(arrangement, tuple(slots))


def arrangements(openings: str, title_page: str | bool = "auto") -> list[Arrangement]:
    """Every arrangement the book's settings allow: ``openings`` "right", "any" or "auto";
    ``title_page`` True, False or "auto"."""
    kinds = ("right", "any") if openings == "auto" else (openings,)
    titles = (True, False) if title_page == "auto" else (title_page,)
    return [Arrangement(o, t, c) for o, t, c in product(kinds, titles, ("front", "cover", "back"))]


def best(
    counts: dict[str, int],
    articles: list[str],
    openings: str = "auto",
    title_page: str | bool = "auto",
) -> tuple[Plan, Plan | None]:
    """The best plan and the runner-up."""
    plans = [p for a in arrangements(openings, title_page) if (p := plan(a, counts, articles))]
    plans.sort(key=Plan.score)
    return plans[0], (plans[1] if len(plans) > 1 else None)
