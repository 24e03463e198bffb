"""The preview server: its routes and binding, and the page driven in headless Chromium
(tests/chromium.py: the DevTools protocol over a pipe, nothing downloaded). Without
Chromium the browser test fails, it does not skip."""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from pypdf import PdfReader

from booklet.editor import serve, watch
from booklet.editor.live import Preview
from booklet.pipeline import PROJECT, Options
from booklet.problems import Where, error
from tests.chromium import Browser, NoChromium, chromium
from tests.test_watch import Lines

HEADER = {"X-Booklet": "preview"}


def request(
    url: str,
    path: str,
    method: str = "GET",
    host: str | None = None,
    headers: dict | None = None,
    body: bytes | None = None,
) -> tuple[int, dict, bytes]:
    """One request with the path sent as given (no normalisation of '..')."""
    address = re.match(r"http://([^/:]+):(\d+)/", url)
    connection = http.client.HTTPConnection(address[1], int(address[2]), timeout=20)
    try:
        connection.putrequest(method, path, skip_host=host is not None)
        if host is not None:
            connection.putheader("Host", host)
        for key, value in (headers or {}).items():
            connection.putheader(key, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def state_of(url: str, profile: str = "") -> dict:
    query = f"?profile={profile}" if profile else ""
    status, _, body = request(url, f"/state.json{query}", headers=HEADER)
    assert status == 200, body
    return json.loads(body)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def yaml_place(path: Path, phrase: str) -> tuple[int, int]:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if phrase in line:
            return number, line.index(line.lstrip(" -")[0]) + 1
    raise AssertionError(phrase)


RECORDER = textwrap.dedent(
    """\
    import os, sys
    # Whole or not at all: the test reads the file as soon as it exists.
    with open(sys.argv[1] + ".part", "w", encoding="utf-8") as out:
        out.write(" ".join(sys.argv[2:]) + "\\n")
    os.replace(sys.argv[1] + ".part", sys.argv[1])
    """
)


def editor_template(tmp_path: Path) -> tuple[str, Path]:
    """An --editor command that records what it was asked to open."""
    script, record = tmp_path / "recorder.py", tmp_path / "opened.txt"
    script.write_text(RECORDER, "utf-8")
    return f"{sys.executable} {script} {record} {{file}} {{line}} {{col}}", record


# -- the server on a real build, without a browser ---------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory, make_book_module):
    """The small two-article book built by the watch loop's Rebuilder and served."""
    root = tmp_path_factory.mktemp("served")
    book = root / "book"
    shutil.copytree(make_book_module, book)
    preview = Preview(typography=False)
    options = Options(book=book, out=root / "dist")
    rebuild = watch.Rebuilder(options, preview, err=io.StringIO())
    rebuild.cwd = root
    assert rebuild()
    running = serve.start(preview, 0)
    try:
        yield preview, running.url, rebuild, book
    finally:
        running.stop()


def test_the_server_binds_to_loopback_only():
    for host in ("0.0.0.0", "::", "192.168.1.10", "localhost", "example.org"):
        with pytest.raises(ValueError, match="loopback"):
            serve.PreviewServer(Preview(typography=False), 0, host)
    running = serve.start(Preview(typography=False), 0)
    try:
        assert running.server.server_address[0] == "127.0.0.1"
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", running.url)
    finally:
        running.stop()


def test_the_state_lists_every_page_with_its_label_and_boxes(built):
    preview, url, _rebuild, _book = built
    state = state_of(url)
    pdf = pypdf.PdfReader(io.BytesIO(preview.pdf()))
    assert state["profile"] == "screen" and not state["sheets"]
    assert [v["label"] for v in state["views"]] == [
        pdf.page_labels[i] for i in range(len(pdf.pages))
    ]
    assert [v["label"] for v in state["views"]][:3] == ["封面", "封二", "3"]
    view = state["views"][2]
    assert view["size"] == [round(float(pdf.pages[2].mediabox.width), 2), 595.28]
    slot = view["slots"][0]
    assert slot["area"] and slot["pitch"] > 0  # type area and line grid of a text page
    assert {p["name"] for p in state["profiles"]} >= {"screen", "print", "imposed", "proof"}
    assert [p["name"] for p in state["profiles"] if p["built"]] == ["screen"]
    assert request(url, "/state.json")[0] == 403  # only the page itself asks (it may build)


def test_map_n_lists_each_box_with_its_file_line_and_column(built):
    _preview, url, _rebuild, book = built
    line, col = yaml_place(book / "articles" / "b.yaml", "第一段正文")
    state = state_of(url)
    found = []
    for view in state["views"]:
        status, headers, body = request(url, f"/map/{view['n']}")
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        page = json.loads(body)
        assert page["units"].startswith("pt")
        found += [(view["n"], b) for b in page["boxes"] if b["text"].startswith("第一段正文")]
    lines = [(n, b) for n, b in found if b["kind"] == "line"]
    # The two articles of the book say the same: one line in each, at the same YAML place.
    assert {(b["file"], b["line"], b["col"]) for _, b in lines} == {
        (f"articles/{name}.yaml", line, col) for name in "ab"
    }
    assert all(0 <= b["rect"][0] < b["rect"][2] <= 420 for _, b in found)
    assert request(url, "/map/999")[0] == 404
    assert request(url, "/map/1?profile=imposed")[0] == 404  # not built


def test_page_images_are_rendered_once_per_digest_and_width(built):
    preview, url, _rebuild, _book = built
    view = state_of(url)["views"][2]
    path = f"/page/screen/3.png?d={view['digest']}&w=320"
    status, headers, png = request(url, path)
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert "immutable" in headers["Cache-Control"]
    with Image.open(io.BytesIO(png)) as image:
        assert image.width == 320 and abs(image.height - 320 * 595.28 / 419.53) <= 1
    renders = preview.images.renders
    assert request(url, path)[2] == png and preview.images.renders == renders
    with Image.open(io.BytesIO(request(url, path.replace("w=320", "w=640"))[2])) as image:
        assert image.width == 640 and preview.images.renders == renders + 1
    assert request(url, path.replace(view["digest"], "0" * 24))[0] == 404  # no such image
    assert request(url, path.replace("w=320", "w=321"))[0] == 404  # in steps of 16 px
    assert request(url, "/page/screen/3.png")[0] == 400
    assert request(url, "/page/screen/999.png?d=abcdef0123&w=320")[0] == 404


def test_after_a_rebuild_the_changed_pages_are_rendered_before_they_are_asked_for(built):
    preview, url, rebuild, book = built
    views = state_of(url)["views"]
    for view in views:  # the page has shown every page at 160 px
        assert request(url, f"/page/screen/{view['n']}.png?d={view['digest']}&w=160")[0] == 200
    renders = preview.images.renders
    article = book / "articles" / "a.yaml"
    text = article.read_text("utf-8")
    try:
        article.write_text(text.replace("第二段正文", "第二段新文"), "utf-8")
        assert rebuild({article})
        after = state_of(url)["views"]
        changed = [v for v, old in zip(after, views, strict=True) if v["digest"] != old["digest"]]
        assert changed and [v["change"] for v in changed] == ["changed"] * len(changed)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(
            preview.images.has((v["digest"], 160)) for v in changed
        ):
            time.sleep(0.05)
        assert all(preview.images.has((v["digest"], 160)) for v in changed)
        time.sleep(0.3)
        # Only the changed pages, once at each of the last two sizes shown (160 and 640 px).
        rendered = preview.images.renders - renders
        assert rendered == 2 * len(changed), (rendered, len(changed))
        for view in changed:
            assert request(url, f"/page/screen/{view['n']}.png?d={view['digest']}&w=160")[0] == 200
        assert preview.images.renders - renders == rendered
    finally:
        article.write_text(text, "utf-8")
        assert rebuild({article})


def test_a_failed_builds_errors_point_at_the_last_good_pages(built):
    """An error at an article's own place (its title field) shows on the article's head,
    on the last good pages, while the build has failed."""
    _preview, url, rebuild, book = built
    article = book / "articles" / "a.yaml"
    text = article.read_text("utf-8")
    try:
        article.write_text(text.replace("title:", "titel:", 1), "utf-8")
        assert not rebuild({article})
        state = state_of(url)
        assert state["failed"] and state["views"]  # the last good pages, still shown
        [problem] = [p for p in state["problems"] if p["code"] == "content.unknown-field"]
        title = next(
            v
            for v in state["views"]
            if any(
                b["text"].startswith("第a篇") and b["file"] == "articles/a.yaml"
                for b in json.loads(request(url, f"/map/{v['n']}")[2])["boxes"]
            )
        )
        assert {view for view, _ in problem["places"]} == {title["n"]}
    finally:
        article.write_text(text, "utf-8")
        assert rebuild({article})


def test_the_source_of_a_box_is_served_and_nothing_else(built):
    _preview, url, _rebuild, book = built
    line, col = yaml_place(book / "articles" / "b.yaml", "第一段正文")
    status, _, body = request(url, f"/source?file=articles/b.yaml&line={line}&col={col}")
    excerpt = json.loads(body)
    assert status == 200 and excerpt["path"] == "book/articles/b.yaml"
    assert excerpt["lines"][0] == [
        line,
        (book / "articles" / "b.yaml").read_text().splitlines()[line - 1],
    ]
    for path in (
        "/source?file=../../../etc/passwd&line=1&col=1",
        "/source?file=book.yaml&line=1&col=1",  # not a file the pages came from
        "/source?file=articles/b.yaml&line=9999&col=1",
        "/../book/book.yaml",
        "/%2e%2e/book/book.yaml",
        "//etc/passwd",
        "/page/1.png/../../../pyproject.toml",
        "/pyproject.toml",
        "/index.html",
        "/page/",
        "/events/../booklet.pdf",
    ):
        assert request(url, path)[0] == 404, path
    assert request(url, "/", method="PUT")[0] == 501
    assert request(url, "/booklet.pdf", host="evil.example:80")[0] == 403
    assert request(url, "/", host="localhost")[0] == 200


def test_open_runs_the_editor_command_for_the_page_only(built, tmp_path):
    preview, url, _rebuild, book = built
    template, record = editor_template(tmp_path)
    ask = json.dumps({"file": "articles/b.yaml", "line": 12, "col": 7}).encode()
    same_origin = {**HEADER, "Origin": url.rstrip("/"), "Content-Type": "application/json"}
    preview.editor = ""
    assert json.loads(request(url, "/open", "POST", headers=same_origin, body=ask)[2]) == {
        "ok": False,
        "error": "no --editor was given",
    }
    preview.editor = template
    try:
        assert request(url, "/open", "POST", body=ask)[0] == 403  # no header: not the page
        other = {**same_origin, "Origin": "http://evil.example"}
        assert request(url, "/open", "POST", headers=other, body=ask)[0] == 403
        outside = json.dumps({"file": "../x.yaml", "line": 1, "col": 1}).encode()
        assert request(url, "/open", "POST", headers=same_origin, body=outside)[0] == 404
        status, _, body = request(url, "/open", "POST", headers=same_origin, body=ask)
        assert status == 200 and json.loads(body)["ok"]
        deadline = time.monotonic() + 10
        while not record.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert record.read_text().split() == [str(book / "articles" / "b.yaml"), "12", "7"]
    finally:
        preview.editor = ""


def test_editor_templates_fill_each_word_without_a_shell():
    command = serve.editor_command("code -g {file}:{line}:{col}", Path("/b/a b;.yaml"), 3, 4)
    assert command == ["code", "-g", "/b/a b;.yaml:3:4"]
    assert serve.editor_command("vim +{line}", Path("/x.yaml"), 9, 1) == ["vim", "+9", "/x.yaml"]


def test_the_page_is_a_template_that_escapes_its_title():
    running = serve.start(Preview(typography=False), 0)
    try:
        page = request(running.url, "/")[2].decode()
        assert '<script src="/page.js"></script>' in page
        status, headers, script = request(running.url, "/page.js")
        assert status == 200 and headers["Content-Type"].startswith("text/javascript")
        assert b"EventSource" in script
        assert "script-src 'self'" in headers["Content-Security-Policy"]
    finally:
        running.stop()
    assert "&lt;script&gt;" in serve.page_html(serve.State(title="<script>x</script>"))


def test_events_announce_every_change():
    preview = Preview(typography=False)
    running = serve.start(preview, 0)
    port = int(running.url.rsplit(":", 1)[1].strip("/"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/events")
        response = connection.getresponse()
        assert response.headers["Content-Type"].startswith("text/event-stream")

        def next_event() -> dict:
            data = None
            while True:
                line = response.fp.readline().decode().rstrip("\n")
                if line.startswith("data: "):
                    data = json.loads(line[6:])
                elif line == "" and data is not None:
                    return data

        assert next_event()["version"] == 0
        preview.building()
        assert next_event()["building"] is True
        problem = error(Where("book/a.yaml", 2, 1), "content.unknown-field", "unknown field")
        preview.failed([problem], 0.1)
        event = next_event()
        assert event["failed"] and event["problems"] == [str(problem)] and event["build"] == 0
    finally:
        connection.close()
        running.stop()


def test_a_profile_the_build_did_not_make_is_built_on_demand(built):
    preview, url, rebuild, _book = built
    assert state_of(url, "imposed")["pending"] == "imposed" and preview.wake.is_set()
    rebuild.woken()  # what the watch loop does when woken
    state = state_of(url, "imposed")
    assert state["pending"] == "" and state["sheets"]
    labels = PdfReader(rebuild.result.reader_path).page_labels  # the reader's pages
    assert labels[0] == "封面" and labels[-1] == "封底"
    assert [v["label"] for v in state["views"]][:2] == [
        f"sheet 1 front: {labels[-1]} | {labels[0]}",
        f"sheet 1 back: {labels[1]} | {labels[-2]}",
    ]
    # Each side holds the pages booklet_order puts there, at the halves of its trim.
    front = state["views"][0]
    left, right = front["slots"]
    assert (left["page"], right["page"]) == (len(state_of(url)["views"]), 1)
    assert right["x"] - left["x"] == pytest.approx(left["size"][0], abs=0.05)
    assert request(url, "/map/1?profile=imposed")[0] == 200
    preview.show("screen")


def test_a_profile_that_cannot_be_built_says_why_and_is_not_tried_again(built, monkeypatch):
    from booklet.editor import extra

    preview, url, rebuild, _book = built

    def broken(*args, **kwargs):
        raise ValueError("no sheet holds these pages")

    monkeypatch.setattr(extra, "build", broken)
    try:
        assert state_of(url, "proof")["pending"] == "proof"
        rebuild.woken()
        state = state_of(url, "proof")
        assert state["pending"] == ""
        assert (
            state["unbuilt"] == "the proof profile could not be built: no sheet holds these pages"
        )
        preview.wake.clear()
        state_of(url, "proof")
        assert not preview.wake.is_set()  # not again until the next build
    finally:
        preview.show("screen")


def test_a_busy_port_is_a_usage_error(make_book, tmp_path, capsys):
    running = serve.start(Preview(typography=False), 0)
    try:
        port = running.server.server_address[1]
        options = Options(book=make_book(), out=tmp_path / "dist")
        assert watch.main(options, serve=True, port=port, quiet=False) == 2
        assert "[usage.port]" in capsys.readouterr().err
    finally:
        running.stop()


# -- Chromium over the DevTools protocol ----------------------------------------------------------

STATE_JS = (
    "(() => { const s = document.getElementById('state'); return {...s.dataset, "
    "failed: s.classList.contains('failed'), text: s.textContent}; })()"
)
PROBLEMS_JS = """[...document.querySelectorAll('#problems li')].map(li => ({
  severity: li.className.split(' ')[0], code: li.dataset.code, text: li.textContent,
  color: getComputedStyle(li).color}))"""
# Any page image not fully there while the page changes: what a blank in between would be.
WATCH_BLANKS_JS = """(() => {
  window.blanks = [];
  const check = () => {
    for (const frame of document.querySelectorAll('.frame:not(.blank)')) {
      const img = frame.querySelector('img.page');
      if (frame.dataset.had && (!img || !img.complete || !img.naturalWidth))
        window.blanks.push(frame.parentNode.dataset.view);
      if (img && !frame.dataset.had) frame.dataset.had = '1';
    }
  };
  check();
  new MutationObserver(check).observe(document.getElementById('views'),
    {subtree: true, childList: true, attributes: true});
})()"""


def wait_for_build(tab, after: int, what: str) -> dict:
    """The page's state once it shows a good build attempted after attempt number `after`."""
    state = tab.wait_for(
        f"(() => {{ const s = {STATE_JS};"
        f" return s.building === 'false' && Number(s.attempt) > {after} && s; }})()",
        45,
        what,
    )
    if state["failed"]:
        problems = tab.evaluate("document.getElementById('problems').textContent")
        raise AssertionError(f"{what} failed: {problems}")
    return state


def view_box(tab, n: int) -> dict:
    return tab.evaluate(
        f"(() => {{ const r = document.querySelector('.view[data-view=\"{n}\"] .frame')"
        ".getBoundingClientRect(); return {left: r.left, top: r.top, width: r.width, "
        "height: r.height}; })()"
    )


def find_line(url: str, views: list[dict], phrase: str) -> tuple[int, dict]:
    for view in views:
        page = json.loads(request(url, f"/map/{view['n']}")[2])
        for box in page["boxes"]:
            if box["kind"] == "line" and box["text"].startswith(phrase):
                return view["n"], box
    raise AssertionError(phrase)


def pages_of(url: str, views: list[dict], file: str) -> set[int]:
    found = set()
    for view in views:
        page = json.loads(request(url, f"/map/{view['n']}")[2])
        if any(box["file"] == file for box in page["boxes"]):
            found.add(view["n"])
    return found


def test_preview_page_in_chromium(tmp_path):
    try:
        binary = chromium()
    except NoChromium as missing:
        pytest.fail(str(missing), pytrace=False)
    book = tmp_path / "book"
    shutil.copytree(PROJECT / "book", book)
    article = book / "articles" / "01-feature.yaml"
    original = article.read_text(encoding="utf-8")
    phrase, edited = "山海情长，未来可期。", "山海情长，前程似锦。"
    assert original.count(phrase) == 1 and "前程似锦" not in original
    line, col = yaml_place(article, phrase)
    template, record = editor_template(tmp_path)
    server = subprocess.Popen(
        [
            *(sys.executable, str(PROJECT / "build.py"), "--serve", "--port", "0"),
            *("--book", str(book), "--out", str(tmp_path / "dist"), "--editor", template),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
    )
    browser = None
    shots = Path(os.environ.get("BOOKLET_PREVIEW_SCREENSHOTS", tmp_path))
    try:
        output = Lines(server.stdout)
        browser = Browser(binary, tmp_path / "chromium-profile", tmp_path / "chromium.log")
        found = output.lines[output.wait_for(lambda text: text.startswith("Preview: "), 30)]
        url = found.split(" ", 1)[1]
        tab = browser.new_tab(1400, 900, scale=2)
        tab.navigate(url)
        tab.evaluate("localStorage.clear()")

        # The first build arrives by itself (server-sent events), as spreads with labels.
        first = tab.wait_for(
            "document.querySelector('img.page') ? 'built' : "
            "(document.querySelector('#problems li.error') || {}).textContent",
            60,
            "the first build",
        )
        assert first == "built", f"the first build failed: {first}"
        pdf = pypdf.PdfReader(io.BytesIO(request(url, "/booklet.pdf")[2]))
        labels = tab.evaluate(
            "[...document.querySelectorAll('.view:not(.empty) .number')].map(n => n.textContent)"
        )
        assert labels == [pdf.page_labels[i] for i in range(len(pdf.pages))]
        assert labels[:3] == ["封面", "封二", "3"] and labels[-1] == "封底"
        state = state_of(url)
        views = state["views"]

        # Images at the size shown and the device pixel ratio (2 here), not a fixed dpi.
        tab.wait_for("!!document.querySelector('.view[data-view=\"1\"] img.page')", 20, "page 1")
        sizes = tab.evaluate(
            "(() => { const f = document.querySelector('.view[data-view=\"1\"] .frame');"
            " return [f.getBoundingClientRect().width, f.querySelector('img').naturalWidth]; })()"
        )
        assert 0 <= sizes[1] - 2 * sizes[0] < 16, sizes

        # The navigator brings a page into view; a click on a body line shows its source.
        n, box = find_line(url, views, phrase)
        tab.evaluate(f"document.querySelector('#navigator button[data-view=\"{n}\"]').click()")
        tab.wait_for(f"!!document.querySelector('.view[data-view=\"{n}\"] img.page')", 20, "page")
        frame = view_box(tab, n)
        assert 0 <= frame["top"] < 900
        size = views[n - 1]["size"]
        x0, y0, x1, y1 = box["rect"]
        point = (
            frame["left"] + (x0 + x1) / 2 / size[0] * frame["width"],
            frame["top"] + (y0 + y1) / 2 / size[1] * frame["height"],
        )
        tab.click(*point)
        place = f"book/articles/01-feature.yaml:{line}:{col}"
        assert (
            tab.wait_for(
                "(document.getElementById('source-text') || {}).textContent &&"
                " document.getElementById('source-place').textContent",
                15,
                "the source of the line",
            )
            == place
        )
        excerpt = tab.evaluate("document.getElementById('source-text').textContent")
        assert f"{line:4d}  " in excerpt and phrase in excerpt
        tab.evaluate("document.getElementById('open-editor').click()")
        tab.wait_for("document.getElementById('open-editor').textContent === 'opened'", 10)
        deadline = time.monotonic() + 10
        while not record.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert record.read_text().split() == [str(article), str(line), str(col)]

        # Type area and line grid drawn over the page, where the layout put them.
        for name in ("area", "grid", "margins", "trim"):
            tab.evaluate(f"document.querySelector('#toggles input[data-show=\"{name}\"]').click()")
        drawn = tab.evaluate(
            f"(() => {{ const g = document.querySelector('.view[data-view=\"{n}\"] g.area');"
            " const r = g.querySelector('rect'); return {display: getComputedStyle(g).display,"
            " box: ['x', 'y', 'width', 'height'].map(k => Number(r.getAttribute(k))),"
            " lines: document.querySelectorAll"
            f"('.view[data-view=\"{n}\"] g.grid line').length}}; }})()"
        )
        area = views[n - 1]["slots"][0]["area"]
        assert drawn["display"] != "none"
        assert drawn["box"] == pytest.approx(
            [area[0], area[1], area[2] - area[0], area[3] - area[1]]
        )
        pitch = views[n - 1]["slots"][0]["pitch"]
        assert drawn["lines"] == int((area[3] - area[1] - 0.01) / pitch)
        tab.screenshot(shots / "preview-source-and-overlays.png")

        # A problem in the panel shows where it is on the pages.
        problems = tab.evaluate(PROBLEMS_JS)
        assert all(p["severity"] != "error" for p in problems), problems
        placeholder = state["problems"][0]
        assert placeholder["code"] == "preflight.placeholder" and placeholder["places"]
        tab.evaluate("document.querySelector('#problems li.placed').click()")
        target = placeholder["places"][0][0]
        hits = tab.evaluate(
            f"document.querySelectorAll('.view[data-view=\"{target}\"] g.hits rect').length"
        )
        assert hits == sum(1 for v, _ in placeholder["places"] if v == target) > 0

        # A one-paragraph edit: only the article's pages change, and each old image stays
        # until its new one has loaded. (Builds are counted, not numbered in advance.)
        tab.evaluate(
            "document.getElementById('zoom').value = 'small';"
            " document.getElementById('zoom').dispatchEvent(new Event('change'))"
        )
        tab.press("Escape", 27)  # the source panel closes
        tab.evaluate(f"document.querySelector('#navigator button[data-view=\"{n}\"]').click()")
        tab.wait_for(  # the pages near the window, loaded at the small size
            "(() => { const near = [...window.booklet.views.values()].filter(v => v.visible);"
            " return near.length >= 8 && near.every(v => !v.loading &&"
            " v.img && v.img.src.includes(v.data.digest) &&"
            " v.img.naturalWidth === Number(v.img.src.split('&w=')[1])); })()",
            30,
            "the pages near the window at the small size",
        )
        before = {v["n"]: v["digest"] for v in state_of(url)["views"]}
        feature = pages_of(url, views, "articles/01-feature.yaml")
        tab.evaluate(WATCH_BLANKS_JS)
        tab.evaluate(
            "for (const i of document.querySelectorAll('img.page')) i.dataset.before = '1'"
        )
        attempt = int(tab.evaluate(STATE_JS)["attempt"])
        article.write_text(original.replace(phrase, edited), encoding="utf-8")
        state = wait_for_build(tab, attempt, "the rebuild after the edit")
        while "前程似锦" not in pdf_text(request(url, "/booklet.pdf")[2]):
            state = wait_for_build(tab, int(state["attempt"]), "the rebuild after the edit")
        after = {v["n"]: v["digest"] for v in state_of(url)["views"]}
        changed = {n for n in after if after[n] != before.get(n)}
        assert n in changed and changed <= feature, (changed, feature)
        tab.wait_for(
            f"document.querySelector('.view[data-view=\"{n}\"] img.page').dataset.digest"
            f" === {json.dumps(after[n])}",
            20,
            "the edited page's new image",
        )
        time.sleep(0.5)
        replaced = tab.evaluate(
            "[...document.querySelectorAll('img.page')].filter(i => !i.dataset.before)"
            ".map(i => Number(i.dataset.view))"
        )
        assert n in replaced and set(replaced) <= changed  # the others kept their images
        assert tab.evaluate("window.blanks") == []
        marked = tab.evaluate(
            "[...document.querySelectorAll('.view.changed')].map(v => Number(v.dataset.view))"
        )
        assert n in marked and set(marked) <= changed
        tab.screenshot(shots / "preview-after-edit.png")

        # A broken save: its error (file:line:col and code) shows; the last good pages stay.
        lines = original.splitlines(keepends=True)
        title = next(i for i, text in enumerate(lines) if text.startswith("title:")) + 1
        lines[title - 1] = lines[title - 1].replace("title:", "titel:", 1)
        article.write_text("".join(lines), encoding="utf-8")
        tab.wait_for(
            "[...document.querySelectorAll('#problems li.error')]"
            ".some(li => li.textContent.includes(\"unknown field 'titel'\"))",
            30,
            "the error",
        )
        errors = [p for p in tab.evaluate(PROBLEMS_JS) if p["severity"] == "error"]
        where = f"book/articles/01-feature.yaml:{title}:1: error: unknown field 'titel'"
        assert any(where in p["text"] for p in errors), errors
        assert all(p["color"] == "rgb(204, 0, 0)" for p in errors)  # in red
        failed = tab.evaluate(STATE_JS)
        assert failed["failed"] and failed["build"] == state["build"]  # the last good build
        assert tab.evaluate("document.querySelectorAll('img.page').length") == len(views)
        tab.screenshot(shots / "preview-error.png")

        # Fixed: the error goes, the booklet is rebuilt.
        article.write_text(original, encoding="utf-8")
        wait_for_build(tab, int(failed["attempt"]), "the fixed build")
        assert tab.evaluate("document.querySelectorAll('#problems li.error').length") == 0

        # Another profile, built on demand in the running process: the imposed sheets,
        # fronts and backs with the booklet pages each side holds.
        tab.evaluate(
            "document.getElementById('profile').value = 'imposed';"
            " document.getElementById('profile').dispatchEvent(new Event('change'))"
        )
        tab.wait_for(
            "window.booklet.ui.data.profile === 'imposed' && window.booklet.ui.data.views.length"
            ' && !!document.querySelector(\'.view[data-view="1"] img.page[alt^="sheet"]\')',
            60,
            "the imposed sheets",
        )
        sheets = tab.evaluate(
            "[...document.querySelectorAll('.view:not(.empty) .number')].map(n => n.textContent)"
        )
        assert sheets[:2] == ["sheet 1 front: 封底 | 封面", f"sheet 1 back: 封二 | {labels[-2]}"]
        assert len(sheets) == len(views) // 2
        tab.wait_for(
            "[...window.booklet.views.values()].filter(v => v.visible)"
            ".every(v => v.img && v.img.alt.startsWith('sheet') && !v.loading)",
            30,
            "the sheets' images",
        )
        tab.screenshot(shots / "preview-imposed.png")

        # Zoom 100 %: a page as wide as it prints (CSS px), its image re-rendered to match.
        tab.evaluate(
            "document.getElementById('profile').value = 'screen';"
            " document.getElementById('profile').dispatchEvent(new Event('change'))"
        )
        tab.wait_for("window.booklet.ui.data.profile === 'screen'", 20)
        tab.evaluate(
            "document.getElementById('zoom').value = '1';"
            " document.getElementById('zoom').dispatchEvent(new Event('change'))"
        )
        wide = views[0]["size"][0] * 96 / 72
        tab.wait_for(
            "(() => { const i = document.querySelector('.view[data-view=\"1\"] img.page');"
            f" return i && i.naturalWidth >= {2 * wide - 1}; }})()",
            20,
            "page 1 at 100 %",
        )
        assert view_box(tab, 1)["width"] == pytest.approx(wide, abs=0.5)
        assert browser.errors == []

        server.send_signal(signal.SIGINT)
        assert server.wait(15) == 0
        output.thread.join(5)
        assert output.lines[-1] == "Stopped."
        assert not any("Traceback" in text for text in output.lines), output.lines
    finally:
        if browser is not None:
            browser.close()
        if server.poll() is None:
            server.kill()
            server.wait(10)
