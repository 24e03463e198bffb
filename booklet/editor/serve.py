"""The preview page on 127.0.0.1: the latest good booklet as printed spreads, its problems, live.

Routes, and nothing else (no files are read by path):

- ``/``              the page: problems of the latest build above the spreads of the latest
                     good PDF; click a page to zoom it; refreshes itself after each rebuild.
- ``/events``        server-sent events: one ``state`` event per change (build started,
                     built, failed), so the page refetches ``/`` and swaps its content.
- ``/page/N.png``    page N of the latest good PDF, rendered on demand with PDFium and cached
                     per build; ``?b=BUILD`` busts browser caches, ``?dpi=`` picks a size.
- ``/booklet.pdf``   the latest good PDF, from memory.
"""

from __future__ import annotations

import html
import ipaddress
import json
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from booklet.problems import Problem, summary
from .proof import PdfPages, encode_png, spread_label, spreads

HOST = "127.0.0.1"
THUMB_DPI = 96
ZOOM_DPI = 192
ALLOWED_DPI = (48, 72, 96, 144, 192)
KEEPALIVE_SECONDS = 15.0
_PAGE_ROUTE = re.compile(r"/page/([1-9][0-9]{0,4})\.png")
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class State:
    """What the page shows; a new value after every change, numbered by `version`."""

    version: int = 0
    attempt: int = 0  # builds finished so far, good or failed
    good_build: int = 0  # the attempt whose PDF is shown; 0 while there is none
    building: bool = False
    failed: bool = False
    title: str = ""
    seconds: float = 0.0
    finished_at: float = 0.0
    problems: tuple[Problem, ...] = ()
    page_sizes: tuple[tuple[float, float], ...] = ()  # in points, of the PDF shown

    @property
    def pages(self) -> int:
        return len(self.page_sizes)

    def event(self) -> dict:
        return {
            "version": self.version,
            "attempt": self.attempt,
            "build": self.good_build,
            "building": self.building,
            "failed": self.failed,
            "pages": self.pages,
            "problems": [str(p) for p in self.problems],
        }


class Preview:
    """The latest build as the server shows it: updated by the watch loop, read by requests."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._state = State()
        self._pdf: bytes | None = None
        self._pages: PdfPages | None = None
        self._pngs: dict[tuple[int, int, int], bytes] = {}
        self.closed = False

    # -- written by the watch loop -------------------------------------------------------
    def building(self) -> None:
        self._update(building=True)

    def succeeded(
        self, pdf: bytes, problems: Sequence[Problem], seconds: float, title: str = ""
    ) -> None:
        pages = PdfPages(pdf)
        with self._cond:
            old, self._pages, self._pdf = self._pages, pages, pdf
            self._pngs.clear()
            attempt = self._state.attempt + 1
            self._update(
                attempt=attempt,
                good_build=attempt,
                building=False,
                failed=False,
                title=title or self._state.title,
                seconds=seconds,
                finished_at=time.time(),
                problems=tuple(problems),
                page_sizes=tuple(pages.sizes),
            )
        if old is not None:
            old.close()

    def failed(self, problems: Sequence[Problem], seconds: float) -> None:
        with self._cond:
            self._update(
                attempt=self._state.attempt + 1,
                building=False,
                failed=True,
                seconds=seconds,
                finished_at=time.time(),
                problems=tuple(problems),
            )

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()
            pages, self._pages = self._pages, None
        if pages is not None:
            pages.close()

    def _update(self, **changes) -> None:
        with self._cond:
            self._state = replace(self._state, **changes, version=self._state.version + 1)
            self._cond.notify_all()

    # -- read by requests ----------------------------------------------------------------
    @property
    def state(self) -> State:
        with self._cond:
            return self._state

    def wait(self, version: int, timeout: float) -> State:
        """The state once its version differs from `version`, or after `timeout` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self._state.version != version or self.closed, timeout)
            return self._state

    def pdf(self) -> bytes | None:
        with self._cond:
            return self._pdf

    def png(self, number: int, dpi: int) -> tuple[int, bytes] | None:
        """(build, PNG) of page `number` of the latest good PDF, or None if there is no such page."""
        for _ in range(3):  # a rebuild may swap the PDF while a page renders: try again
            with self._cond:
                build, pages = self._state.good_build, self._pages
                cached = self._pngs.get((build, number, dpi))
            if cached is not None:
                return build, cached
            if pages is None or not 1 <= number <= len(pages):
                return None
            try:
                data = encode_png(pages.image(number, dpi), compress_level=1)
            except ValueError:  # closed: a newer build arrived meanwhile
                continue
            with self._cond:
                if self._state.good_build == build:
                    self._pngs[(build, number, dpi)] = data
            return build, data
        return None


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, preview: Preview, port: int, host: str = HOST):
        if not is_loopback(host):
            raise ValueError(f"the preview binds to a loopback address only, not {host!r}")
        self.preview = preview
        super().__init__((host, port), Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # names, even "localhost", could resolve elsewhere


@dataclass
class Running:
    server: PreviewServer
    thread: threading.Thread
    preview: Preview = field(repr=False)

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.preview.close()  # ends the event streams
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start(preview: Preview, port: int = 0, host: str = HOST) -> Running:
    """Serve the preview from a background thread; port 0 picks a free port."""
    server = PreviewServer(preview, port, host)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="preview", daemon=True
    )
    thread.start()
    return Running(server, thread, preview)


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "booklet-preview"
    sys_version = ""

    def log_message(self, format: str, *args) -> None:
        pass  # the terminal belongs to the build's messages

    def do_HEAD(self) -> None:
        self.handle_get(head=True)

    def do_GET(self) -> None:
        self.handle_get(head=False)

    def handle_get(self, head: bool) -> None:
        host = (self.headers.get("Host") or "").lower()
        if host.rsplit(":", 1)[0] not in _LOOPBACK_NAMES and host not in _LOOPBACK_NAMES:
            # A page elsewhere that rebinds its name to 127.0.0.1 must not read the booklet.
            return self.send_text(HTTPStatus.FORBIDDEN, "forbidden host\n", head)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        preview = self.server.preview
        if url.path == "/":
            body = page_html(preview.state).encode("utf-8")
            return self.send_bytes(body, "text/html; charset=utf-8", head)
        if url.path == "/events":
            return self.stream_events(head)
        if url.path == "/booklet.pdf":
            pdf = preview.pdf()
            if pdf is None:
                return self.send_text(HTTPStatus.NOT_FOUND, "no good build yet\n", head)
            return self.send_bytes(pdf, "application/pdf", head)
        match = _PAGE_ROUTE.fullmatch(url.path)
        if match:
            try:
                dpi = int(query.get("dpi", [THUMB_DPI])[0])
            except ValueError:
                dpi = 0
            if dpi not in ALLOWED_DPI:
                return self.send_text(
                    HTTPStatus.BAD_REQUEST, f"dpi must be one of {ALLOWED_DPI}\n", head
                )
            found = preview.png(int(match.group(1)), dpi)
            if found is None:
                return self.send_text(HTTPStatus.NOT_FOUND, "no such page\n", head)
            build, png = found
            # The URL names its build: an image of that build never changes.
            fixed = query.get("b", [""])[0] == str(build)
            cache = "max-age=31536000, immutable" if fixed else "no-store"
            return self.send_bytes(png, "image/png", head, cache=cache)
        return self.send_text(HTTPStatus.NOT_FOUND, "not found\n", head)

    def send_bytes(self, body: bytes, kind: str, head: bool, cache: str = "no-store") -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.common_headers()
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def send_text(self, status: HTTPStatus, text: str, head: bool) -> None:
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.common_headers()
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def common_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; img-src 'self'; connect-src 'self'; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'",
        )

    def stream_events(self, head: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.common_headers()
        self.end_headers()
        if head:
            return
        preview = self.server.preview
        state = preview.state
        try:
            self.wfile.write(b"retry: 1000\n\n")
            while not preview.closed:
                self.wfile.write(f"event: state\ndata: {json.dumps(state.event())}\n\n".encode())
                self.wfile.flush()
                version = state.version
                while not preview.closed:
                    state = preview.wait(version, KEEPALIVE_SECONDS)
                    if state.version != version:
                        break
                    self.wfile.write(b": keep-alive\n\n")  # finds closed connections
                    self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


# -- the page -------------------------------------------------------------------------------


def page_html(state: State) -> str:
    title = state.title or "Booklet"
    return (
        _TEMPLATE.replace("{{title}}", html.escape(title))
        .replace("{{version}}", str(state.version))
        .replace("{{status}}", status_html(state))
        .replace("{{problems}}", problems_html(state))
        .replace("{{spreads}}", spreads_html(state))
    )


def status_html(state: State) -> str:
    if state.attempt == 0:
        text = "building…" if state.building else "waiting for the first build"
    else:
        when = time.strftime("%H:%M:%S", time.localtime(state.finished_at))
        if state.failed:
            shown = (
                f"showing build {state.good_build}, the last good one"
                if state.good_build
                else "no good build yet"
            )
            text = f"build {state.attempt} failed at {when} ({state.seconds:.2f} s); {shown}"
        else:
            text = (
                f"build {state.good_build}: {state.pages} pages, "
                f"built at {when} in {state.seconds:.2f} s"
            )
        if state.building:
            text += " · rebuilding…"
    css = "failed" if state.failed else "ok"
    return (
        f'<span id="state" class="{css}" data-attempt="{state.attempt}" '
        f'data-build="{state.good_build}" data-building="{str(state.building).lower()}" '
        f'data-finished="{state.finished_at:.3f}">'
        f"{html.escape(text)}</span>"
    )


def problems_html(state: State) -> str:
    heading = "Problems" if state.attempt == 0 else f"Problems: {summary(state.problems)}"
    items = "".join(
        f'<li class="{html.escape(p.severity)}" data-code="{html.escape(p.code)}">'
        f"{html.escape(str(p))}</li>"
        for p in state.problems
    )
    css = ' class="failed"' if state.failed else ""
    return f'<h2{css}>{html.escape(heading)}</h2><ul id="problems">{items}</ul>'


def spreads_html(state: State) -> str:
    if not state.good_build:
        return '<p class="none">No booklet yet: fix the problems above and save.</p>'
    out = []
    for spread in spreads(state.pages):
        slots = []
        for side, number, other in zip(("left", "right"), spread, spread[::-1], strict=True):
            if number is None:  # the width of the page beside it, left blank
                width, height = state.page_sizes[other - 1]
                slots.append(
                    f'<div class="slot {side} empty"><div class="blank" '
                    f'style="aspect-ratio: {width:.1f} / {height:.1f}"></div>'
                    '<span class="number"></span></div>'
                )
                continue
            width, height = state.page_sizes[number - 1]
            src = f"/page/{number}.png?b={state.good_build}&amp;dpi={THUMB_DPI}"
            slots.append(
                f'<div class="slot {side}"><img class="page" data-page="{number}" '
                f'src="{src}" width="{round(width)}" height="{round(height)}" '
                f'alt="page {number}" loading="lazy" title="page {number}: click to zoom">'
                f'<span class="number">{number}</span></div>'
            )
        label = spread_label(spread)
        out.append(f'<figure class="spread" data-pages="{label}">{"".join(slots)}</figure>')
    return "".join(out)


_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} — preview</title>
<style>
:root { --page-h: 360px; --gutter: #8a8a8a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--gutter); color: #111; }
header { position: sticky; top: 0; z-index: 2; display: flex; gap: 1em; align-items: baseline;
  flex-wrap: wrap; padding: .5em 1em; background: #222; color: #eee; }
header h1 { font-size: 1.1em; margin: 0; }
header a { color: #9cf; }
header label { font-size: .9em; color: #ccc; }
#size { vertical-align: middle; width: 8em; }
#state.failed { color: #ff8a80; font-weight: bold; }
#live { margin-left: auto; font-size: .9em; color: #aaa; }
#live.on::before { content: "● "; color: #6c6; }
#live.off::before { content: "○ "; color: #c66; }
#problems-box { margin: 0; padding: .5em 1em; background: #fafafa; border-bottom: 1px solid #ccc; }
#problems-box h2 { font-size: 1em; margin: 0 0 .3em; }
#problems-box h2.failed { color: #c00; }
#problems { margin: 0; padding-left: 1.2em; font-family: ui-monospace, monospace; font-size: 13px; }
#problems li { margin: .15em 0; white-space: pre-wrap; }
#problems li.error { color: #c00; }
#problems li.warning { color: #8a5a00; }
#spreads { display: flex; flex-wrap: wrap; gap: 28px; padding: 24px; justify-content: center; }
.spread { margin: 0; display: flex; }
.slot { display: flex; flex-direction: column; align-items: center; }
.slot img, .slot .blank { display: block; height: var(--page-h); width: auto; }
.slot img { background: #fff; cursor: zoom-in; box-shadow: 0 1px 4px rgba(0,0,0,.4); }
.slot.left img { border-right: 1px solid #999; }
.slot .number { color: #fff; font-weight: 600; min-height: 1.45em; margin-top: .3em; }
.none { color: #fff; font-size: 1.2em; }
#zoom { position: fixed; inset: 0; z-index: 5; background: rgba(20,20,20,.88);
  display: flex; flex-direction: column; align-items: center; justify-content: center; }
#zoom[hidden] { display: none; }
#zoom img { max-height: calc(100vh - 4em); max-width: 96vw; background: #fff;
  box-shadow: 0 2px 12px #000; cursor: zoom-out; }
#zoom p { color: #eee; margin: .5em 0 0; }
</style>
</head>
<body data-version="{{version}}">
<header><h1 id="title">{{title}}</h1><span id="status">{{status}}</span>
<a href="/booklet.pdf" target="_blank">PDF</a>
<label>size <input id="size" type="range" min="150" max="900" step="10"></label>
<span id="live" class="off">live</span></header>
<section id="problems-box">{{problems}}</section>
<main id="spreads">{{spreads}}</main>
<div id="zoom" hidden><img alt=""><p></p></div>
<script>
"use strict";
const zoom = document.getElementById("zoom");
let zoomed = 0;
function pageImage(n) { return document.querySelector('img.page[data-page="' + n + '"]'); }
function showZoom(n) {
  const thumb = pageImage(n);
  if (!thumb) { closeZoom(); return; }
  zoomed = n;
  zoom.querySelector("img").src = thumb.src.replace(/dpi=\\d+/, "dpi=__ZOOM_DPI__");
  zoom.querySelector("img").alt = "page " + n;
  const count = document.querySelectorAll("img.page").length;
  zoom.querySelector("p").textContent = "page " + n + " of " + count +
    " — ← → to turn, Esc or click to close";
  zoom.hidden = false;
}
function closeZoom() { zoomed = 0; zoom.hidden = true; }
document.addEventListener("click", e => {
  const img = e.target.closest("img.page");
  if (img) showZoom(Number(img.dataset.page));
});
zoom.addEventListener("click", closeZoom);
document.addEventListener("keydown", e => {
  if (!zoomed) return;
  if (e.key === "Escape") closeZoom();
  else if (e.key === "ArrowRight" && pageImage(zoomed + 1)) showZoom(zoomed + 1);
  else if (e.key === "ArrowLeft" && pageImage(zoomed - 1)) showZoom(zoomed - 1);
});
let want = Number(document.body.dataset.version), busy = false;
async function refresh() {
  if (busy) return;
  busy = true;
  try {
    while (want !== Number(document.body.dataset.version)) {
      const target = want;
      const response = await fetch("/", {cache: "no-store"});
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const id of ["title", "status", "problems-box", "spreads"])
        document.getElementById(id).innerHTML = doc.getElementById(id).innerHTML;
      document.title = doc.title;
      document.body.dataset.version = doc.body.dataset.version;
      if (Number(doc.body.dataset.version) < target) break;
      if (zoomed) showZoom(zoomed);
    }
  } catch (err) {
    setTimeout(refresh, 500);
  } finally {
    busy = false;
  }
}
function connect() {
  const live = document.getElementById("live");
  const events = new EventSource("/events");
  events.addEventListener("open", () => { live.className = "on"; });
  events.addEventListener("error", () => { live.className = "off"; });
  events.addEventListener("state", e => {
    want = JSON.parse(e.data).version;
    refresh();
  });
}
connect();
const size = document.getElementById("size");
function setSize(px) {
  document.documentElement.style.setProperty("--page-h", px + "px");
  size.value = px;
}
setSize(Number(localStorage.getItem("booklet-page-height")) || 360);
size.addEventListener("input", () => {
  setSize(size.value);
  localStorage.setItem("booklet-page-height", size.value);
});
</script>
</body>
</html>
""".replace("__ZOOM_DPI__", str(ZOOM_DPI))
