"""Facts read from a finished PDF's bytes with pypdf: page boxes in millimetres, and every font
with the pages whose content uses it. No text extraction, no content-stream parsing: streams
are only decompressed and searched for the font and XObject operators."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import ArrayObject, IndirectObject

PT_PER_MM = 72 / 25.4

_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_CID_TO_ZERO = re.compile(rb"<([0-9a-fA-F]+)>\s+0\b")
_TF = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s+[-+\d.]+\s+Tf\b")
_DO = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s+Do\b")
_DESCRIPTOR = re.compile(rb"/FontDescriptor\s+(\d+)\s+(\d+)\s+R")
_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def mm(box) -> list[float]:
    return [round(float(v) / PT_PER_MM, 2) for v in box]


def page_boxes(reader: PdfReader) -> list[dict[str, list[float]]]:
    """Each page's MediaBox, TrimBox and BleedBox in mm (pypdf gives TrimBox and BleedBox
    the CropBox/MediaBox where a page has none, as the PDF specification says)."""
    return [
        {"media": mm(page.mediabox), "trim": mm(page.trimbox), "bleed": mm(page.bleedbox)}
        for page in reader.pages
    ]


@dataclass
class FontFacts:
    name: str  # BaseFont as written, subset tag included
    kind: str  # Type0, TrueType, Type1, Type3
    embedded: bool
    tagged: bool  # the name has a subset tag (WeasyPrint tags every font, subset or not)
    program: int  # bytes of the embedded font program (/Length1, else as stored, compressed)
    pages: list[int]
    missing: list[str]  # characters drawn as .notdef

    @property
    def base(self) -> str:
        return self.name.split("+", 1)[1] if _SUBSET_TAG.match(self.name) else self.name


def _stream_data(obj) -> bytes:
    """Decompressed bytes of a content stream, or of a page's /Contents (one or an array)."""
    obj = obj.get_object()
    if isinstance(obj, ArrayObject):
        return b"\n".join(part.get_object().get_data() for part in obj)
    return obj.get_data()


def _key(ref) -> object:
    return ref.idnum if isinstance(ref, IndirectObject) else id(ref)


class _FontReader:
    """Which fonts each page's content selects (Tf), through the form XObjects it draws (Do).

    WeasyPrint shares one resource dictionary between all pages, so the resources say
    nothing about where a font is used; the content streams do. They are decompressed and
    searched for the two operators only (text is in hex strings, which hold no '/')."""

    def __init__(self, reader: PdfReader, pdf: bytes | None = None) -> None:
        self.reader = reader
        self.pdf = pdf
        self.fonts: dict[object, FontFacts] = {}
        self.forms: dict[object, set] = {}

    def font_keys(self, data: bytes, resources, depth: int = 0) -> set:
        resources = resources.get_object() if resources is not None else {}
        fonts = resources.get("/Font")
        fonts = fonts.get_object() if fonts is not None else {}
        keys = set()
        for ref in fonts.values():  # every font listed is checked, used or not
            key = _key(ref)
            if key not in self.fonts:
                self.fonts[key] = _font_facts(ref.get_object(), self.descriptor)
        for name in set(_TF.findall(data)):
            ref = fonts.get("/" + name.decode("latin-1"))
            if ref is not None:
                keys.add(_key(ref))
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else {}
        for name in set(_DO.findall(data)) if depth < 8 else ():
            ref = xobjects.get("/" + name.decode("latin-1"))
            if ref is None:
                continue
            key = _key(ref)
            if key not in self.forms:
                self.forms[key] = set()
                form = ref.get_object()
                if form.get("/Subtype") == "/Form":
                    self.forms[key] = self.font_keys(
                        form.get_data(), form.get("/Resources", resources), depth + 1
                    )
            keys |= self.forms[key]
        return keys

    def descriptor(self, ref):
        """The /FontDescriptor of a CIDFont. pypdf would parse the whole dictionary with
        its /W array (thousands of numbers for a CJK font, ~10 ms): read the reference from
        the object's bytes instead when it is a plain object, else let pypdf parse it."""
        if self.pdf is not None and isinstance(ref, IndirectObject):
            offset = self.reader.xref.get(ref.generation, {}).get(ref.idnum)
            if isinstance(offset, int) and offset > 0:
                end = self.pdf.find(b"endobj", offset)
                head = self.pdf[offset:end] if end > 0 else b""
                if re.match(rb"\s*%d\s+%d\s+obj" % (ref.idnum, ref.generation), head):
                    match = _DESCRIPTOR.search(head)
                    if match and head.count(b"/FontDescriptor") == 1:
                        return IndirectObject(int(match[1]), int(match[2]), self.reader)
        return ref.get_object().get("/FontDescriptor")


def read_fonts(reader: PdfReader, pdf: bytes | None = None) -> list[FontFacts]:
    """Every font of the PDF once, with the pages whose content uses it."""
    fonts = _FontReader(reader, pdf)
    for number, page in enumerate(reader.pages, start=1):
        contents = page.get("/Contents")
        data = _stream_data(contents) if contents is not None else b""
        for key in fonts.font_keys(data, page.get("/Resources")):
            fonts.fonts[key].pages.append(number)
    return list(fonts.fonts.values())


def _font_facts(font, descriptor_of) -> FontFacts:
    name = str(font.get("/BaseFont", "")).lstrip("/")
    kind = str(font.get("/Subtype", "")).lstrip("/")
    descriptor = font.get("/FontDescriptor")
    if kind == "Type0":
        descendants = font.get("/DescendantFonts")
        descendants = descendants.get_object() if descendants is not None else []
        descriptor = descriptor_of(descendants[0]) if len(descendants) else None
    descriptor = descriptor.get_object() if descriptor is not None else {}
    program = 0
    files = [descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor]
    if files:
        stream = files[0].get_object()
        # pypdf drops /Length once read; its raw (still compressed) data is _data.
        stored = getattr(stream, "_data", None)
        program = int(stream.get("/Length1", 0)) or (
            len(stored) if isinstance(stored, bytes) else len(stream.get_data())
        )
    embedded = kind == "Type3" or bool(files)
    tagged = kind == "Type3" or bool(_SUBSET_TAG.match(name))
    return FontFacts(name, kind, embedded, tagged, program, [], _notdef_characters(font))


def _notdef_characters(font) -> list[str]:
    """Characters drawn as .notdef. WeasyPrint 70 gives each character no font has a glyph
    id past the font's last glyph and, for such a font only, writes an Encoding CMap that
    sends those ids to CID 0 (.notdef) instead of /Identity-H; the ToUnicode map still
    names the character. So: read the Encoding only when it is not a name."""
    encoding = font.get("/Encoding")
    if encoding is None or not hasattr(encoding.get_object(), "get_data"):
        return []
    gids = {
        int(m[1], 16)
        for m in _CID_TO_ZERO.finditer(encoding.get_object().get_data())
        if int(m[1], 16)
    }
    if not gids:
        return []
    names = {}
    to_unicode = font.get("/ToUnicode")
    if to_unicode is not None:
        for m in _BFCHAR.finditer(to_unicode.get_object().get_data()):
            if int(m[1], 16) in gids:
                names[int(m[1], 16)] = bytes.fromhex(m[2].decode()).decode("utf-16-be", "replace")
    return sorted(names.get(g, "?") for g in gids)
