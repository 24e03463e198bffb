"""The press checks of a file, in the editor's terms: the header version, PDF/X-4's
requirements, every colour space by page, and the ink coverage against the token limit."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader

from booklet.problems import Problem, Where, error, warning

from . import ink
from .colour import scan
from .pdf import FontFacts
from .pdfx import check_pdfx, check_version

INK_TOKEN = "--bk-print-ink-limit"
DEFAULT_INK_LIMIT = 300.0


def _pages(pages: list[int]) -> str:
    more = f" (and {len(pages) - 1} more)" if len(pages) > 1 else ""
    return f"page {pages[0]}{more}"


def check_file_facts(pdf: bytes, where: Where) -> tuple[list[Problem], dict]:
    """The header states at least the version the file's content needs."""
    facts = check_version(pdf)
    problems = []
    if not facts["ok"]:
        problems.append(
            error(
                where,
                "preflight.pdf-version",
                f"the file says %PDF-{facts['header']} but holds "
                f"{', '.join(facts['features'])}: it needs PDF {facts['needed']}",
                "a reader may refuse or misread what its version does not have; the writer "
                "must keep the header (booklet/press/carry.py)",
            )
        )
    return problems, facts


def _hint(what: str) -> str:
    if what.startswith("image"):
        return "the photo could not be converted to CMYK: save it as an RGB or CMYK JPEG or PNG"
    if "shading" in what:
        return "a gradient is drawn in RGB: give the print styles a plain -cmyk colour there"
    return "give the colour as device-cmyk() in the print styles (a -cmyk token)"


def check_press_file(
    reader: PdfReader, pdf: bytes, fonts: list[FontFacts], where: Where
) -> tuple[list[Problem], dict]:
    """Every colour space by page, and each PDF/X-4 requirement met or not."""
    colour = scan(reader)
    problems = []
    grouped: dict[tuple[str, str], list[int]] = {}
    for use in colour.survivors():
        kind = re.sub(r" /\S+.*$", "", use.what)  # "image /Im3 640×480" → "image"
        grouped.setdefault((use.space, kind), [])
        if use.page not in grouped[(use.space, kind)]:
            grouped[(use.space, kind)].append(use.page)
    for (space, kind), pages in grouped.items():
        problems.append(
            error(
                where,
                "preflight.colour-space",
                f"{space} survives on {_pages(pages)} ({kind}): a press file holds process "
                "colour only",
                _hint(kind),
            )
        )
    requirements = check_pdfx(reader, pdf, colour, all(f.embedded for f in fonts))
    for row in requirements:
        if not row["met"] and "process colour" not in row["requirement"]:
            problems.append(
                error(
                    where,
                    "preflight.pdfx",
                    f"PDF/X-4 requires {row['requirement']}; found {row['found']}",
                    "the print files are written by booklet/engine/write.py and booklet/press/",
                )
            )
    facts = {
        "colour": {
            "spaces": colour.spaces(),
            "survivors": [
                {"page": u.page, "space": u.space, "what": u.what} for u in colour.survivors()
            ],
        },
        "pdfx": {
            "version": "PDF/X-4",
            "met": sum(r["met"] for r in requirements),
            "requirements": requirements,
        },
    }
    return problems, facts


def ink_limit(tokens: dict[str, str]) -> float:
    value = tokens.get(INK_TOKEN, f"{DEFAULT_INK_LIMIT:g}%")
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*%?\s*", value)
    if not m or not 0 < float(m[1]) <= 400:
        raise ValueError(value)
    return float(m[1])


def check_ink(
    pdf: bytes, reader: PdfReader, tokens: dict[str, str], where: Where
) -> tuple[list[Problem], dict]:
    """The highest total of C+M+Y+K on each page (inside the bleed) against the limit."""
    try:
        limit = ink_limit(tokens)
    except ValueError as exc:
        return [
            error(
                where,
                "preflight.ink-limit-token",
                f"{INK_TOKEN} is {exc}, not a percentage of ink up to 400 %",
                "set it in styles/tokens.css, for example 300%",
            )
        ], {}
    facts: dict = {"limit": limit}
    try:
        pages = ink.measure(pdf, reader)
    except ink.InkError as exc:
        message = f"the ink coverage was not measured: {exc}"
        hint = "apt-get install mupdf-tools (./run does it)"
        return [warning(where, "preflight.ink-unmeasured", message, hint)], facts
    if not pages:
        return [], facts
    worst = max(pages, key=lambda p: p.max_percent)
    facts.update(
        {
            "max": worst.max_percent,
            "page": worst.page,
            "at_mm": list(worst.at_mm),
            "cmyk": list(worst.cmyk),
            "pages": [p.max_percent for p in pages],
        }
    )
    over = [p for p in pages if p.max_percent > limit]
    problems = []
    if over:
        first = max(over, key=lambda p: p.max_percent)
        c, m, y, k = first.cmyk
        problems.append(
            error(
                where,
                "preflight.ink-limit",
                f"{_pages([first.page] + [p.page for p in over if p is not first])}: "
                f"{first.max_percent:g} % ink at {first.at_mm[0]:g} mm, {first.at_mm[1]:g} mm "
                f"from the top left of the bleed (C {c:g} M {m:g} Y {y:g} K {k:g}), over the "
                f"limit of {limit:g} %",
                "lighten the colour there (its -cmyk token) or the photo's shadows; the "
                f"limit is {INK_TOKEN} in styles/tokens.css (ask the print shop)",
            )
        )
    return problems, facts


def _colour_declarations(path: Path) -> dict[str, tuple[str, int, int]]:
    """The --bk-color-… tokens a stylesheet sets: name → (value, line, column)."""
    import tinycss2

    found: dict[str, tuple[str, int, int]] = {}
    if not path.is_file():
        return found
    rules = tinycss2.parse_stylesheet(path.read_text("utf-8"), skip_comments=True)

    def walk(items) -> None:
        for item in items:
            content = getattr(item, "content", None)
            if item.type not in ("qualified-rule", "at-rule") or not content:
                continue
            for node in tinycss2.parse_blocks_contents(content, skip_comments=True):
                if node.type == "declaration" and node.name.startswith("--bk-color-"):
                    value = tinycss2.serialize(node.value).strip()
                    found[node.name] = (value, node.source_line, node.source_column)
                elif node.type in ("qualified-rule", "at-rule"):
                    walk([node])

    walk(rules)
    return found


def check_colour_tokens(
    styles: Path, theme: str, tokens: dict[str, str], icc: Path, cwd: Path
) -> list[Problem]:
    """A stylesheet that sets a colour role's screen colour sets its print ink too: else the
    print files would print the ink another stylesheet gave the role (the default red
    under a blue theme)."""
    from booklet.problems import relative

    declared = _colour_declarations(styles / "tokens.css")
    twins = {name for name in declared if f"{name}-cmyk" in declared}
    problems = []
    for path in (
        styles / "tokens.css",
        styles / "themes" / f"{theme}.css",
        styles / "overrides.css",
    ):
        sets = _colour_declarations(path)
        for name in sorted(twins & set(sets)):
            if f"{name}-cmyk" in sets:
                continue
            value, line, col = sets[name]
            hint = f"set {name}-cmyk beside it"
            try:
                from PIL import ImageColor

                from booklet.engine import Converter

                r, g, b = ImageColor.getrgb(value)[:3]
                converter = Converter(icc / tokens.get("--bk-print-profile", ""))
                inks = " ".join(
                    f"{v:g}"
                    for v in (round(x, 3) for x in converter.cmyk(r / 255, g / 255, b / 255))
                )
                hint += f": through {converter.profile.name}, {value} is device-cmyk({inks})"
            except (ValueError, OSError):
                pass
            problems.append(
                error(
                    Where(relative(path, cwd), line, col),
                    "styles.print-colour",
                    f"{name} is set to {value} here but {name}-cmyk is not: the print files "
                    "would print the role in the ink set elsewhere",
                    hint,
                )
            )
    return problems
