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
    typedef struct hb_font_t hb_font_t;
    typedef uint32_t hb_codepoint_t;
    hb_font_t *hb_font_create(hb_face_t *face);
    int hb_font_get_nominal_glyph(hb_font_t *font, hb_codepoint_t unicode,
                                  hb_codepoint_t *glyph);
    void hb_font_destroy(hb_font_t *font);
    typedef struct hb_buffer_t hb_buffer_t;
    typedef const struct hb_language_impl_t *hb_language_t;
    typedef struct {
        hb_codepoint_t codepoint; uint32_t mask; uint32_t cluster; uint32_t var1; uint32_t var2;
    } hb_glyph_info_t;
    hb_buffer_t *hb_buffer_create(void);
    void hb_buffer_destroy(hb_buffer_t *buffer);
    void hb_buffer_clear_contents(hb_buffer_t *buffer);
    void hb_buffer_add_utf32(hb_buffer_t *buffer, const uint32_t *text, int text_length,
                             unsigned int item_offset, int item_length);
    hb_language_t hb_language_from_string(const char *str, int len);
    void hb_buffer_set_language(hb_buffer_t *buffer, hb_language_t language);
    void hb_buffer_guess_segment_properties(hb_buffer_t *buffer);
    typedef uint32_t hb_script_t;
    hb_script_t hb_script_from_string(const char *str, int len);
    void hb_buffer_set_script(hb_buffer_t *buffer, hb_script_t script);
    void hb_shape(hb_font_t *font, hb_buffer_t *buffer, const void *features,
                  unsigned int num_features);
    hb_glyph_info_t *hb_buffer_get_glyph_infos(hb_buffer_t *buffer, unsigned int *length);
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
        self._each = []  # the characters of each file, in the order of self.files
        self._fonts = []  # a HarfBuzz font of each file, to look glyphs up
        self._glyphs: dict[tuple[int, str], int] = {}
        self._lacking: dict[str, list[str]] = {}
        self._buffer = _FFI.gc(hb.hb_buffer_create(), hb.hb_buffer_destroy)
        self._chinese = hb.hb_language_from_string(b"zh-Hans", -1)
        self._han = hb.hb_script_from_string(b"Hani", -1)
        for path in self.files:
            blob = hb.hb_blob_create_from_file(str(path).encode())
            face = hb.hb_face_create(blob, 0)
            hb.hb_face_collect_unicodes(face, self._set)
            own = _FFI.gc(hb.hb_set_create(), hb.hb_set_destroy)
            hb.hb_face_collect_unicodes(face, own)
            self._each.append(own)
            self._fonts.append(_FFI.gc(hb.hb_font_create(face), hb.hb_font_destroy))
            hb.hb_face_destroy(face)  # the font holds its own reference
            hb.hb_blob_destroy(blob)

    def __contains__(self, char: str) -> bool:
        return bool(self._hb.hb_set_has(self._set, ord(char)))

    def missing(self, text: str) -> list[tuple[int, str]]:
        """(index, character) of each character no font can set; spaces and controls pass."""
        return [(i, c) for i, c in enumerate(text) if not c.isspace() and c not in self]

    def partial(self, text: str) -> list[tuple[int, str, list[str]]]:
        """(index, character, files without it) of the first occurrence of each character
        that some fonts have and others lack: text set in a face without it is printed
        with a font from outside fonts/ (or fails the build's font check)."""
        found, seen = [], set()
        for i, c in enumerate(text):
            if c in seen:
                continue
            seen.add(c)
            lacking = self._lacking.get(c)
            if lacking is None:  # asked once per character and process: builds repeat it
                lacking = self._lacking[c] = (
                    []
                    if c.isspace() or c not in self
                    else [
                        path.name
                        for path, own in zip(self.files, self._each, strict=True)
                        if not self._hb.hb_set_has(own, ord(c))
                    ]
                )
            if lacking:
                found.append((i, c, lacking))
        return found

    def shared(self, chars) -> list[tuple[str, str]]:
        """Pairs (first, other) of ``chars`` that some font draws with one glyph once shaped
        as Simplified Chinese, such as — U+2014 and ― U+2015: a PDF's text layer maps a
        glyph back to one character, so where both are set in that font, one of them reads
        back as the other."""
        pairs = []
        for number in range(len(self._fonts)):
            drawn: dict[int, str] = {}
            for char in chars:
                glyph = self._glyph(number, char)
                if glyph:
                    first = drawn.setdefault(glyph, char)
                    if first != char and (first, char) not in pairs:
                        pairs.append((first, char))
        return pairs

    def _glyph(self, number: int, char: str) -> int:
        """The glyph font ``number`` sets ``char`` with in Chinese text (0: none, or more than
        one glyph); remembered, as the validation asks again on every build."""
        key = (number, char)
        if key in self._glyphs:
            return self._glyphs[key]
        hb, buffer = self._hb, self._buffer
        if "\u3400" <= char <= "\u9fff" or char >= "\U00020000":
            # An ideograph: its glyph is the font's own, no need to shape (a tenth of the
            # time; a book holds thousands of them).
            glyph = _FFI.new("hb_codepoint_t *")
            found = hb.hb_font_get_nominal_glyph(self._fonts[number], ord(char), glyph)
            self._glyphs[key] = glyph[0] if found else 0
        else:
            hb.hb_buffer_clear_contents(buffer)
            hb.hb_buffer_add_utf32(buffer, _FFI.new("uint32_t[1]", [ord(char)]), 1, 0, 1)
            # As Pango sets it in Chinese text: Han script (punctuation takes its
            # neighbours'), Chinese language, so that the fonts' locl forms apply.
            hb.hb_buffer_set_script(buffer, self._han)
            hb.hb_buffer_set_language(buffer, self._chinese)
            hb.hb_buffer_guess_segment_properties(buffer)
            hb.hb_shape(self._fonts[number], buffer, _FFI.NULL, 0)
            count = _FFI.new("unsigned int *")
            infos = hb.hb_buffer_get_glyph_infos(buffer, count)
            self._glyphs[key] = infos[0].codepoint if count[0] == 1 else 0
        return self._glyphs[key]
