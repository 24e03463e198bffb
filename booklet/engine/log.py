"""The engine's log captured: its warnings become problems instead of scrolling past."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from booklet.problems import Problem, Where, error, warning


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def engine_log() -> Iterator[list[logging.LogRecord]]:
    """Capture WeasyPrint's warnings and errors for the length of the block."""
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def log_problems(records: Sequence[logging.LogRecord], stylesheets: str) -> list[Problem]:
    """WeasyPrint's log lines as problems: each ignored CSS rule or failed load is an error."""
    problems = []
    for record in records:
        message = record.getMessage().splitlines()[0]
        if "HarfBuzz-Subset" in message:
            continue  # reported once by the pipeline with the fix
        if record.levelno >= logging.ERROR or "Ignored" in message or "Failed to load" in message:
            problems.append(
                error(Where(stylesheets), "engine.css", message, "fix or remove the rule")
            )
        else:
            problems.append(warning(Where(stylesheets), "engine.warning", message))
    return problems
