"""Reuses WeasyPrint's font subsets from one build to the next within one process.

Subsetting the CJK faces is the largest part of writing a PDF (about 0.2 s of the booklet's
0.4 s). A rebuild in the watch loop usually sets the same glyphs of each face as the build
before it: ``install()`` wraps ``weasyprint.pdf.fonts.Font.subset`` so that a face subset to
the same glyphs again gets the bytes it got last time. The output is the same as without it;
one entry per face is kept, so memory stays bounded.
"""

from __future__ import annotations

import zlib

import weasyprint

ENGINE_VERSION = "70.0"
_MARK = "_bk_subset_memo"
_LAST: dict[tuple, tuple[tuple, bytes]] = {}  # face → (glyphs and flags, subset bytes)


def _face(font) -> tuple:
    """What identifies a font file: its name, index, size and a checksum of its start."""
    content = font.file_content
    return (font.hash, font.index, len(content), zlib.crc32(content[:65536]))


def install() -> None:
    """Wrap Font.subset once; raise RuntimeError if the engine is not the one it knows."""
    from weasyprint.pdf import fonts

    if weasyprint.__version__ != ENGINE_VERSION or not hasattr(fonts.Font, "subset"):
        raise RuntimeError(
            f"booklet.subsets knows WeasyPrint {ENGINE_VERSION}'s Font.subset, "
            f"not WeasyPrint {weasyprint.__version__}: pin weasyprint=={ENGINE_VERSION}"
        )
    original = fonts.Font.subset
    if getattr(original, _MARK, False):
        return

    def subset(self, to_unicode, hinting):
        if not to_unicode:
            return original(self, to_unicode, hinting)
        face = _face(self)
        wanted = (tuple(sorted(to_unicode)), bool(hinting), tuple(sorted(self.missing)))
        last = _LAST.get(face)
        if last is not None and last[0] == wanted:
            self.file_content = last[1]
            return None
        result = original(self, to_unicode, hinting)
        _LAST[face] = (wanted, self.file_content)
        return result

    setattr(subset, _MARK, True)
    subset.__wrapped__ = original
    fonts.Font.subset = subset
