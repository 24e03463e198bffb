"""Total area coverage: the highest sum of C+M+Y+K on a CMYK rendering of each print page.

Ghostscript renders every page inside its BleedBox (printer's marks outside it are left out)
as 8-bit CMYK (``tiff32nc``) without anti-aliasing, so an edge is never blurred into a lower
value, with the output profile as both the output and the default CMYK profile: DeviceCMYK
passes through untouched, overprinting is simulated (black text over a tint counts both),
and anything not yet CMYK would be converted as the press would. Pillow finds each page's
highest total and the first pixel reaching it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageMath

DPI = 50  # a 0.5 mm pixel: finer only costs time, the interpretation of the file dominates
EDGE_PX = 1  # left out along the BleedBox's edges, which a crop mark may touch


class InkError(RuntimeError):
    """Ghostscript is missing or could not render the file."""


@dataclass(frozen=True)
class PageInk:
    page: int
    max_percent: float
    at_mm: tuple[float, float]  # from the top-left corner of the BleedBox
    cmyk: tuple[float, float, float, float]  # percent, at that point


def _total(image: Image.Image) -> Image.Image:
    c, m, y, k = (band.convert("I") for band in image.split())
    return ImageMath.lambda_eval(
        lambda a: a["c"] + a["m"] + a["y"] + a["k"], c=c, m=m, y=y, k=k
    )


def page_ink(number: int, image: Image.Image) -> PageInk:
    n = EDGE_PX
    area = image.crop((n, n, image.width - n, image.height - n))
    total = _total(area)
    top = total.getextrema()[1]
    mask = ImageMath.lambda_eval(lambda a: (a["t"] >= top) * 255, t=total).convert("L")
    x0, y0, x1, _ = mask.getbbox()
    row = mask.crop((x0, y0, x1, y0 + 1)).tobytes()
    x = x0 + next(i for i, v in enumerate(row) if v)
    mm = 25.4 / DPI
    cmyk = tuple(round(v / 2.55, 1) for v in area.getpixel((x, y0)))
    return PageInk(number, round(top / 2.55, 1), (round((x + n) * mm, 1), round((y0 + n) * mm, 1)), cmyk)


def measure(pdf: bytes, profile: Path) -> list[PageInk]:
    """The highest coverage of every page of ``pdf``, rendered for ``profile``."""
    gs = shutil.which("gs")
    if gs is None:
        raise InkError("Ghostscript (gs) is not installed")
    with tempfile.TemporaryDirectory(prefix="booklet-ink-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        command = [
            gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dUseBleedBox",
            "-sDEVICE=tiff32nc", f"-r{DPI}", "-dTextAlphaBits=1", "-dGraphicsAlphaBits=1",
            "-sCompression=none", f"-sOutputICCProfile={profile}",
            f"-sDefaultCMYKProfile={profile}", f"-sOutputFile={tmp}/p%04d.tif", str(source),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise InkError(f"Ghostscript could not render the file: {done.stderr.strip()[:200]}")
        found = []
        for number, path in enumerate(sorted(Path(tmp).glob("p*.tif")), start=1):
            with Image.open(path) as image:
                image.load()
                found.append(page_ink(number, image))
    return found
