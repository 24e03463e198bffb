"""The preview's state between the watch loop and the server: the latest build (good or
failed), the last good snapshot, the profile the page shows, page images and the
typography report, each kept and renewed in its own place.

- Page images are rendered once per view digest and width (the width the page asks for:
  its size on screen times the device pixel ratio, in steps of 16 px): an unchanged page
  keeps its digest from build to build and is never rendered again. After a build, the
  changed views of the profile on show are rendered at once, at the widths the page last
  asked for, so they are ready when it asks.
- The typography report (python -m booklet.typocheck) runs after a good build in a child
  process, so it never holds up the next build; a newer build stops it.
- A profile the page asks for that the build did not make is built by the watch loop on
  its next turn (``wanted`` / ``wake``).
"""

from __future__ import annotations

import collections
import json
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from booklet.problems import Problem

from .proof import encode_png
from .snapshot import Snapshot

MIN_WIDTH, MAX_WIDTH, WIDTH_STEP = 16, 4096, 16
IMAGE_CACHE_BYTES = 256 * 2**20


@dataclass(frozen=True)
class State:
    """What the page shows; a new value after every change, numbered by ``version``."""

    version: int = 0
    attempt: int = 0  # builds finished so far, good or failed
    good_build: int = 0  # the attempt whose pages are shown; 0 while there is none
    building: bool = False
    failed: bool = False
    title: str = ""
    seconds: float = 0.0
    finished_at: float = 0.0
    problems: tuple[Problem, ...] = ()  # of the latest attempt
    pending: str = ""  # a profile asked for and not built yet
    unbuilt: str = ""  # why the profile asked for could not be built from this build
    typography: int = 0  # the good build whose typography report is in

    def event(self) -> dict:
        return {
            "version": self.version,
            "attempt": self.attempt,
            "build": self.good_build,
            "building": self.building,
            "failed": self.failed,
            "problems": [str(p) for p in self.problems],
        }


class Images:
    """PNG page images by (view digest, width), rendered once each; at most one render of
    an image at a time, whoever asks."""

    def __init__(self, limit: int = IMAGE_CACHE_BYTES) -> None:
        self._lock = threading.Condition()
        self._kept: collections.OrderedDict[tuple[str, int], bytes] = collections.OrderedDict()
        self._size = 0
        self._busy: set[tuple[str, int]] = set()
        self.limit = limit
        self.renders = 0  # images rendered so far (for tests and the benchmark)

    def get(self, key: tuple[str, int], render) -> bytes:
        with self._lock:
            while key in self._busy:
                self._lock.wait()
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
            self._busy.add(key)
        try:
            data = render()
        finally:
            with self._lock:
                self._busy.discard(key)
                self._lock.notify_all()
        with self._lock:
            self.renders += 1
            self._kept[key] = data
            self._size += len(data)
            while self._size > self.limit and len(self._kept) > 1:
                _, dropped = self._kept.popitem(last=False)
                self._size -= len(dropped)
        return data

    def has(self, key: tuple[str, int]) -> bool:
        with self._lock:
            return key in self._kept


class Preview:
    """The latest build as the server shows it: updated by the watch loop, read by requests."""

    def __init__(self, editor: str = "", typography: bool = True) -> None:
        self._cond = threading.Condition()
        self._state = State()
        self._snapshot: Snapshot | None = None
        self._violations: list[dict] = []
        self.images = Images()
        self.editor = editor  # the --editor command template ('' without one)
        self.typography = typography
        self.shown = ""  # the profile the page shows last asked for
        self.wake = threading.Event()  # set when the loop has something to build
        self.closed = False
        self._widths: dict[str, list[int]] = {}  # per profile, the last two widths asked for
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._painter = threading.Thread(target=self._paint_queued, name="pictures", daemon=True)
        self._painter.start()
        self._checker: subprocess.Popen | None = None
        self._scratch = tempfile.TemporaryDirectory(prefix="booklet-preview-")

    # -- written by the watch loop -------------------------------------------------------
    def building(self) -> None:
        self._stop_checker()
        self._update(building=True)

    def succeeded(self, snapshot: Snapshot, problems: Sequence[Problem], seconds: float) -> None:
        with self._cond:
            old, self._snapshot = self._snapshot, snapshot
            self._violations = []
            attempt = self._state.attempt + 1
            pending = self._state.pending
            self._update(
                attempt=attempt,
                good_build=attempt,
                building=False,
                failed=False,
                title=snapshot.title or self._state.title,
                seconds=seconds,
                finished_at=time.time(),
                problems=tuple(problems),
                pending="" if pending in snapshot.shots else pending,
                unbuilt="",
            )
        self._queue_changed(snapshot, old)
        if old is not None:
            old.close()
        if self.typography:
            threading.Thread(
                target=self._check_typography, args=(snapshot, attempt), daemon=True
            ).start()

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

    def profiles_wanted(self) -> list[str]:
        """The profile on show (a build that lacks it makes it for the preview)."""
        with self._cond:
            return [self.shown] if self.shown else []

    def missing(self) -> bool:
        """Whether the last good build lacks the profile on show (the loop builds it)."""
        with self._cond:
            snapshot = self._snapshot
            return bool(self.shown) and snapshot is not None and self.shown not in snapshot.shots

    def close(self) -> None:
        self._stop_checker()
        with self._cond:
            self.closed = True
            self._cond.notify_all()
            snapshot, self._snapshot = self._snapshot, None
        self._jobs.put(None)
        if snapshot is not None:
            snapshot.close()
        self._scratch.cleanup()

    def _update(self, **changes) -> None:
        with self._cond:
            self._state = replace(self._state, **changes, version=self._state.version + 1)
            self._cond.notify_all()

    # -- read by requests ----------------------------------------------------------------
    @property
    def state(self) -> State:
        with self._cond:
            return self._state

    def current(self) -> tuple[State, Snapshot | None, list[dict]]:
        with self._cond:
            violations = (
                self._violations if self._state.typography == self._state.good_build else []
            )
            return self._state, self._snapshot, violations

    def wait(self, version: int, timeout: float) -> State:
        """The state once its version differs from `version`, or after `timeout` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self._state.version != version or self.closed, timeout)
            return self._state

    def pdf(self) -> bytes | None:
        with self._cond:
            return self._snapshot.reader if self._snapshot else None

    def show(self, profile: str) -> bool:
        """The page shows ``profile``; True when its pages are there, else the loop is
        asked to build it."""
        with self._cond:
            self.shown = profile
            ready = self._snapshot is not None and profile in self._snapshot.shots
            if not ready and self._state.unbuilt:
                return False  # it failed on this build: the next save tries again
            if not ready and self._state.pending != profile:
                self._update(pending=profile)
        if not ready:
            self.wake.set()
        return ready

    def unbuildable(self, reason: str) -> None:
        """The profile on show could not be built from the last good build."""
        self._update(pending="", unbuilt=reason)

    def png(self, profile: str, number: int, digest: str, width: int) -> bytes | None:
        """View ``number`` of ``profile`` as a PNG ``width`` pixels wide, when ``digest`` is
        its current digest or one rendered before; None otherwise."""
        if not (MIN_WIDTH <= width <= MAX_WIDTH and width % WIDTH_STEP == 0):
            return None
        key = (digest, width)
        with self._cond:
            recent = self._widths.setdefault(profile, [])
            if width in recent:
                recent.remove(width)
            recent.append(width)
            del recent[:-2]
        for _ in range(3):  # a rebuild may close the PDF while a page renders: try again
            with self._cond:
                snapshot = self._snapshot
            shot = snapshot.shots.get(profile) if snapshot else None
            view = shot.views[number - 1] if shot and 1 <= number <= len(shot.views) else None
            if view is None or view.digest != digest:
                return self.images.get(key, _nothing) if self.images.has(key) else None
            try:
                return self.images.get(key, _renderer(shot, view, width))
            except ValueError:  # closed: a newer build arrived meanwhile
                continue
        return None

    # -- page images ahead of the page asking -------------------------------------------------
    def _queue_changed(self, snapshot: Snapshot, old: Snapshot | None) -> None:
        """Render the views of the profile on show that this build changed, at the last
        sizes the page showed them."""
        shown = self.shown or next(iter(snapshot.shots), "")
        shot = snapshot.shots.get(shown)
        before = old.shots.get(shown) if old is not None else None
        if shot is None or before is None:
            return
        known = {view.digest for view in before.views}
        with self._cond:
            widths = list(self._widths.get(shown, ()))
        for view in shot.views:
            if view.digest in known:
                continue
            for width in widths:
                if not self.images.has((view.digest, width)):
                    self._jobs.put((snapshot.number, shown, view.number, view.digest, width))

    def _paint_queued(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            build, profile, number, digest, width = job
            with self._cond:
                if self.closed:
                    return
                current = self._snapshot.number if self._snapshot else 0
            if build == current:
                self.png(profile, number, digest, width)

    # -- the typography report ------------------------------------------------------------------
    def _check_typography(self, snapshot: Snapshot, build: int) -> None:
        try:
            violations = self._typography(snapshot, build)
        except (OSError, ValueError, KeyError):  # closed meanwhile, or no report
            return
        with self._cond:
            if violations is not None and self._state.good_build == build and not self.closed:
                self._violations = violations
                self._update(typography=build)

    def _typography(self, snapshot: Snapshot, build: int) -> list[dict] | None:
        """The typography report's violations on the build's reader PDF (None: stopped)."""
        folder = Path(self._scratch.name)
        pdf, source = folder / f"build-{build}.pdf", folder / f"build-{build}.txt"
        try:
            pdf.write_bytes(snapshot.reader)
            source.write_text("\n".join(snapshot.paragraphs), encoding="utf-8")
            command = [sys.executable, "-m", "booklet.typocheck", str(pdf), "--json"]
            command += ["--source", str(source)]
            with self._cond:
                if self._state.good_build != build or self.closed:
                    return None
                self._checker = checker = subprocess.Popen(
                    command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
                )
            out, _ = checker.communicate()
            return json.loads(out)["violations"] if checker.returncode == 0 else None
        finally:
            pdf.unlink(missing_ok=True)
            source.unlink(missing_ok=True)

    def _stop_checker(self) -> None:
        with self._cond:
            checker, self._checker = self._checker, None
        if checker is not None and checker.poll() is None:
            checker.terminate()


def _nothing() -> bytes:
    raise ValueError("no such image")


def _renderer(shot, view, width: int):
    def render() -> bytes:
        dpi = width / view.boxes.size[0] * 72
        return encode_png(shot.pages.image(view.number, dpi), compress_level=1)

    return render
