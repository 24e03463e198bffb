"""Which characters the fonts in fonts/ can set, read with HarfBuzz (fast, no Python cmap parsing)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cffi

_FFI = cffi.FFI()
_FFI.cdef(
    """
    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef uint32_t hb_codepoint_t;
    hb_blob_t *hb_blob_create_from_file(const char *file_name);
    void hb_blob_destroy(hb_blob_t *blob);
    hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
    void hb_face_destroy(hb_face_t *face);
    hb_set_t *hb_set_create(void);
    void hb_set_destroy(hb_set_t *set);
    void hb_face_collect_unicodes(hb_face_t *face, hb_set_t *out);
    int hb_set_has(const hb_set_t *set, hb_codepoint_t codepoint);
    unsigned int hb_set_get_population(const hb_set_t *set);
    """
)


@cache
def _harfbuzz():
    for name in ("libharfbuzz.so.0", "libharfbuzz.so", "libharfbuzz-0.dll", "libharfbuzz.dylib"):
        try:
            return _FFI.dlopen(name)
        except OSError:
            continue
    raise OSError("HarfBuzz (libharfbuzz0b) is not installed")


class Coverage:
    """The union of the characters of every font file in a folder."""

    def __init__(self, folder: Path):
        hb = _harfbuzz()
        self._hb = hb
        self._set = _FFI.gc(hb.hb_set_create(), hb.hb_set_destroy)
        self.files = sorted(folder.glob("*.[ot]tf"))
        for path in self.files:
            blob = hb.hb_blob_create_from_file(str(path).encode())
            face = hb.hb_face_create(blob, 0)
            hb.hb_face_collect_unicodes(face, self._set)
            hb.hb_face_destroy(face)
            hb.hb_blob_destroy(blob)

    def __contains__(self, char: str) -> bool:
        return bool(self._hb.hb_set_has(self._set, ord(char)))

    def __len__(self) -> int:
        return self._hb.hb_set_get_population(self._set)

    def missing(self, text: str) -> list[tuple[int, str]]:
        """(index, character) of each character no font can set; spaces and controls pass."""
        return [(i, c) for i, c in enumerate(text) if not c.isspace() and c not in self]


@cache
def coverage(folder: Path) -> Coverage:
    return Coverage(folder)
