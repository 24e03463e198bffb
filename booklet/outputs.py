"""The one writer of files: a build's outputs replace the last build's as a set, under a lock.

Every file of the set is first written to a temporary file beside its target (fsync'd); a
journal naming each temporary file and its target is written next (the commit point); then
all are renamed over their targets with SIGINT and SIGTERM held back, and the journal goes.
A reader, or the next build, finds the whole old set or the whole new one. An interruption
that arrives while the set is renamed takes effect once the set is complete and says so
(``Interrupted.replaced``). Only SIGKILL (or a power cut) in the fraction of a millisecond
the renames take can stop them half-way: the next build finds the journal and finishes the
renames before anything else. A lock on the output folder lets one build write at a time;
a second waits for it, and under the lock every temporary file left in the folder is a dead
build's, so it is removed.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

_STOP = {signal.SIGINT, signal.SIGTERM}
JOURNAL = ".booklet-renames.json"  # the set being renamed: (temporary file, target) pairs


class Interrupted(KeyboardInterrupt):
    """A stop signal came while the set was written: ``replaced`` lists what was replaced
    (all of the set, or none of it)."""

    def __init__(self, signum: int, replaced: Sequence[Path]):
        super().__init__(signum)
        self.signum = signum
        self.replaced = list(replaced)


@contextmanager
def locked(folder: Path, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the output folder's lock (a flock on the folder itself: no lock file is left
    among the outputs); say (``waiting``) when another build holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting:
                waiting(f"{folder}: another build is writing here; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock, as a process's death does


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp_for(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
    )
    os.close(fd)
    return Path(name)


def _write_temp(path: Path, data: bytes) -> Path:
    tmp = _temp_for(path)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; outputs are ordinary files
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable before the next step depends on it."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def leftovers(folders: Iterable[Path]) -> list[Path]:
    """Temporary files of this module's shape in the folders (not below them)."""
    found = []
    for folder in folders:
        if folder.is_dir():
            found += [p for p in folder.glob(".*.tmp") if p.name.count(".") >= 3]
    return sorted(found)


def write_set(
    out: Path,
    files: Sequence[tuple[Path, bytes]],
    replaces: Sequence[str] = (),
    waiting: Callable[[str], None] | None = None,
) -> list[Path]:
    """Replace the targets of ``files`` as one set; also remove the files under ``out``
    matching the ``replaces`` patterns that the set does not hold (a proof page beyond the
    new page count). Returns the paths written."""
    targets = [path for path, _ in files]
    folders = sorted({out, *(path.parent for path in targets)})
    with locked(out, waiting):
        finish_interrupted(out)
        for stale in leftovers(folders):
            stale.unlink(missing_ok=True)  # under the lock, only a dead build leaves these
        temps: list[Path] = []
        try:
            for path, data in files:
                temps.append(_write_temp(path, data))
            gone = [
                old
                for pattern in replaces
                for old in sorted(out.glob(pattern))
                if old not in targets and old.is_file()
            ]
            journal = _write_journal(out, temps, targets, gone)
            _rename_all(temps, targets, gone, journal, committed=temps.clear)
        finally:
            for tmp in temps:
                tmp.unlink(missing_ok=True)
    return targets


def _write_journal(out: Path, temps: list[Path], targets: list[Path], gone: list[Path]) -> Path:
    pairs = [[str(tmp), str(path)] for tmp, path in zip(temps, targets, strict=True)]
    entry = {"rename": pairs, "remove": [str(path) for path in gone]}
    return _write_temp(out / JOURNAL, json.dumps(entry).encode("utf-8"))


def finish_interrupted(out: Path) -> list[Path]:
    """Finish the renames of a set whose writer died between the commit point and the end
    (its journal is still there); returns the targets it completed."""
    journal = out / JOURNAL
    if not journal.is_file():
        return []
    try:
        entry = json.loads(journal.read_text("utf-8"))
        pairs, gone = entry["rename"], entry["remove"]
    except (OSError, ValueError, KeyError, TypeError):
        pairs, gone = [], []
    done = []
    for tmp, path in pairs:
        if Path(tmp).is_file():
            os.replace(tmp, path)
            done.append(Path(path))
    for path in gone:
        Path(path).unlink(missing_ok=True)
    journal.unlink(missing_ok=True)
    return done


def _rename_all(
    temps: list[Path], targets: list[Path], gone: list[Path], journal: Path, committed
) -> None:
    """Commit (the journal in place; ``committed()`` is told, and from then on the
    temporary files belong to the journal: a failure leaves them for the next write to
    finish), rename every temporary file over its target with the stop signals held back,
    drop the journal; a signal that came meanwhile is taken and reported as Interrupted
    after the set is whole."""
    main = threading.current_thread() is threading.main_thread()
    came: list[int] = []  # a signal another thread received (the mask holds only this one's)
    if main:
        previous = {s: signal.signal(s, lambda signum, _frame: came.append(signum)) for s in _STOP}
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP)
    try:
        os.replace(journal, journal.parent / JOURNAL)
        _sync_folder(journal.parent)
        temps = list(temps)
        committed()
        for tmp, path in zip(temps, targets, strict=True):
            os.replace(tmp, path)
        for old in gone:
            old.unlink(missing_ok=True)
        (journal.parent / JOURNAL).unlink()
        pending = _STOP & signal.sigpending() if main else set()
        taken = signal.sigtimedwait(pending, 0) if pending else None
    finally:
        if main:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    if taken is not None or came:
        raise Interrupted(taken.si_signo if taken is not None else came[0], targets)
