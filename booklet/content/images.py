"""Checks on an image file before it goes near the layout engine: format, size, safety."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image, UnidentifiedImageError

FORMATS = {"JPEG": "JPEG", "PNG": "PNG"}
MAX_PIXELS = 60_000_000  # a 10 000 × 6 000 photo; larger is a mistake or a decompression bomb
MAX_BYTES = 50 * 1024 * 1024
# Anything in an SVG that runs code or reaches outside the file.
_SVG_ACTIVE = re.compile(
    rb"<script|\bon[a-z]+\s*=|javascript:|<foreignObject|"
    rb"(?:xlink:)?href\s*=\s*[\"'](?!#|data:image/)|url\(\s*[\"']?(?!#|data:image/)|<!ENTITY|@import",
    re.IGNORECASE,
)


def problem_with(path: Path) -> tuple[str, str] | None:
    """(message, hint) if the image cannot be used safely, else None."""
    size = path.stat().st_size
    if size == 0:
        return "the image file is empty (0 bytes)", "export the photo again"
    if size > MAX_BYTES:
        return f"the image file is {size // 2**20} MB", "save it at print size; 10 MB is plenty"
    if path.suffix.lower() == ".svg":
        data = path.read_bytes()
        if _SVG_ACTIVE.search(data):
            return (
                "the SVG holds scripts, event handlers or references to other files",
                "save it as a plain SVG (no scripts, no links) or as PNG",
            )
        return None
    try:
        with Image.open(path) as image:
            fmt, (width, height) = image.format, image.size
            if width * height > MAX_PIXELS:
                return (
                    f"the image is {width} × {height} pixels, too large to be a photo",
                    f"scale it to at most {MAX_PIXELS // 1_000_000} million pixels",
                )
            image.verify()
    except Image.DecompressionBombError as exc:  # Pillow refuses before we can ask the size
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        claimed = f"{int(pixels[1]):,} pixels" if pixels else "enormous dimensions"
        return f"the image claims {claimed}, too large to be a photo", "export the photo again"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return (
            f"the image cannot be read ({type(exc).__name__})",
            "the file is damaged: export it again",
        )
    if fmt not in FORMATS:
        return f"the image format {fmt} is not supported", "use JPEG for photos, PNG for drawings"
    return None
