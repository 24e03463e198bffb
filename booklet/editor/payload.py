"""What the preview page is sent, as JSON-ready values: the state of a profile (its views,
labels, boxes, changes, problems and where they are), a view's source map, a source excerpt."""

from __future__ import annotations

from pathlib import Path

from booklet import profiles
from booklet.problems import Problem, Where

from .snapshot import Shot, Snapshot, View, parse_src

MAX_EXCERPT_LINES = 16


def _r(rect) -> list[float]:
    return [round(v, 2) for v in rect]


def view_payload(snapshot: Snapshot, shot: Shot, view: View) -> dict:
    pages = snapshot.layouts[shot.layout]
    slots = []
    for slot in view.slots:
        page = pages[slot.page - 1]
        area = page.map.type_area
        slots.append(
            {
                "page": slot.page,
                "label": page.label,
                "x": round(slot.x, 2),
                "y": round(slot.y, 2),
                "size": _r(page.map.size),
                "area": _r(area) if area else None,
                "pitch": page.pitch,
                "change": page.change,
            }
        )
    return {
        "n": view.number,
        "label": view.label,
        "size": _r(view.boxes.size),
        "trim": _r(view.boxes.trim),
        "bleed": _r(view.boxes.bleed),
        "digest": view.digest,
        "change": view.change,
        "slots": slots,
    }


def problem_payload(snapshot: Snapshot, shot: Shot, problem: Problem) -> dict:
    return {
        "text": str(problem),
        "severity": problem.severity,
        "code": problem.code,
        "where": str(problem.where),
        "places": [
            [view, _r(rect)] for view, rect in snapshot.places(shot, problem.where, problem.message)
        ],
    }


def typography_payload(snapshot: Snapshot, shot: Shot, violations) -> list[dict]:
    return [
        {
            "text": f"page {v['page']}: {v['rule']} {v['detail']} — {v['line']}",
            "severity": "typography",
            "code": v["rule"],
            "where": f"page {v['page']}",
            "places": [
                [view, _r(rect)] for view, rect in snapshot.line_places(shot, v["page"], v["line"])
            ]
            or [
                [view, _r(rect)]
                for view, rect in snapshot.places(shot, Where(""), f"page {v['page']}")
            ],
        }
        for v in violations
    ]


def profiles_payload(snapshot: Snapshot | None) -> list[dict]:
    return [
        {
            "name": p.name,
            "doc": p.doc,
            "built": bool(snapshot and p.name in snapshot.shots),
        }
        for p in profiles.PROFILES.values()
    ]


def combined(problems) -> list[Problem]:
    """Each problem once by place and code, as an error if any profile made it one (the
    screen's warning for a placeholder photo is the print profile's error)."""
    kept: dict[tuple, Problem] = {}
    for problem in problems:
        key = (problem.where, problem.code)
        if key not in kept or (problem.severity == "error" and kept[key].severity != "error"):
            kept[key] = problem
    return list(kept.values())


def shot_payload(snapshot: Snapshot, shot: Shot, problems, violations) -> dict:
    every = combined([*problems, *shot.problems])
    return {
        "profile": shot.name,
        "sheets": shot.sheets,
        "summary": shot.summary,
        "views": [view_payload(snapshot, shot, v) for v in shot.views],
        "problems": [problem_payload(snapshot, shot, p) for p in every],
        "typography": typography_payload(snapshot, shot, violations or ()),
    }


def map_payload(snapshot: Snapshot, shot: Shot, number: int) -> dict | None:
    """The source boxes of view ``number`` of a profile, in points from its top-left."""
    if not 1 <= number <= len(shot.views):
        return None
    view = shot.views[number - 1]
    pages = snapshot.layouts[shot.layout]
    found = []
    for slot in view.slots:
        for box in pages[slot.page - 1].map.boxes:
            file, line, col = parse_src(box.src)
            x0, y0, x1, y1 = box.rect
            found.append(
                {
                    "rect": _r((x0 + slot.x, y0 + slot.y, x1 + slot.x, y1 + slot.y)),
                    "file": file,
                    "line": line,
                    "col": col,
                    "kind": box.kind,
                    "text": box.text,
                    "page": slot.page,
                }
            )
    return {
        **view_payload(snapshot, shot, view),
        "profile": shot.name,
        "page": number,
        "units": "pt, from the page's top-left corner, y downwards",
        "boxes": found,
    }


def sources(snapshot: Snapshot) -> set[str]:
    """The files (relative to the book folder) the pages came from: all a request may name."""
    return {
        parse_src(box.src)[0]
        for pages in snapshot.layouts.values()
        for page in pages
        for box in page.map.boxes
        if box.src
    }


def excerpt_payload(snapshot: Snapshot, file: str, line: int, col: int) -> dict | None:
    """The YAML lines of the item that starts at ``line`` (up to where the indentation
    comes back), for a file the pages came from; None for any other file."""
    if file not in sources(snapshot):
        return None
    path = (snapshot.root / file).resolve()
    if not path.is_relative_to(snapshot.root) or not path.is_file():
        return None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if not 1 <= line <= len(lines):
        return None

    def indent(text: str) -> int:
        return len(text) - len(text.lstrip(" "))

    first = lines[line - 1]
    shown = [[line, first]]
    for number in range(line + 1, min(len(lines), line + MAX_EXCERPT_LINES) + 1):
        text = lines[number - 1]
        if text.strip() and indent(text) <= indent(first):
            break
        shown.append([number, text])
    while len(shown) > 1 and not shown[-1][1].strip():
        shown.pop()
    return {
        "file": file,
        "path": shown_path(snapshot, path),
        "line": line,
        "col": col,
        "lines": shown,
    }


def shown_path(snapshot: Snapshot, path: Path) -> str:
    try:
        return str(path.relative_to(snapshot.cwd.resolve()))
    except ValueError:
        return str(path)
