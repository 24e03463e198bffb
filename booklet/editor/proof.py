"""PDF bytes → page images and a contact sheet of the spreads as printed; nothing is written."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import pypdfium2
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader

# PDFium is not thread-safe: every call into it, from any thread, holds this lock.
PDFIUM_LOCK = threading.RLock()

GUTTER = (150, 150, 150)  # the grey between spreads on the contact sheet
SPINE = (120, 120, 120)
LABEL = (255, 255, 255)

Spread = tuple[int | None, int | None]
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1, y downwards


@dataclass(frozen=True)
class Boxes:
    """A PDF page's size and its trim and bleed boxes, in points, origin top-left."""

    size: tuple[float, float]
    trim: Rect
    bleed: Rect


def page_boxes(pdf: bytes) -> list[Boxes]:
    """Every page's boxes (read with pypdf: PDFium would parse each page's content)."""
    reader = PdfReader(io.BytesIO(pdf))
    found = []
    for page in reader.pages:
        media = page.mediabox
        origin = (float(media.left), float(media.top))
        found.append(
            Boxes(
                (float(media.width), float(media.height)),
                _flipped(page.trimbox, origin),
                _flipped(page.bleedbox, origin),
            )
        )
    return found


def _flipped(box, origin: tuple[float, float]) -> Rect:
    """A PDF rectangle (origin bottom-left) from the top-left corner ``origin``."""
    left, top = origin
    return (
        float(box.left) - left,
        top - float(box.top),
        float(box.right) - left,
        top - float(box.bottom),
    )


def spreads(count: int) -> list[Spread]:
    """Page numbers (1-based) paired as a bound booklet opens: (left, right), None for no page.

    Page 1 sits alone on the right, then 2|3, 4|5, …; an even last page sits alone on the left.
    """
    if count < 1:
        return []
    pairs: list[Spread] = [(None, 1)]
    for left in range(2, count + 1, 2):
        pairs.append((left, left + 1 if left + 1 <= count else None))
    return pairs


def spread_label(spread: Spread) -> str:
    return "–".join(str(n) for n in spread if n is not None)


class PdfPages:
    """One PDF held open for rendering single pages on demand (thread-safe)."""

    def __init__(self, pdf: bytes):
        self.closed = False
        with PDFIUM_LOCK:
            self._document = pypdfium2.PdfDocument(pdf)
            # The sizes without loading the pages (loading parses every content stream).
            self.sizes: list[tuple[float, float]] = [
                tuple(self._document.get_page_size(i)) for i in range(len(self._document))
            ]

    def __len__(self) -> int:
        return len(self.sizes)

    def labels(self) -> list[str]:
        """Each page's label (封面, 3 …), or its number where the PDF has no labels."""
        with PDFIUM_LOCK:
            return [self._document.get_page_label(i) or str(i + 1) for i in range(len(self.sizes))]

    def image(self, number: int, dpi: float = 96) -> Image.Image:
        """Page `number` (1-based) as an RGB image at `dpi`."""
        if not 1 <= number <= len(self.sizes):
            raise IndexError(f"no page {number} in a {len(self.sizes)}-page PDF")
        with PDFIUM_LOCK:
            if self.closed:
                raise ValueError("the PDF was closed")
            page = self._document[number - 1]
            try:
                bitmap = page.render(scale=dpi / 72)
                try:
                    return bitmap.to_pil().convert("RGB")
                finally:
                    bitmap.close()
            finally:
                page.close()

    def png(self, number: int, dpi: int = 96, compress_level: int = 6) -> bytes:
        return encode_png(self.image(number, dpi), compress_level)

    def close(self) -> None:
        with PDFIUM_LOCK:
            if not self.closed:
                self.closed = True
                self._document.close()

    def __enter__(self) -> PdfPages:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def encode_png(image: Image.Image, compress_level: int = 6) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()


def page_pngs(pdf: bytes, dpi: int = 96) -> list[bytes]:
    """Every page of the PDF as PNG bytes, in page order."""
    with PdfPages(pdf) as pages:
        return [pages.png(number, dpi) for number in range(1, len(pages) + 1)]


def contact_sheet(
    pngs: Sequence[bytes], *, page_height: int = 360, per_row: int = 4, gutter: int = 24
) -> bytes:
    """The pages as printed spreads on one PNG: grey gutter, each page's number under it.

    Every page is scaled to `page_height` pixels; `per_row` spreads make a row.
    """
    if not pngs:
        raise ValueError("a contact sheet needs at least one page")
    pages = []
    for data in pngs:
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
            width = max(1, round(image.width * page_height / image.height))
            pages.append(image.resize((width, page_height), Image.LANCZOS))
    slot = max(page.width for page in pages)  # one page slot: the widest page
    label_height = max(18, page_height // 14)
    font = _font(round(label_height * 0.8))
    layout = spreads(len(pages))
    rows = [layout[i : i + per_row] for i in range(0, len(layout), per_row)]
    cell_w, cell_h = 2 * slot, page_height + label_height
    sheet = Image.new(
        "RGB",
        (gutter + len(rows[0]) * (cell_w + gutter), gutter + len(rows) * (cell_h + gutter)),
        GUTTER,
    )
    draw = ImageDraw.Draw(sheet)
    for r, row in enumerate(rows):
        for c, spread in enumerate(row):
            x0 = gutter + c * (cell_w + gutter)
            y0 = gutter + r * (cell_h + gutter)
            left, right = spread
            if left is not None:
                page = pages[left - 1]
                sheet.paste(page, (x0 + slot - page.width, y0))  # flush against the spine
            if right is not None:
                sheet.paste(pages[right - 1], (x0 + slot, y0))
            if left is not None and right is not None:
                draw.line([(x0 + slot, y0), (x0 + slot, y0 + page_height - 1)], fill=SPINE)
            for number, centre in ((left, x0 + slot // 2), (right, x0 + slot + slot // 2)):
                if number is not None:
                    draw.text(
                        (centre, y0 + page_height + label_height // 2),
                        str(number),
                        fill=LABEL,
                        font=font,
                        anchor="mm",
                    )
    return encode_png(sheet)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError):  # Pillow built without FreeType: the small bitmap font
        return ImageFont.load_default()
