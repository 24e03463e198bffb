"""The editor's loop: one warm process that rebuilds on every save and keeps the last good PDF.

It polls the book folder, ``styles/``, ``booklet/typeset/templates/`` and ``fonts/`` (size, mtime and
inode of every file, every 0.05 s: no extra dependency), waits until a burst of saves has
settled (0.1 s without a change), and rebuilds with ``pipeline.build``. A save with errors
prints the problems and leaves the last good PDF in place (the pipeline writes nothing).
With ``serve`` the preview page (booklet/editor/serve.py) follows every rebuild.

Python's cycle collector is held off during a build and run after it (and what survives
the first build is frozen): that takes ~15–20 % off a warm rebuild.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from booklet import engine, pipeline
from booklet.problems import BuildFailed, Problem, Where, error, relative, summary

from . import extra
from .snapshot import BookPage, Snapshot, take

POLL_SECONDS = 0.05  # a poll of the booklet's folders takes about 1 ms
SETTLE_SECONDS = 0.1  # a burst of saves ends after this long without a change
MAX_WAIT_SECONDS = 2.0  # rebuild anyway if files keep changing for this long

# Editors' swap, backup and temporary files: never a reason to rebuild.
_IGNORED_SUFFIXES = (".swp", ".swx", ".swo", ".tmp", ".bak", ".part", "~")
_IGNORED_NAMES = {"4913", "__pycache__"}  # 4913: vim's probe file

Stamp = tuple[int, int, int]  # mtime_ns, size, inode


def ignored(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith(_IGNORED_SUFFIXES) or name in _IGNORED_NAMES


class Watcher:
    """Finds the files added, changed or removed under some folders since the last poll."""

    def __init__(self, roots: Iterable[Path], exclude: Iterable[Path] = ()):
        self.roots = [Path(root).resolve() for root in roots]
        self.exclude = {Path(path).resolve() for path in exclude}
        self.files = self.scan()

    def scan(self) -> dict[Path, Stamp]:
        found: dict[Path, Stamp] = {}
        for root in self.roots:
            self._scan(root, found)
        return found

    def _scan(self, folder: Path, found: dict[Path, Stamp]) -> None:
        if folder in self.exclude:
            return
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return
        for entry in entries:
            if ignored(entry.name):
                continue
            path = Path(entry.path)
            try:
                if entry.is_dir():
                    self._scan(path, found)
                elif entry.is_file():
                    st = entry.stat()
                    found[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
            except FileNotFoundError:  # removed while scanning: the next poll sees it
                continue

    def poll(self) -> set[Path]:
        """The paths that differ from the last poll (added, changed or removed)."""
        now = self.scan()
        before = self.files
        self.files = now
        changed = {path for path, stamp in now.items() if before.get(path) != stamp}
        changed.update(before.keys() - now.keys())
        return changed


def loop(
    watcher: Watcher,
    rebuild: Callable[[set[Path]], object],
    stop: threading.Event,
    *,
    interval: float = POLL_SECONDS,
    settle: float = SETTLE_SECONDS,
    max_wait: float = MAX_WAIT_SECONDS,
    wake: threading.Event | None = None,
    woken: Callable[[], object] | None = None,
) -> None:
    """Poll until `stop` is set; call `rebuild(changed paths)` once per settled burst of
    saves, and `woken()` when `wake` is set (the preview asks for a profile) and no file
    changed."""
    while not stop.is_set():
        changed = watcher.poll()
        if not changed:
            if wake is not None and woken is not None and wake.is_set():
                wake.clear()
                woken()
                continue
            stop.wait(interval)
            continue
        first = last = time.monotonic()
        while not stop.is_set():
            now = time.monotonic()
            if now - last >= settle or now - first >= max_wait:
                break
            stop.wait(min(interval, settle) / 2)
            more = watcher.poll()
            if more:
                changed |= more
                last = time.monotonic()
        if stop.is_set():
            break
        rebuild(changed)


def watched_folders(options: pipeline.Options) -> list[Path]:
    return [options.book, options.styles, pipeline.TEMPLATES, options.fonts]


class Rebuilder:
    """One build with its report: problems as build.py prints them, then one compact line."""

    def __init__(
        self,
        options: pipeline.Options,
        preview=None,
        quiet: bool = False,
        err=None,
        manage_gc: bool = False,
    ):
        self.options = options
        self.manage_gc = manage_gc
        self.preview = preview
        self.quiet = quiet
        self.err = err or sys.stderr
        self.cwd = Path.cwd()
        self.warm = pipeline.Warm(options)  # the fonts are loaded once for all rebuilds
        self.maps = engine.SourceMaps()  # source maps of the pages, kept with the pages
        self.snapshot: Snapshot | None = None  # the last good build as the preview shows it
        self.result: pipeline.Result | None = None  # the last good build
        self.fitted = ""  # how its pages were arranged (said again only when it changes)
        self.last_good: Path | None = None
        self.builds = 0
        self.in_build = False  # a stop signal interrupts a build, and waits out anything else

    def say(self, line: str) -> None:
        print(line, file=self.err, flush=True)

    def __call__(self, changed: Iterable[Path] = ()) -> bool:
        if self.preview is not None:
            self.preview.building()
        self.builds += 1
        if not self.manage_gc:
            return self._build(changed)
        collecting = gc.isenabled()
        gc.disable()  # the cycle collector costs ~15 % of a build: it runs after, in tidy()
        try:
            return self._build(changed)
        finally:
            if collecting:
                gc.enable()
            self.tidy()

    def _build(self, changed: Iterable[Path]) -> bool:
        changed = list(changed)
        self.warm.changed(changed)
        start = time.perf_counter()
        stamp = time.strftime("%H:%M:%S")
        try:
            self.in_build = True
            try:
                result = pipeline.build(self.options, self.cwd, self.warm)
            finally:
                self.in_build = False
        except BuildFailed as failed:
            seconds = time.perf_counter() - start
            self.failed(list(failed.problems), seconds, stamp)
            return False
        except Exception as exc:  # a crash: keep its traceback, keep watching
            seconds = time.perf_counter() - start
            traceback.print_exc(file=self.err)
            crash = error(
                Where("booklet"),
                "internal.crash",
                f"the build crashed: {type(exc).__name__}: {exc}",
                "the traceback is in the terminal; please report it",
            )
            self.failed([crash], seconds, stamp, crashed=True)
            return False
        seconds = time.perf_counter() - start
        self.last_good = result.reader_path or (result.written or [None])[0]
        self.result = result
        snapshot = self.shoot(result, self.extras(result) or {})
        for problem in result.problems:
            self.say(str(problem))
        if not self.quiet:
            what = self.describe(changed)
            self.say(
                f"{stamp} built {relative(self.last_good, self.cwd)} in {seconds:.2f} s: "
                f"{result.pages} pages; {summary(result.problems)}{what}"
            )
            if result.fitted != self.fitted:  # the first build, or the pages changed
                self.say(f"  fitted: {result.fitted}")
            self.fitted = result.fitted
            for checked in result.preflight.values():
                self.say("  " + checked.summary().replace("\n", "\n  "))
            if snapshot is not None and self.builds > 1:
                self.say("  " + changes_line(snapshot, result))
        if self.preview is not None and snapshot is not None:
            self.preview.succeeded(snapshot, result.problems, seconds)
        return True

    def shoot(self, result: pipeline.Result, extras: dict | None = None) -> Snapshot:
        """The build as the preview shows it, with the profiles the preview asks for."""
        extras = self.extras(result) if extras is None else extras
        before, number = self.snapshot, (self.snapshot.number + 1 if self.snapshot else 1)
        self.snapshot = take(number, result, extras, self.warm.writes, self.maps, before, self.cwd)
        return self.snapshot

    def extras(self, result: pipeline.Result) -> dict | None:
        """The profiles the preview shows that ``result`` lacks ({} if none; None when they
        could not be built, which the preview is told)."""
        wanted = self.preview.profiles_wanted() if self.preview is not None else []
        if not wanted:
            return {}
        try:
            return extra.build(result, wanted, self.options, self.warm, self.cwd)
        except Exception as exc:  # a profile the preview alone asked for: say why, go on
            reason = f"the {', '.join(wanted)} profile could not be built: {exc}"
            self.say(reason)
            self.preview.unbuildable(reason)
            return None

    def woken(self) -> None:
        """The preview asks for a profile the last build did not make: build that alone."""
        if self.result is None or self.preview is None or not self.preview.missing():
            return
        start = time.perf_counter()
        extras = self.extras(self.result)
        if extras:
            snapshot = self.shoot(self.result, extras)
            self.preview.succeeded(snapshot, self.result.problems, time.perf_counter() - start)

    def tidy(self) -> None:
        """Collect the build's garbage once the editor has the result, not during the build.

        After the first build, what survives (modules, font caches, the engine's state) is
        frozen: later collections no longer walk it.
        """
        gc.collect()
        if self.builds == 1:
            gc.freeze()

    def failed(
        self, problems: list[Problem], seconds: float, stamp: str, crashed: bool = False
    ) -> None:
        if not crashed:
            for problem in problems:
                self.say(str(problem))
        kept = (
            f"{relative(self.last_good, self.cwd)} is still the last good build"
            if self.last_good
            else "no PDF yet"
        )
        self.say(
            f"{stamp} Aborted: {summary(problems)} ({seconds:.2f} s). Nothing was written; {kept}."
        )
        if self.preview is not None:
            self.preview.failed(problems, seconds)

    def describe(self, changed: Iterable[Path]) -> str:
        names = sorted(relative(path, self.cwd) for path in changed)
        if not names:
            return ""
        more = f" and {len(names) - 2} more" if len(names) > 2 else ""
        return f" (changed: {', '.join(names[:2])}{more})"


def page_list(pages: list[BookPage]) -> str:
    """Pages by their labels, runs of consecutive pages joined: 封二, 3–5, 9."""
    runs: list[list[BookPage]] = []
    for page in pages:
        if runs and runs[-1][-1].number + 1 == page.number:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(
        run[0].label if len(run) == 1 else f"{run[0].label}–{run[-1].label}" for run in runs
    )


def changes_line(snapshot: Snapshot, result: pipeline.Result) -> str:
    """Which pages of the reader's layout this build changed, as the watch loop prints it."""
    first = next(iter(snapshot.shots.values()), None)
    if first is None:
        return "pages: nothing to compare"
    changed, reflowed = snapshot.changed_pages(first.layout)
    if not changed and not reflowed:
        return "pages: none changed"
    parts = []
    if changed:
        parts.append(f"{page_list(changed)} changed")
    if reflowed:
        parts.append(f"{page_list(reflowed)} reflowed")
    return "pages: " + "; ".join(parts)


def main(
    options: pipeline.Options, *, serve: bool, port: int, quiet: bool, editor: str = ""
) -> int:
    """Build, then rebuild on every change until Ctrl-C or SIGTERM; exit status 0, or 2 when
    the preview's port cannot be served."""
    stop = threading.Event()
    rebuild: Rebuilder | None = None
    previous = {}
    if threading.current_thread() is threading.main_thread():

        def on_stop_signal(signum, frame):
            # Stop the loop; abort a build under way. Anywhere else (a finaliser during
            # garbage collection, the server's shutdown) an exception would print a
            # traceback: the loop sees `stop` within a poll instead.
            stop.set()
            if rebuild is not None and rebuild.in_build:
                raise KeyboardInterrupt

        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        for sig in previous:
            signal.signal(sig, on_stop_signal)
    preview = running = None
    try:
        if serve:
            from booklet.editor import serve as serving

            preview = serving.Preview(editor=editor)
            try:
                running = serving.start(preview, port)
            except (OSError, OverflowError) as exc:  # in use, not allowed, out of range
                reason = getattr(exc, "strerror", None) or exc
                print(
                    f"127.0.0.1:{port}: error: cannot serve the preview: {reason} "
                    "— try another --port, or --port 0 for a free one [usage.port]",
                    file=sys.stderr,
                )
                return 2
            print(f"Preview: {running.url}", flush=True)
        watcher = Watcher(watched_folders(options), exclude=[options.out])
        rebuild = Rebuilder(options, preview, quiet, manage_gc=True)
        if not quiet:
            folders = ", ".join(relative(root, Path.cwd()) for root in watcher.roots)
            rebuild.say(f"Watching {folders} (Ctrl-C stops)")
        if not stop.is_set():
            rebuild()
        if preview is None:
            loop(watcher, rebuild, stop)
        else:
            loop(watcher, rebuild, stop, wake=preview.wake, woken=rebuild.woken)
    except KeyboardInterrupt:
        pass
    finally:
        for sig in previous:  # a second Ctrl-C must not interrupt the clean-up
            signal.signal(sig, signal.SIG_IGN)
        try:
            if running is not None:
                running.stop()
            elif preview is not None:
                preview.close()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if not quiet:
        print("Stopped.", file=sys.stderr, flush=True)
    return 0
