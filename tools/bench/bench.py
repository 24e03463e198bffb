"""Measure the build: cold build against raw WeasyPrint, stage times, peak memory, scaling;
and the editor's loop: warm rebuilds against a cold build, and the save-to-visible latency
of the preview in a real headless browser.

Every measurement is a fresh process, run after a warm-up, reported as median and range.
Internal mode ``--child REPORT`` runs ``pipeline.build`` once and writes its timings as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve()
sys.path.insert(0, str(PROJECT))  # the generated books come from the tests' fixtures
from tests.fixtures.books import make_fixture  # noqa: E402

BOOK = PROJECT / "book"
RESULTS = PROJECT / "bench" / "results" / "latest.json"
PYTHON = sys.executable

# The targets this benchmark reports against (never asserted: machines are noisy).
TARGETS = {
    "pipeline_over_raw": 1.25,  # cold build.py ≤ 1.25 × raw WeasyPrint on the same HTML
    "per_page_growth": 1.2,  # time per page at the largest scale ≤ 1.2 × at ×1
    "peak_mb": 1024.0,  # peak memory at the largest scale < 1 GB
    "typeset_over_plain": 1.15,  # typesetting pass on ≤ 1.15 × off
    "parallel_speedup": 1.5,  # two processes against one, largest scale
    "warm_seconds": 0.5,  # a rebuild in the watch loop after a one-character edit
    "warm_over_cold": 0.15,  # … and at most 0.15 × a cold build
    "save_to_visible_seconds": 1.0,  # a one-character save until its page shows in the preview
}
LATENCY_VIEWPORT = (1400, 900)  # the browser window of the latency measurement, CSS px

Progress = Callable[[str], None]


class BenchError(RuntimeError):
    pass


# ---------------------------------------------------------------- statistics


def summarize(values: Sequence[float]) -> dict[str, float | int]:
    """Median and range of a series of measurements."""
    if not values:
        raise ValueError("no measurements")
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": len(values),
    }


def ratio(numerator: Sequence[float], denominator: Sequence[float]) -> dict[str, float | int]:
    """Ratio of the medians, and the range of the ratios of runs made side by side."""
    pairs = [a / b for a, b in zip(numerator, denominator, strict=True)]
    return {
        "median": statistics.median(numerator) / statistics.median(denominator),
        "min": min(pairs),
        "max": max(pairs),
        "runs": len(pairs),
    }


def stage_summary(reports: Sequence[dict]) -> dict[str, dict]:
    """Per-stage statistics over child reports, in the order the pipeline ran the stages;
    "import" is the import of booklet.pipeline (WeasyPrint included) before build()."""
    names: list[str] = ["import"]
    for report in reports:
        names += [name for name in report["timings"] if name not in names]
    stages = {}
    for name in names:
        values = [r["import"] if name == "import" else r["timings"].get(name) for r in reports]
        values = [v for v in values if v is not None]
        if values:
            stages[name] = summarize(values)
    return stages


# ---------------------------------------------------------------- processes


@dataclass(frozen=True)
class Process:
    seconds: float  # wall time of the whole process
    cpu_seconds: float  # its user + system CPU time: less disturbed by other load
    peak_mb: float  # its maximum resident set size
    stdout: str
    stderr: str


RSS_UNIT = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux


def run_together(commands: Sequence[Sequence[str]], cwd: Path = PROJECT) -> tuple[float, list]:
    """Start the processes at once and wait for all: the wall time until the last one ends,
    and each one's own wall time, CPU time and peak memory (os.wait4: that child's rusage)."""
    with tempfile.TemporaryDirectory(prefix="bench-io-") as io_dir, ExitStack() as files:
        started = []
        start = time.perf_counter()
        for number, command in enumerate(commands):
            out = files.enter_context(open(Path(io_dir) / f"{number}.out", "w+b"))
            err = files.enter_context(open(Path(io_dir) / f"{number}.err", "w+b"))
            process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err)
            started.append((command, process, out, err))
        ended: dict[int, tuple[float, int, object]] = {}
        while len(ended) < len(started):  # poll, so each one's end time is its own
            for _, process, _, _ in started:
                if process.pid not in ended:
                    pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                    if pid:
                        ended[pid] = (time.perf_counter() - start, status, usage)
            time.sleep(0.002)
        wall = max(seconds for seconds, _, _ in ended.values())
        finished, failures = [], []
        for command, process, out, err in started:
            seconds, status, usage = ended[process.pid]
            process.returncode = os.waitstatus_to_exitcode(status)
            texts = []
            for handle in (out, err):
                handle.seek(0)
                texts.append(handle.read().decode("utf-8", "replace"))
            if process.returncode != 0:
                tail = "\n".join(texts[1].strip().splitlines()[-15:])
                failures.append(
                    f"{' '.join(map(str, command))} exited {process.returncode}:\n{tail}"
                )
            cpu = usage.ru_utime + usage.ru_stime
            finished.append(Process(seconds, cpu, usage.ru_maxrss * RSS_UNIT / 2**20, *texts))
    if failures:
        raise BenchError("\n".join(failures))
    return wall, finished


def run_process(command: Sequence[str], cwd: Path = PROJECT) -> Process:
    """Run one process to its end: its wall time, peak memory and output."""
    return run_together([command], cwd)[1][0]


def build_command(book: Path, out: Path, *extra: str) -> list[str]:
    return [
        PYTHON,
        str(PROJECT / "build.py"),
        "--quiet",
        "--book",
        str(book),
        "--out",
        str(out),
        *extra,
    ]


def raw_command(html: Path, pdf: Path, flags: Sequence[str] = ()) -> list[str]:
    return [PYTHON, "-m", "weasyprint", *flags, str(html), str(pdf)]


def cli_flags(options: dict) -> list[str]:
    """WeasyPrint render() options as flags of its command: pdf_tags=True → --pdf-tags."""
    flags = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            flags.append(flag)
        elif value not in (False, None):
            flags += [flag, str(value)]
    return flags


def child_command(book: Path, out: Path, report: Path, *, typeset=True, html=False) -> list[str]:
    command = [PYTHON, str(SCRIPT), "--child", str(report), "--book", str(book)]
    command += ["--out", str(out)]
    return command + (["--no-typeset"] if not typeset else []) + (["--html"] if html else [])


def read_child(report: Path, done: Process) -> dict:
    data = json.loads(report.read_text("utf-8"))
    return {
        **data,
        "seconds": done.seconds,
        "cpu_seconds": done.cpu_seconds,
        "peak_mb": done.peak_mb,
    }


def run_child(book: Path, out: Path, *, typeset=True, html=False) -> dict:
    """pipeline.build in a fresh process: its report, plus whole-process time and peak memory."""
    report = out / "child.json"
    done = run_process(child_command(book, out, report, typeset=typeset, html=html))
    return read_child(report, done)


def child(report: Path, book: Path, out: Path, typeset: bool, html: bool) -> int:
    """The in-process side: import the pipeline, build once, write the timings as JSON."""
    start = time.perf_counter()
    from booklet import pipeline, profiles
    from booklet.problems import BuildFailed

    imported = time.perf_counter()
    options = pipeline.Options(book=book, out=out, typeset=typeset, html=html)
    try:
        result = pipeline.build(options)
    except BuildFailed as failed:
        for problem in failed.problems:
            print(problem, file=sys.stderr)
        return 1
    done = time.perf_counter()
    data = {
        "import": imported - start,
        "build": done - imported,
        "timings": result.timings,
        "pages": result.pages,
        "fitted": result.fitted,
        "pdf": str(result.reader_path),
        "render_options": profiles.LAYOUTS[profiles.PROFILES[options.profile].layout],
        "problems": [str(p) for p in result.problems],
    }
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return 0


def edited_article(book: Path) -> Path:
    """The article the one-character edits go to: the book's first, by file name."""
    return book / "articles" / sorted(p.name for p in (book / "articles").glob("*.yaml"))[0]


def one_character_edit(text: str, number: int) -> str:
    """Edit ``number`` of a text: the character before its first full stop flips between
    "一" and what it was (even edits change it, odd ones put it back)."""
    mark = text.index("。")
    original = text[mark - 1]
    changed = "一" if number % 2 == 0 and original != "一" else original
    return text[: mark - 1] + changed + text[mark:]


def edit_line(text: str) -> int:
    """The YAML line the one-character edits change."""
    return text[: text.index("。")].count("\n") + 1


def warm_child(report: Path, book: Path, out: Path, runs: int) -> int:
    """The watch loop's work, in one process: build, then edit one character and rebuild."""
    import gc

    from booklet import pipeline

    options = pipeline.Options(book=book, out=out)
    warm = pipeline.Warm(options)
    pipeline.build(options, warm=warm)  # the first build loads fonts and templates
    gc.freeze()
    article = edited_article(book)
    text = article.read_text("utf-8")
    seconds = []
    for number in range(runs):
        article.write_text(one_character_edit(text, number), "utf-8")
        start = time.perf_counter()
        gc.disable()
        warm.changed([article])  # as the watch loop tells it
        pipeline.build(options, warm=warm)
        seconds.append(time.perf_counter() - start)
        gc.enable()
        gc.collect()
    article.write_text(text, "utf-8")
    report.write_text(json.dumps({"rebuild_seconds": seconds}), "utf-8")
    return 0


def measure_warm(book: Path, work: Path, runs: int, cold: Sequence[float], say: Progress) -> dict:
    say("warm rebuilds in one process")
    copy = work / "book"
    shutil.copytree(book, copy)
    report = work / "warm.json"
    done = run_process(
        [
            sys.executable,
            str(SCRIPT),
            "--warm-child",
            str(report),
            "--runs",
            str(runs),
            "--book",
            str(copy),
            "--out",
            str(work / "out"),
        ]
    )
    seconds = read_child(report, done)["rebuild_seconds"]
    return {
        "seconds": summarize(seconds),
        "warm_over_cold": ratio(seconds, cold),
    }


# ---------------------------------------------------------------- the editor's loop

BUILT_LINE = re.compile(r" built .* in ([0-9.]+) s: ")


def measure_cold(book: Path, work: Path, runs: int, say: Progress) -> list[float]:
    """Cold build.py processes (after a warm-up): what a warm rebuild is compared with."""
    say("cold build.py: warm-up")
    run_process(build_command(book, work / "cold"))
    seconds = []
    for number in range(1, runs + 1):
        say(f"cold build.py: run {number}/{runs}")
        seconds.append(run_process(build_command(book, work / "cold")).seconds)
    return seconds


def latency(saved_at: float, shown_ms: float) -> float:
    """Seconds from a save (time.time()) to the browser's paint after it (Date.now(), ms):
    the browser and this process read the same clock."""
    return shown_ms / 1000 - saved_at


def view_of(boxes_by_view: dict[int, list[dict]], file: str, line: int) -> int:
    """The preview's view that shows the element of ``file`` starting nearest before
    ``line`` (the YAML item the edit is in)."""
    best = None
    for view, boxes in sorted(boxes_by_view.items()):
        for box in boxes:
            fits = box["file"] == file and box["line"] <= line and box["kind"] != "line"
            if fits and (best is None or box["line"] > best[0]):
                best = (box["line"], view)
    if best is None:
        raise BenchError(f"no page shows {file}:{line}")
    return best[1]


def measure_latency(book: Path, work: Path, runs: int, say: Progress) -> dict:
    """Save to visible: ``build.py --serve`` on a copy of the book, its page in headless
    Chromium (tests/chromium.py), the page holding the edit in view; each run saves a
    one-character edit and waits until the browser has painted that page's new image.
    Between runs the server is left to finish (typography report included)."""
    import json as _json
    import urllib.request

    from tests.chromium import Browser, NoChromium, chromium

    copy = work / "book"
    shutil.copytree(book, copy)
    article = edited_article(copy)
    text = article.read_text("utf-8")
    command = [PYTHON, str(PROJECT / "build.py"), "--serve", "--port", "0"]
    command += ["--book", str(copy), "--out", str(work / "out")]
    server = subprocess.Popen(
        command,
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(t.rstrip() for t in server.stdout))
    reader.daemon = True
    reader.start()
    browser = None
    try:
        deadline = time.monotonic() + 60
        url = None
        while url is None:
            if time.monotonic() > deadline or server.poll() is not None:
                raise BenchError("the preview did not start:\n" + "\n".join(lines[-10:]))
            url = next((t.split(" ", 1)[1] for t in list(lines) if t.startswith("Preview: ")), None)
            time.sleep(0.05)
        try:
            browser = Browser(chromium(), work / "chromium-profile", work / "chromium.log")
        except NoChromium as missing:
            raise BenchError(str(missing)) from None
        tab = browser.new_tab(*LATENCY_VIEWPORT)
        say("latency: the first build")
        tab.navigate(url)
        tab.wait_for("!!document.querySelector('img.page')", 90, "the first build")

        def get(path: str):
            request = urllib.request.Request(
                url.rstrip("/") + path, headers={"X-Booklet": "preview"}
            )
            with urllib.request.urlopen(request, timeout=20) as response:
                return _json.loads(response.read())

        views = get("/state.json")["views"]
        boxes = {v["n"]: get(f"/map/{v['n']}")["boxes"] for v in views}
        shown = view_of(boxes, f"articles/{article.name}", edit_line(text))
        tab.evaluate(f"document.querySelector('#navigator button[data-view=\"{shown}\"]').click()")
        seconds, builds = [], []
        for number in range(runs + 1):  # the first is a warm-up
            idle = (
                "(() => { const d = window.booklet.ui.data; return d && !d.building &&"
                f" d.typography_done && window.booklet.shown[{shown}] &&"
                f" !window.booklet.views.get({shown}).loading; }})()"
            )
            tab.wait_for(idle, 60, "the preview at rest")
            time.sleep(0.3)
            before = tab.evaluate(f"window.booklet.shown[{shown}].digest")
            built = len([t for t in lines if BUILT_LINE.search(t)])
            saved = time.time()
            article.write_text(one_character_edit(text, number), "utf-8")
            painted = tab.wait_for(
                f"(() => {{ const s = window.booklet.shown[{shown}];"
                f" return s.digest !== {_json.dumps(before)} && s.painted; }})()",
                60,
                "the edited page",
            )
            if number:
                say(f"latency: run {number}/{runs}")
                seconds.append(latency(saved, painted))
                done = [t for t in lines if BUILT_LINE.search(t)][built:]
                if done:
                    builds.append(float(BUILT_LINE.search(done[0])[1]))
        article.write_text(text, "utf-8")
        return {
            "seconds": summarize(seconds),
            "runs_seconds": seconds,
            "warm_build_seconds": summarize(builds) if builds else None,
            "view": shown,
            "viewport": list(LATENCY_VIEWPORT),
        }
    finally:
        if browser is not None:
            browser.close()
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)


# ---------------------------------------------------------------- measurements


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def measure_booklet(book: Path, work: Path, runs: int, say: Progress) -> dict:
    """Cold build.py against raw WeasyPrint on the HTML the pipeline produced, side by side.

    Raw is timed twice: the plain command, and with the render options the pipeline
    passes (e.g. --pdf-tags), so the pipeline's own overhead can be told from its choices.
    """
    reference = run_child(book, work / "reference", html=True)
    slug = Path(reference["pdf"]).stem
    html = work / "reference" / f"{slug}.html"
    flags = cli_flags(reference["render_options"])
    raw_pdf, same_pdf = work / "raw" / "plain.pdf", work / "raw" / "same-options.pdf"
    raw_pdf.parent.mkdir(parents=True)
    say("booklet: warm-up")
    run_process(build_command(book, work / "cold"))
    first_raw = run_process(raw_command(html, raw_pdf))
    run_process(raw_command(html, same_pdf, flags))
    raw_pages = pdf_pages(raw_pdf)
    built, raw, same = [], [], []
    for number in range(1, runs + 1):
        say(f"booklet: run {number}/{runs}")
        built.append(run_process(build_command(book, work / "cold")))
        raw.append(run_process(raw_command(html, raw_pdf)))
        same.append(run_process(raw_command(html, same_pdf, flags)))

    def timed(processes: list[Process]) -> dict:
        return {
            "seconds": summarize([p.seconds for p in processes]),
            "cpu_seconds": summarize([p.cpu_seconds for p in processes]),
            "peak_mb": summarize([p.peak_mb for p in processes]),
        }

    seconds = [p.seconds for p in built]
    cpu = [p.cpu_seconds for p in built]
    return {
        "pages": reference["pages"],
        "fitted": reference["fitted"],
        "document_pages": reference["pages"],  # the --html holds every page, blanks too
        "raw_pages": raw_pages,
        "same_pages": raw_pages == reference["pages"],
        "raw_warnings": [line for line in first_raw.stderr.splitlines() if line.strip()],
        "pipeline": timed(built),
        "pipeline_runs": seconds,
        "raw": timed(raw),
        "raw_same_options": {**timed(same), "flags": flags},
        "pipeline_over_raw": ratio(seconds, [p.seconds for p in raw]),
        "pipeline_over_raw_same_options": ratio(seconds, [p.seconds for p in same]),
        "pipeline_over_raw_cpu": ratio(cpu, [p.cpu_seconds for p in raw]),
    }


def scale_row(reports: Sequence[dict]) -> dict:
    pages = reports[0]["pages"]
    seconds = [r["seconds"] for r in reports]
    builds = [r["build"] for r in reports]
    cpu = [r["cpu_seconds"] for r in reports]
    problems = reports[0]["problems"]
    return {
        "pages": pages,
        "seconds": summarize(seconds),
        "cpu_seconds": summarize(cpu),
        "build_seconds": summarize(builds),
        "ms_per_page": summarize([1000 * s / pages for s in seconds]),
        "build_ms_per_page": summarize([1000 * s / pages for s in builds]),
        "cpu_ms_per_page": summarize([1000 * s / pages for s in cpu]),
        "peak_mb": summarize([r["peak_mb"] for r in reports]),
        "stages": stage_summary(reports),
        "problems": len(problems),
        "problem_codes": sorted({p.rsplit("[", 1)[-1].rstrip("]") for p in problems}),
    }


def measure_scaling(book: Path, work: Path, scales: Sequence[int], runs: int, say: Progress):
    """The book with its articles repeated: time, memory and time per page for each scale."""
    rows = {}
    for times in scales:
        fixture = make_fixture(book, work / f"book-x{times}", times)
        out = work / f"out-x{times}"
        if times == scales[0]:
            say(f"x{times}: warm-up")
            run_child(fixture, out)
        reports = []
        for number in range(1, runs + 1):
            say(f"x{times}: run {number}/{runs}")
            reports.append(run_child(fixture, out))
        rows[str(times)] = scale_row(reports)
    base, top = rows[str(scales[0])], rows[str(scales[-1])]
    return {
        "scales": rows,
        "largest": scales[-1],
        "per_page_growth": top["ms_per_page"]["median"] / base["ms_per_page"]["median"],
        "build_per_page_growth": top["build_ms_per_page"]["median"]
        / base["build_ms_per_page"]["median"],
        "cpu_per_page_growth": top["cpu_ms_per_page"]["median"] / base["cpu_ms_per_page"]["median"],
        "largest_peak_mb": top["peak_mb"]["max"],
    }


def measure_typeset(book: Path, work: Path, runs: int, say: Progress) -> dict:
    """Cold build.py with the typesetting pass on and off, side by side; the stage split
    from pipeline.build run in children the same way."""
    say("typeset: warm-up")
    run_process(build_command(book, work / "off", "--no-typeset"))
    on, off, on_reports, off_reports = [], [], [], []
    for number in range(1, runs + 1):
        say(f"typeset: run {number}/{runs}")
        on.append(run_process(build_command(book, work / "on")))
        off.append(run_process(build_command(book, work / "off", "--no-typeset")))
        on_reports.append(run_child(book, work / "on-child"))
        off_reports.append(run_child(book, work / "off-child", typeset=False))
    on_stages, off_stages = stage_summary(on_reports), stage_summary(off_reports)
    return {
        "on": summarize([p.seconds for p in on]),
        "off": summarize([p.seconds for p in off]),
        "typeset_over_plain": ratio([p.seconds for p in on], [p.seconds for p in off]),
        "typeset_over_plain_cpu": ratio([p.cpu_seconds for p in on], [p.cpu_seconds for p in off]),
        "on_stages": on_stages,
        "off_stages": off_stages,
        "stage_cost": {
            name: on_stages[name]["median"] - off_stages[name]["median"]
            for name in on_stages
            if name in off_stages
        },
    }


def merge_pdfs(paths: Sequence[Path]) -> bytes:
    """Concatenate PDFs with their outlines, as a parallel build would have to."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for path in paths:
        writer.append(path)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def measure_parallel(book: Path, work: Path, times: int, runs: int, say: Progress) -> dict:
    """Experiment: the ×times book built whole in one process, against two processes that
    each build half the articles (×times/2, at once, on two cores) plus a pypdf merge.

    Each half carries the front and back matter again (cover, title page, TOC, colophon),
    and nothing fixes page numbers, TOC or links across halves: the halves are a lower
    bound on the work a real split would do, so the speedup is an upper bound.

    An exact split must know each article's first page before laying it out, which the
    pages of the articles before it decide: the halves would lay out twice, once to count
    pages and once for real. ``exact_speedup_at_most`` bounds that scheme from the whole
    build's own stage times, with both passes split perfectly over two cores and no merge
    cost but the measured one.
    """
    if times < 2 or times % 2:
        raise BenchError("the parallel experiment needs an even largest scale, e.g. 16")
    whole = make_fixture(book, work / "whole", times)
    halves = [make_fixture(book, work / f"half-{n}", times // 2) for n in (1, 2)]
    outs = [work / f"half-{n}-out" for n in (1, 2)]
    reports = [out / "child.json" for out in outs]
    commands = [
        child_command(half, out, report)
        for half, out, report in zip(halves, outs, reports, strict=True)
    ]
    say("parallel: warm-up")
    run_together(commands)
    single, single_cpu, pair, merge, half_builds, half_cpu = [], [], [], [], [], []
    exact = []
    for number in range(1, runs + 1):
        say(f"parallel: run {number}/{runs}")
        whole_report = run_child(whole, work / "whole-out")
        single.append(whole_report["seconds"])
        stages = whole_report["timings"]
        layout, write = stages["layout"], stages["write"]
        rest = whole_report["seconds"] - layout - write  # start, import, the other stages
        single_cpu.append(whole_report["cpu_seconds"])
        wall, done = run_together(commands)
        pair.append(wall)
        half = [read_child(r, d) for r, d in zip(reports, done, strict=True)]
        half_builds += [h["seconds"] for h in half]
        half_cpu.append(sum(h["cpu_seconds"] for h in half))
        start = time.perf_counter()
        merged = merge_pdfs([Path(h["pdf"]) for h in half])
        merge.append(time.perf_counter() - start)
        exact.append(rest + layout / 2 + (layout + write) / 2 + merge[-1])
    total = [p + m for p, m in zip(pair, merge, strict=True)]
    return {
        "scale": times,
        "cpus": os.cpu_count(),
        "single_seconds": summarize(single),
        "two_halves_seconds": summarize(pair),
        "half_seconds_each": summarize(half_builds),
        "single_cpu_seconds": summarize(single_cpu),
        "two_halves_cpu_seconds": summarize(half_cpu),
        "merge_seconds": summarize(merge),
        "merged_mb": len(merged) / 2**20,
        "speedup": ratio(single, total),
        "exact_speedup_at_most": ratio(single, exact),
        # with two otherwise idle cores: each half takes half the halves' CPU time
        "speedup_if_cores_idle": statistics.median(single_cpu)
        / (statistics.median(half_cpu) / 2 + statistics.median(merge)),
    }


def environment() -> dict:
    from importlib.metadata import version

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=PROJECT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "weasyprint": version("weasyprint"),
        "pypdf": version("pypdf"),
        "machine": platform.machine(),
        "system": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "bytecode_cache": not os.environ.get("PYTHONDONTWRITEBYTECODE"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain")),
    }


# ---------------------------------------------------------------- profile


IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def import_costs(stderr: str) -> dict[str, float]:
    """`python -X importtime` output → milliseconds of import per top-level package
    (each module's own time added to its root package)."""
    costs: dict[str, float] = {}
    for own, _cumulative, _indent, module in IMPORT_LINE.findall(stderr):
        root = module.split(".")[0]
        costs[root] = costs.get(root, 0.0) + int(own) / 1000
    return dict(sorted(costs.items(), key=lambda item: -item[1]))


def package_of(filename: str) -> str:
    """Where a profiled function lives: a site-packages package, this project, or the rest."""
    found = re.search(r"site-packages/([^/]+)/", filename)
    if found:
        return found.group(1)
    if filename.startswith(str(PROJECT)):
        return "booklet (this project)"
    if filename == "~":
        return "built-ins (C)"
    return "stdlib"


def profile_costs(stats_file: Path, top: int = 15) -> dict:
    """cProfile statistics → own time per package, and the project's costliest functions."""
    import pstats

    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    packages: dict[str, float] = {}
    ours = []
    for (filename, line, name), (_cc, _calls, own, cumulative, _callers) in stats.items():
        package = package_of(filename)
        packages[package] = packages.get(package, 0.0) + own
        if package == "booklet (this project)":
            where = f"{Path(filename).relative_to(PROJECT)}:{line} {name}"
            ours.append({"function": where, "own_s": own, "cumulative_s": cumulative})
    ours.sort(key=lambda f: -f["cumulative_s"])
    return {
        "own_seconds_by_package": dict(sorted(packages.items(), key=lambda item: -item[1])),
        "project_functions_by_cumulative": ours[:top],
    }


def measure_profile(book: Path, work: Path, runs: int, say: Progress) -> dict:
    """What the cold build spends beyond WeasyPrint: import costs (-X importtime, median
    per package) and one cProfile run (own time per package, the project's functions)."""
    imports: dict[str, list[float]] = {}
    for number in range(1, runs + 1):
        say(f"profile: importtime {number}/{runs}")
        done = run_process([PYTHON, "-X", "importtime", *build_command(book, work / "it")[1:]])
        for package, ms in import_costs(done.stderr).items():
            imports.setdefault(package, []).append(ms)
    say("profile: cProfile")
    stats = work / "build.prof"
    run_process([PYTHON, "-m", "cProfile", "-o", str(stats), *build_command(book, work / "cp")[1:]])
    medians = {package: statistics.median(values) for package, values in imports.items()}
    return {
        "import_ms_by_package": dict(sorted(medians.items(), key=lambda item: -item[1])[:15]),
        "cprofile": profile_costs(stats),
    }


# ---------------------------------------------------------------- the whole run


def run_all(args: argparse.Namespace, say: Progress) -> dict:
    work = Path(tempfile.mkdtemp(prefix="booklet-bench-"))
    try:
        result = {"environment": environment(), "runs": args.runs, "targets": TARGETS}
        if args.editor_loop:  # the editor's loop alone
            cold = measure_cold(args.book, work / "cold", args.runs, say)
            result["cold"] = {"seconds": summarize(cold), "runs_seconds": cold}
            result["warm"] = measure_warm(args.book, work / "warm", args.runs, cold, say)
            result["latency"] = measure_latency(args.book, work / "latency", args.runs, say)
            result["environment"]["load_average_after"] = os.getloadavg()
            result["verdicts"] = verdicts(result)
            return result
        result["booklet"] = measure_booklet(args.book, work / "booklet", args.runs, say)
        result["scaling"] = measure_scaling(
            args.book, work / "scaling", args.scales, args.runs, say
        )
        if args.warm:
            cold = result["booklet"]["pipeline_runs"]
            result["warm"] = measure_warm(args.book, work / "warm", args.runs, cold, say)
        if args.latency:
            result["latency"] = measure_latency(args.book, work / "latency", args.runs, say)
        if args.compare_typeset:
            result["typeset"] = measure_typeset(args.book, work / "typeset", args.runs, say)
        if args.profile:
            result["profile"] = measure_profile(args.book, work / "profile", args.runs, say)
        if args.parallel:
            result["parallel"] = measure_parallel(
                args.book, work / "parallel", args.scales[-1], args.runs, say
            )
        result["environment"]["load_average_after"] = os.getloadavg()
    finally:
        if args.keep:
            say(f"scratch kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    result["stages"] = result["scaling"]["scales"]["1"]["stages"]
    result["verdicts"] = verdicts(result)
    return result


def verdicts(result: dict) -> dict[str, bool]:
    """Each target: met or not on this run."""
    found = {}
    if "booklet" in result:
        found.update(
            {
                "pipeline_over_raw": result["booklet"]["pipeline_over_raw"]["median"]
                <= TARGETS["pipeline_over_raw"],
                "same_pages": result["booklet"]["same_pages"],
                "per_page_growth": result["scaling"]["per_page_growth"]
                <= TARGETS["per_page_growth"],
                "peak_mb": result["scaling"]["largest_peak_mb"] < TARGETS["peak_mb"],
            }
        )
    if "typeset" in result:
        found["typeset_over_plain"] = (
            result["typeset"]["typeset_over_plain"]["median"] <= TARGETS["typeset_over_plain"]
        )
    if "warm" in result:
        found["warm_seconds"] = result["warm"]["seconds"]["median"] <= TARGETS["warm_seconds"]
        found["warm_over_cold"] = (
            result["warm"]["warm_over_cold"]["median"] <= TARGETS["warm_over_cold"]
        )
    if "latency" in result:
        found["save_to_visible_seconds"] = (
            result["latency"]["seconds"]["median"] <= TARGETS["save_to_visible_seconds"]
        )
    if "parallel" in result:
        # What counts is a split with exact page numbers, contents and bookmarks.
        found["parallel_speedup"] = (
            result["parallel"]["exact_speedup_at_most"]["median"] >= TARGETS["parallel_speedup"]
        )
    return found


# ---------------------------------------------------------------- output


def span(stats: dict, unit: str = "s", digits: int = 2) -> str:
    median, low, high = (stats[k] for k in ("median", "min", "max"))
    return f"{median:.{digits}f} {unit} [{low:.{digits}f}–{high:.{digits}f}]"


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def table(result: dict) -> str:
    if "booklet" not in result:
        return "\n".join(editor_lines(result))
    return "\n".join([*booklet_lines(result), *editor_lines(result)[1:]])


def editor_lines(result: dict) -> list[str]:
    """The editor's loop: the cold build it is measured against, warm rebuilds, latency."""
    v = result["verdicts"]
    lines = []
    if "cold" in result:
        lines.append(
            f"editor's loop: median [min–max] of {result['runs']} runs after a warm-up; "
            f"cold build.py {span(result['cold']['seconds'])}"
        )
    else:
        lines.append("")
    if "warm" in result:
        w = result["warm"]
        lines.append(
            f"warm rebuild (watch loop, one-character edit) {span(w['seconds'])}  "
            f"target ≤ {TARGETS['warm_seconds']} s  {mark(v['warm_seconds'])};  "
            f"warm/cold {span(w['warm_over_cold'], '×')}  target ≤ {TARGETS['warm_over_cold']}  "
            f"{mark(v['warm_over_cold'])}"
        )
    if "latency" in result:
        lat = result["latency"]
        builds = lat.get("warm_build_seconds")
        lines.append(
            f"save to visible (--serve, headless Chromium {lat['viewport'][0]}×"
            f"{lat['viewport'][1]}, page {lat['view']}) {span(lat['seconds'])}  target ≤ "
            f"{TARGETS['save_to_visible_seconds']} s  {mark(v['save_to_visible_seconds'])}"
            + (f"  (of it the warm build {span(builds)})" if builds else "")
        )
    return lines


def booklet_lines(result: dict) -> list[str]:
    b, s, v = result["booklet"], result["scaling"], result["verdicts"]
    same = b["raw_same_options"]
    lines = [
        f"booklet: {b['fitted']}; median [min–max] of {result['runs']} runs after a warm-up",
        f"  cold build.py        {span(b['pipeline']['seconds'])}   "
        f"peak {span(b['pipeline']['peak_mb'], 'MB', 0)}",
        f"  raw weasyprint       {span(b['raw']['seconds'])}   "
        f"peak {span(b['raw']['peak_mb'], 'MB', 0)}",
        f"  raw, same options    {span(same['seconds'])}   ({' '.join(same['flags']) or 'none'})",
        f"  pipeline/raw         {span(b['pipeline_over_raw'], '×')}   "
        f"target ≤ {TARGETS['pipeline_over_raw']}  {mark(v['pipeline_over_raw'])}"
        f"   (same options {b['pipeline_over_raw_same_options']['median']:.2f}×, "
        f"CPU time {b['pipeline_over_raw_cpu']['median']:.2f}×)",
        f"  page count           pipeline {b['document_pages']}, raw {b['raw_pages']}  "
        f"{mark(v['same_pages'])}",
        "stages, x1, fresh process, median s: "
        + "  ".join(f"{name} {st['median']:.3f}" for name, st in result["stages"].items()),
        "scale   pages  whole process        pipeline.build       ms/page (process / build)  "
        "peak MB",
    ]
    for times, row in s["scales"].items():
        per_page = f"{row['ms_per_page']['median']:.1f} / {row['build_ms_per_page']['median']:.1f}"
        lines.append(
            f"  x{times:<4} {row['pages']:>5}  {span(row['seconds']):<20} "
            f"{span(row['build_seconds']):<20} {per_page:<26} {row['peak_mb']['max']:.0f}"
        )
    lines.append(
        f"  per page x{s['largest']}/x1: process {s['per_page_growth']:.2f}×, build "
        f"{s['build_per_page_growth']:.2f}×, CPU {s['cpu_per_page_growth']:.2f}×  target ≤ {TARGETS['per_page_growth']}  "
        f"{mark(v['per_page_growth'])};  peak {s['largest_peak_mb']:.0f} MB, target < 1024  "
        f"{mark(v['peak_mb'])}"
    )
    if "typeset" in result:
        t = result["typeset"]
        lines.append(
            f"typesetting on {span(t['on'])}, off {span(t['off'])}: "
            f"{span(t['typeset_over_plain'], '×')}  target ≤ {TARGETS['typeset_over_plain']}  "
            f"{mark(v['typeset_over_plain'])}  (CPU time {t['typeset_over_plain_cpu']['median']:.2f}×)"
        )
        lines.append(
            "  stage cost on − off, median s: "
            + "  ".join(f"{name} {cost:+.3f}" for name, cost in t["stage_cost"].items())
        )
    if "profile" in result:
        imports = result["profile"]["import_ms_by_package"]
        own = result["profile"]["cprofile"]["own_seconds_by_package"]
        lines.append(
            "imports, median ms: "
            + "  ".join(f"{k} {ms:.0f}" for k, ms in list(imports.items())[:8])
        )
        lines.append(
            "cProfile own time, s: " + "  ".join(f"{k} {t:.2f}" for k, t in list(own.items())[:8])
        )
    if "parallel" in result:
        p = result["parallel"]
        lines.append(
            f"parallel x{p['scale']}: one process {span(p['single_seconds'])}, two halves at "
            f"once {span(p['two_halves_seconds'])} + merge {span(p['merge_seconds'])}: "
            f"{span(p['speedup'], '×')} (no page numbers, contents or links across halves)"
        )
        lines.append(
            f"  exact split (count pages, then lay out for real): at most "
            f"{span(p['exact_speedup_at_most'], '×')}  target ≥ {TARGETS['parallel_speedup']}  "
            f"{mark(v['parallel_speedup'])}"
        )
        lines.append(
            f"  CPU: one process {p['single_cpu_seconds']['median']:.2f} s, two halves "
            f"{p['two_halves_cpu_seconds']['median']:.2f} s in all; speedup on idle cores "
            f"≤ {p['speedup_if_cores_idle']:.2f}×"
        )
    return lines


def write_json(path: Path, data: dict) -> Path:
    """Write beside the target and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a result file is not
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------- command line


def scales(text: str) -> list[int]:
    try:
        values = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError("scales are whole numbers, e.g. 1,4,16") from None
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError("scales are whole numbers ≥ 1, e.g. 1,4,16")
    return values if values[0] == 1 else [1, *values]  # x1 is the baseline


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="./run bench",
        description="Benchmark the booklet build: cold build against raw WeasyPrint, stage "
        "times, peak memory, and scaling with the articles repeated. Prints a table and "
        "writes the numbers as JSON.",
    )
    p.add_argument("--runs", type=int, default=5, metavar="N", help="runs per measurement (5)")
    p.add_argument(
        "--scales",
        type=scales,
        default=[1, 4, 16],
        metavar="LIST",
        help="the articles repeated this many times (default 1,4,16; x1 always included)",
    )
    p.add_argument("--quick", action="store_true", help="a fast check: --runs 3 --scales 1,4")
    p.add_argument(
        "--compare-typeset",
        action="store_true",
        help="also time the cold build with --no-typeset against the default",
    )
    p.add_argument(
        "--warm",
        action="store_true",
        help="also time rebuilds in one warm process after a one-character edit (the watch loop)",
    )
    p.add_argument(
        "--latency",
        action="store_true",
        help="also time a one-character save until its page shows in the preview "
        "(build.py --serve in headless Chromium)",
    )
    p.add_argument(
        "--editor-loop",
        action="store_true",
        help="only the editor's loop: cold build.py, warm rebuilds (warm/cold) and the "
        "save-to-visible latency",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="also profile the cold build: import times and cProfile own time per package",
    )
    p.add_argument(
        "--parallel",
        action="store_true",
        help="also try two processes on half the articles each, at the largest scale",
    )
    p.add_argument("--book", type=Path, default=BOOK, metavar="DIR", help="the book (book/)")
    p.add_argument(
        "--out",
        type=Path,
        default=RESULTS,
        metavar="FILE",
        help="result file (default: bench/results/latest.json)",
    )
    p.add_argument("--keep", action="store_true", help="keep the scratch folder")
    p.add_argument("--child", type=Path, metavar="REPORT", help=argparse.SUPPRESS)
    p.add_argument("--warm-child", type=Path, metavar="REPORT", help=argparse.SUPPRESS)
    p.add_argument("--no-typeset", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--html", action="store_true", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.book = args.book.resolve()
    if args.child:
        return child(args.child, args.book, args.out, not args.no_typeset, args.html)
    if args.warm_child:
        return warm_child(args.warm_child, args.book, args.out, args.runs)
    if args.quick:
        args.runs, args.scales = 3, [1, 4]
    if args.runs < 1:
        print("./run bench: error: --runs must be at least 1", file=sys.stderr)
        return 2
    if not (args.book / "book.yaml").is_file():
        print(f"./run bench: error: no book.yaml in {args.book}", file=sys.stderr)
        return 2
    if args.parallel and args.scales[-1] % 2:
        print("./run bench: error: --parallel needs an even largest scale", file=sys.stderr)
        return 2

    def say(message: str) -> None:
        print(f"  … {message}", file=sys.stderr, flush=True)

    try:
        result = run_all(args, say)
    except BenchError as failed:
        print(f"./run bench: error: {failed}", file=sys.stderr)
        return 1
    print(table(result))
    print(f"written: {write_json(args.out, result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
