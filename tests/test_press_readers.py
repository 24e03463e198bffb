"""Every file of ``--profile all`` opens in five readers without a word of complaint:
qpdf, Ghostscript, MuPDF, poppler and PDFium."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pypdfium2
import pytest
from pypdf import PdfReader

KINDS = ("screen", "print", "imposed", "desktop", "proof")


def commands(path, out) -> dict[str, list[str]]:
    return {
        "qpdf": ["qpdf", "--check", str(path)],
        # -q: only warnings and errors are printed.
        "ghostscript": ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=nullpage", str(path)],
        # -N: Debian's MuPDF is built without colour management and says so for any file.
        "mupdf": ["mutool", "draw", "-q", "-N", "-r", "10", "-o", f"{out}/mu%d.png", str(path)],
        "pdfinfo": ["pdfinfo", str(path)],
        "pdftoppm": ["pdftoppm", "-r", "10", "-png", str(path), f"{out}/pp"],
    }  # fmt: skip


@pytest.fixture(scope="module")
def reports(booklet, tmp_path_factory):
    """(file kind, reader) → (exit status, what it printed besides its normal output), all
    readers run side by side (Ghostscript takes seconds on the CJK fonts)."""
    jobs = {}
    for kind in KINDS:
        path = booklet.path if kind == "screen" else booklet.result.output(kind).path
        out = tmp_path_factory.mktemp(f"read-{kind}")
        for reader, command in commands(path, out).items():
            jobs[(kind, reader)] = command

    def run(command):
        done = subprocess.run(command, capture_output=True, text=True)
        normal = done.stdout if command[0] in ("qpdf", "pdfinfo") else ""
        return done.returncode, (done.stdout.replace(normal, "") + done.stderr).strip(), normal

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {key: pool.submit(run, command) for key, command in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reader", ["qpdf", "ghostscript", "mupdf", "pdfinfo", "pdftoppm"])
def test_reader_opens_the_file_silently(reports, kind, reader):
    status, complaints, normal = reports[(kind, reader)]
    assert status == 0, complaints
    assert complaints == "", complaints
    if reader == "qpdf":
        assert "No syntax or stream encoding errors found" in normal
        assert "WARNING" not in normal
    if reader == "pdfinfo":
        assert "PDF version" in normal


def test_pdfinfo_calls_the_press_files_pdfx4(reports):
    for kind in ("print", "imposed"):
        assert "PDF subtype:    PDF/X-4" in reports[(kind, "pdfinfo")][2], kind


@pytest.mark.parametrize("kind", KINDS)
def test_pdfium_renders_every_page(booklet, kind):
    path = booklet.path if kind == "screen" else booklet.result.output(kind).path
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        assert len(pdf) == len(PdfReader(path).pages)
        inked = 0
        for page in pdf:
            image = page.render(scale=0.1).to_pil().convert("L")
            assert image.width > 10
            inked += image.getextrema()[0] < 250
        assert inked >= len(pdf) // 2  # the pages drawn, not blank
    finally:
        pdf.close()
