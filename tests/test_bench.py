"""The benchmark's own logic: fixture books, statistics, processes, the result file. No timings
are asserted (machines are noisy) and the benchmark itself is not run here (too slow)."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from booklet import pipeline
from booklet.content.validate import read_book
from booklet.problems import BuildFailed
from tools.bench import bench

from .conftest import MINIMAL_BOOK
from .fixtures.books import make_fixture


def ids(book) -> list[str]:
    return [a.id for a in book.articles] + [s.id for a in book.articles for s in a.sections]


def test_fixture_repeats_the_articles_with_unique_ids(tmp_path):
    original, _ = read_book(bench.BOOK)
    fixture = make_fixture(bench.BOOK, tmp_path / "x3", 3)
    book, _ = read_book(fixture)  # raises BuildFailed on duplicate ids or bad YAML
    assert len(book.articles) == 3 * len(original.articles)
    assert len(set(ids(book))) == len(ids(book)) == 3 * len(ids(original))
    assert [a.title for a in book.articles] == [a.title for a in original.articles] * 3
    assert [p.text for a in book.articles for p in a.paragraphs()] == [
        p.text for a in original.articles for p in a.paragraphs()
    ] * 3
    # the same book otherwise
    assert (book.title, book.slug, book.date, book.page) == (
        original.title,
        original.slug,
        original.date,
        original.page,
    )


def test_fixture_once_is_the_book_itself(tmp_path):
    original, _ = read_book(bench.BOOK)
    book, _ = read_book(make_fixture(bench.BOOK, tmp_path / "x1", 1))
    assert ids(book) == ids(original)


def test_fixture_renames_explicit_section_ids(make_book, tmp_path):
    article = """\
        id: a
        title: 文章
        sections:
          - id: part-one
            heading: 第一节
            body:
              - 第一段。
          - heading: 第二节
            body:
              - 第二段。
        """
    root = make_book(book=MINIMAL_BOOK, articles={"a.yaml": article})
    book, _ = read_book(make_fixture(root, tmp_path / "x3", 3))
    assert ids(book) == [
        *("a", "a-r2", "a-r3"),
        *("part-one", "a-2", "part-one-r2", "a-r2-2", "part-one-r3", "a-r3-2"),
    ]


def test_fixture_refuses_zero(tmp_path):
    with pytest.raises(ValueError):
        make_fixture(bench.BOOK, tmp_path / "x0", 0)


def test_fixture_at_twice_the_content_builds_more_pages(make_book_module, tmp_path):
    def build(times: int):
        fixture = make_fixture(make_book_module, tmp_path / f"x{times}", times)
        try:
            return pipeline.build(pipeline.Options(book=fixture, out=tmp_path / f"out{times}"))
        except BuildFailed as failed:  # show the problems, not just the exception
            pytest.fail("\n".join(map(str, failed.problems)))

    once, twice = build(1), build(2)
    assert len(twice.book.articles) == 2 * len(once.book.articles)
    assert twice.pages > once.pages and twice.pages % 4 == 0


def test_summarize():
    assert bench.summarize([3.0, 1.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0, "runs": 3}
    assert bench.summarize([1.0, 2.0, 4.0, 10.0])["median"] == 3.0
    with pytest.raises(ValueError):
        bench.summarize([])


def test_ratio_of_medians_and_range_of_paired_ratios():
    found = bench.ratio([2.0, 4.0, 3.0], [1.0, 4.0, 2.0])
    assert found["median"] == pytest.approx(3.0 / 2.0)
    assert (found["min"], found["max"], found["runs"]) == (1.0, 2.0, 3)
    with pytest.raises(ValueError):
        bench.ratio([1.0], [1.0, 2.0])


def test_stage_summary_keeps_the_pipeline_order():
    reports = [
        {"import": 0.5, "timings": {"load": 0.1, "layout": 1.0}},
        {"import": 0.7, "timings": {"load": 0.3, "layout": 2.0, "proof": 1.0}},
    ]
    stages = bench.stage_summary(reports)
    assert list(stages) == ["import", "load", "layout", "proof"]
    assert stages["import"]["median"] == pytest.approx(0.6)
    assert stages["proof"] == {"median": 1.0, "min": 1.0, "max": 1.0, "runs": 1}


def test_render_options_become_weasyprint_flags():
    options = {"pdf_tags": True, "dpi": 150, "optimize_images": True, "full_fonts": False}
    assert bench.cli_flags(options) == ["--pdf-tags", "--dpi", "150", "--optimize-images"]


def test_scales_option():
    assert bench.scales("16,4") == [1, 4, 16]  # x1, the baseline, always included
    assert bench.scales("1,4,4") == [1, 4]
    for bad in ("a,b", "0,4", ""):
        with pytest.raises(Exception, match="whole numbers"):
            bench.scales(bad)


def test_import_costs_add_up_per_package():
    text = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:      1000 |       1000 |     pypdf._utils\n"
        "import time:      2000 |       3000 |   pypdf\n"
        "import time:       500 |        500 |   yaml\n"
    )
    assert bench.import_costs(text) == {"pypdf": 3.0, "yaml": 0.5}


def test_package_of():
    assert bench.package_of("/x/lib/python3.11/site-packages/pypdf/_writer.py") == "pypdf"
    assert (
        bench.package_of(str(bench.PROJECT / "booklet" / "typeset" / "cjk.py"))
        == "booklet (this project)"
    )
    assert bench.package_of("~") == "built-ins (C)"


def test_process_time_memory_and_failure():
    done = bench.run_process([sys.executable, "-c", "print('hi')"])
    assert done.stdout.strip() == "hi"
    assert done.seconds > 0 and done.cpu_seconds > 0 and done.peak_mb > 1
    with pytest.raises(bench.BenchError, match="exited 3"):
        bench.run_process([sys.executable, "-c", "import sys; sys.exit(3)"])


def test_processes_run_together_each_with_its_own_measures():
    code = "import sys, time; time.sleep(0.1); print(sys.argv[1])"
    wall, done = bench.run_together([[sys.executable, "-c", code, str(n)] for n in (1, 2)])
    assert [p.stdout.strip() for p in done] == ["1", "2"]
    assert wall == max(p.seconds for p in done)


def test_parallel_needs_an_even_scale(tmp_path, capsys):
    argv = ["--parallel", "--scales", "1,3", "--out", str(tmp_path / "r.json")]
    assert bench.main(argv) == 2
    assert "even" in capsys.readouterr().err


def test_child_reports_timings_as_json(make_book, tmp_path):
    report = bench.run_child(make_book(), tmp_path / "out")
    assert set(report) >= {"import", "build", "timings", "pages", "fitted", "pdf"}
    assert {"load+validate", "layout", "write"} <= set(report["timings"])
    assert report["pages"] % 4 == 0
    assert report["seconds"] > 0 and report["cpu_seconds"] > 0 and report["peak_mb"] > 0


def fake_result() -> dict:
    """A result with the shape run_all produces, from the same helpers, with made-up times."""
    s = bench.summarize
    stages = {"import": s([0.5]), "layout": s([1.0])}

    def child_report(pages: int, seconds: float) -> dict:
        return {
            "import": 0.5,
            "build": seconds - 0.6,
            "timings": {"load+validate": 0.02, "layout": seconds - 1.0},
            "pages": pages,
            "fitted": "28 pages, blank 2 (封二), 27 (封三): articles open on rectos",
            "problems": ["book/a.yaml:1:1: warning: photo missing [content.placeholder]"],
            "seconds": seconds,
            "cpu_seconds": seconds - 0.1,
            "peak_mb": 290.0,
        }

    row = bench.scale_row([child_report(28, 2.0), child_report(28, 2.2)])
    assert row["problem_codes"] == ["content.placeholder"]
    assert list(row["stages"]) == ["import", "load+validate", "layout"]
    return {
        "environment": {"cpus": 2},
        "runs": 2,
        "targets": bench.TARGETS,
        "booklet": {
            "pages": 28,
            "fitted": "28 pages, blank 2 (封二), 27 (封三): articles open on rectos",
            "document_pages": 28,
            "raw_pages": 28,
            "same_pages": True,
            "raw_warnings": [],
            "pipeline": {"seconds": s([2.0, 2.2]), "peak_mb": s([290.0, 291.0])},
            "raw": {"seconds": s([1.8, 1.9]), "peak_mb": s([270.0, 271.0])},
            "raw_same_options": {
                "seconds": s([1.8, 1.9]),
                "peak_mb": s([270.0, 271.0]),
                "flags": ["--pdf-tags"],
            },
            "pipeline_over_raw": bench.ratio([2.0, 2.2], [1.8, 1.9]),
            "pipeline_over_raw_same_options": bench.ratio([2.0, 2.2], [1.8, 1.9]),
            "pipeline_over_raw_cpu": bench.ratio([1.9, 2.0], [1.7, 1.8]),
        },
        "scaling": {
            "scales": {"1": row, "4": {**row, "pages": 84}},
            "largest": 4,
            "per_page_growth": 0.7,
            "build_per_page_growth": 0.9,
            "cpu_per_page_growth": 0.8,
            "largest_peak_mb": 320.0,
        },
        "typeset": {
            "on": s([2.0]),
            "off": s([1.8]),
            "typeset_over_plain": bench.ratio([2.0], [1.8]),
            "typeset_over_plain_cpu": bench.ratio([1.9], [1.8]),
            "on_stages": stages,
            "off_stages": stages,
            "stage_cost": {"import": 0.0, "layout": 0.1},
        },
        "stages": stages,
    }


def test_result_file_shape_and_table(tmp_path):
    result = fake_result()
    result["verdicts"] = bench.verdicts(result)
    assert result["verdicts"] == {
        "pipeline_over_raw": True,
        "same_pages": True,
        "per_page_growth": True,
        "peak_mb": True,
        "typeset_over_plain": True,
    }
    text = bench.table(result)
    assert "pipeline/raw" in text and "x4" in text and "typesetting" in text
    path = bench.write_json(tmp_path / "results" / "latest.json", result)
    assert json.loads(path.read_text("utf-8")) == json.loads(json.dumps(result))
    assert [p.name for p in path.parent.iterdir()] == ["latest.json"]  # no temporary left


def test_main_refuses_a_folder_without_a_book(tmp_path, capsys):
    assert bench.main(["--book", str(tmp_path), "--out", str(tmp_path / "r.json")]) == 2
    assert "no book.yaml" in capsys.readouterr().err


def test_warm_child_rebuilds_after_one_character_edits_and_restores_the_text(
    tmp_path, make_book_module
):
    book = tmp_path / "book"
    shutil.copytree(make_book_module, book)
    first = sorted((book / "articles").glob("*.yaml"))[0]
    before = first.read_text("utf-8")
    report = tmp_path / "warm.json"
    assert bench.warm_child(report, book, tmp_path / "out", 2) == 0
    seconds = json.loads(report.read_text("utf-8"))["rebuild_seconds"]
    assert len(seconds) == 2 and all(s > 0 for s in seconds)
    assert first.read_text("utf-8") == before


def test_one_character_edits_flip_the_character_before_the_first_full_stop():
    text = "id: a\nbody:\n  - 第一段正文。第二句。\n"
    first, second = bench.one_character_edit(text, 0), bench.one_character_edit(text, 1)
    assert first == text.replace("文。", "一。", 1) and second == text
    assert bench.one_character_edit("一。", 0) == "一。"  # already 一: left as it is
    assert bench.edit_line(text) == 3


def test_the_latency_view_is_the_page_of_the_edited_item():
    boxes = {
        6: [{"file": "articles/a.yaml", "line": 2, "kind": "article"}],
        7: [
            {"file": "articles/a.yaml", "line": 2, "kind": "article"},
            {"file": "articles/a.yaml", "line": 12, "kind": "p"},
            {"file": "articles/a.yaml", "line": 12, "kind": "line"},
        ],
        8: [{"file": "articles/a.yaml", "line": 15, "kind": "p"}],
        9: [{"file": "articles/b.yaml", "line": 13, "kind": "p"}],
    }
    assert bench.view_of(boxes, "articles/a.yaml", 13) == 7  # the paragraph starting at 12
    assert bench.view_of(boxes, "articles/a.yaml", 15) == 8
    with pytest.raises(bench.BenchError):
        bench.view_of(boxes, "articles/c.yaml", 3)
    assert bench.latency(100.0, 100_750.0) == pytest.approx(0.75)


def test_the_editor_loop_alone_has_its_own_table_and_verdicts():
    s = bench.summarize
    result = {
        "runs": 2,
        "cold": {"seconds": s([2.0, 2.2]), "runs_seconds": [2.0, 2.2]},
        "warm": {
            "seconds": s([0.25, 0.35]),
            "warm_over_cold": bench.ratio([0.25, 0.35], [2.0, 2.2]),
        },
        "latency": {
            "seconds": s([0.8, 1.4]),
            "warm_build_seconds": s([0.3, 0.4]),
            "view": 7,
            "viewport": [1400, 900],
        },
    }
    result["verdicts"] = bench.verdicts(result)
    # warm/cold 0.3 / 2.1 = 0.143 ≤ 0.15; the latency's median 1.1 s misses 1 s.
    assert result["verdicts"] == {
        "warm_seconds": True,
        "warm_over_cold": True,
        "save_to_visible_seconds": False,
    }
    text = bench.table(result)
    assert "cold build.py 2.10 s [2.00–2.20]" in text
    assert "warm/cold 0.14 × [0.12–0.16]" in text
    assert "save to visible" in text and "1.10 s [0.80–1.40]" in text and "MISSED" in text
