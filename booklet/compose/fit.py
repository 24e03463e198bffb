"""Fitting the signature: of the arrangements the book's settings allow, the one that leaves the
fewest blank pages in a saddle-stitched booklet (a multiple of four pages).

An arrangement says where articles open (on a recto, or on the next page), whether the book
has a title page (扉页), and where the colophon (版权页) and the contents (目录) go: the
inside front cover (封二), the front matter, or (the colophon) the back, before the inside
back cover (封三). Each part's page count is known before pages are numbered (a part sets
the same lines on left and right pages, whose type areas are mirror images), so every
arrangement is counted without laying anything out again.

Blank pages are scored (page-composition.md, P7): two blank pages in a row are the worst, then
the count of blank pages other than the inside covers; among equals, the arrangement closest
to a book's conventions wins (rectos, a title page, the colophon behind it). The padding a
booklet needs before its back cover goes to 封三 and, before it, to notes pages (笔记) rather
than blanks.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

FILLER = "filler"  # a blank page
NOTES = "notes"  # a page for the reader's notes, where the signature needs padding
COVER, BACK, TITLE, COLOPHON, CONTENTS = "cover", "back", "title", "colophon", "contents"


@dataclass(frozen=True)
class Arrangement:
    openings: str  # "right": every article opens on a recto; "any": on the next page
    title_page: bool
    colophon: str  # "front" (after the title page), "cover" (封二) or "back"
    contents: str  # "front" or "cover" (封二)

    def describe(self) -> str:
        where = {"front": "in the front matter", "cover": "on the inside front cover",
                 "back": "at the back"}  # fmt: skip
        parts = [
            "articles open on rectos" if self.openings == "right" else "articles open on any page",
            "a title page" if self.title_page else "no title page",
            f"the colophon {where[self.colophon]}",
            f"the contents {where[self.contents]}",
        ]
        return ", ".join(parts)

    @property
    def departures(self) -> int:
        """How far from a book's conventions (the tie-break among equal fits)."""
        return (
            2 * (self.openings != "right")
            + 2 * (not self.title_page)
            + (self.colophon != "front")
            + (self.contents != "front")
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

    def score(self) -> tuple:
        blank = set(self.blanks())
        covers = {2, self.pages - 1}
        in_a_row = sum(1 for page in blank if page + 1 in blank)
        return (in_a_row, len(blank - covers), len(blank), self.arrangement.departures)

    def start(self, part: str) -> int:
        return next(slot.start for slot in self.slots if slot.part == part)


def plan(arrangement: Arrangement, counts: dict[str, int], articles: list[str]) -> Plan | None:
    """The pages of one arrangement, given each part's page count; None when it cannot hold
    the parts (a two-page contents on the inside front cover)."""
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
    on_cover = [p for p in (CONTENTS, COLOPHON) if getattr(arrangement, p) == "cover"]
    if len(on_cover) > 1 or any(counts[p] != 1 for p in on_cover):
        return None
    put(on_cover[0] if on_cover else FILLER)  # 封二
    if arrangement.title_page:
        put(TITLE, counts[TITLE])
    if arrangement.colophon == "front":
        put(COLOPHON, counts[COLOPHON])
    if arrangement.contents == "front":
        recto()
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


def arrangements(openings: str) -> list[Arrangement]:
    """Every arrangement the book's ``openings`` setting allows ("right", "any", "auto")."""
    kinds = ("right", "any") if openings == "auto" else (openings,)
    return [
        Arrangement(o, t, c, k)
        for o, t, c, k in product(
            kinds, (True, False), ("front", "cover", "back"), ("front", "cover")
        )
    ]


def best(openings: str, counts: dict[str, int], articles: list[str]) -> tuple[Plan, Plan | None]:
    """The best plan and the runner-up."""
    plans = [p for a in arrangements(openings) if (p := plan(a, counts, articles))]
    plans.sort(key=Plan.score)
    return plans[0], (plans[1] if len(plans) > 1 else None)
