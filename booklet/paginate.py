"""HTML + styles → a paginated WeasyPrint document, fetching only files from allowed folders."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from .problems import Problem, Where, error, warning


class RefusedURL(ValueError):
    pass


class FolderFetcher(URLFetcher):
    """Fetches file: and data: URLs under the allowed folders; refuses everything else."""

    def __init__(self, allowed: Sequence[Path]):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.allowed = [folder.resolve() for folder in allowed]
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parsed = urlparse(url)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: only files of the book, styles and fonts are read")
        path = Path(unquote(parsed.path)).resolve()  # resolves symlinks too
        if not any(path.is_relative_to(folder) for folder in self.allowed):
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: outside the book, styles and fonts folders")
        return super().fetch(url, headers)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def engine_log() -> Iterator[list[logging.LogRecord]]:
    """Capture WeasyPrint's warnings and errors instead of letting them scroll past."""
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


def paginate(
    html: str, base_url: str, fetcher: FolderFetcher, fonts: FontConfiguration, options: dict
) -> weasyprint.Document:
    # Image and tagging options act only when given to render(), not to write_pdf().
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        font_config=fonts, **options
    )


def pad_to_multiple_of_four(document: weasyprint.Document) -> tuple[weasyprint.Document, int]:
    """Insert intentional blank pages before the back cover so the count divides by four.

    The template ends with the back cover and one blank filler page; the filler is
    dropped, or repeated where a saddle-stitched booklet needs more pages.
    """
    *pages, filler = document.pages
    back = pages.pop()
    missing = -(len(pages) + 1) % 4
    return document.copy([*pages, *[filler] * missing, back]), missing


def subsetter_missing() -> bool:
    from weasyprint.text.ffi import harfbuzz_subset

    return harfbuzz_subset is None
