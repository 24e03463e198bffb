"""The engine boundary: one version gate, a scoped hook that fires on a real build and always
gives the engine its functions back, and no engine internals used outside booklet/engine/."""

from __future__ import annotations

import ast
import hashlib
import re
from collections import Counter
from pathlib import Path

import pydyf
import pytest
import weasyprint

from booklet import engine, pipeline
from booklet.engine import gate, hook, justify

from .conftest import PROJECT

# The engine's internals: only booklet/engine/ may import these.
PRIVATE = (
    "weasyprint.layout",
    "weasyprint.draw",
    "weasyprint.pdf",
    "weasyprint.text.ffi",
    "weasyprint.text.line_break",
    "weasyprint.formatting_structure",
    "pydyf",
)


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_no_module_outside_the_engine_imports_its_internals():
    sources = [*(PROJECT / "booklet").rglob("*.py"), PROJECT / "build.py"]
    sources += (PROJECT / "tools").rglob("*.py")
    outside = [p for p in sources if not p.is_relative_to(PROJECT / "booklet" / "engine")]
    assert len(outside) > 30
    offending = {
        str(path.relative_to(PROJECT)): sorted(
            name
            for name in imported_modules(path)
            if any(name == p or name.startswith(p + ".") for p in PRIVATE)
        )
        for path in outside
    }
    assert {path: names for path, names in offending.items() if names} == {}


def test_private_names_of_the_engine_are_not_touched_outside_it():
    """Besides imports: none of the engine attributes booklet/engine reads on the engine's
    objects (the page box, its page type, the subsetter's handle) is read elsewhere."""
    pattern = re.compile(r"\._page_box|\.page_type\b|harfbuzz_subset")
    sources = [*(PROJECT / "booklet").rglob("*.py"), *(PROJECT / "tools").rglob("*.py")]
    found = [
        f"{path.relative_to(PROJECT)}:{number}"
        for path in [*sources, PROJECT / "build.py"]
        if not path.is_relative_to(PROJECT / "booklet" / "engine")
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []


def test_the_gate_accepts_the_pinned_engine():
    assert gate.problems() == []
    engine.check()
    assert weasyprint.__version__ == engine.ENGINE_VERSION


@pytest.fixture
def fresh_gate():
    """The gate's verdict is remembered per process: forget it for this test and after."""
    gate.check.cache_clear()
    yield
    gate.check.cache_clear()


def test_the_gate_fails_loudly_when_a_patched_function_is_missing(monkeypatch, fresh_gate):
    from weasyprint.layout import inline

    monkeypatch.delattr(inline, "justify_line")
    with pytest.raises(
        engine.EngineMismatch, match=r"weasyprint\.layout\.inline\.justify_line is missing"
    ):
        engine.check()
    with pytest.raises(engine.EngineMismatch, match=r"install the versions pyproject\.toml pins"):
        engine.check()


def test_the_gate_fails_loudly_when_a_signature_changes(monkeypatch, fresh_gate):
    from weasyprint.draw import text

    monkeypatch.setattr(text, "draw_first_line", lambda stream, textbox, matrix: None)
    monkeypatch.setitem(
        gate.originals_table(), ("weasyprint.draw.text", "draw_first_line"), text.draw_first_line
    )
    with pytest.raises(
        engine.EngineMismatch, match=r"draw_first_line takes \(stream, textbox, matrix\)"
    ):
        engine.check()


@pytest.mark.parametrize(
    ("module", "version", "message"),
    [
        (weasyprint, "71.0", r"WeasyPrint 71\.0 is installed, not 70\.0"),
        (pydyf, "0.14.0", r"pydyf 0\.14\.0 is installed, not 0\.13\.0"),
    ],
)
def test_the_gate_fails_loudly_on_another_version(
    monkeypatch, fresh_gate, module, version, message
):
    monkeypatch.setattr(module, "__version__", version)
    with pytest.raises(engine.EngineMismatch, match=message):
        engine.check()


def test_the_pipeline_stops_at_the_gate_before_reading_anything(monkeypatch, fresh_gate, tmp_path):
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(engine.EngineMismatch):
        pipeline.build(pipeline.Options(book=tmp_path / "nothing", out=tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_every_replacement_fires_on_a_real_build_and_is_undone_after(
    make_book_module, tmp_path, monkeypatch
):
    calls: Counter = Counter()
    monkeypatch.setattr(hook, "counting", calls)
    fetched = []
    fetch = engine.FolderFetcher.fetch
    monkeypatch.setattr(
        engine.FolderFetcher,
        "fetch",
        lambda self, url, *a: fetched.append(url) or fetch(self, url, *a),
    )
    result = pipeline.build(pipeline.Options(book=make_book_module, out=tmp_path / "out"))
    assert set(calls) == {*justify.REPLACEMENTS, "Font.subset", "Page.paint", "get_hb_object_data"}
    assert not any(engine.installed().values())  # the engine as it comes, after the build
    assert any(url.endswith("/styles/tokens.css") for url in fetched)  # through the fetcher
    # The write override: no object streams, and the file identifier is the file's digest.
    pdf = result.reader
    assert b"/ObjStm" not in pdf
    identifier = re.search(rb"/ID \[<([0-9a-f]{32})> <\1>\]", pdf)
    assert identifier
    body = pdf.replace(b"\n/ID [<" + identifier[1] + b"> <" + identifier[1] + b">]", b"")
    assert hashlib.md5(body, usedforsecurity=False).hexdigest().encode() == identifier[1]


def test_a_build_without_typesetting_leaves_an_outer_hook_in_place(make_book_module, tmp_path):
    with engine.hooked(typeset=True):
        pipeline.build(
            pipeline.Options(book=make_book_module, out=tmp_path / "plain", typeset=False)
        )
        assert engine.installed()["justify_line"]  # the outer block's hook is back
    assert not engine.installed()["justify_line"]


def test_a_font_subset_is_reused_by_a_warm_rebuild(make_book_module, tmp_path):
    options = pipeline.Options(book=make_book_module, out=tmp_path / "out")
    warm = pipeline.Warm(options)
    first = pipeline.build(options, warm=warm)
    assert warm.subsets.reused == 0
    second = pipeline.build(options, warm=warm)
    assert warm.subsets.reused > 0 and second.reader == first.reader
