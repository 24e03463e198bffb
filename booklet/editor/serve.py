"""The preview server on 127.0.0.1: routes, and nothing else (no file is read by its path).

- ``/``                  the page (booklet/editor/page.html) and ``/page.js`` its script
- ``/events``            server-sent events: one ``state`` event per change (build started,
                         built, failed, typography report in, profile built)
- ``/state.json``        the state of one profile (``?profile=``, default the first built):
                         its views with labels, boxes, digests and changes, the problems and
                         typography findings with their places; asking for a profile the
                         build did not make has the watch loop build it
- ``/page/P/N.png``      view N of profile P, ``?d=DIGEST&w=PIXELS`` (rendered once per
                         digest and width, so the URL never changes its image)
- ``/map/N``             the source map of view N (``?profile=``): every box with its file,
                         line and column, in PDF points from the page's top-left corner
- ``/source``            the YAML lines at ``?file=&line=&col=`` (only files the pages came from)
- ``POST /open``         opens ``{file, line, col}`` in the editor's program (``--editor``)
- ``/booklet.pdf``       the reader's PDF of the latest good build, from memory

Requests must name the server by a loopback host (a page elsewhere that rebinds its name to
127.0.0.1 gets nothing); the requests that make something happen (``/state.json``, which may
start a build, and ``/open``) must also carry the header ``X-Booklet: preview``, which no
page of another origin can send here.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jinja2

from booklet import profiles

from . import payload
from .live import Preview, State

HOST = "127.0.0.1"
KEEPALIVE_SECONDS = 15.0
HEADER = ("X-Booklet", "preview")
_IMAGE = re.compile(r"/page/([a-z][a-z0-9-]{0,30})/([1-9][0-9]{0,4})\.png")
_MAP = re.compile(r"/map/([1-9][0-9]{0,4})")
_DIGEST = re.compile(r"[0-9a-f]{8,64}")
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
HERE = Path(__file__).resolve().parent
SCRIPT = (HERE / "page.js").read_bytes()


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


def editor_command(template: str, path: Path, line: int, col: int) -> list[str]:
    """The --editor template as a command: {file}, {line} and {col} filled in each word
    (no shell: a file name is one argument whatever it holds)."""
    words = shlex.split(template)
    if not any("{file}" in word for word in words):
        words.append("{file}")
    return [
        word.replace("{file}", str(path)).replace("{line}", str(line)).replace("{col}", str(col))
        for word in words
    ]


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

    def trusted_host(self) -> bool:
        host = (self.headers.get("Host") or "").lower()
        return host.rsplit(":", 1)[0] in _LOOPBACK_NAMES or host in _LOOPBACK_NAMES

    def from_the_page(self) -> bool:
        """Sent by the preview page itself: our header, and no other origin."""
        if self.headers.get(HEADER[0]) != HEADER[1]:
            return False
        origin = self.headers.get("Origin")
        if origin is None:
            return True
        host = self.headers.get("Host") or ""
        return origin == f"http://{host}"

    def handle_get(self, head: bool) -> None:
        if not self.trusted_host():
            return self.send_text(HTTPStatus.FORBIDDEN, "forbidden host\n", head)
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        preview = self.server.preview
        if url.path == "/":
            body = page_html(preview.state).encode("utf-8")
            return self.send_bytes(body, "text/html; charset=utf-8", head)
        if url.path == "/page.js":
            return self.send_bytes(SCRIPT, "text/javascript; charset=utf-8", head)
        if url.path == "/events":
            return self.stream_events(head)
        if url.path == "/booklet.pdf":
            pdf = preview.pdf()
            if pdf is None:
                return self.send_text(HTTPStatus.NOT_FOUND, "no good build yet\n", head)
            return self.send_bytes(pdf, "application/pdf", head)
        if url.path == "/state.json":
            if not self.from_the_page():
                return self.send_text(HTTPStatus.FORBIDDEN, "only the preview page asks\n", head)
            return self.send_json(state_payload(preview, query.get("profile", "")), head)
        if url.path == "/source":
            return self.send_source(query, head)
        match = _MAP.fullmatch(url.path)
        if match:
            _state, snapshot, _ = preview.current()
            shot = pick(snapshot, query.get("profile", ""))
            found = payload.map_payload(snapshot, shot, int(match[1])) if shot else None
            if found is None:
                return self.send_text(HTTPStatus.NOT_FOUND, "no such page\n", head)
            return self.send_json(found, head)
        match = _IMAGE.fullmatch(url.path)
        if match:
            return self.send_image(match[1], int(match[2]), query, head)
        return self.send_text(HTTPStatus.NOT_FOUND, "not found\n", head)

    def do_POST(self) -> None:
        if not self.trusted_host():
            return self.send_text(HTTPStatus.FORBIDDEN, "forbidden host\n", False)
        if urlsplit(self.path).path != "/open":
            return self.send_text(HTTPStatus.NOT_FOUND, "not found\n", False)
        if not self.from_the_page():
            return self.send_text(HTTPStatus.FORBIDDEN, "only the preview page asks\n", False)
        try:
            length = min(int(self.headers.get("Content-Length") or 0), 4096)
            asked = json.loads(self.rfile.read(length) or b"{}")
            file, line, col = str(asked["file"]), int(asked["line"]), int(asked["col"])
        except (ValueError, KeyError, TypeError):
            return self.send_text(HTTPStatus.BAD_REQUEST, "give file, line and col\n", False)
        preview = self.server.preview
        if not preview.editor:
            return self.send_json({"ok": False, "error": "no --editor was given"}, False)
        _state, snapshot, _ = preview.current()
        if snapshot is None or file not in payload.sources(snapshot):
            return self.send_text(HTTPStatus.NOT_FOUND, "no such source\n", False)
        command = editor_command(preview.editor, snapshot.root / file, line, col)
        try:
            subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            return self.send_json({"ok": False, "error": f"{command[0]}: {exc.strerror}"}, False)
        return self.send_json({"ok": True, "command": command}, False)

    def send_source(self, query: dict, head: bool) -> None:
        _state, snapshot, _ = self.server.preview.current()
        try:
            file, line, col = query["file"], int(query["line"]), int(query.get("col", 1))
        except (KeyError, ValueError):
            return self.send_text(HTTPStatus.BAD_REQUEST, "give file, line and col\n", head)
        found = payload.excerpt_payload(snapshot, file, line, col) if snapshot else None
        if found is None:
            return self.send_text(HTTPStatus.NOT_FOUND, "no such source\n", head)
        return self.send_json(found, head)

    def send_image(self, profile: str, number: int, query: dict, head: bool) -> None:
        digest = query.get("d", "")
        try:
            width = int(query.get("w", ""))
        except ValueError:
            width = 0
        if not _DIGEST.fullmatch(digest) or width <= 0:
            return self.send_text(HTTPStatus.BAD_REQUEST, "give d=DIGEST and w=PIXELS\n", head)
        png = self.server.preview.png(profile, number, digest, width)
        if png is None:
            return self.send_text(HTTPStatus.NOT_FOUND, "no such page image\n", head)
        # The URL names the image's content: it never changes.
        return self.send_bytes(png, "image/png", head, cache="max-age=31536000, immutable")

    def send_json(self, data: dict, head: bool) -> None:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self.send_bytes(body, "application/json; charset=utf-8", head)

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
            "default-src 'none'; img-src 'self'; connect-src 'self'; script-src 'self'; "
            "style-src 'unsafe-inline'; frame-ancestors 'none'",
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


def pick(snapshot, profile: str):
    """The shot of ``profile`` in a snapshot, or its first one when none is named."""
    if snapshot is None:
        return None
    if profile:
        return snapshot.shots.get(profile)
    return next(iter(snapshot.shots.values()), None)


def state_payload(preview: Preview, profile: str) -> dict:
    """Everything the page shows for one profile, with the build's state."""
    if profile and profile not in profiles.PROFILES:
        profile = ""
    if profile:
        preview.show(profile)
    state, snapshot, violations = preview.current()
    shot = pick(snapshot, profile)
    found = {
        **state.event(),
        "title": state.title or "Booklet",
        "status": status_text(state),
        "heading": "Problems",
        "editor": bool(preview.editor),
        "profiles": payload.profiles_payload(snapshot),
        "pending": state.pending,
        "unbuilt": state.unbuilt,
        "typography_done": bool(snapshot and state.typography == snapshot.number),
    }
    if shot is not None:
        # The latest attempt's problems, placed on the last good pages (a failed build's
        # errors point at where the text was).
        found.update(payload.shot_payload(snapshot, shot, state.problems, violations))
    else:
        problems = [
            {
                "text": str(p),
                "severity": p.severity,
                "code": p.code,
                "where": str(p.where),
                "places": [],
            }
            for p in state.problems
        ]
        found.update(
            {
                "profile": profile,
                "views": [],
                "problems": problems,
                "typography": [],
                "sheets": False,
                "summary": "",
            }
        )
    if state.attempt:
        errors = sum(p["severity"] == "error" for p in found["problems"])
        warnings = len(found["problems"]) - errors
        found["heading"] = f"Problems: {plural(errors, 'error')}, {plural(warnings, 'warning')}"
    return found


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


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
        text = f"build {state.good_build}, built at {when} in {state.seconds:.2f} s"
    return text + (" · rebuilding…" if state.building else "")


_PAGE = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(HERE)),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
).get_template("page.html")


def page_html(state: State) -> str:
    return _PAGE.render(title=state.title or "Booklet", state=state)
