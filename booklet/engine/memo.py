"""What a warm process remembers of its last writes: each page's painted content, each stream's
compressed bytes, and a digest of every page painted.

Writing the booklet's PDF paints every page again and compresses every stream at zlib's
level 9, although a rebuild after a one-character edit lays out one article again and the
other pages are the very same laid-out objects (compose.paginate.PartCache). Inside
``hooked(writes=memo)``:

- ``Page.paint`` is wrapped: the first paint of a page is recorded (its content operators,
  the fonts, glyphs and widths it used, its transparency states, images and structure tags);
  the next write of the same page object replays that record instead of drawing it, with
  the same effect on the document's fonts and resources, so the file is byte for byte what
  painting gives. A page that makes patterns, shadings, transparency groups or soft masks
  (their names count objects across pages), or that draws a glyph no font has, is painted
  for real every time.
- pydyf's zlib is replaced by one that remembers the compressed bytes of each stream's
  content; what the last two writes compressed is kept.
- The bytes of each font file are copied out of HarfBuzz once, not for every write (the
  booklet's five faces are 100 MB): the memo holds a reference on the font's data, so
  its address names it as long as the copy is kept.

Every page painted or replayed gets a digest of what it draws (operators, font files,
images): two pages with one digest look the same. The preview renders a page image once
per digest.

Relies on WeasyPrint 70.0's ``Page.paint``, ``pdf.fonts.get_hb_object_data``, ``pdf.stream.Stream`` (``add_font``,
``add_image``, ``_fonts``, ``_resources``, ``_tags``, ``stream``), ``pdf.fonts.Font``
(``to_unicode``, ``widths``, ``missing``, ``hash``, ``index``, ``file_content``) and on pydyf
0.13.0 compressing each stream with ``zlib.compressobj(level=9)``.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import weakref
import zlib
from collections.abc import Callable
from dataclasses import dataclass

# States named by what they hold, the same dictionary under the same name on every page:
# Stream.set_alpha's (by their value) and the press's black-text overprint (press.OVERPRINT).
_ALPHA = re.compile(r"[aA][0-9.eE+-]+|OPk")


@dataclass
class _Record:
    key: tuple  # (scale, tagged, typeset): what else the drawing depends on
    ops: bytes  # the operators the paint appended to the page's stream, joined as pydyf joins
    fonts: list  # [(pango font, [(glyph, text)], {glyph: width})] in order of first use
    images: list  # the add_image calls: (image, interpolate, ratio)
    states: list  # [(name, dictionary)] of the transparency states it used, in order
    tags: list  # [(box, {"tag", "mcid"})] of the page's marked content
    digest: str


class _Compressor:
    """pydyf's ``zlib.compressobj(level=9)`` for one stream: compress() once, then flush()."""

    def __init__(self, memo: WriteMemo, level: int):
        self.memo, self.level, self.data = memo, level, b""

    def compress(self, data: bytes) -> bytes:
        self.data += data
        return b""

    def flush(self) -> bytes:
        return self.memo.compressed(self.data, self.level)


class _Zlib:
    """The zlib module as pydyf sees it inside the hook."""

    def __init__(self, memo: WriteMemo):
        self._memo = memo

    def compressobj(self, level: int = -1, *args, **kwargs):
        if args or kwargs:
            return zlib.compressobj(level, *args, **kwargs)
        return _Compressor(self._memo, level)

    def __getattr__(self, name: str):
        return getattr(zlib, name)


class WriteMemo:
    """Painted pages (by page object, forgotten with it) and compressed streams (owned by
    pipeline.Warm); ``painted`` and ``replayed`` count pages, for tests and the benchmark."""

    def __init__(self) -> None:
        self._pages: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._digests: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._tokens: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._counter = itertools.count(1)
        self._now: dict[tuple, bytes] = {}
        self._before: dict[tuple, bytes] = {}
        self._blobs_now: dict[tuple, tuple] = {}  # (address, length) → (blob reference, bytes)
        self._blobs_before: dict[tuple, tuple] = {}
        self.painted = 0
        self.replayed = 0

    # -- digests ------------------------------------------------------------------------------
    def digest(self, page) -> str | None:
        """The digest of what ``page`` drew when it was last painted or replayed."""
        return self._digests.get(page)

    def _token(self, thing) -> int:
        """A number for an object, never given to another one."""
        try:
            return self._tokens.setdefault(thing, next(self._counter))
        except TypeError:  # not weakly referenceable: its id while it lives
            return id(thing)

    # -- compression ----------------------------------------------------------------------------
    def compressed(self, data: bytes, level: int) -> bytes:
        key = (level, data)
        found = self._now.get(key)
        if found is None:
            found = self._before.get(key)
            if found is None:
                found = zlib.compress(data, level)
            self._now[key] = found
        return found

    def end(self) -> None:
        """A build's writes are done: keep what it and the one before used."""
        if self._now:
            self._before, self._now = self._now, {}
        if self._blobs_now:
            self._blobs_before, self._blobs_now = self._blobs_now, {}

    # -- font files -----------------------------------------------------------------------------
    def wrap_face_data(self, original: Callable) -> Callable:
        from weasyprint.text.ffi import ffi, harfbuzz

        def face_data(hb_object, ot_color=None, glyph=None):
            if ot_color is not None:
                return original(hb_object, ot_color, glyph)
            blob = ffi.gc(harfbuzz.hb_face_reference_blob(hb_object), harfbuzz.hb_blob_destroy)
            length = ffi.new("unsigned int *")
            address = harfbuzz.hb_blob_get_data(blob, length)
            if address == ffi.NULL:
                return None
            key = (int(ffi.cast("uintptr_t", address)), int(length[0]))
            kept = self._blobs_now.get(key) or self._blobs_before.get(key)
            if kept is None:
                kept = (blob, ffi.unpack(address, key[1]))  # the reference keeps the address
            self._blobs_now[key] = kept
            return kept[1]

        return face_data

    # -- painting -----------------------------------------------------------------------------
    def wrap_paint(self, original: Callable, typeset: bool) -> Callable:
        def paint(page, stream, scale=1):
            key = (scale, stream._tags is not None, typeset)
            record = self._pages.get(page)
            if record is not None and record.key == key:
                self._replay(record, stream)
                self._digests[page] = record.digest
                self.replayed += 1
                return None
            self.painted += 1
            record = self._record(original, page, stream, scale, key)
            if record is not None:
                self._pages[page] = record
                self._digests[page] = record.digest
            return None

        return paint

    def _record(self, original, page, stream, scale, key) -> _Record | None:
        """Paint ``page`` while noting its effects; None (and painted for real) when it
        makes something that cannot be replayed."""
        start, tags_before = len(stream.stream), len(stream._tags or ())
        real = stream._resources
        local = type(real)(real)
        for name in ("ExtGState", "XObject", "Pattern", "Shading"):
            local[name] = type(real[name])()
        swapped: dict[int, tuple] = {}  # id(font) → (font, its own to_unicode, pango font)
        missing = {id(f): len(f.missing) for f in stream._fonts.values()}
        images = []
        add_font, add_image = stream.add_font, stream.add_image

        def noting_font(pango_font):
            font, size = add_font(pango_font)
            if id(font) not in swapped:
                # The page's own map: which glyphs it draws and the text of each, in order.
                swapped[id(font)] = (font, font.to_unicode, pango_font)
                font.to_unicode = {}
            return font, size

        def noting_image(image, interpolate, ratio):
            images.append((image, interpolate, ratio))
            return add_image(image, interpolate, ratio)

        stream.add_font, stream.add_image, stream._resources = noting_font, noting_image, local
        try:
            original(page, stream, scale)
        finally:
            del stream.add_font, stream.add_image
            stream._resources = real
            fonts = []
            for font, own, pango_font in swapped.values():
                drawn, font.to_unicode = font.to_unicode, own
                for glyph, text in drawn.items():
                    own.setdefault(glyph, text)
                widths = {g: font.widths[g] for g in drawn if g in font.widths}
                fonts.append((pango_font, list(drawn.items()), widths, font))
        states = list(local["ExtGState"].items())
        replayable = (
            not local["Pattern"]
            and not local["Shading"]
            and all(_ALPHA.fullmatch(name) for name, _ in states)
            and all(name.startswith("i") for name in local["XObject"])
            and all(len(f.missing) == missing.get(id(f), 0) for *_, f in fonts)
        )
        if not replayable:
            # Names of groups, patterns and states count objects across pages: paint again,
            # for real, into the document's own resources.
            del stream.stream[start:]
            if stream._tags is not None:
                for box in list(stream._tags)[tags_before:]:
                    del stream._tags[box]
            original(page, stream, scale)
            self._digests[page] = _digest(
                _joined(stream.stream[start:]), [f"page {self._token(page)}"]
            )
            return None
        for name, state in states:
            real["ExtGState"].setdefault(name, state)
        for name in local["XObject"]:  # images: written once the pages are painted
            real["XObject"].setdefault(name, None)
        tags = [(box, dict(tag)) for box, tag in list((stream._tags or {}).items())[tags_before:]]
        ops = _joined(stream.stream[start:])
        parts = [_face(font) for *_, font in fonts]
        parts += [f"image {self._token(image)}" for image, _, _ in images]
        return _Record(
            key,
            ops,
            [(pango_font, drawn, widths) for pango_font, drawn, widths, _ in fonts],
            images,
            states,
            tags,
            _digest(ops, parts),
        )

    def _replay(self, record: _Record, stream) -> None:
        for pango_font, drawn, widths in record.fonts:
            font, _size = stream.add_font(pango_font)
            for glyph, text in drawn:
                font.to_unicode.setdefault(glyph, text)
            for glyph, width in widths.items():
                font.widths.setdefault(glyph, width)
        for image, interpolate, ratio in record.images:
            stream.add_image(image, interpolate, ratio)
        states = stream._resources["ExtGState"]
        for name, state in record.states:
            states.setdefault(name, state)
        if stream._tags is not None:
            for box, tag in record.tags:
                stream._tags[box] = dict(tag)
        if record.ops:
            # One item: pydyf joins the items with newlines, so the bytes come out the same.
            stream.stream.append(record.ops)


def _face(font) -> str:
    content = font.file_content
    return f"font {font.hash} {font.index} {len(content)} {zlib.crc32(content[:4096])}"


def _joined(ops: list) -> bytes:
    from pydyf import _to_bytes

    return b"\n".join(_to_bytes(op) for op in ops)


def _digest(ops: bytes, parts: list[str]) -> str:
    digest = hashlib.blake2b(ops, digest_size=12)
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\n")
    return digest.hexdigest()
