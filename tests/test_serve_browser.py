"""The preview server: its routes and binding, and the page driven in headless Chromium.

Chromium (Debian package ``chromium``) is driven over the DevTools protocol through
``--remote-debugging-pipe`` (JSON messages ended by NUL on file descriptors 3 and 4): no
port, no websocket library, nothing downloaded. Without Chromium the browser test fails,
it does not skip.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import http.client
import io
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pypdf
import pytest

from booklet.editor import proof, serve, watch
from booklet.pipeline import PROJECT, Options
from booklet.problems import Where, error, warning
from tests.test_watch import Lines

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
]


def small_pdf(pages: int = 3) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=420, height=595)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def request(
    url: str, path: str, method: str = "GET", host: str | None = None
) -> tuple[int, dict, bytes]:
    """One request with the path sent as given (no normalisation of '..')."""
    address = re.match(r"http://([^/:]+):(\d+)/", url)
    connection = http.client.HTTPConnection(address[1], int(address[2]), timeout=10)
    try:
        connection.putrequest(method, path, skip_host=host is not None)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


# -- the server without a browser ---------------------------------------------------------------


@pytest.fixture
def served():
    preview = serve.Preview()
    running = serve.start(preview, 0)
    try:
        yield preview, running.url
    finally:
        running.stop()


def test_the_server_binds_to_loopback_only():
    for host in ("0.0.0.0", "::", "192.168.1.10", "localhost", "example.org"):
        with pytest.raises(ValueError, match="loopback"):
            serve.PreviewServer(serve.Preview(), 0, host)
    running = serve.start(serve.Preview(), 0)
    try:
        assert running.server.server_address[0] == "127.0.0.1"
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", running.url)
    finally:
        running.stop()


def test_the_server_serves_its_routes_and_nothing_else(served):
    preview, url = served
    status, _, body = request(url, "/")
    assert status == 200 and "No booklet yet" in body.decode()
    assert request(url, "/booklet.pdf")[0] == 404
    assert request(url, "/page/1.png")[0] == 404

    pdf = small_pdf(3)
    preview.succeeded(pdf, [warning(Where("book/a.yaml", 3, 5), "content.x", "<b>odd</b>")], 0.5)
    status, headers, body = request(url, "/")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert page.count('<img class="page"') == 3
    assert "&lt;b&gt;odd&lt;/b&gt;" in page and "<b>odd</b>" not in page
    status, headers, body = request(url, "/booklet.pdf")
    assert (status, headers["Content-Type"], body) == (200, "application/pdf", pdf)
    status, headers, body = request(url, "/page/2.png?b=1&dpi=48")
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert body.startswith(b"\x89PNG") and "immutable" in headers["Cache-Control"]
    assert request(url, "/page/2.png?b=0")[1]["Cache-Control"] == "no-store"  # not this build
    assert request(url, "/page/4.png")[0] == 404
    assert request(url, "/page/0.png")[0] == 404
    assert request(url, "/page/1.png?dpi=5000")[0] == 400
    assert request(url, "/", method="HEAD")[2] == b""
    for path in (
        "/../book/book.yaml",
        "/book/book.yaml",
        "/%2e%2e/book/book.yaml",
        "//etc/passwd",
        "/page/1.png/../../../pyproject.toml",
        "/pyproject.toml",
        "/index.html",
        "/page/",
        "/events/../booklet.pdf",
    ):
        status, _, body = request(url, path)
        assert status == 404, path
        assert body == b"not found\n", path
    assert request(url, "/", method="POST")[0] == 501
    assert request(url, "/booklet.pdf", host="evil.example:80")[0] == 403
    assert request(url, "/", host="localhost")[0] == 200


def test_the_page_is_a_template_that_escapes_every_value(served):
    """A title or a problem that looks like markup or like the template's own syntax
    prints as text (the page was once filled by string replacement)."""
    preview, url = served
    problem = warning(Where("book/a.yaml", 1, 1), "content.x", "{{ state.version }} <i>")
    preview.succeeded(small_pdf(2), [problem], 0.2, "{{spreads}} <script>x</script>")
    page = request(url, "/")[2].decode()
    assert page.count('<img class="page"') == 2
    assert "<title>{{spreads}} &lt;script&gt;x&lt;/script&gt; — preview</title>" in page
    assert "{{ state.version }} &lt;i&gt;" in page and "<script>x" not in page


def test_events_announce_every_change(served):
    preview, url = served
    port = int(url.rsplit(":", 1)[1].strip("/"))
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


def test_a_busy_port_is_a_usage_error(make_book, tmp_path, capsys):
    running = serve.start(serve.Preview(), 0)
    try:
        port = running.server.server_address[1]
        options = Options(book=make_book(), out=tmp_path / "dist")
        assert watch.main(options, serve=True, port=port, quiet=False) == 2
        assert "[usage.port]" in capsys.readouterr().err
    finally:
        running.stop()


# -- Chromium over the DevTools protocol ----------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(
            "Chromium is needed for the preview test and was not found: "
            "apt-get install chromium (./run test installs it)",
            pytrace=False,
        )
    return found


class Browser:
    """Headless Chromium, spoken to over --remote-debugging-pipe."""

    def __init__(self, binary: str, profile: Path, log: Path):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def as_fds_3_and_4() -> None:  # runs in the child, before exec
            a = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
            b = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        with open(log, "wb") as log_file:
            self.process = subprocess.Popen(
                [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                close_fds=False,  # fds 3 and 4 must reach the browser; the others are CLOEXEC
                preexec_fn=as_fds_3_and_4,
            )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._replies[-1] = {}  # the browser went away
                    self._cond.notify_all()
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    with self._cond:
                        self._replies[message["id"]] = message
                        self._cond.notify_all()

    def call(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 20,
    ) -> dict:
        with self._cond:
            self._next_id += 1
            ident = self._next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._cond:
            while ident not in self._replies:
                if -1 in self._replies:
                    raise RuntimeError(f"Chromium exited while waiting for {method}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no reply to {method} in {timeout} s")
                self._cond.wait(left)
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def new_tab(self, width: int = 1400, height: int = 900) -> Tab:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        tab = Tab(self, session)
        tab.call("Page.enable")
        tab.call("Runtime.enable")
        tab.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        return tab

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.call("Browser.close", timeout=5)
            self.process.wait(10)
        except (RuntimeError, TimeoutError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(10)
        finally:
            for fd in (self._to_browser, self._from_browser):
                with contextlib.suppress(OSError):
                    os.close(fd)


class Tab:
    def __init__(self, browser: Browser, session: str):
        self.browser = browser
        self.session = session

    def call(self, method: str, params: dict | None = None, timeout: float = 20) -> dict:
        return self.browser.call(method, params, self.session, timeout)

    def evaluate(self, expression: str):
        reply = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression!r}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait_for(self, expression: str, timeout: float, what: str = ""):
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {what or expression}"
                )
            time.sleep(0.05)

    def navigate(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})
        self.wait_for(
            f"location.href === {json.dumps(url)} && document.readyState === 'complete'", 20
        )

    def click(self, x: float, y: float) -> None:
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def press(self, key: str, code: int) -> None:
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code},
            )

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))


LAYOUT_JS = """(() => {
  const box = el => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width}; };
  return [...document.querySelectorAll('figure.spread')].map(f => ({
    pages: f.dataset.pages,
    slots: [...f.querySelectorAll('.slot')].map(s => {
      const img = s.querySelector('img.page');
      const number = s.querySelector('.number');
      return {empty: !img, box: box(img || s.querySelector('.blank')),
              page: img ? Number(img.dataset.page) : null, src: img ? img.src : null,
              number: number.textContent, numberTop: number.getBoundingClientRect().top};
    })}));
})()"""
STATE_JS = (
    "(() => { const s = document.getElementById('state'); return {...s.dataset, "
    "failed: s.classList.contains('failed'), text: s.textContent}; })()"
)
PROBLEMS_JS = """[...document.querySelectorAll('#problems li')].map(li => ({
  severity: li.className, code: li.dataset.code, text: li.textContent,
  color: getComputedStyle(li).color}))"""


def wait_for_build(tab: Tab, after: int, what: str) -> dict:
    """The page's state once it shows a good build attempted after attempt number `after`."""
    state = tab.wait_for(
        f"(() => {{ const s = {STATE_JS};"
        f" return s.building === 'false' && Number(s.attempt) > {after} && s; }})()",
        30,
        what,
    )
    if state["failed"]:
        problems = tab.evaluate("document.getElementById('problems').textContent")
        raise AssertionError(f"{what} failed: {problems}")
    return state


def check_spreads(layout: list[dict], pages: int, build: str) -> None:
    expected = [(a, b) for a, b in proof.spreads(pages)]
    assert [f["pages"] for f in layout] == [
        "–".join(str(n) for n in spread if n is not None) for spread in expected
    ]
    images = [slot for figure in layout for slot in figure["slots"] if not slot["empty"]]
    assert [slot["page"] for slot in images] == list(range(1, pages + 1))
    for figure, (left, right) in zip(layout, expected, strict=True):
        a, b = figure["slots"]
        assert (a["page"], b["page"]) == (left, right)
        assert abs(a["box"]["right"] - b["box"]["left"]) <= 1.5, figure  # pages touch
        assert abs(a["box"]["top"] - b["box"]["top"]) <= 1, figure
        assert abs(a["box"]["width"] - b["box"]["width"]) <= 1.5, figure  # blank = a page wide
        for slot in (a, b):
            if not slot["empty"]:
                assert slot["number"] == str(slot["page"])
                assert slot["numberTop"] >= slot["box"]["bottom"] - 0.5  # under the page
                assert f"/page/{slot['page']}.png?b={build}&" in slot["src"]
    for before, after in itertools.pairwise(layout):  # reading order
        b, a = before["slots"][1]["box"], after["slots"][0]["box"]
        assert a["left"] > b["right"] or a["top"] >= b["bottom"]


def test_preview_page_in_chromium(tmp_path):
    binary = chromium()
    book = tmp_path / "book"
    shutil.copytree(PROJECT / "book", book)
    article = book / "articles" / "01-feature.yaml"
    original = article.read_text(encoding="utf-8")
    assert original.count("山海情长，未来可期。") == 1 and "前程似锦" not in original
    server = subprocess.Popen(
        [
            *(sys.executable, str(PROJECT / "build.py"), "--serve", "--port", "0"),
            *("--book", str(book), "--out", str(tmp_path / "dist")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
    )
    browser = None
    try:
        output = Lines(server.stdout)
        browser = Browser(binary, tmp_path / "chromium-profile", tmp_path / "chromium.log")
        line = output.lines[output.wait_for(lambda text: text.startswith("Preview: "), 30)]
        url = line.split(" ", 1)[1]
        tab = browser.new_tab()
        tab.navigate(url)

        # The first build arrives by itself (server-sent events), as spreads.
        first = tab.wait_for(
            "document.querySelector('img.page') ? 'built' : "
            "(document.querySelector('#problems li.error') || {}).textContent",
            45,
            "the first build",
        )
        assert first == "built", f"the first build failed: {first}"
        state = tab.evaluate(STATE_JS)
        pdf = request(url, "/booklet.pdf")[2]
        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        assert pages >= 8 and pages % 4 == 0
        assert state["build"] == "1" and not state["failed"]
        check_spreads(tab.evaluate(LAYOUT_JS), pages, state["build"])
        problems = tab.evaluate(PROBLEMS_JS)
        assert all(p["severity"] != "error" for p in problems), problems
        tab.wait_for(
            "[...document.querySelectorAll('img.page')].slice(0, 3)"
            ".every(i => i.complete && i.naturalWidth > 0)",
            20,
            "the first pages' images",
        )
        tab.screenshot(tmp_path / "preview.png")
        if os.environ.get("BOOKLET_PREVIEW_SCREENSHOT"):
            shutil.copy(tmp_path / "preview.png", os.environ["BOOKLET_PREVIEW_SCREENSHOT"])

        # Click page 3: it opens zoomed, at a higher resolution; Escape closes it.
        box = tab.evaluate(
            "(() => { const r = document.querySelector('img.page[data-page=\"3\"]')"
            ".getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        tab.click(*box)
        zoomed = tab.wait_for(
            "(() => { const z = document.getElementById('zoom'), i = z.querySelector('img');"
            " return !z.hidden && i.complete && i.naturalWidth > 0 &&"
            " {src: i.src, width: i.naturalWidth, caption: z.textContent}; })()",
            15,
            "the zoomed page",
        )
        assert "/page/3.png?b=1&dpi=192" in zoomed["src"] and "page 3 of" in zoomed["caption"]
        thumb = tab.evaluate("document.querySelector('img.page[data-page=\"3\"]').naturalWidth")
        assert zoomed["width"] >= 1.9 * thumb
        tab.press("Escape", 27)
        tab.wait_for("document.getElementById('zoom').hidden", 5, "the zoom to close")

        # A one-phrase edit: the page follows the rebuild. (Builds are counted, not numbered
        # in advance: an edit elsewhere may rebuild meanwhile. How fast is the benchmark's.)
        article.write_text(
            original.replace("山海情长，未来可期。", "山海情长，前程似锦。"), encoding="utf-8"
        )
        while True:
            state = wait_for_build(tab, int(state["attempt"]), "the rebuild after the edit")
            build = int(state["build"])
            if "前程似锦" in pdf_text(request(url, "/booklet.pdf")[2]):
                break
        check_spreads(tab.evaluate(LAYOUT_JS), pages, str(build))

        # A broken save: its error (file:line:col and code) shows; the last good pages stay.
        lines = original.splitlines(keepends=True)
        line_no = next(i for i, text in enumerate(lines) if text.startswith("title:")) + 1
        lines[line_no - 1] = lines[line_no - 1].replace("title:", "titel:", 1)
        article.write_text("".join(lines), encoding="utf-8")
        tab.wait_for(
            "[...document.querySelectorAll('#problems li.error')]"
            ".some(li => li.textContent.includes(\"unknown field 'titel'\"))",
            30,
            "the error",
        )
        errors = [p for p in tab.evaluate(PROBLEMS_JS) if p["severity"] == "error"]
        where = f"book/articles/01-feature.yaml:{line_no}:1: error: unknown field 'titel'"
        assert any(where in p["text"] for p in errors), errors
        assert any(p["text"].endswith("[content.unknown-field]") for p in errors), errors
        assert all(p["color"] == "rgb(204, 0, 0)" for p in errors)  # in red
        state = tab.evaluate(STATE_JS)
        assert state["failed"] and "failed" in state["text"]
        assert state["build"] == str(build)  # still the last good build
        check_spreads(tab.evaluate(LAYOUT_JS), pages, str(build))
        assert "前程似锦" in pdf_text(request(url, "/booklet.pdf")[2])
        tab.screenshot(tmp_path / "preview-error.png")

        # Fixed: the error goes, the booklet is rebuilt.
        article.write_text(original, encoding="utf-8")
        wait_for_build(tab, int(state["attempt"]), "the fixed build")
        assert tab.evaluate("document.querySelectorAll('#problems li.error').length") == 0
        assert "前程似锦" not in pdf_text(request(url, "/booklet.pdf")[2])

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
