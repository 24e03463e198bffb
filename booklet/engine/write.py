"""The PDF written in one pass: metadata, language and page labels set as WeasyPrint writes,
identifiers derived from the content; for the press, PDF/X-4 with the output intent, XMP
metadata agreeing with the document information, and colour converted to CMYK."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import pydyf

from . import hook, press

PDFX = "PDF/X-4"
# The XMP identifiers are written as this placeholder and given the file's digest once it
# is known (``seal``): the same length, so no offset in the file moves.
PLACEHOLDER = "uuid:00000000-0000-0000-0000-000000000000"
_XMP_ID = re.compile(rb"(<xmpMM:(?:DocumentID|InstanceID)>)uuid:[0-9a-f-]{36}(</xmpMM:)")
_TRAILER_ID = re.compile(rb"\s*/ID\s*\[\s*<[0-9A-Fa-f]*>\s*<[0-9A-Fa-f]*>\s*\]")


@dataclass(frozen=True)
class PdfInfo:
    """What the pipeline asks to be written into a PDF besides the pages."""

    info: dict[str, str]  # document information: Title, Author, CreationDate …
    language: str = "zh-CN"
    # Page labels as (first page index, {"P": prefix} or {"S": "/D", "St": first number}).
    labels: list[tuple[int, dict]] = field(default_factory=list)
    # Each page's type area as its ArtBox, for checks on the PDF alone (the typography
    # report). Not in the press files: PDF/X wants a TrimBox or an ArtBox, not both.
    type_area: bool = False


def press_converter(document, folder: Path) -> press.Converter:
    """The colour converter the laid-out document's tokens ask for: the output profile
    ``--bk-print-profile`` (a file in ``folder``) and ``--bk-print-rendering-intent``.
    Raises press.PressError with a message an editor can act on."""
    tokens = press.tokens(document)
    name = tokens.get("--bk-print-profile", "")
    intent = tokens.get("--bk-print-rendering-intent", "relative-colorimetric")
    path = (folder / name).resolve() if name else None
    if path is None or not path.is_relative_to(folder.resolve()) or not path.is_file():
        found = ", ".join(sorted(p.name for p in folder.glob("*.icc"))) or "none"
        raise press.PressError(
            f"--bk-print-profile names {name or 'no file'!r}, which is not a profile in "
            f"{folder.name}/ (there: {found})"
        )
    return press.Converter(path, intent)


def write_pdf(
    document, info: PdfInfo, options: dict, converter: press.Converter | None = None
) -> bytes:
    """Write a laid-out WeasyPrint document with ``info``; ``options`` are WeasyPrint's
    write options (pdf_tags, dpi, pdf_variant …). A PDF/X variant needs ``converter``
    (``press_converter``)."""
    variant = options.get("pdf_variant")
    if variant and converter is None:
        raise ValueError(f"a {variant} write needs the press converter")
    if variant:
        document.color_profiles = {
            **document.color_profiles,
            "device-cmyk": press.color_profile(converter),
        }

    def finish(_document, pdf: pydyf.PDF) -> None:
        kept = {key: pdf.info[key] for key in ("Trapped",) if key in pdf.info}
        pdf.info.clear()
        for key, value in info.info.items():
            pdf.info[key] = pydyf.String(value)
        pdf.catalog["Lang"] = pydyf.String(info.language)
        if info.labels:
            nums = pydyf.Array()
            for index, label in info.labels:
                entry = {k: pydyf.String(v) if k == "P" else v for k, v in label.items()}
                nums.extend([index, pydyf.Dictionary(entry)])
            pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": nums})
        if info.type_area:
            _art_boxes(document, pdf)
        if variant:
            pdf.info.update(kept)
            pdf.info["GTS_PDFXVersion"] = pydyf.String(PDFX)
            _pdfx_metadata(pdf, info, converter)
        pdf.write = lambda output, version, _identifier, _compress: _write(pdf, output, version)

    if not variant:
        return document.write_pdf(finisher=finish, **options)
    with hook.pressed(converter):
        return document.write_pdf(finisher=finish, **options)


def _pdfx_metadata(pdf: pydyf.PDF, info: PdfInfo, converter: press.Converter) -> None:
    """The XMP packet WeasyPrint wrote (a random DocumentID, its own title and producer)
    replaced by one that says what the document information says; the output intent
    completed with the registry and the printing condition."""
    metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    metadata.stream = [xmp_packet(info.info, PDFX, info.language)]
    intent = pdf.catalog["OutputIntents"][0]
    intent["RegistryName"] = pydyf.String("http://www.color.org")
    intent["OutputCondition"] = pydyf.String(converter.description)


def _xmp_date(pdf_date: str) -> str:
    """D:20261125000000+08'00' → 2026-11-25T00:00:00+08:00."""
    m = re.match(r"D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)([+-])(\d\d)'(\d\d)", pdf_date)
    if not m:
        return pdf_date
    y, mo, d, h, mi, s, sign, th, tm = m.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}{sign}{th}:{tm}"


def xmp_packet(info: dict[str, str], pdfx: str | None, language: str) -> bytes:
    """XMP metadata from the document information dictionary, key for key, with the
    PDF/X version, Trapped False and the identifiers as PLACEHOLDER."""
    e = escape

    def alt(tag: str, text: str) -> str:
        return f'<{tag}><rdf:Alt><rdf:li xml:lang="x-default">{e(text)}</rdf:li></rdf:Alt></{tag}>'

    props = []
    if "Title" in info:
        props.append(alt("dc:title", info["Title"]))
    if "Author" in info:
        props.append(
            f"<dc:creator><rdf:Seq><rdf:li>{e(info['Author'])}</rdf:li></rdf:Seq></dc:creator>"
        )
    if "Subject" in info:
        props.append(alt("dc:description", info["Subject"]))
    props.append(f"<dc:language><rdf:Bag><rdf:li>{e(language)}</rdf:li></rdf:Bag></dc:language>")
    props.append("<dc:format>application/pdf</dc:format>")
    if "Keywords" in info:
        props.append(f"<pdf:Keywords>{e(info['Keywords'])}</pdf:Keywords>")
    if "Producer" in info:
        props.append(f"<pdf:Producer>{e(info['Producer'])}</pdf:Producer>")
    props.append("<pdf:Trapped>False</pdf:Trapped>")
    if "Creator" in info:
        props.append(f"<xmp:CreatorTool>{e(info['Creator'])}</xmp:CreatorTool>")
    if "CreationDate" in info:
        props.append(f"<xmp:CreateDate>{_xmp_date(info['CreationDate'])}</xmp:CreateDate>")
    if "ModDate" in info:
        modified = _xmp_date(info["ModDate"])
        props.append(f"<xmp:ModifyDate>{modified}</xmp:ModifyDate>")
        props.append(f"<xmp:MetadataDate>{modified}</xmp:MetadataDate>")
    props.append(f"<xmpMM:DocumentID>{PLACEHOLDER}</xmpMM:DocumentID>")
    props.append(f"<xmpMM:InstanceID>{PLACEHOLDER}</xmpMM:InstanceID>")
    props.append("<xmpMM:RenditionClass>default</xmpMM:RenditionClass>")
    props.append("<xmpMM:VersionID>1</xmpMM:VersionID>")
    if pdfx:
        props.append(f"<pdfxid:GTS_PDFXVersion>{pdfx}</pdfxid:GTS_PDFXVersion>")
    body = "\n   ".join(props)
    text = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
   {body}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"""
    return text.encode("utf-8")


def _art_boxes(document, pdf: pydyf.PDF) -> None:
    """Each page's content box (the type area) as its ArtBox, in the page's PDF space (the
    engine draws from the top left corner, 0.75 pt per CSS px)."""
    pages = [o for o in pdf.objects if isinstance(o, pydyf.Dictionary) and o.get("Type") == "/Page"]
    for pdf_page, page in zip(pages, document.pages, strict=True):
        box = page._page_box
        if not (box.margin_left or box.margin_top):
            continue  # a full-bleed cover or filler has no type area
        x, y = box.content_box_x(), box.content_box_y()
        height = page.height
        pdf_page["ArtBox"] = pydyf.Array(
            [
                round(x * 0.75, 3),
                round((height - y - box.height) * 0.75, 3),
                round((x + box.width) * 0.75, 3),
                round((height - y) * 0.75, 3),
            ]
        )


def _write(pdf: pydyf.PDF, output, version) -> None:
    """Write with a plain cross-reference table and no object streams (the content and font
    streams stay compressed): pypdf reads such a file several times faster, and the
    preflight, the marks and the imposition all read it again. The identifiers come from
    the file's digest (``seal``); pydyf's own would serialise and compress every stream a
    second time to compute one."""
    buffer = io.BytesIO()
    type(pdf).write(pdf, buffer, version, identifier=False, compress=False)
    output.write(seal(buffer.getvalue()))


def seal(data: bytes) -> bytes:
    """A written PDF given identifiers derived from its content, so the same content always
    gets the same ones: the digest (MD5) of the file without a trailer /ID and with its XMP
    DocumentID and InstanceID (uncompressed, as PDF/X-4 writes them) set to PLACEHOLDER
    becomes the /ID of the last trailer and both XMP identifiers."""
    data = _XMP_ID.sub(rb"\g<1>" + PLACEHOLDER.encode() + rb"\g<2>", data)
    trailer = data.rindex(b"trailer")
    end = data.index(b">>", data.index(b"<<", trailer))
    head, tail = data[:trailer], _TRAILER_ID.sub(b"", data[trailer:end]) + data[end:]
    data = head + tail
    end = trailer + tail.index(b">>")
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
    uid = f"uuid:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"
    data = data.replace(PLACEHOLDER.encode(), uid.encode())
    line = b"" if data[end - 1 : end] == b"\n" else b"\n"
    identifier = b"/ID [<" + digest.encode() + b"> <" + digest.encode() + b">]\n"
    return data[:end] + line + identifier + data[end:]
