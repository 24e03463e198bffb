"""Total area coverage: the highest sum of C+M+Y+K on a CMYK rendering of each print page.

MuPDF (``mutool draw``) renders every page as 8-bit CMYK without anti-aliasing, so an edge
is never blurred into a lower value, and with overprint simulated, so black text over a
tint counts both; DeviceCMYK passes through untouched (``-N``: what the file says is what is
measured; anything not CMYK is the colour check's error, not measured here). Each page is
measured inside its BleedBox (printer's marks outside it are left out): Pillow finds the
highest total and the first pixel reaching it. MuPDF does this for a 28-page booklet in a
fifth of a second; Ghostscript's ``tiff32nc`` gives the same figures (tests/test_press_ink.py
compares them) in about four seconds, most of it loading the CJK fonts.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageMath
from pypdf import PdfReader

DPI = 50  # a 0.5 mm pixel: enough for a patch of colour, and cheap
EDGE_PX = 1  # left out along the BleedBox's edges, which a crop mark may touch


class InkError(RuntimeError):
    """MuPDF is missing or could not render the file."""


@dataclass(frozen=True)
class PageInk:
    page: int
    max_percent: float
    at_mm: tuple[float, float]  # from the top-left corner of the BleedBox
    cmyk: tuple[float, float, float, float]  # percent, at that point


def _total(image: Image.Image) -> Image.Image:
    c, m, y, k = (band.convert("I") for band in image.split())
    return ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"], c=c, m=m, y=y, k=k)


def page_ink(number: int, area: Image.Image) -> PageInk:
    """The highest total of a page's CMYK rendering (cut to its BleedBox) and where."""
    n = EDGE_PX
    inner = area.crop((n, n, area.width - n, area.height - n))
    total = _total(inner)
    top = total.getextrema()[1]
    mask = ImageMath.lambda_eval(lambda a: (a["t"] >= top) * 255, t=total).convert("L")
    x0, y0, x1, _ = mask.getbbox()
    row = mask.crop((x0, y0, x1, y0 + 1)).tobytes()
    x = x0 + next(i for i, v in enumerate(row) if v)
    mm = 25.4 / DPI
    cmyk = tuple(round(v / 2.55, 1) for v in inner.getpixel((x, y0)))
    at = (round((x + n) * mm, 1), round((y0 + n) * mm, 1))
    return PageInk(number, round(top / 2.55, 1), at, cmyk)


def _read_pam(path: Path) -> Image.Image:
    """A CMYK PAM file (MuPDF's ``-c cmyk`` output), which Pillow does not read."""
    data = path.read_bytes()
    end = data.index(b"ENDHDR\n") + len(b"ENDHDR\n")
    header = dict(line.split(b" ", 1) for line in data[:end].split(b"\n")[1:-2])
    if header.get(b"TUPLTYPE") != b"CMYK" or header.get(b"MAXVAL") != b"255":
        raise InkError(f"MuPDF wrote {header.get(b'TUPLTYPE')!r}, not 8-bit CMYK")
    size = int(header[b"WIDTH"]), int(header[b"HEIGHT"])
    return Image.frombytes("CMYK", size, data[end : end + size[0] * size[1] * 4])


def _bleed_pixels(page, image: Image.Image) -> tuple[int, int, int, int]:
    """The BleedBox of a page in the pixels of its rendering (which covers the CropBox)."""
    crop, bleed = page.cropbox, page.bleedbox
    scale = DPI / 72
    left = max(0, math.floor((float(bleed.left) - float(crop.left)) * scale))
    top = max(0, math.floor((float(crop.top) - float(bleed.top)) * scale))
    right = min(image.width, math.ceil((float(bleed.right) - float(crop.left)) * scale))
    bottom = min(image.height, math.ceil((float(crop.top) - float(bleed.bottom)) * scale))
    return left, top, right, bottom


def measure(pdf: bytes, reader: PdfReader) -> list[PageInk]:
    """The highest coverage of every page of ``pdf`` (``reader`` reads the same bytes)."""
    mutool = shutil.which("mutool")
    if mutool is None:
        raise InkError("MuPDF's mutool is not installed")
    with tempfile.TemporaryDirectory(prefix="booklet-ink-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        command = [
            mutool, "draw", "-q", "-N", "-A", "0", "-O", "1", "-c", "cmyk",
            "-r", str(DPI), "-o", f"{tmp}/p%d.pam", str(source),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise InkError(f"MuPDF could not render the file: {done.stderr.strip()[:200]}")
        found = []
        for number, page in enumerate(reader.pages, start=1):
            image = _read_pam(Path(tmp) / f"p{number}.pam")
            found.append(page_ink(number, image.crop(_bleed_pixels(page, image))))
    return found
