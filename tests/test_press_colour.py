"""Colour in the print files: photos and stray RGB colours through the output profile to
CMYK, black text overprinting, the profile and intent as tokens, the ink coverage measured
against its token, and what cannot be converted named by page."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from booklet import engine, pipeline
from booklet.engine import Converter, gate, hook, press
from booklet.preflight import ink
from booklet.problems import BuildFailed
from booklet.profiles import ICC

from .conftest import FONTS, STYLES

FOGRA39 = ICC / "FOGRA39-booklet.icc"
BARS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (158, 27, 32), (255, 255, 255), (0, 0, 0)]
ARTICLE = """\
id: a
title: 图片测试
lede: 导语放在淡色底上，黑字叠印。
bylines:
  - role: 记者
    name: 张三
body:
  - 第一段正文。
  - figure:
      image: images/bars.jpg
      caption: 色条
  - figure:
      image: images/alpha.png
      caption: 透明
"""
BOOK = """\
title: 图片测试
slug: colour-book
publisher: 测试出版
date: 2026-01-02
language: zh-Hans
{theme}articles:
  - articles/a.yaml
"""
# A stray RGB colour, a grey, black text on a tint and a gradient, none given in CMYK.
OVERRIDES = """
.title { color: rgb(0 255 0); }
.bylines { color: #808080; }
.lede { background: var(--bk-color-tint); color: var(--bk-color-text); }
.article-head { background: linear-gradient(to right, #9e1b20, #1b4f8a); }
"""


def make_styles(root: Path, overrides: str = "", tokens: dict[str, str] | None = None) -> Path:
    """A copy of styles/ (fonts/ linked beside it) with overrides.css and tokens changed."""
    styles = root / "styles"
    shutil.copytree(STYLES, styles)
    (root / "fonts").symlink_to(FONTS)
    (styles / "overrides.css").write_text(overrides, "utf-8")
    text = (styles / "tokens.css").read_text("utf-8")
    for name, value in (tokens or {}).items():
        text, count = re.subn(rf"{name}: [^;]*;", f"{name}: {value};", text)
        assert count == 1, name
    (styles / "tokens.css").write_text(text, "utf-8")
    return styles


def make_colour_book(root: Path, theme: str = "") -> Path:
    book = root / "book"
    (book / "articles").mkdir(parents=True)
    (book / "images").mkdir()
    (book / "book.yaml").write_text(BOOK.format(theme=theme), "utf-8")
    (book / "articles" / "a.yaml").write_text(ARTICLE, "utf-8")
    bars = Image.new("RGB", (1800, 1200))
    draw = ImageDraw.Draw(bars)
    for i, colour in enumerate(BARS):
        draw.rectangle([i * 300, 0, i * 300 + 299, 1199], fill=colour)
    bars.save(book / "images" / "bars.jpg", quality=95)
    alpha = Image.new("RGBA", (1400, 900), (27, 79, 138, 255))
    ImageDraw.Draw(alpha).ellipse([300, 150, 1100, 750], fill=(255, 200, 0, 128))
    alpha.save(book / "images" / "alpha.png")
    return book


@pytest.fixture(scope="module")
def built(tmp_path_factory, request):
    """The colour book in print, with every press replacement counted."""
    root = tmp_path_factory.mktemp("colour")
    book = make_colour_book(root)
    styles = make_styles(root, OVERRIDES)
    calls: Counter = Counter()
    hook.counting = calls
    try:
        result = pipeline.build(
            pipeline.Options(book=book, out=root / "out", styles=styles, profile="print")
        )
    finally:
        hook.counting = None
    return result, calls


def images(pdf_path) -> list:
    """Every image XObject of the file, once, in page order."""
    reader = PdfReader(pdf_path)
    seen, found = set(), []
    for page in reader.pages:
        for ref in page["/Resources"].get("/XObject", {}).values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image" and ref.idnum not in seen:
                seen.add(ref.idnum)
                found.append(obj)
    return found


def test_every_press_replacement_fires_and_is_undone(built):
    _, calls = built
    replaced = {path for _, path in press.PATCHED}
    assert replaced <= set(calls) and all(calls[name] for name in replaced), calls
    assert not any(engine.installed().values())


def test_photos_become_cmyk_through_the_output_profile(built):
    result, _ = built
    jpeg, png = images(result.output("print").path)
    converter = Converter(FOGRA39)
    assert (jpeg["/ColorSpace"], jpeg["/Filter"]) == ("/DeviceCMYK", "/DCTDecode")
    decoded = Image.open(io.BytesIO(jpeg._data))
    assert decoded.mode == "CMYK" and decoded.size == (1800, 1200)
    assert list(jpeg["/Decode"]) == [1, 0] * 4  # Adobe's inverted CMYK JPEG, as Pillow writes
    for i, rgb in enumerate(BARS):
        found = decoded.getpixel((i * 300 + 150, 600))  # Pillow reads it back the right way
        want = converter.image(Image.new("RGB", (1, 1), rgb)).getpixel((0, 0))
        assert all(abs(a - b) <= 3 for a, b in zip(found, want, strict=True)), (rgb, found, want)
    # A PNG stays lossless (Flate) and keeps its transparency as a soft mask.
    assert png["/ColorSpace"] == "/DeviceCMYK" and png["/Filter"] == "/FlateDecode"
    assert png["/SMask"].get_object()["/ColorSpace"] == "/DeviceGray"
    pixels = png.get_data()
    blue = converter.image(Image.new("RGB", (1, 1), (27, 79, 138))).getpixel((0, 0))
    assert tuple(pixels[:4]) == blue


def test_stray_rgb_colours_are_converted_and_greys_become_black_ink(built):
    result, _ = built
    converter = Converter(FOGRA39)
    with pdfplumber.open(result.output("print").path) as pdf:
        chars = [c for page in pdf.pages for c in page.chars]
    title = {c["non_stroking_color"] for c in chars if c["text"] in "图片测试" and c["size"] == 21}
    assert title == {tuple(round(v, 4) for v in converter.cmyk(0, 1, 0))}
    byline = {c["non_stroking_color"] for c in chars if c["text"] in "张三"}
    assert byline == {(0, 0, 0, round(1 - 128 / 255, 4))}


def cmyk_pixels(path, page: int, tmp_path) -> Counter:
    """The CMYK pixels (0–255) of one page, rendered by MuPDF with overprint simulated."""
    out = tmp_path / "page.pam"
    subprocess.run(
        ["mutool", "draw", "-q", "-N", "-A", "0", "-c", "cmyk", "-r", "100", "-o", str(out),
         str(path), str(page)],
        check=True,
    )  # fmt: skip
    return Counter(ink._read_pam(out).get_flattened_data())


def test_black_text_on_a_tint_overprints_on_a_cmyk_rendering(built, tmp_path):
    """Rendered with overprint simulated, the lede's black glyphs keep the tint's cyan,
    magenta and yellow beneath (no white halo if the plates misregister)."""
    result, _ = built
    path = result.output("print").path
    with pdfplumber.open(path) as pdf:
        number = next(n for n, page in enumerate(pdf.pages, 1) if "淡色底" in page.extract_text())
    pixels = cmyk_pixels(path, number, tmp_path)
    c, m, y, _ = (int(v * 255) for v in (0.02, 0.031, 0.071, 0.051))  # --bk-color-tint-cmyk
    over_tint = sum(
        n for (pc, pm, py, pk), n in pixels.items() if (pc, pm, py, pk) == (c, m, y, 255)
    )
    knocked_out = sum(n for px, n in pixels.items() if px == (0, 0, 0, 255))
    assert over_tint > 200  # the lede's glyphs
    assert knocked_out > 200  # the body text, on paper: nothing beneath it


def test_a_gradient_is_converted_stop_by_stop(built):
    """WeasyPrint writes a gradient's stops as sRGB into a shading in the output profile's
    CMYK: each stop becomes the profile's CMYK of its colour."""
    result, _ = built
    converter = Converter(FOGRA39)
    reader = PdfReader(result.output("print").path)
    shadings = []

    def collect(resources) -> None:  # a background's gradient is drawn in a pattern
        for shading in resources.get("/Shading", {}).values():
            shadings.append(shading.get_object())
        for kind in ("/Pattern", "/XObject"):
            for inner in resources.get(kind, {}).values():
                collect(inner.get_object().get("/Resources", {}))

    for page in reader.pages:
        collect(page["/Resources"])
    assert shadings
    for shading in shadings:
        space = shading["/ColorSpace"]
        assert space[0] == "/ICCBased" and space[1].get_object()["/N"] == 4
        stops = [f.get_object() for f in shading["/Function"]["/Functions"]]
        want = [
            converter.cmyk(0x9E / 255, 0x1B / 255, 0x20 / 255),
            converter.cmyk(0x1B / 255, 0x4F / 255, 0x8A / 255),
        ]
        assert [*stops[0]["/C0"], *stops[-1]["/C1"]] == pytest.approx(
            [*want[0], *want[1]], abs=1e-4
        )
    assert result.preflight["print"].facts["colour"]["survivors"] == []


def test_the_preflight_reports_the_press_facts_of_the_colour_book(built):
    result, _ = built
    facts = result.preflight["print"].facts
    assert set(facts["colour"]["spaces"]) == {
        "DeviceCMYK",
        "DeviceGray",  # the soft mask
        "ICCBased CMYK (output intent)",  # the gradient's shading
        "Separation /All (DeviceCMYK)",
    }
    assert facts["colour"]["survivors"] == []
    assert facts["pdfx"]["met"] == len(facts["pdfx"]["requirements"])
    # sRGB black in the photo: the profile's 300 % limit holds it at 290.6 %.
    assert facts["ink"]["max"] == pytest.approx(290.6, abs=1.6)
    assert facts["ink"]["limit"] == 300


def test_ink_coverage_agrees_with_ghostscript(built, tmp_path):
    """MuPDF's figures against Ghostscript's tiff32nc, page by page (8-bit values: each
    ink within a step)."""
    result, _ = built
    path = result.output("print").path
    subprocess.run(
        ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dUseBleedBox", "-sDEVICE=tiff32nc",
         f"-r{ink.DPI}", "-dTextAlphaBits=1", "-dGraphicsAlphaBits=1", "-sCompression=none",
         f"-sOutputICCProfile={FOGRA39}", f"-sDefaultCMYKProfile={FOGRA39}",
         f"-sOutputFile={tmp_path}/p%04d.tif", str(path)],
        check=True,
    )  # fmt: skip
    ours = ink.measure(path.read_bytes(), PdfReader(path))
    for found, tif in zip(ours, sorted(tmp_path.glob("p*.tif")), strict=True):
        with Image.open(tif) as image:
            theirs = ink.page_ink(found.page, image)
        assert found.max_percent == pytest.approx(theirs.max_percent, abs=1.6), found.page


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    """A build whose print colours break three rules at once: a theme colour without its
    print ink, a colour outside CMYK (Lab), and an ink limit the photo exceeds."""
    root = tmp_path_factory.mktemp("refused")
    book = make_colour_book(root, theme="theme: supplement\n")
    styles = make_styles(
        root,
        ".title { color: lab(50% 40 30); }",
        {"--bk-print-ink-limit": "200%"},
    )
    supplement = styles / "themes" / "supplement.css"
    text = supplement.read_text("utf-8")
    supplement.write_text(re.sub(r"\n *--bk-color-accent-cmyk:[^\n]*", "", text), "utf-8")
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(
            pipeline.Options(book=book, out=root / "out", styles=styles, profile="print")
        )
    assert not (root / "out").exists()
    return {p.code: p for p in failed.value.problems if p.severity == "error"}


def test_a_theme_colour_without_its_print_ink_is_an_error_at_its_line(refused):
    problem = refused["styles.print-colour"]
    assert re.fullmatch(r".*styles/themes/supplement\.css:6:5", str(problem.where))
    assert "--bk-color-accent is set to #1b4f8a" in problem.message
    converter = Converter(FOGRA39)
    inks = " ".join(f"{round(v, 3):g}" for v in converter.cmyk(0x1B / 255, 0x4F / 255, 0x8A / 255))
    assert f"device-cmyk({inks})" in problem.hint


def test_a_colour_left_outside_cmyk_is_named_with_its_page(refused):
    """A Lab colour (which the press hook leaves alone) survives as WeasyPrint's Lab space."""
    problem = refused["preflight.colour-space"]
    assert re.match(r"Lab survives on page \d+ \(fill colour space\)", problem.message), (
        problem.message
    )
    assert "device-cmyk()" in problem.hint


def test_ink_over_the_token_limit_is_an_error_naming_page_and_place(refused):
    """The worst place is the photo's black (sRGB black through the profile); the covers
    (the default red, 214.5 %) are over the limit too."""
    problem = refused["preflight.ink-limit"]
    black = Converter(FOGRA39).image(Image.new("RGB", (1, 1))).getpixel((0, 0))
    c, m, y, k = (round(v / 2.55, 1) for v in black)
    found = re.match(
        r"page (\d+) \(and (\d+) more\): ([\d.]+) % ink at ([\d.]+) mm, ([\d.]+) mm from the top "
        r"left of the bleed \(C ([\d.]+) M ([\d.]+) Y ([\d.]+) K ([\d.]+)\), over the limit of 200 %",
        problem.message,
    )
    assert found, problem.message
    assert float(found[3]) == pytest.approx(sum(black) / 2.55, abs=1.6)
    assert [float(v) for v in found.groups()[5:]] == pytest.approx([c, m, y, k], abs=0.4)
    assert int(found[2]) >= 2  # the two covers as well
    assert "--bk-print-ink-limit" in problem.hint


def test_the_profile_and_intent_are_tokens(tmp_path):
    book = make_colour_book(tmp_path)
    styles = make_styles(
        tmp_path,
        tokens={
            "--bk-print-profile": '"TR006-booklet.icc"',
            "--bk-print-rendering-intent": "perceptual",
        },
    )
    result = pipeline.build(
        pipeline.Options(book=book, out=tmp_path / "out", styles=styles, profile="print")
    )
    path = result.output("print").path
    intent = PdfReader(path).trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/OutputConditionIdentifier"] == "CGATS TR 006"
    assert (
        intent["/DestOutputProfile"].get_object().get_data()
        == (ICC / "TR006-booklet.icc").read_bytes()
    )
    jpeg = images(path)[0]
    decoded = Image.open(io.BytesIO(jpeg._data))
    perceptual = Converter(ICC / "TR006-booklet.icc", "perceptual")
    relative = Converter(ICC / "TR006-booklet.icc")
    black = Image.new("RGB", (1, 1), (0, 0, 0))
    found = decoded.getpixel((5 * 300 + 150, 600))
    assert all(
        abs(a - b) <= 3
        for a, b in zip(found, perceptual.image(black).getpixel((0, 0)), strict=True)
    )
    assert perceptual.image(black).getpixel((0, 0)) != relative.image(black).getpixel((0, 0))


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        ({"--bk-print-profile": '"ISOcoated_v2.icc"'}, "not a profile in icc/"),
        ({"--bk-print-rendering-intent": "colourful"}, "unknown rendering intent 'colourful'"),
        ({"--bk-print-ink-limit": "lots"}, "--bk-print-ink-limit is lots"),
    ],
)
def test_a_press_token_that_makes_no_sense_is_an_error(tmp_path, tokens, message):
    book = make_colour_book(tmp_path)
    styles = make_styles(tmp_path, tokens=tokens)
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(
            pipeline.Options(book=book, out=tmp_path / "out", styles=styles, profile="print")
        )
    errors = [p for p in failed.value.problems if p.severity == "error"]
    assert len(errors) == 1 and message in errors[0].message, errors
    if "profile" in message:
        assert "FOGRA39-booklet.icc, TR006-booklet.icc" in errors[0].message
        assert str(errors[0].where).endswith("styles/tokens.css")


def test_the_gate_checks_the_press_hooks(monkeypatch):
    from weasyprint import draw

    gate.check.cache_clear()
    try:
        monkeypatch.setattr(draw, "draw_text", lambda stream, textbox: None)
        monkeypatch.setitem(
            gate.originals_table(), ("weasyprint.draw", "draw_text"), draw.draw_text
        )
        with pytest.raises(engine.EngineMismatch, match=r"draw_text takes \(stream, textbox\)"):
            engine.check()
    finally:
        gate.check.cache_clear()
    assert set(press.PATCHED) <= set(gate.originals_table())


def test_the_press_hooks_are_put_back_however_the_write_ends():
    converter = Converter(FOGRA39)
    with pytest.raises(RuntimeError), hook.pressed(converter):
        assert engine.installed()["draw_text"]
        raise RuntimeError
    assert not any(engine.installed().values())
