"""Font subsets remembered from one build to the next, for a process that builds again.

Subsetting the CJK faces is the largest part of writing a PDF (about 0.2 s of the booklet's
0.4 s). A rebuild in the watch loop usually sets the same glyphs of each face as the build
before it: inside ``hooked(subsets=memo)`` WeasyPrint's ``Font.subset`` is wrapped so that
a face subset to the same glyphs again gets the bytes it got last time. The output is the
same as without it; one entry per face is kept, so memory stays bounded.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable


def _face(font) -> tuple:
    """What identifies a font file: its name, index, size and a checksum of its start."""
    content = font.file_content
    return (font.hash, font.index, len(content), zlib.crc32(content[:65536]))


class SubsetMemo:
    """The last subset of each face (owned by pipeline.Warm)."""

    def __init__(self) -> None:
        self._last: dict[tuple, tuple[tuple, bytes]] = {}  # face → (glyphs and flags, bytes)
        self.reused = 0  # subsets answered from the memo (a test reads it)

    def wrap(self, original: Callable) -> Callable:
        memo = self._last

        def subset(font, to_unicode, hinting):
            if not to_unicode:
                return original(font, to_unicode, hinting)
            face = _face(font)
            wanted = (tuple(sorted(to_unicode)), bool(hinting), tuple(sorted(font.missing)))
            last = memo.get(face)
            if last is not None and last[0] == wanted:
                font.file_content = last[1]
                self.reused += 1
                return None
            result = original(font, to_unicode, hinting)
            memo[face] = (wanted, font.file_content)
            return result

        return subset
