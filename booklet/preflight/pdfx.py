"""The file-level checks of a PDF: the header version its content needs, PDF/X-4's
requirements (ISO 15930-7) one by one, and the sheet sides an imposed file's labels name."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from pypdf import PdfReader

from .colour import ColourFacts

PDFX = "PDF/X-4"
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
}
# What in a file needs which PDF version, found in its (uncompressed) object dictionaries.
FEATURES = (
    (b"/DuplexFlipShortEdge", "1.7", "duplex print preference"),
    (b"/DuplexFlipLongEdge", "1.7", "duplex print preference"),
    (b"/OpenType", "1.6", "OpenType font programs"),
    (b"/PrintScaling", "1.6", "print scaling preference"),
    (b"/ObjStm", "1.5", "object streams"),
    (b"/SMask", "1.4", "transparency (soft masks)"),
    (b"/Transparency", "1.4", "transparency groups"),
    (b"/OutputIntents", "1.4", "an output intent"),
    (b"/Metadata", "1.4", "XMP metadata"),
    (b"/ICCBased", "1.3", "ICC-based colour"),
    (b"/PageLabels", "1.3", "page labels"),
    (b"/Separation", "1.2", "separation colour"),
)
_SHEET_LABEL = re.compile(r"^(\d+) (front|back): (.*)\|(.*)$")


def header_version(pdf: bytes) -> str:
    m = re.match(rb"%PDF-(\d\.\d)", pdf)
    return m[1].decode() if m else "?"


def check_version(pdf: bytes) -> dict:
    """The header's version and the version the file's features need."""
    needed, why = "1.0", []
    for marker, version, what in FEATURES:
        if marker in pdf:
            why.append(f"{what} ({version})")
            needed = max(needed, version)
    header = header_version(pdf)
    return {"header": header, "needed": needed, "features": why, "ok": header >= needed}


def _text(root, path: str) -> str | None:
    found = root.find(path, NS)
    if found is None:
        return None
    return "".join(found.itertext()).strip()


def xmp_fields(reader: PdfReader) -> dict[str, str] | None:
    """The XMP properties a PDF/X preflight compares with the document information."""
    metadata = reader.trailer["/Root"].get("/Metadata")
    if metadata is None:
        return None
    try:
        root = ElementTree.fromstring(metadata.get_object().get_data())
    except ElementTree.ParseError:
        return {}
    paths = {
        "Title": ".//dc:title",
        "Author": ".//dc:creator",
        "Subject": ".//dc:description",
        "Keywords": ".//pdf:Keywords",
        "Producer": ".//pdf:Producer",
        "Creator": ".//xmp:CreatorTool",
        "CreationDate": ".//xmp:CreateDate",
        "ModDate": ".//xmp:ModifyDate",
        "Trapped": ".//pdf:Trapped",
        "DocumentID": ".//xmpMM:DocumentID",
        "InstanceID": ".//xmpMM:InstanceID",
        "GTS_PDFXVersion": ".//pdfxid:GTS_PDFXVersion",
    }
    found = {key: _text(root, path) for key, path in paths.items()}
    return {key: value for key, value in found.items() if value is not None}


def pdf_date_as_xmp(value: str) -> str:
    m = re.match(r"D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)([+-])(\d\d)'(\d\d)", value)
    if not m:
        return value
    y, mo, d, h, mi, s, sign, th, tm = m.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}{sign}{th}:{tm}"


def check_pdfx(
    reader: PdfReader, pdf: bytes, colour: ColourFacts, fonts_embedded: bool
) -> list[dict]:
    """Each PDF/X-4 requirement with whether the file meets it and what was found."""
    root = reader.trailer["/Root"]
    info = reader.trailer.get("/Info")
    info = info.get_object() if info is not None else {}
    xmp = xmp_fields(reader) or {}
    rows = []

    def row(requirement: str, met: bool, found: str) -> None:
        rows.append({"requirement": requirement, "met": bool(met), "found": found})

    version = header_version(pdf)
    row("header PDF 1.6 or later", version >= "1.6", f"%PDF-{version}")
    row(
        "GTS_PDFXVersion PDF/X-4 in the XMP metadata",
        xmp.get("GTS_PDFXVersion") == PDFX,
        xmp.get("GTS_PDFXVersion", "none"),
    )
    intents = root.get("/OutputIntents")
    intents = intents.get_object() if intents is not None else []
    pdfx_intents = [i.get_object() for i in intents if i.get_object().get("/S") == "/GTS_PDFX"]
    profile_found = "none"
    profile_ok = False
    identifier = ""
    if len(pdfx_intents) == 1:
        intent = pdfx_intents[0]
        identifier = str(intent.get("/OutputConditionIdentifier", ""))
        profile = intent.get("/DestOutputProfile")
        if profile is not None:
            data = profile.get_object().get_data()
            n = int(profile.get_object().get("/N", 0))
            space, device_class = data[16:20], data[12:16]
            profile_ok = n == 4 and space == b"CMYK" and device_class == b"prtr"
            profile_found = (
                f"{identifier}: {len(data):,} B ICC profile, {space.decode('latin-1').strip()}, "
                f"class {device_class.decode('latin-1')}"
            )
    elif pdfx_intents:
        profile_found = f"{len(pdfx_intents)} GTS_PDFX output intents"
    row(
        "one GTS_PDFX output intent with an embedded CMYK output profile", profile_ok, profile_found
    )
    row(
        "OutputConditionIdentifier names the printing condition",
        bool(identifier),
        identifier or "none",
    )
    trapped_info = str(info.get("/Trapped", "")).lstrip("/")
    trapped_xmp = xmp.get("Trapped", "")
    row(
        "Trapped True or False, the same in Info and XMP",
        trapped_info in ("True", "False") and trapped_info == trapped_xmp,
        f"Info {trapped_info or 'none'}, XMP {trapped_xmp or 'none'}",
    )
    differ = []
    for key in ("Title", "Author", "Subject", "Keywords", "Producer", "Creator"):
        if key in info and str(info[key]) != xmp.get(key):
            differ.append(key)
    for key in ("CreationDate", "ModDate"):
        if key in info and pdf_date_as_xmp(str(info[key])) != xmp.get(key):
            differ.append(key)
    row(
        "document information and XMP metadata agree",
        bool(xmp) and not differ,
        "differ: " + ", ".join(differ) if differ else ("agree" if xmp else "no XMP"),
    )
    ids = reader.trailer.get("/ID")
    file_id = bytes(ids[0].original_bytes).hex() if ids else ""
    doc_id = xmp.get("DocumentID", "").removeprefix("uuid:").replace("-", "")
    row(
        "file /ID, XMP DocumentID and InstanceID present and the same",
        bool(file_id) and doc_id == file_id and "InstanceID" in xmp,
        f"/ID {file_id or 'none'}, DocumentID {xmp.get('DocumentID', 'none')}, "
        f"InstanceID {xmp.get('InstanceID', 'none')}",
    )
    pages = list(reader.pages)
    no_trim = [n for n, p in enumerate(pages, 1) if "/TrimBox" not in p and "/ArtBox" not in p]
    row(
        "TrimBox on every page",
        not no_trim,
        f"{len(pages) - len(no_trim)}/{len(pages)} pages",
    )
    outside = [n for n, p in enumerate(pages, 1) if not _boxes_nest(p)]
    row(
        "TrimBox within BleedBox within MediaBox",
        not outside,
        "on every page"
        if not outside
        else f"not on page {outside[0]} (and {len(outside) - 1} more)",
    )
    row("every font embedded", fonts_embedded, "all embedded" if fonts_embedded else "not all")
    survivors = colour.survivors()
    spaces = ", ".join(colour.spaces())
    row(
        "process colour only (DeviceCMYK, DeviceGray, CMYK separations)",
        not survivors,
        spaces if not survivors else f"{survivors[0].space} on page {survivors[0].page}",
    )
    row("not encrypted", "/Encrypt" not in reader.trailer, "no /Encrypt")
    return rows


def _boxes_nest(page) -> bool:
    media, bleed, trim = page.mediabox, page.bleedbox, page.trimbox
    tol = 0.01

    def inside(a, b) -> bool:
        return (
            a.left >= b.left - tol
            and a.bottom >= b.bottom - tol
            and a.right <= b.right + tol
            and a.top <= b.top + tol
        )

    return inside(trim, bleed) and inside(bleed, media)


def sheet_sides(reader: PdfReader) -> list[dict]:
    """The sheet sides an imposed file's page labels name, in file order."""
    sides = []
    for label in reader.page_labels:
        m = _SHEET_LABEL.match(label)
        if m:
            sides.append({"sheet": int(m[1]), "side": m[2], "pages": [m[3], m[4]]})
    return sides
