"""The command as an editor runs it: exit statuses, messages on stderr, last good PDF kept."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tools.bench.bench import make_fixture
from booklet.pipeline import PROJECT

from .conftest import MINIMAL_ARTICLE


def run(*args: str, cwd=PROJECT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROJECT / "build.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_help_documents_every_option():
    import build

    done = run("--help")
    assert done.returncode == 0
    for action in build.parser()._actions:
        for flag in action.option_strings:
            assert flag in done.stdout
    assert "Exit status" in done.stdout


def test_wrong_command_line_exits_2():
    assert run("--no-such-option").returncode == 2
    missing = run("--book", "/nonexistent/book")
    assert missing.returncode == 2
    assert "no book.yaml" in missing.stderr


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
    assert "…" not in done.stderr  # a short build shows no progress
    quiet = run("--book", str(root), "--out", str(tmp_path / "quiet"), "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert [Path(p).name for p in quiet.stdout.split()] == [
        "test-book.pdf",
        "test-book-preflight.json",
    ]


def test_a_long_build_shows_its_progress_part_by_part(tmp_path):
    """Twenty-four articles (the booklet's three, eight times over): after two seconds the
    build says which stage and which article it is at."""
    book = make_fixture(PROJECT / "book", tmp_path / "long", 8)
    done = run("--book", str(book), "--out", str(tmp_path / "out"), "--allow-placeholders")
    assert done.returncode == 0, done.stderr
    steps = [line[2:] for line in done.stderr.splitlines() if line.startswith("… ")]
    articles = [s for s in steps if s.startswith("layout: article ")]
    assert articles, done.stderr
    assert articles[-1].startswith("layout: article 24 of 24 (")
    numbers = [int(s.split()[2]) for s in articles]
    assert numbers == sorted(numbers)
    assert {"write", "preflight"} <= set(steps)
    quiet = run("--book", str(book), "--out", str(tmp_path / "quiet"), "--quiet")
    assert "…" not in quiet.stderr
