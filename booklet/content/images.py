"""Checks on an image file before it goes near the layout engine: format, size, whole, safe.

A photo is decoded completely, so a truncated or corrupt file is found here, at its YAML
place, not as a half-grey picture in the PDF or corrupt data in the print file. An SVG is
parsed as XML (any encoding its declaration or byte-order mark names, no DTD, no entities)
and refused when anything in it runs code or reaches outside the file, nested SVG images in
data: URIs included.
"""

from __future__ import annotations

import base64
import re
import warnings
from pathlib import Path
from urllib.parse import unquote_to_bytes
from xml.etree import ElementTree

from PIL import Image, ImageFile, UnidentifiedImageError

FORMATS = {"JPEG": "JPEG", "PNG": "PNG"}
MAX_PIXELS = 60_000_000  # a 10 000 × 6 000 photo; larger is a mistake or a decompression bomb
MAX_BYTES = 50 * 1024 * 1024
MAX_NESTING = 4  # SVG images inside SVG images, each a data: URI

Trouble = tuple[str, str]  # (message, hint)


class Verdicts:
    """What was found of each image file, kept by a long-lived process (pipeline.Warm): a
    file is decoded again only when its size or modification time changed."""

    def __init__(self) -> None:
        self._found: dict[Path, tuple[tuple[int, int], Trouble | None]] = {}

    def check(self, path: Path) -> Trouble | None:
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns)
        kept = self._found.get(path)
        if kept is not None and kept[0] == key:
            return kept[1]
        found = problem_with(path)
        self._found[path] = (key, found)
        return found


def problem_with(path: Path) -> Trouble | None:
    """(message, hint) if the image cannot be used safely, else None."""
    size = path.stat().st_size
    if size == 0:
        return "the image file is empty (0 bytes)", "export the photo again"
    if size > MAX_BYTES:
        return f"the image file is {size // 2**20} MB", "save it at print size; 10 MB is plenty"
    if path.suffix.lower() == ".svg":
        return svg_trouble(path.read_bytes())
    return _raster_trouble(path)


def _raster_trouble(path: Path) -> Trouble | None:
    # WeasyPrint, once imported, tells Pillow to load truncated files without a word (and
    # paint the rest grey): for this check they must fail.
    truncated_ok, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        return _decode_fully(path)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated_ok


def _decode_fully(path: Path) -> Trouble | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                fmt, (width, height) = image.format, image.size
                if width * height > MAX_PIXELS:
                    return (
                        f"the image is {width} × {height} pixels, too large to be a photo",
                        f"scale it to at most {MAX_PIXELS // 1_000_000} million pixels",
                    )
                if fmt not in FORMATS:
                    return (
                        f"the image format {fmt} is not supported",
                        "use JPEG for photos, PNG for drawings",
                    )
                image.verify()  # checksums (PNG chunk CRCs) without decoding
            with Image.open(path) as image:
                image.load()  # every pixel decoded: a truncated or damaged file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        claimed = f"{int(pixels[1]):,} pixels" if pixels else "enormous dimensions"
        return f"the image claims {claimed}, too large to be a photo", "export the photo again"
    except UnidentifiedImageError:
        return "the file cannot be read as an image", "save it as JPEG or PNG"
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = str(exc).split(".")[0] or type(exc).__name__
        return (
            f"the image is damaged: it cannot be decoded whole ({reason})",
            "the file is truncated or corrupt: export or download it again",
        )
    return None


# --- SVG ------------------------------------------------------------------------------------

_ACTIVE_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
_LINKING_ATTRIBUTES = {"href", "src"}
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
_CSS_IMPORT = re.compile(r"@import", re.I)
_DATA_SVG = re.compile(r"^data:image/svg\+xml(;[^,]*)?,", re.I)
_SAFE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp)[;,]", re.I)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_REFUSED = (
    "the SVG holds scripts, event handlers or references to other files",
    "save it as a plain SVG (no scripts, no links) or as PNG",
)


def svg_trouble(data: bytes, depth: int = 0) -> Trouble | None:
    """(message, hint) if an SVG (bytes in any encoding) is not plain, self-contained art."""
    text = _decoded(data)
    if text is None:
        return "the SVG is not text in an encoding the build can read", "save it as UTF-8"
    # A document type can declare entities (an entity bomb, or one naming an outside file):
    # a plain drawing never needs one.
    if _DOCTYPE.search(text.encode("utf-8", "replace")):
        return (
            "the SVG declares a document type (<!DOCTYPE …>), which can pull in other files",
            "remove the <!DOCTYPE …> line, or save the drawing as PNG",
        )
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        return f"the SVG is not well-formed XML ({exc})", "export it again from the drawing program"
    for element in root.iter():
        name = _local(element.tag).lower()
        if name in _ACTIVE_ELEMENTS:
            return _REFUSED
        for attribute, value in element.attrib.items():
            local = _local(attribute).lower()
            if local.startswith("on"):
                return _REFUSED
            if local in _LINKING_ATTRIBUTES and (trouble := _reference(value, depth)):
                return trouble
            if local == "style" and (trouble := _css(value, depth)):
                return trouble
        if name == "style" and (trouble := _css("".join(element.itertext()), depth)):
            return trouble
    return None


def _decoded(data: bytes) -> str | None:
    """The SVG's text, in the encoding its byte-order mark or XML declaration names."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return _decode(data[len(bom) :], encoding)
    if data[:4] in (b"<\x00?\x00", b"<\x00s\x00"):
        return _decode(data, "utf-16-le")
    if data[:4] in (b"\x00<\x00?", b"\x00<\x00s"):
        return _decode(data, "utf-16-be")
    declared = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)", data)
    return _decode(data, declared[1].decode("ascii") if declared else "utf-8")


def _decode(data: bytes, encoding: str) -> str | None:
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None
    # The declaration names an encoding the text no longer has: drop it for the parser.
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _reference(value: str, depth: int) -> Trouble | None:
    """A link in an SVG: to a fragment of the same file, or an embedded picture only."""
    value = value.strip()
    if value.startswith("#") or _SAFE_DATA.match(value):
        return None
    if _DATA_SVG.match(value):
        return _nested(value, depth)
    return _REFUSED


def _css(text: str, depth: int) -> Trouble | None:
    if _CSS_IMPORT.search(text):
        return _REFUSED
    for match in _CSS_URL.finditer(text):
        if trouble := _reference(match[2], depth):
            return trouble
    return None


def _nested(uri: str, depth: int) -> Trouble | None:
    """An SVG inside a data: URI is checked like the file that holds it."""
    if depth >= MAX_NESTING:
        return "the SVG nests SVG images too deeply", "save the drawing as one plain SVG or PNG"
    head, _, payload = uri.partition(",")
    try:
        data = (
            base64.b64decode(payload, validate=False)
            if head.lower().endswith(";base64")
            else unquote_to_bytes(payload)
        )
    except ValueError:
        return "the SVG holds an embedded image that cannot be read", _REFUSED[1]
    return svg_trouble(data, depth + 1)
