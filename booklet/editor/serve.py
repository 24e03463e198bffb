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

import ipaddress
import json
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jinja2

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

_PAGE = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent)),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
).get_template("page.html")


@dataclass(frozen=True)
class Slot:
    side: str
    number: int | None  # None: no page here, a blank as wide as the page beside it
    width: float
    height: float


def page_html(state: State) -> str:
    return _PAGE.render(
        state=state,
        title=state.title or "Booklet",
        status=status_text(state),
        heading="Problems" if state.attempt == 0 else f"Problems: {summary(state.problems)}",
        spreads=spread_slots(state) if state.good_build else [],
        thumb_dpi=THUMB_DPI,
        zoom_dpi=ZOOM_DPI,
    )


def status_text(state: State) -> str:
    if state.attempt == 0:
        return "building…" if state.building else "waiting for the first build"
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
    return text + (" · rebuilding…" if state.building else "")


def spread_slots(state: State) -> list[dict]:
    out = []
    for spread in spreads(state.pages):
        slots = []
        for side, number, other in zip(("left", "right"), spread, spread[::-1], strict=True):
            width, height = state.page_sizes[(number or other) - 1]
            slots.append(Slot(side, number, width, height))
        out.append({"label": spread_label(spread), "slots": slots})
    return out
