"""The print shop's files: boxes in millimetres, crop marks, imposition, proof; the office
printer's desktop sheets; all pass qpdf."""

from __future__ import annotations

import io
import subprocess

import pdfplumber
import pytest
from pypdf import PdfReader

from booklet import pipeline
from booklet.press.impose import booklet_order
from booklet.problems import BuildFailed

MM = 72 / 25.4


@pytest.fixture(scope="module")
def profiles(tmp_path_factory, make_book_module):
    """The small two-article book built with --profile all (placeholders allowed)."""
    out = tmp_path_factory.mktemp("profiles")
    options = pipeline.Options(
        book=make_book_module, out=out, profile="all", allow_placeholders=True
    )
    result = pipeline.build(options)
    return {p.name: p for p in result.written}, result


def box_mm(box) -> list[float]:
    return [round(float(v) / MM, 2) for v in box]


def test_print_profile_refuses_a_placeholder_unless_allowed(make_book_module, tmp_path):
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(pipeline.Options(book=make_book_module, out=tmp_path, profile="print"))
    assert {p.code for p in failed.value.problems if p.severity == "error"} == {
        "preflight.placeholder"
    }
    assert not tmp_path.joinpath("small-book-print.pdf").exists()


def test_every_profile_is_written(profiles):
    files, _ = profiles
    assert sorted(files) == [
        "small-book-desktop.pdf",
        "small-book-imposed.pdf",
        "small-book-preflight.json",
        "small-book-print.pdf",
        "small-book-proof.pdf",
        "small-book.pdf",
    ]


def test_screen_pdf_is_trim_size_without_bleed(profiles):
    files, _ = profiles
    for page in PdfReader(files["small-book.pdf"]).pages:
        assert box_mm(page.mediabox) == [0, 0, 148, 210]
        assert box_mm(page.trimbox) == box_mm(page.mediabox)


def test_print_pdf_has_trim_bleed_and_room_for_marks(profiles):
    files, _ = profiles
    reader = PdfReader(files["small-book-print.pdf"])
    for page in reader.pages:
        trim, bleed, media = box_mm(page.trimbox), box_mm(page.bleedbox), box_mm(page.mediabox)
        assert trim[2] - trim[0] == pytest.approx(148, abs=0.01)
        assert trim[3] - trim[1] == pytest.approx(210, abs=0.01)
        assert [b - t for b, t in zip(bleed, trim, strict=True)] == pytest.approx(
            [-3, -3, 3, 3], abs=0.01
        )
        # Crop marks run from the bleed (3 mm) to 7 mm outside the trim: the page holds them.
        assert media[0] <= trim[0] - 7 and media[2] >= trim[2] + 7


def test_print_crop_marks_are_registration_colour_outside_the_bleed(profiles):
    files, _ = profiles
    with pdfplumber.open(files["small-book-print.pdf"]) as pdf:
        page = pdf.pages[2]
        reader_page = PdfReader(files["small-book-print.pdf"]).pages[2]
        x0, y0, x1, y1 = (float(v) for v in reader_page.bleedbox)
        oy = float(reader_page.mediabox.bottom)  # pdfplumber's y0/y1 start at the MediaBox
        marks = [ln for ln in page.lines if ln["stroking_color"] in (1, (1,))]
        assert len(marks) == 8  # two at each corner
        for line in marks:
            lx0, lx1 = line["x0"], line["x1"]
            ly0, ly1 = line["y0"] + oy, line["y1"] + oy
            assert lx1 <= x0 + 0.01 or lx0 >= x1 - 0.01 or ly1 <= y0 + 0.01 or ly0 >= y1 - 0.01
    colour = reader_page["/Resources"]["/ColorSpace"]["/BkRegistration"].get_object()
    assert colour[:3] == ["/Separation", "/All", "/DeviceCMYK"]


def test_cover_background_runs_into_the_bleed(profiles):
    import pypdfium2

    files, _ = profiles
    pdf = pypdfium2.PdfDocument(str(files["small-book-print.pdf"]))
    page = pdf[0]
    image = page.render(scale=1).to_pil().convert("RGB")
    reader_page = PdfReader(files["small-book-print.pdf"]).pages[0]
    media = reader_page.mediabox
    trim = reader_page.trimbox
    # 1.5 mm outside the trim, on the left, half-way down: still the cover colour.
    x = float(trim.left) - float(media.left) - 1.5 * MM
    y = float(media.top) - (float(trim.top) + float(trim.bottom)) / 2
    assert image.getpixel((round(x), round(y))) != (255, 255, 255)


def test_imposed_sheets_follow_booklet_order(profiles):
    files, result = profiles
    reader = PdfReader(files["small-book-imposed.pdf"])
    pages = result.pages
    order = booklet_order(pages)
    assert len(reader.pages) == len(order) == pages // 2
    with pdfplumber.open(files["small-book-print.pdf"]) as single:
        folios = {}
        for number, page in enumerate(single.pages, start=1):
            folios[number] = "".join(c["text"] for c in page.chars)
    with pdfplumber.open(files["small-book-imposed.pdf"]) as sheets:
        for sheet, (left, right) in zip(sheets.pages, order, strict=True):
            trim = [float(v) for v in reader.pages[sheets.pages.index(sheet)].trimbox]
            spine = (trim[0] + trim[2]) / 2
            halves = (
                "".join(c["text"] for c in sheet.chars if c["x1"] <= spine),
                "".join(c["text"] for c in sheet.chars if c["x0"] >= spine),
            )
            for half, number in zip(halves, (left, right), strict=True):
                assert half == folios[number], (number, half[:20])
        media = box_mm(reader.pages[0].mediabox)
        assert media[2] - media[0] >= 296  # two A5 pages side by side


def test_proof_has_the_proof_mark_and_type_area_outlines(profiles):
    files, _ = profiles
    with pdfplumber.open(files["small-book-proof.pdf"]) as pdf:
        page = pdf.pages[2]
        dashed = [r for r in page.rects if r["stroking_color"] == (0, 0.6, 0.8)]
        assert len(dashed) == 1
        # The outline is the type area: 30 characters of 10.5 pt wide.
        assert dashed[0]["width"] == pytest.approx(30 * 10.5, abs=0.05)
        # Every page carries the proof mark, covers and blank pages too: no page of a
        # proof can be taken for final art.
        for number, page in enumerate(pdf.pages, start=1):
            assert "校样·非付印稿" in page.extract_text().replace(" ", ""), number


def test_print_pdf_sets_text_in_black_ink_alone(profiles, real_print):
    """Body text and grey text (bylines, running heads) are DeviceCMYK with no cyan, magenta
    or yellow in the print file (small type in four inks blurs on press); every other text
    colour is CMYK too (the accent as its -cmyk token says); the screen file stays RGB."""
    files, _ = profiles
    for path in (files["small-book-print.pdf"], real_print):
        with pdfplumber.open(path) as pdf:
            chars = [c for page in pdf.pages[2:-2] for c in page.chars]
        body = [c for c in chars if "Serif" in c["fontname"]]
        assert body
        colours = {c["non_stroking_color"] for c in body}
        assert colours == {(0, 0, 0, 1)}, colours
        sans = {c["non_stroking_color"] for c in chars if "Sans" in c["fontname"]}
        assert all(len(colour) == 4 for colour in sans), sans
        greys = {g for g in sans if g[:3] == (0, 0, 0) and 0 < g[3] < 1}
        assert greys, sans  # the muted grey of bylines and running heads: black ink alone
    with pdfplumber.open(files["small-book.pdf"]) as pdf:
        body = [c for page in pdf.pages for c in page.chars if "Serif" in c["fontname"]]
    assert body and all(len(c["non_stroking_color"]) == 3 for c in body)


def test_every_output_passes_qpdf_and_embeds_every_font(profiles):
    files, _ = profiles
    for path in (p for p in files.values() if p.suffix == ".pdf"):
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, (path.name, check.stdout[-300:])
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
        assert fonts.stdout.splitlines()[2:], path.name
        for row in fonts.stdout.splitlines()[2:]:
            assert row.split()[-5:-3] == ["yes", "yes"], (path.name, row)


def test_outputs_have_ordinary_file_permissions(profiles):
    files, _ = profiles
    for path in files.values():
        assert path.stat().st_mode & 0o644 == 0o644


def test_placeholder_reader_sees_is_marked(profiles):
    files, _ = profiles
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(files["small-book.pdf"].read_bytes())).pages
    )
    assert "仅示位置" in text


def test_screen_pdf_is_tagged_for_accessibility(profiles):
    files, _ = profiles
    screen = PdfReader(files["small-book.pdf"])
    assert "/StructTreeRoot" in screen.trailer["/Root"]
    assert screen.trailer["/Root"]["/MarkInfo"]["/Marked"]


@pytest.fixture(scope="module")
def real_print(booklet):
    """The real booklet's print file, from the run's shared build of every profile."""
    return booklet.result.output("print").path


@pytest.mark.parametrize("profile", ["screen", "print"])
def test_real_booklet_passes_qpdf_and_embeds_every_font_subset(booklet, real_print, profile):
    path = booklet.path if profile == "screen" else real_print
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-500:] + check.stderr[-500:]
    assert "No syntax or stream encoding errors found" in check.stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert len(rows) >= 4  # serif, sans, their bolds, Kai: the booklet sets them all
    for row in rows:
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row  # emb, sub, uni
        assert row.split()[0].split("+", 1)[1].startswith("Booklet-"), row


def test_the_profile_table_drives_the_choices_and_the_file_names():
    from booklet import profiles
    from booklet.cli import parser

    assert profiles.CHOICES == ("screen", "print", "imposed", "desktop", "proof", "all")
    choice = next(a for a in parser()._actions if a.dest == "profile")
    assert tuple(choice.choices) == profiles.CHOICES
    assert "flip on short edge" in choice.help  # the desktop row's own words
    assert profiles.file_name("x", profiles.PROFILES["desktop"]) == "x-desktop.pdf"
    assert profiles.LAYOUTS["print"]["pdf_variant"] == "pdf/x-4"
    assert "pdf_variant" not in profiles.LAYOUTS["screen"]


def test_desktop_alone_lays_out_its_own_pages_and_writes_sheets(make_book_module, tmp_path):
    result = pipeline.build(
        pipeline.Options(book=make_book_module, out=tmp_path, profile="desktop")
    )
    assert [p.name for p in result.written] == [
        "small-book-desktop.pdf",
        "small-book-preflight.json",
    ]
    assert set(result.layouts) == {"desktop"}
    reader = PdfReader(result.written[0])
    assert len(reader.pages) == result.pages // 2
    assert set(result.preflight) == {"desktop"}
    assert result.preflight["desktop"].facts["file"]["sheets"][0]["side"] == "front"


def test_a_desktop_sheet_token_that_is_no_size_is_an_error_at_the_styles(
    make_book_module, styles_copy, tmp_path
):
    tokens = styles_copy / "tokens.css"
    tokens.write_text(
        tokens.read_text("utf-8").replace(
            "--bk-desktop-sheet: 297mm 210mm", "--bk-desktop-sheet: big"
        ),
        "utf-8",
    )
    with pytest.raises(BuildFailed) as failed:
        pipeline.build(
            pipeline.Options(
                book=make_book_module, out=tmp_path / "out", styles=styles_copy, profile="desktop"
            )
        )
    (problem,) = [p for p in failed.value.problems if p.severity == "error"]
    assert problem.code == "press.impose"
    assert (
        "--bk-desktop-sheet" in problem.message and "'big' is not a sheet size" in problem.message
    )
    assert not (tmp_path / "out").exists()
