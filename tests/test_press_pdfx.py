"""The print and imposed files are PDF/X-4: output intent, version keys, boxes, fonts and
colour, read back from the real booklet's files, and listed as met by the preflight."""

from __future__ import annotations

import hashlib
import re
import subprocess
from xml.etree import ElementTree

import pdfplumber
import pytest
from pypdf import PdfReader

from booklet.profiles import ICC

from .conftest import PROJECT

PRESS = ("print", "imposed")
NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
}


def path_of(booklet, kind):
    return booklet.result.output(kind).path


def xmp(reader: PdfReader) -> ElementTree.Element:
    return ElementTree.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())


def xmp_text(root, path: str) -> str:
    return "".join(root.find(path, NS).itertext()).strip()


@pytest.mark.parametrize("kind", PRESS)
def test_the_output_intent_embeds_the_shipped_fogra39_profile(booklet, kind):
    reader = PdfReader(path_of(booklet, kind))
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert len(intents) == 1
    intent = intents[0].get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/OutputConditionIdentifier"] == "FOGRA39"
    assert intent["/RegistryName"] == "http://www.color.org"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4
    assert profile.get_data() == (ICC / "FOGRA39-booklet.icc").read_bytes()


@pytest.mark.parametrize("kind", PRESS)
def test_version_keys_trapped_and_header(booklet, kind):
    data = path_of(booklet, kind).read_bytes()
    assert data.startswith(b"%PDF-1.6\n")
    reader = PdfReader(path_of(booklet, kind))
    info = reader.trailer["/Info"].get_object()
    assert info["/Trapped"] == "/False"  # a name, as the specification wants
    assert info["/GTS_PDFXVersion"] == "PDF/X-4"
    root = xmp(reader)
    assert xmp_text(root, ".//pdfxid:GTS_PDFXVersion") == "PDF/X-4"
    assert xmp_text(root, ".//pdf:Trapped") == "False"


@pytest.mark.parametrize("kind", PRESS)
def test_xmp_says_what_the_document_information_says(booklet, kind):
    reader = PdfReader(path_of(booklet, kind))
    info = reader.trailer["/Info"].get_object()
    root = xmp(reader)
    book = booklet.result.book
    assert str(info["/Title"]) == xmp_text(root, ".//dc:title") == f"{book.title}：{book.subtitle}"
    assert str(info["/Author"]) == xmp_text(root, ".//dc:creator") == book.publisher
    assert str(info["/Producer"]) == xmp_text(root, ".//pdf:Producer")
    assert str(info["/CreationDate"]) == "D:20261125000000+08'00'"
    assert xmp_text(root, ".//xmp:CreateDate") == "2026-11-25T00:00:00+08:00"
    assert xmp_text(root, ".//xmp:ModifyDate") == "2026-11-25T00:00:00+08:00"


@pytest.mark.parametrize("kind", PRESS)
def test_document_and_instance_ids_come_from_the_content(booklet, kind):
    data = path_of(booklet, kind).read_bytes()
    identifier = re.search(rb"/ID \[<([0-9a-f]{32})> <\1>\]\n", data)
    assert identifier
    digest = identifier[1].decode()
    uid = f"uuid:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"
    root = xmp(PdfReader(path_of(booklet, kind)))
    assert xmp_text(root, ".//xmpMM:DocumentID") == uid
    assert xmp_text(root, ".//xmpMM:InstanceID") == uid
    # The digest is the file's own, with the identifiers left out.
    body = data.replace(identifier[0], b"").replace(
        uid.encode(), b"uuid:00000000-0000-0000-0000-000000000000"
    )
    assert hashlib.md5(body, usedforsecurity=False).hexdigest() == digest


@pytest.mark.parametrize("kind", PRESS)
def test_every_page_has_trim_and_bleed_boxes_nested_in_the_media_box(booklet, kind):
    for page in PdfReader(path_of(booklet, kind)).pages:
        assert "/TrimBox" in page and "/BleedBox" in page
        media, bleed, trim = page.mediabox, page.bleedbox, page.trimbox
        assert media.left <= bleed.left <= trim.left and trim.right <= bleed.right <= media.right
        assert media.bottom <= bleed.bottom <= trim.bottom and trim.top <= bleed.top <= media.top


def uncompressed(path) -> bytes:
    """Every stream of the file decompressed (qpdf's QDF form), for reading operators."""
    done = subprocess.run(
        ["qpdf", "--qdf", "--object-streams=disable", str(path), "-"],
        capture_output=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("kind", PRESS)
def test_no_rgb_left_anywhere(booklet, kind):
    """Read with qpdf, not with the preflight's own scanner: no RGB operator, colour space,
    image or shading; the photos and colours are DeviceCMYK, the marks a CMYK separation."""
    data = uncompressed(path_of(booklet, kind))
    assert not re.search(rb"(?<![\w/])(rg|RG)\s", data)
    for space in (b"/DeviceRGB", b"/CalRGB", b"/Indexed"):
        assert space not in data
    # Colour spaces selected by the content: CMYK, and the marks' separation.
    selected = set(re.findall(rb"(/[\w-]+) (?:cs|CS)\b", data))
    assert selected <= {b"/DeviceCMYK", b"/BkRegistration"}, selected
    # The only ICC profile is the output intent's, CMYK.
    assert data.count(b"/ICCBased") == 1
    assert re.search(rb"/DeviceCMYK cs\s+[\d.]+ [\d.]+ [\d.]+ [\d.]+ scn", data)


def test_screen_pdf_stays_rgb(booklet):
    data = uncompressed(booklet.path)
    assert re.search(rb"(?<![\w/])rg\s", data)
    assert b"/OutputIntents" not in data


@pytest.mark.parametrize("kind", PRESS)
def test_the_preflight_lists_every_pdfx4_requirement_as_met(booklet, kind):
    facts = booklet.result.preflight[kind].facts
    pdfx = (facts if kind == "print" else facts["file"])["pdfx"]
    listed = {row["requirement"]: row for row in pdfx["requirements"]}
    for words in (
        "output intent",
        "GTS_PDFXVersion",
        "header PDF 1.6",
        "Trapped",
        "TrimBox on every page",
        "BleedBox",
        "every font embedded",
        "process colour only",
        "DocumentID",
    ):
        assert any(words in name for name in listed), words
    assert all(row["met"] for row in listed.values()), [r for r in listed.values() if not r["met"]]
    assert pdfx["met"] == len(listed)


def test_the_preflight_names_the_colour_spaces_of_each_press_file(booklet):
    spaces = booklet.result.preflight["print"].facts["colour"]["spaces"]
    assert set(spaces) == {"DeviceCMYK", "Separation /All (DeviceCMYK)"}
    assert spaces["Separation /All (DeviceCMYK)"] == list(range(1, booklet.result.pages + 1))
    imposed = booklet.result.preflight["imposed"].facts["file"]["colour"]
    assert set(imposed["spaces"]) == set(spaces) and imposed["survivors"] == []


def test_black_body_text_overprints(booklet):
    """Body text is 0/0/0/100 and drawn under an ExtGState with overprint on (OPM 1)."""
    path = path_of(booklet, "print")
    with pdfplumber.open(path) as pdf:
        body = [c for c in pdf.pages[6].chars if "Serif" in c["fontname"]]
    assert body and {c["non_stroking_color"] for c in body} == {(0, 0, 0, 1)}
    reader = PdfReader(path)
    state = reader.pages[6]["/Resources"]["/ExtGState"]["/OPk"].get_object()
    assert (state["/OP"], state["/op"], state["/OPM"]) == (True, True, 1)
    data = uncompressed(path)
    assert re.search(rb"/OPk gs\s+(?:/a1\.0 gs\s+)?/DeviceCMYK cs\s+0 0 0 1 scn\s+BT", data)


def test_the_cover_red_is_the_accent_token_in_cmyk(booklet):
    """The cover's background is the -cmyk token, exactly, not an RGB conversion."""
    tokens = (PROJECT / "styles" / "tokens.css").read_text("utf-8")
    inks = re.search(r"--bk-color-accent-cmyk: device-cmyk\(([^)]*)\)", tokens)[1]
    data = uncompressed(path_of(booklet, "print"))
    assert f"/DeviceCMYK cs {inks} scn".encode() in re.sub(rb"\s+", b" ", data)
