"""The watch loop: change detection, coalescing of saves, rebuild reports, clean exit."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pypdf
import pytest

from booklet import pipeline
from booklet.editor import watch
from booklet.editor.serve import Preview
from booklet.pipeline import PROJECT


def touch(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# -- Watcher.poll -----------------------------------------------------------------------------


def test_poll_reports_added_changed_and_removed_files(tmp_path):
    touch(tmp_path / "a.yaml", "a")
    touch(tmp_path / "sub" / "b.css", "b")
    watcher = watch.Watcher([tmp_path])
    assert watcher.poll() == set()
    touch(tmp_path / "sub" / "c.css", "c")
    assert watcher.poll() == {(tmp_path / "sub" / "c.css").resolve()}
    touch(tmp_path / "a.yaml", "A")  # same size: the mtime or inode tells
    stamp = os.stat(tmp_path / "a.yaml").st_mtime_ns
    os.utime(tmp_path / "a.yaml", ns=(stamp + 10**9, stamp + 10**9))
    assert watcher.poll() == {(tmp_path / "a.yaml").resolve()}
    (tmp_path / "sub" / "b.css").unlink()
    assert watcher.poll() == {(tmp_path / "sub" / "b.css").resolve()}
    assert watcher.poll() == set()


def test_poll_ignores_editor_scratch_files_and_the_excluded_folder(tmp_path):
    out = tmp_path / "dist"
    touch(tmp_path / "a.yaml", "a")
    watcher = watch.Watcher([tmp_path, tmp_path / "missing"], exclude=[out])
    for name in (".a.yaml.swp", "a.yaml~", "4913", "#a.yaml#", ".git/index", "x.tmp"):
        touch(tmp_path / name, "scratch")
    touch(out / "book.pdf", "%PDF")
    assert watcher.poll() == set()


# -- loop --------------------------------------------------------------------------------------


def run_loop(watcher, rebuild, **timing):
    stop = threading.Event()
    thread = threading.Thread(target=watch.loop, args=(watcher, rebuild, stop), kwargs=timing)
    thread.start()
    return stop, thread


def test_a_burst_of_saves_makes_one_rebuild_and_a_later_save_another(tmp_path):
    files = [tmp_path / f"{n}.yaml" for n in range(5)]
    for path in files:
        touch(path, "0")
    calls: list[set[Path]] = []
    done = threading.Event()

    def rebuild(changed):
        calls.append(changed)
        done.set()

    # settle 0.4 s rather than 0.15 s: a loaded test machine may pause between saves
    stop, thread = run_loop(watch.Watcher([tmp_path]), rebuild, settle=0.4)
    try:
        time.sleep(0.15)
        for path in files:  # five saves 40 ms apart: within the settling time of each other
            touch(path, "burst!")
            time.sleep(0.04)
        assert done.wait(3)
        time.sleep(0.6)  # no second rebuild for the same burst
        assert calls == [{p.resolve() for p in files}]
        done.clear()
        touch(files[0], "later")
        assert done.wait(3)
        assert calls[1] == {files[0].resolve()}
    finally:
        stop.set()
        thread.join(2)
    assert not thread.is_alive()


def test_the_loop_waits_for_saves_to_settle_but_not_forever(tmp_path):
    path = tmp_path / "a.yaml"
    touch(path, "0")
    started: list[float] = []
    stop, thread = run_loop(
        watch.Watcher([tmp_path]),
        lambda changed: started.append(time.monotonic()),
        max_wait=0.6,
    )
    try:
        time.sleep(0.15)
        for n in range(30):  # a save every 50 ms for 1.5 s: never settles
            touch(path, str(n))
            time.sleep(0.05)
        last_save = time.monotonic()
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join(2)
    # Saves never settled, yet a rebuild came while they were still coming (max_wait).
    assert started and started[0] < last_save


def test_the_loop_builds_what_the_preview_asks_for_without_a_save(tmp_path):
    wake, woken, saves = threading.Event(), threading.Event(), []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch.loop,
        args=(watch.Watcher([tmp_path]), saves.append, stop),
        kwargs={"wake": wake, "woken": woken.set},
    )
    thread.start()
    try:
        time.sleep(0.1)
        assert not woken.is_set()
        wake.set()
        assert woken.wait(2)
        assert not wake.is_set() and saves == []  # no file changed: nothing rebuilt
    finally:
        stop.set()
        thread.join(2)


def test_stop_ends_the_loop_promptly(tmp_path):
    stop, thread = run_loop(watch.Watcher([tmp_path]), lambda changed: None)
    time.sleep(0.1)
    stop.set()
    thread.join(2)
    assert not thread.is_alive()


def test_watched_folders_are_the_book_styles_templates_and_fonts(tmp_path):
    folders = watch.watched_folders(pipeline.Options(book=tmp_path / "book"))
    assert folders == [
        tmp_path / "book",
        PROJECT / "styles",
        PROJECT / "booklet" / "typeset" / "templates",
        PROJECT / "fonts",
    ]
    assert all(folder.is_dir() for folder in folders[1:])


# -- Rebuilder: a real book, good, broken, good again ---------------------------------------------


def test_a_broken_save_reports_its_problems_and_keeps_the_last_good_pdf(make_book, tmp_path):
    book = make_book()
    out = tmp_path / "dist"
    err = io.StringIO()
    preview = Preview(typography=False)
    rebuild = watch.Rebuilder(pipeline.Options(book=book, out=out), preview, err=err)
    try:
        assert rebuild() is True
        pdf = out / "test-book.pdf"
        good = pdf.read_bytes()
        stamp = pdf.stat().st_mtime_ns
        lines = err.getvalue().splitlines()
        assert " built " in lines[0] and " s: " in lines[0] and "0 errors" in lines[0]
        # Then how the pages were fitted and the preflight's summary, as a one-shot build
        # prints them; no page changes yet.
        assert lines[1].startswith("  fitted: 8 pages, blank 2 (封二)"), lines
        assert lines[2].startswith("  preflight (screen): 8 pages (×4 ✓, boxes ✓)"), lines
        assert not any(line.startswith("  pages:") for line in lines)
        assert preview.state.good_build == 1 and not preview.state.failed
        assert preview.pdf() == good

        article = book / "articles" / "a.yaml"
        text = article.read_text(encoding="utf-8")
        article.write_text(text.replace("title:", "titel:"), encoding="utf-8")
        err.seek(0)
        err.truncate()
        assert rebuild({article}) is False
        report = err.getvalue().splitlines()
        assert any(
            line.endswith("[content.unknown-field]") and "a.yaml:2:1: error:" in line
            for line in report
        ), report
        assert report[-1].split(" ", 1)[1].startswith("Aborted: ")
        assert "test-book.pdf is still the last good build" in report[-1]
        assert pdf.read_bytes() == good and pdf.stat().st_mtime_ns == stamp
        state = preview.state
        assert state.failed and state.good_build == 1 and state.attempt == 2
        assert "content.unknown-field" in [p.code for p in state.problems]
        assert preview.pdf() == good  # the preview keeps showing the last good PDF

        article.write_text(text.replace("用来测试", "用来再测"), encoding="utf-8")
        err.seek(0)
        err.truncate()
        assert rebuild({article}) is True
        assert pdf.read_bytes() != good
        state = preview.state
        assert not state.failed and state.good_build == 3 and state.problems == ()
        # Which pages changed: the one that prints the edited paragraph, by its label.
        reader = pypdf.PdfReader(pdf)
        [edited] = [i for i, page in enumerate(reader.pages) if "用来再测" in page.extract_text()]
        lines = err.getvalue().splitlines()
        assert lines[-1] == f"  pages: {reader.page_labels[edited]} changed", lines
    finally:
        preview.close()


def test_a_crash_keeps_its_traceback_and_the_loop_alive(make_book, tmp_path, monkeypatch):
    err = io.StringIO()
    rebuild = watch.Rebuilder(pipeline.Options(book=make_book(), out=tmp_path / "d"), err=err)

    def boom(options, cwd=None, warm=None):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(pipeline, "build", boom)
    assert rebuild() is False
    text = err.getvalue()
    assert "Traceback" in text and "RuntimeError: engine exploded" in text
    assert (
        "error: the build crashed: RuntimeError: engine exploded" not in text
    )  # the traceback stands for it
    assert "Aborted: 1 error, 0 warnings" in text and "no PDF yet" in text


# -- the command: python build.py --watch -------------------------------------------------------


class Lines:
    """The lines a subprocess writes, read by a thread, waited for with a timeout."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()

    def wait_for(self, predicate, timeout: float, start: int = 0, fail=None) -> int:
        """The index of the first line from `start` that matches; AssertionError if a line
        matches `fail` first or none matches in time."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for index in range(start, len(self.lines)):
                    if predicate(self.lines[index]):
                        return index
                    if fail is not None and fail(self.lines[index]):
                        raise AssertionError(f"failed: {self.lines[index]}; output: {self.lines}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; output so far: {self.lines}")
                self.cond.wait(left)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_watch_command_rebuilds_on_save_and_stops_cleanly(make_book, tmp_path, sig):
    book = make_book()
    out = tmp_path / "dist"
    process = subprocess.Popen(
        [sys.executable, str(PROJECT / "build.py"), "--watch", "--book", str(book), "--out", out],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
    )
    try:
        lines = Lines(process.stdout)
        aborted = lambda line: "Aborted:" in line  # noqa: E731
        first = lines.wait_for(lambda line: " built " in line, 60, fail=aborted)
        article = book / "articles" / "a.yaml"
        article.write_text(
            article.read_text(encoding="utf-8").replace("用来测试", "用来再测"), encoding="utf-8"
        )
        # (another edit, to styles/ say, may rebuild meanwhile: wait for this one)
        built = lines.wait_for(
            lambda line: " built " in line and "book/articles/a.yaml" in line,
            30,
            first + 1,
            fail=aborted,
        )
        # Each rebuild prints the preflight summary and which pages changed.
        summary = lines.wait_for(lambda line: line.startswith("  preflight (screen): "), 10, built)
        changes = lines.wait_for(lambda line: line.startswith("  pages: "), 10, built)
        assert summary == built + 1 and changes > summary
        assert lines.lines[changes].endswith(" changed"), lines.lines
        process.send_signal(sig)
        assert process.wait(15) == 0
        lines.thread.join(5)
        assert lines.lines[-1] == "Stopped."
        assert not any("Traceback" in line for line in lines.lines), lines.lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# -- the warm process's reuse ------------------------------------------------------------------


def test_a_warm_rebuild_writes_exactly_what_a_cold_build_writes(
    tmp_path, styles_copy, make_book_module
):
    """The watch loop keeps laid-out parts, the parsed stylesheet and the font subsets: after
    an edit to one article, to a stylesheet, and back, each warm rebuild is byte for byte the
    cold build of the same files, and an unchanged part is not laid out again."""
    import shutil

    book = tmp_path / "book"
    shutil.copytree(make_book_module, book)
    options = pipeline.Options(book=book, out=tmp_path / "warm", styles=styles_copy)
    warm = pipeline.Warm(options)

    def build(out: str, warm_process=warm, changed=()) -> bytes:
        warm_process.changed(changed)  # as the watch loop tells it
        where = pipeline.Options(book=book, out=tmp_path / out, styles=styles_copy)
        return pipeline.build(where, tmp_path, warm_process).reader

    def cold() -> bytes:
        return build("cold", pipeline.Warm(options))

    first = build("warm")
    article = book / "articles" / "b.yaml"
    text = article.read_text("utf-8")
    article.write_text(text.replace("三十三年", "三十四年"), "utf-8")
    rendered: list[str] = []
    original = pipeline.paginate.PartSetter.render

    def counting(self, html, start, css="", verso=False):
        rendered.append(html)
        return original(self, html, start, css, verso)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline.paginate.PartSetter, "render", counting)
        edited = build("warm", changed=[article])
    assert rendered and all("三十四年" in html for html in rendered)  # that article only
    assert edited == cold() != first
    tokens = styles_copy / "tokens.css"
    tokens.write_text(tokens.read_text("utf-8").replace("#9e1b20", "#1f4e79"), "utf-8")
    restyled = build("warm", changed=[tokens])
    assert restyled == cold() != edited
    tokens.write_text((PROJECT / "styles" / "tokens.css").read_text("utf-8"), "utf-8")
    article.write_text(text, "utf-8")
    assert build("warm", changed=[tokens, article]) == first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--editor", "code -g {file}:{line}"], "--editor opens sources from the preview"),
        (["--watch", "--editor", "vim {file}"], "--editor opens sources from the preview"),
        (["--serve", "--editor", "code -g"], "--editor needs {file}"),
    ],
)
def test_editor_needs_the_preview_and_a_file(build_cli, make_book, args, message):
    status, out, err = build_cli("--book", make_book(), *args)
    assert status == 2 and out == ""
    assert message in err and err.rstrip().endswith("[usage.options]")
