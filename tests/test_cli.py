"""The command as an editor runs it: exit statuses, messages on stderr, last good PDF kept."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from booklet import cli
from booklet.pipeline import PROJECT

from .conftest import MINIMAL_ARTICLE
from .fixtures.books import make_fixture


def run(*args: str, cwd=PROJECT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROJECT / "build.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_help_documents_every_option():
    done = run("--help")
    assert done.returncode == 0
    for action in cli.parser()._actions:
        for flag in action.option_strings:
            assert flag in done.stdout
    assert "Exit status" in done.stdout


def test_wrong_command_line_exits_2():
    assert run("--no-such-option").returncode == 2
    missing = run("--book", "/nonexistent/book")
    assert missing.returncode == 2
    assert "no book.yaml" in missing.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "9000"], "--port sets the preview's port: it needs --serve"),
        (
            ["--creep", "0.3"],
            "--creep shifts the imposed sheets: it needs --profile imposed or all",
        ),
        (
            ["--check-typography", "x.pdf", "--book", "book", "--strict"],
            "--check-typography x.pdf only measures that PDF: --book, --strict would be ignored",
        ),
        (["--check-typography", "--watch"], "--check-typography reports once on a build"),
    ],
)
def test_options_that_make_no_sense_together_exit_2(args, message):
    done = run(*args)
    assert done.returncode == 2
    assert f"error: {message}" in done.stderr and "[usage.options]" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_booklet_command_is_the_same_command(tmp_path):
    """The console script pyproject.toml declares, installed by ./run, runs booklet.cli."""
    command = Path(sys.executable).parent / "booklet"
    assert command.is_file()
    done = subprocess.run([command, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == run("--help").stdout


def test_build_then_broken_edit_keeps_the_last_good_pdf(make_book, tmp_path):
    root = make_book()
    out = tmp_path / "out"
    done = run("--book", str(root), "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    pdf = out / "test-book.pdf"
    assert done.stdout.split() == [str(pdf), str(out / "test-book-preflight.json")]
    good = pdf.read_bytes()
    assert good.startswith(b"%PDF-")

    broken = (
        MINIMAL_ARTICLE.replace("title:", "titel:") + "  - figure:\n      image: images/x.jpg\n"
    )
    (root / "articles" / "a.yaml").write_text(broken, encoding="utf-8")
    failed = run("--book", str(root), "--out", str(out))
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert lines[-1] == "Aborted: 4 errors, 0 warnings. Nothing was written."
    assert any(
        line.endswith("[content.unknown-field]") and ":2:1: error: unknown field 'titel'" in line
        for line in lines
    )
    codes = sorted(line.rsplit("[", 1)[-1] for line in lines[:-1])
    assert codes == [
        "content.image-missing]",
        "content.missing-field]",
        "content.missing-field]",
        "content.unknown-field]",
    ]
    assert "Traceback" not in failed.stderr
    assert pdf.read_bytes() == good
    assert sorted(p.name for p in out.iterdir()) == ["test-book-preflight.json", "test-book.pdf"]


def test_a_build_reports_its_stages_in_one_block_and_quiet_prints_only_paths(make_book, tmp_path):
    root = make_book()
    done = run("--book", str(root), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    timings = next(line for line in lines if line.startswith("load+validate "))
    stages = re.findall(r"(\S+) (\d+\.\d\d)s", timings)
    assert [name for name, _ in stages][:4] == ["load+validate", "render", "layout", "write"]
    assert re.fullmatch(r"\d+ pages(, \d+ blank added)?; 0 errors, 0 warnings", lines[-1])
    quiet = run("--book", str(root), "--out", str(tmp_path / "quiet"), "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert [Path(p).name for p in quiet.stdout.split()] == [
        "test-book.pdf",
        "test-book-preflight.json",
    ]


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_the_progress_line_stays_silent_for_two_seconds_then_shows_each_step():
    now = [100.0]
    stream = _Stream(tty=False)
    line = cli.ProgressLine(stream, clock=lambda: now[0])
    line("layout")
    now[0] += 1.99
    line("layout: article 1 of 2 (a)")
    assert stream.getvalue() == ""
    now[0] += 0.02
    line("layout: article 2 of 2 (b)")
    line("write")
    line.end()
    assert stream.getvalue() == "… layout: article 2 of 2 (b)\n… write\n"
    terminal = _Stream(tty=True)
    line = cli.ProgressLine(terminal, after=0, clock=lambda: now[0])
    line("write")
    line.end()
    assert terminal.getvalue() == "\r\033[K… write\r\033[K"  # one line, rewritten, cleared


def test_a_build_shows_its_progress_part_by_part_and_quiet_shows_none(
    build_cli, make_book_module, tmp_path, monkeypatch
):
    """The steps a long build shows (here every build is long: no silent start): each
    stage, each article as it is laid out, in order."""
    monkeypatch.setattr(cli, "PROGRESS_AFTER", 0.0)
    book = make_fixture(make_book_module, tmp_path / "long", 3)
    status, _, err = build_cli("--book", book, "--out", tmp_path / "out", "--allow-placeholders")
    assert status == 0, err
    steps = [line[2:] for line in err.splitlines() if line.startswith("… ")]
    articles = [s for s in steps if s.startswith("layout: article ")]
    assert articles[-1].startswith("layout: article 6 of 6 (")
    numbers = [int(s.split()[2]) for s in articles]
    assert numbers == sorted(numbers) == list(range(1, 7))
    assert steps[0] == "load+validate" and {"render", "layout", "write", "preflight"} <= set(steps)
    status, _, err = build_cli("--book", book, "--out", tmp_path / "quiet", "--quiet")
    assert status == 0 and "…" not in err


def test_the_report_on_a_pdf_given_names_it(booklet, build_cli):
    status, out, err = build_cli("--check-typography", str(booklet.path))
    assert status in (0, 1), err
    assert out.startswith(f"{booklet.path}: ") and "%PDF" not in out  # its name, not its bytes


def test_the_typography_report_measures_the_readers_pdf_whatever_the_profile(tmp_path):
    """With --profile imposed no screen PDF is made: the report reads the pages a reader
    reads (the print layout before imposition), not the sheets, and finds its lines clean
    (the sheets, two pages side by side, would break R4 on every line)."""
    done = run(
        "--profile",
        "imposed",
        "--allow-placeholders",
        "--check-typography",
        "--out",
        str(tmp_path),
        "--quiet",
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    header, numbers = done.stdout.split("Totals")[1].strip().splitlines()[:2]
    totals = dict(zip(header.split(), numbers.split(), strict=True))
    assert all(totals[f"R{n}"] == "0" for n in range(1, 14)), totals
    assert "R4 ragged full lines       0 / 2" in done.stdout
    assert done.returncode == (0 if totals["total"] == "0" else 1)
    assert [Path(p).name for p in done.stdout.split() if p.endswith(".pdf")] == [
        "zhefu-feature-imposed.pdf"
    ]
