"""The writer of files: builds sharing an output folder, a set replaced whole or not at all,
interruptions reported truthfully, leftovers of dead builds removed or finished."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from booklet import outputs

from .conftest import PROJECT, folder_bytes

NAMES = ("a.pdf", "a-print.pdf", "a-preflight.json")

# A writer in its own process: replaces the set NAMES in a folder, each file stamped with
# the writer and the round, optionally slowly (so that it can be killed mid-write).
WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {project!r})
    from pathlib import Path
    from booklet import outputs
    out, who, rounds, pause = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    write = outputs._write_temp
    def slow(path, data):
        found = write(path, data)
        time.sleep(pause)
        return found
    outputs._write_temp = slow
    print("READY", flush=True)
    for number in range(rounds):
        stamp = f"{{who}} {{number}} ".encode() * 20000  # about 200 KB a file
        files = [(out / name, stamp + name.encode()) for name in {names!r}]
        outputs.write_set(out, files)
    print("DONE", flush=True)
    """
).format(project=str(PROJECT), names=NAMES)


def writer(out: Path, who: str, rounds: int, pause: float = 0.0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(out), who, str(rounds), str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def set_of(out: Path) -> set[str]:
    """The writer and round each file of the set comes from: one element when whole."""
    found = set()
    for name in NAMES:
        data = (out / name).read_bytes()
        assert data.endswith(name.encode()), name  # never a half-written file
        found.add(data[: data.index(b" ", data.index(b" ") + 1)].decode())
    return found


def visible(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))


def test_two_processes_replacing_sets_in_one_folder_never_fail_or_mix(tmp_path):
    """Two builds writing to one folder at once (an editor's --watch and a build in another
    terminal): every write succeeds, and the folder always holds one whole set."""
    out = tmp_path / "out"
    first, second = writer(out, "A", 120), writer(out, "B", 120)
    checks = 0
    while first.poll() is None or second.poll() is None:
        if all((out / name).exists() for name in NAMES):
            with outputs.locked(out):  # what a reader sees between two builds' sets
                assert len(set_of(out)) == 1
            checks += 1
        time.sleep(0.01)
    for done in (first, second):
        assert done.wait() == 0, done.stderr.read()
        assert done.stdout.read().split() == ["READY", "DONE"]
    assert checks > 0 and set_of(out) <= {"A 119", "B 119"}
    assert visible(out) == sorted(NAMES) and outputs.leftovers([out]) == []


def test_a_second_build_waits_for_the_lock_and_says_so(make_book, tmp_path):
    root = make_book()
    out = tmp_path / "out"
    with outputs.locked(out):
        child = subprocess.Popen(
            [sys.executable, str(PROJECT / "build.py"), "--book", str(root), "--out", str(out)],
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for line in child.stderr:
            if "another build is writing here" in line:
                break
        else:
            pytest.fail("the second build never said it was waiting")
        assert visible(out) == []  # it waits: nothing written while the lock is held
    assert child.wait(timeout=120) == 0
    assert visible(out) == ["test-book-preflight.json", "test-book.pdf"]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_writer_killed_at_any_moment_leaves_one_whole_set(tmp_path, sig):
    """Killed at random moments of the write phase, over and over: the folder holds the old
    set or the new one, whole; a dead writer's temporary files go with the next write."""
    out = tmp_path / "out"
    outputs.write_set(out, [(out / name, b"old 0 " + name.encode()) for name in NAMES])
    rng = random.Random(sig)
    outcomes = set()
    for attempt in range(8):
        before = folder_bytes(out)
        child = writer(out, f"try{attempt}", 1, pause=0.02)
        assert child.stdout.readline().strip() == "READY"
        time.sleep(rng.uniform(0, 0.09))  # three files at 20 ms each, then the renames
        child.send_signal(sig)
        child.wait(timeout=30)
        now = set_of(out)
        assert len(now) == 1, now  # never mixed
        outcomes.add("new" if now == {f"try{attempt} 0"} else "old")
        if now != {f"try{attempt} 0"}:
            assert {n: folder_bytes(out)[n] for n in NAMES} == {n: before[n] for n in NAMES}
        outputs.write_set(out, [(out / name, b"old 0 " + name.encode()) for name in NAMES])
        assert outputs.leftovers([out]) == [] and not (out / outputs.JOURNAL).exists()
    assert visible(out) == sorted(NAMES)


def test_a_set_committed_but_not_renamed_is_finished_by_the_next_write(tmp_path, monkeypatch):
    """A writer that dies after its commit point (the journal) and before the last rename
    leaves a mixed folder only until the next write, which finishes the renames first."""
    out = tmp_path / "out"
    outputs.write_set(out, [(out / name, b"old 0 " + name.encode()) for name in NAMES])
    renamed = []
    real = os.replace

    def dies_after_one(source, target):
        if Path(target).name in NAMES:
            if renamed:
                raise SystemExit("killed")  # the process dies here
            renamed.append(target)
        real(source, target)

    monkeypatch.setattr(outputs.os, "replace", dies_after_one)
    with pytest.raises(SystemExit):
        outputs.write_set(out, [(out / name, b"new 0 " + name.encode()) for name in NAMES])
    monkeypatch.setattr(outputs.os, "replace", real)
    assert (out / outputs.JOURNAL).exists() and len(set_of(out)) == 2  # mixed, for now
    journal = json.loads((out / outputs.JOURNAL).read_text("utf-8"))
    assert len(journal["rename"]) == len(NAMES)
    assert outputs.finish_interrupted(out) == [out / name for name in NAMES[1:]]
    assert set_of(out) == {"new 0"} and outputs.leftovers([out]) == []


def test_a_stop_signal_during_the_renames_waits_for_the_set_and_says_it_is_in_place(
    tmp_path, monkeypatch
):
    """The signal arrives as the first file is renamed (from another thread too, as in a
    process with the preview server: the mask of one thread does not hold it back)."""
    out = tmp_path / "out"
    files = [(out / name, b"new 0 " + name.encode()) for name in NAMES]
    real = os.replace

    def signalled(source, target):
        if Path(target).name == NAMES[0]:
            os.kill(os.getpid(), signal.SIGTERM)
        real(source, target)

    monkeypatch.setattr(outputs.os, "replace", signalled)
    previous = signal.signal(signal.SIGTERM, lambda *_: pytest.fail("delivered mid-write"))
    try:
        with pytest.raises(outputs.Interrupted) as stopped:
            outputs.write_set(out, files)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stopped.value.signum == signal.SIGTERM
    assert stopped.value.replaced == [path for path, _ in files]
    assert set_of(out) == {"new 0"}


def test_leftovers_of_a_dead_build_go_but_other_hidden_files_stay(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".a.pdf.4242.x1y2.tmp").write_bytes(b"half")
    (out / ".keep").write_bytes(b"an editor's file")
    outputs.write_set(out, [(out / "a.pdf", b"%PDF")])
    assert sorted(p.name for p in out.iterdir()) == [".keep", "a.pdf"]


def test_the_preflight_report_is_the_same_whatever_folder_the_build_ran_in(make_book, tmp_path):
    """Places in the report are relative to the book folder: built from inside the book's
    parent and from a folder elsewhere (the book then outside it), the report is the same."""
    from booklet import pipeline

    article = "id: a\ntitle: 标题\nbody:\n  - 段落。\n  - figure:\n      placeholder: true\n      caption: 图\n"
    root = make_book(articles={"a.yaml": article})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    reports = []
    for cwd, out in ((root.parent, tmp_path / "one"), (elsewhere, tmp_path / "two")):
        result = pipeline.build(pipeline.Options(book=root, out=out), cwd=cwd)
        reports.append(result.output("preflight").data)
    assert reports[0] == reports[1]
    text = reports[0].decode("utf-8")
    assert str(tmp_path) not in text
    assert '"where": "articles/a.yaml:5:5"' in text
