"""Problems an editor can act on: where, how bad, a stable code, a message and a hint."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path


@dataclass(frozen=True)
class Where:
    """A place in a source file; line and column are 1-based, 0 when unknown."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}" if self.col else f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True)
class Problem:
    where: Where
    severity: str  # "error" or "warning"
    code: str  # stable, dotted: content.unknown-field
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.severity}: {self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return f"{text} [{self.code}]"


class BuildFailed(Exception):
    """The editor's input has errors; the problems say which. Never a crash."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__(summary(self.problems))


def error(where: Where, code: str, message: str, hint: str = "") -> Problem:
    return Problem(where, "error", code, message, hint)


def warning(where: Where, code: str, message: str, hint: str = "") -> Problem:
    return Problem(where, "warning", code, message, hint)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    match = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else ""


def relative(path: Path, base: Path) -> str:
    """A path as the editor sees it: relative to ``base`` (the working folder) when it can be."""
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def summary(problems: Iterable[Problem]) -> str:
    problems = list(problems)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
