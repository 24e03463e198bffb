"""Put a file name on WeasyPrint's CSS complaints by reading each stylesheet on its own."""

from __future__ import annotations

import re
from pathlib import Path

import weasyprint

from .paginate import FolderFetcher, engine_log
from .problems import Problem, Where, error, relative

_AT = re.compile(r" at (\d+):(\d+)")
_IMPORT = re.compile(r"@import[^;]*;")


def lint(styles: Path, fetcher: FolderFetcher, cwd: Path) -> list[Problem]:
    """Every declaration or rule WeasyPrint would ignore, at its file, line and column."""
    problems = []
    for path in sorted(styles.rglob("*.css")):
        text = path.read_text(encoding="utf-8")
        # Imports are read on their own; blank them out, keeping every position in place.
        text = _IMPORT.sub(lambda m: " " * len(m.group()), text)
        with engine_log() as records:
            weasyprint.CSS(string=text, base_url=path.as_uri(), url_fetcher=fetcher)
        for record in records:
            message = record.getMessage().splitlines()[0]
            place = _AT.search(message)
            line, col = (int(place[1]), int(place[2])) if place else (0, 0)
            message = _AT.sub("", message).rstrip(".")
            problems.append(
                error(
                    Where(relative(path, cwd), line, col),
                    "css.ignored",
                    message,
                    "WeasyPrint ignores this; fix the spelling or the value",
                )
            )
    return problems
