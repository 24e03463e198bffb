"""The profile table: every PDF a build can make, what it is laid out with, how it is finished
and checked. build.py's --profile choices, the file names and the preflight all read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Light on purpose: the command reads this table before the engine is imported.

# The CMYK output profiles a print layout may name (--bk-print-profile): icc/README.md.
ICC = Path(__file__).resolve().parent.parent / "icc"

# WeasyPrint's options per layout (styles/profiles/<layout>.css). The screen PDF is tagged
# for accessibility and its images are downsampled; the print pages are PDF/X-4 (colour
# converted to the output profile's CMYK, images at full resolution); the desktop pages
# keep photos at 300 dpi for an office printer.
LAYOUTS: dict[str, dict] = {
    "screen": {"pdf_tags": True, "dpi": 150, "optimize_images": True, "jpeg_quality": 85},
    "print": {"pdf_variant": "pdf/x-4"},
    "proof": {"dpi": 150, "optimize_images": True, "jpeg_quality": 85},
    "desktop": {"dpi": 300, "optimize_images": True, "jpeg_quality": 90},
}


# The layouts whose PDF carries each page's type area as its ArtBox (not the press files).
TYPE_AREA_BOX = frozenset({"screen", "proof"})


@dataclass(frozen=True)
class Rules:
    """What a profile's pages are held to by the preflight."""

    name: str  # screen, print or proof: the name the pages are checked under
    bleed_mm: float = 0.0  # the bleed every page must have
    sheet_is_trim: bool = True  # the MediaBox is the trim (no marks, no bleed)
    # Images at print resolution; a placeholder is an error; PDF/X-4, process colour only,
    # ink coverage under --bk-print-ink-limit.
    for_press: bool = False


SCREEN = Rules("screen")
PRINT = Rules("print", bleed_mm=3.0, sheet_is_trim=False, for_press=True)
PROOF = Rules("proof")
DESKTOP = Rules("desktop")


@dataclass(frozen=True)
class Finishing:
    """What a finisher gets: the layout's PDF, its page facts, the build's options."""

    pdf: bytes
    pages: list  # engine.PageFacts of every page
    creep_mm: float
    tokens: dict[str, str] = field(default_factory=dict)  # the layout's tokens (engine.tokens)


@dataclass(frozen=True)
class Profile:
    name: str
    suffix: str  # the file: <slug><suffix>.pdf
    layout: str  # laid out with styles/profiles/<layout>.css (a key of LAYOUTS)
    finish: Callable[[Finishing], bytes]
    rules: Rules  # what its pages are held to by the preflight
    # Checked on the file itself (True) or through the layout's pages it is made of (False:
    # the imposed sheets, whose fonts alone are checked on the file).
    pages_checked_here: bool = True
    sheets: bool = False  # each page is a sheet side holding two pages (labelled so)
    reader: bool = False  # the PDF readers get (searchable text, tagged)
    doc: str = field(default="", compare=False)


def _as_laid(done: Finishing) -> bytes:
    return done.pdf


def _with_marks(done: Finishing) -> bytes:
    from booklet.press import marks

    return marks.add_crop_marks(done.pdf)


def _imposed(done: Finishing) -> bytes:
    from booklet.press import impose

    return impose.impose(done.pdf, impose.ImposeOptions(creep_mm=done.creep_mm))


def _desktop(done: Finishing) -> bytes:
    from booklet.press import desktop

    return desktop.sheets(done.pdf, done.tokens)


def _outlined(done: Finishing) -> bytes:
    from booklet.press import finish

    return finish.outline_type_area(done.pdf, done.pages)


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "screen",
            "",
            "screen",
            _as_laid,
            SCREEN,
            reader=True,
            doc="<slug>.pdf for readers: trim size, RGB, tagged, bookmarks and links",
        ),
        Profile(
            "print",
            "-print",
            "print",
            _with_marks,
            PRINT,
            doc="<slug>-print.pdf for the print shop: PDF/X-4 (CMYK), 3 mm bleed, crop marks",
        ),
        Profile(
            "imposed",
            "-imposed",
            "print",
            _imposed,
            PRINT,
            pages_checked_here=False,
            sheets=True,
            doc="<slug>-imposed.pdf: saddle-stitch sheets in print order",
        ),
        Profile(
            "desktop",
            "-desktop",
            "desktop",
            _desktop,
            DESKTOP,
            pages_checked_here=False,
            sheets=True,
            doc="<slug>-desktop.pdf for an office printer: A4 sheets, two pages a side, "
            "print double-sided (flip on short edge), fold and staple",
        ),
        Profile(
            "proof",
            "-proof",
            "proof",
            _outlined,
            PROOF,
            doc="<slug>-proof.pdf: 校样 with type-area outlines",
        ),
    )
}
ALL = "all"
CHOICES = (*PROFILES, ALL)


def wanted(choice: str) -> list[Profile]:
    """The profiles a --profile choice builds, in table order."""
    if choice == ALL:
        return list(PROFILES.values())
    if choice not in PROFILES:
        raise ValueError(f"unknown profile {choice!r}: choose one of {', '.join(CHOICES)}")
    return [PROFILES[choice]]


def file_name(slug: str, profile: Profile) -> str:
    return f"{slug}{profile.suffix}.pdf"
