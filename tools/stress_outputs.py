"""Stress the output set: real builds run two at a time into one folder, and real builds killed
at random moments of their write phase; every outcome checked whole.

    .venv/bin/python tools/stress_outputs.py [--pairs 20] [--kills 24] [--book DIR]

Concurrent pairs: both builds must exit 0, print no traceback, and leave one whole set (each
PDF opens, the preflight report names the same book). Kills: the build is slowed in its write
phase (each temporary file takes 50 ms more) and sent SIGKILL, SIGTERM or SIGINT at a random
moment of it; the folder must then hold the old set or the new one, whole (compared byte for
byte with a build of each), and the next build must leave no temporary file behind.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SLOW = """
import sys, time
sys.path.insert(0, {project!r})
from booklet import outputs
write = outputs._write_temp
def slow(path, data):
    if not getattr(slow, "said", False):
        print("WRITING", flush=True)
        slow.said = True
    time.sleep(0.05)
    return write(path, data)
outputs._write_temp = slow
from booklet import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def build(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SLOW.format(project=str(PROJECT)), *args, "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def visible(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def pairs(book: Path, work: Path, count: int) -> int:
    # The files one build of every profile writes: each pair must leave exactly these.
    alone = build(
        "--book", str(book), "--out", str(work / "alone"), "--profile", "all",
        "--allow-placeholders",
    )  # fmt: skip
    alone.wait(timeout=300)
    expected = set(visible(work / "alone"))
    passed = 0
    for number in range(count):
        out = work / f"pair-{number}"
        runs = [
            build(
                "--book", str(book), "--out", str(out), "--profile", "all", "--allow-placeholders"
            )
            for _ in "ab"
        ]
        codes = [run.wait(timeout=300) for run in runs]
        errors = [run.stderr.read() for run in runs]
        files = visible(out)
        whole = set(files) == expected and all(
            data.startswith(b"%PDF-") for name, data in files.items() if name.endswith(".pdf")
        )
        ok = codes == [0, 0] and whole and not any("Traceback" in e for e in errors)
        passed += ok
        print(f"pair {number + 1}: exit {codes}, {len(files)} files, {'ok' if ok else 'FAILED'}")
    return passed


def kills(book: Path, work: Path, count: int) -> int:
    out = work / "killed"
    old_book, new_book = work / "old", work / "new"
    shutil.copytree(book, old_book)
    shutil.copytree(book, new_book)
    article = sorted((new_book / "articles").glob("*.yaml"))[0]
    text = article.read_text("utf-8")
    article.write_text(text.replace("。", "！", 1), "utf-8")
    reference = {}
    for name, source in (("old", old_book), ("new", new_book)):
        folder = work / f"ref-{name}"
        subprocess.run(
            [sys.executable, str(PROJECT / "build.py"), "--book", str(source), "--out",
             str(folder), "--profile", "all", "--allow-placeholders", "--quiet"],
            check=True, capture_output=True,
        )  # fmt: skip
        reference[name] = visible(folder)
    rng = random.Random(4)
    passed = 0
    for number in range(count):
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(work / "ref-old", out)
        sig = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)[number % 3]
        run = build("--book", str(new_book), "--out", str(out), "--profile", "all",
                    "--allow-placeholders")  # fmt: skip
        assert run.stdout.readline().strip() == "WRITING"
        time.sleep(rng.uniform(0.0, 0.4))  # seven files at 50 ms each, then the renames
        run.send_signal(sig)
        run.wait(timeout=60)
        found = visible(out)
        which = next((name for name, files in reference.items() if files == found), None)
        tidy = build("--book", str(new_book), "--out", str(out), "--profile", "all",
                     "--allow-placeholders")  # fmt: skip
        tidy.wait(timeout=300)
        hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
        ok = which is not None and not hidden and visible(out) == reference["new"]
        passed += ok
        print(
            f"kill {number + 1}: {signal.Signals(sig).name} → {which or 'MIXED'} set"
            f"{', leftovers after the next build' if hidden else ''} {'ok' if ok else 'FAILED'}"
        )
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--kills", type=int, default=24)
    parser.add_argument("--book", type=Path, default=PROJECT / "book")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        together = pairs(args.book.resolve(), work, args.pairs)
        killed = kills(args.book.resolve(), work, args.kills)
    print(f"concurrent builds: {together} of {args.pairs} pairs passed")
    print(f"killed builds: {killed} of {args.kills} left one whole set")
    return 0 if together == args.pairs and killed == args.kills else 1


if __name__ == "__main__":
    sys.exit(main())
