"""One good build as the preview shows it: every profile's pages or sheet sides, with their
labels, boxes, source maps, digests, and what changed since the build before.

A booklet page is *changed* when it holds an element (a paragraph, a figure, a note …) whose
text the build before did not have, *reflowed* when it differs only because text moved.
A view is a page of a profile's PDF as shown: a booklet page, or one side of a sheet (the
imposed and desktop sheets), whose two halves are the booklet pages ``booklet_order`` puts
there (front and back alternating).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from booklet import engine, profiles
from booklet.press.impose import booklet_order
from booklet.problems import Problem, Where
from booklet.typeset.render import source_place

from .proof import Boxes, PdfPages, Rect, page_boxes

UNCHANGED, CHANGED, REFLOWED, NEW = "", "changed", "reflowed", "new"
_PLACE = re.compile(r"^(.*):(\d+):(\d+)$")
_PAGE = re.compile(r"\bpage (\d+)\b")
_WHOLE = ("article", "section")  # elements that hold others: their text is their children's


def parse_src(src: str) -> tuple[str, int, int]:
    """'articles/a.yaml:14:5' → ('articles/a.yaml', 14, 5); ('', 0, 0) when there is none."""
    found = _PLACE.match(src)
    return (found[1], int(found[2]), int(found[3])) if found else ("", 0, 0)


@dataclass(frozen=True)
class BookPage:
    number: int
    label: str  # 封面, 封二, 3 … as the PDF's page labels say
    map: engine.PageMap
    digest: str
    change: str
    pitch: float | None = None  # the body's line pitch (the booklet's, on a page without body)


@dataclass(frozen=True)
class Slot:
    """A booklet page on a view: its trim's top-left corner in the view, in points."""

    page: int
    x: float
    y: float


@dataclass(frozen=True)
class View:
    number: int  # the page of the profile's PDF
    label: str
    boxes: Boxes
    slots: tuple[Slot, ...]
    digest: str
    change: str


@dataclass
class Shot:
    """One profile of one build: its PDF (held open for page images) and its views."""

    name: str
    layout: str
    sheets: bool
    pdf: bytes
    pages: PdfPages
    views: tuple[View, ...]
    problems: tuple[Problem, ...] = ()  # its own preflight's, when built for the preview only
    summary: str = ""


@dataclass
class Snapshot:
    number: int  # the preview's build number
    root: Path  # the book folder
    cwd: Path  # what problems' places are relative to
    title: str
    reader: bytes
    problems: tuple[Problem, ...]
    layouts: dict[str, tuple[BookPage, ...]]
    shots: dict[str, Shot]
    texts: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    paragraphs: tuple[str, ...] = ()  # the source text, for the typography report's R12

    def close(self) -> None:
        for shot in self.shots.values():
            shot.pages.close()

    def changed_pages(self, layout: str) -> tuple[list[BookPage], list[BookPage]]:
        pages = self.layouts.get(layout, ())
        return (
            [p for p in pages if p.change in (CHANGED, NEW)],
            [p for p in pages if p.change == REFLOWED],
        )

    # -- places ------------------------------------------------------------------------------
    def src_of(self, where: Where) -> str:
        return source_place(where, self.root, self.cwd) if where.line else ""

    def places(self, shot: Shot, where: Where, message: str = "") -> list[tuple[int, Rect]]:
        """(view, rectangle in the view) of a place in a source file: the lines of the
        element that starts there (or the nearest one before it in that file); for a
        problem of a whole page ("page 12" in its message), the page."""
        pages = self.layouts[shot.layout]
        found: list[tuple[int, Rect]] = []
        file, line, col = parse_src(self.src_of(where))
        if file:
            best = None
            for page in pages:
                for box in page.map.boxes:
                    f, ln, c = parse_src(box.src)
                    if f == file and (ln, c) <= (line, col) and (best is None or (ln, c) > best):
                        best = (ln, c)
            if best is not None:
                # Its own lines (an article's are its head: title, bylines), else its boxes.
                target = f"{file}:{best[0]}:{best[1]}"
                boxes = [(page.number, b) for page in pages for b in page.map.boxes]
                found = [(n, b.rect) for n, b in boxes if b.src == target and b.kind == "line"]
                found = found or [(n, b.rect) for n, b in boxes if b.src == target]
        if not found and (match := _PAGE.search(message)):
            number = int(match[1])
            if 1 <= number <= len(pages):
                w, h = pages[number - 1].map.size
                found.append((number, (0.0, 0.0, w, h)))
        return on_views(shot, found)

    def line_places(self, shot: Shot, page: int, text: str) -> list[tuple[int, Rect]]:
        """Where a line of text (as the typography report read it) is on a booklet page."""
        pages = self.layouts[shot.layout]
        if not 1 <= page <= len(pages):
            return []
        wanted = "".join(text.split()).rstrip(".·…")
        lines = [b for b in pages[page - 1].map.boxes if b.kind == "line" and b.text]
        hits = [b for b in lines if b.text == wanted]
        hits = hits or [b for b in lines if wanted and (wanted in b.text or b.text in wanted)]
        return on_views(shot, [(page, b.rect) for b in hits])


def on_views(shot: Shot, found: Iterable[tuple[int, Rect]]) -> list[tuple[int, Rect]]:
    """Booklet-page rectangles moved onto the views that show those pages."""
    placed = []
    for view in shot.views:
        for slot in view.slots:
            for page, (x0, y0, x1, y1) in found:
                if page == slot.page:
                    placed.append(
                        (view.number, (x0 + slot.x, y0 + slot.y, x1 + slot.x, y1 + slot.y))
                    )
    return placed


# -- taking a snapshot --------------------------------------------------------------------------


def book_pages(layout, memo: engine.WriteMemo, maps: engine.SourceMaps, before) -> tuple:
    """The booklet pages of one layout, compared with the same layout in ``before``."""
    pages = layout.laid.document.pages
    page_maps = maps(pages)
    with PdfPages(layout.pdf) as opened:
        labels = opened.labels()
    digests = [memo.digest(page) or f"unpainted {id(page)}" for page in pages]
    texts = element_texts(page_maps)
    pitches = Counter(m.pitch for m in page_maps if m.pitch)
    common = pitches.most_common(1)[0][0] if pitches else None
    old_pages = before[0] if before else None
    old_texts = before[1] if before else None
    found = []
    for index, (page_map, digest) in enumerate(zip(page_maps, digests, strict=True)):
        if old_pages is None:
            change = UNCHANGED
        elif index >= len(old_pages):
            change = NEW
        elif old_pages[index].digest == digest:
            change = UNCHANGED
        else:
            mine = {
                (parse_src(b.src)[0], texts[b.src])
                for b in page_map.boxes
                if b.kind not in ("line", *_WHOLE) and b.src
            }
            change = CHANGED if mine - old_texts else REFLOWED
        pitch = (page_map.pitch or common) if page_map.type_area else None
        found.append(BookPage(index + 1, labels[index], page_map, digest, change, pitch))
    return tuple(found), {(parse_src(src)[0], text) for src, text in texts.items()}


def element_texts(page_maps: list[engine.PageMap]) -> dict[str, str]:
    """Each element's whole text (over all its pages), by its source place."""
    texts: dict[str, str] = {}
    for page_map in page_maps:
        for box in page_map.boxes:
            if box.kind not in ("line", *_WHOLE) and box.src:
                texts[box.src] = texts.get(box.src, "") + box.text
    return texts


def views(name: str, pdf: bytes, pages: tuple[BookPage, ...], opened: PdfPages) -> tuple:
    """The views of one profile's PDF: a booklet page each, or sheet sides of two."""
    count = len(opened)
    sheets = count != len(pages) and count == len(booklet_order(len(pages)))
    found = []
    for number, boxes in enumerate(page_boxes(pdf), start=1):
        x0, y0, x1, _y1 = boxes.trim
        if sheets:
            pair = booklet_order(len(pages))[number - 1]
            half = (x1 - x0) / 2
            slots = tuple(
                Slot(page, x0 + side * half, y0) for side, page in enumerate(pair) if page
            )
            side = "front" if number % 2 else "back"
            shown = " | ".join(pages[p - 1].label if p else "—" for p in pair)
            label = f"sheet {(number + 1) // 2} {side}: {shown}"
        else:
            slots = (Slot(number, x0, y0),)
            label = pages[number - 1].label if number <= len(pages) else str(number)
        held = [pages[s.page - 1] for s in slots if s.page <= len(pages)]
        digest = hashlib.blake2b(
            repr(
                (name, boxes, [(s.page, s.x, s.y) for s in slots], [p.digest for p in held])
            ).encode(),
            digest_size=12,
        ).hexdigest()
        changes = {p.change for p in held}
        change = next((c for c in (CHANGED, NEW, REFLOWED) if c in changes), UNCHANGED)
        found.append(View(number, label, boxes, slots, digest, change))
    return sheets, tuple(found)


def take(
    number: int,
    result,
    extra: dict,
    memo: engine.WriteMemo,
    maps: engine.SourceMaps,
    before: Snapshot | None,
    cwd: Path,
) -> Snapshot:
    """The preview's view of a good build: ``result`` (pipeline.Result) and ``extra``, the
    profiles built for the preview alone (editor/extra.py)."""
    layouts_of = dict(result.layouts)
    for built in extra.values():
        layouts_of.setdefault(built.layout_name, built.layout)
    layouts, texts = {}, {}
    for name, layout in layouts_of.items():
        old = (
            (before.layouts[name], before.texts[name])
            if before and name in before.layouts
            else None
        )
        layouts[name], texts[name] = book_pages(layout, memo, maps, old)
    shots = {}
    made = [o.kind for o in result.outputs if o.kind in profiles.PROFILES]
    for name in [*made, *extra]:
        profile = profiles.PROFILES[name]
        if name in extra:
            pdf, problems, summary = extra[name].pdf, extra[name].problems, extra[name].summary
        else:
            output = result.output(name)
            pdf, problems = output.data, ()
            checked = result.preflight.get(profile.rules.name)
            summary = checked.summary() if checked else ""
        opened = PdfPages(pdf)
        sheets, shown = views(name, pdf, layouts[profile.layout], opened)
        shots[name] = Shot(name, profile.layout, sheets, pdf, opened, shown, problems, summary)
    return Snapshot(
        number,
        result.book.root,
        cwd,
        result.book.title,
        result.reader,
        tuple(result.problems),
        layouts,
        shots,
        texts,
        tuple(p.text for a in result.book.articles for p in a.paragraphs()),
    )
