"""The one door to WeasyPrint's and pydyf's internals; nothing outside this package uses them.

- ``check()``: the version gate, run at the start of every build.
- ``hooked(typeset=…, subsets=…, writes=…)``: the Chinese typesetting hook, the subset memo
  and the memo of painted pages (``WriteMemo``), in place for the length of a ``with`` block
  only.
- ``FolderFetcher``: the only way the engine reads files.
- ``engine_log`` / ``log_problems``: the engine's log captured as problems.
- ``write_pdf``: one write with metadata, labels and a content-derived file identifier.
- ``page_facts``, ``toc_entries``, ``page_name``, ``join``: facts read from the layout.
- ``page_map`` / ``SourceMaps``: the source map of a page (the boxes of the elements that
  carry ``data-src``, and their lines, in points).
"""

from .facts import (  # noqa: I001
    PX_PER_MM,
    PX_PER_PT,
    ImageBox,
    Overflow,
    PageFacts,
    TOC_ANCHOR,
    TocEntry,
    page_facts,
    squeeze,
    anchor_pages,
    toc_entries,
)
from .fetcher import FolderFetcher, RefusedURL
from .gate import ENGINE_VERSION, EngineMismatch, check
from .hook import hooked, installed
from .log import engine_log, log_problems
from .pages import join, page_name, subsetter_missing
from .memo import WriteMemo
from .sourcemap import PageMap, SourceBox, SourceMaps, page_map
from .subsets import SubsetMemo
from .write import PdfInfo, write_pdf

__all__ = [
    "ENGINE_VERSION",
    "PX_PER_MM",
    "PX_PER_PT",
    "TOC_ANCHOR",
    "EngineMismatch",
    "FolderFetcher",
    "ImageBox",
    "Overflow",
    "PageFacts",
    "PageMap",
    "PdfInfo",
    "RefusedURL",
    "SourceBox",
    "SourceMaps",
    "SubsetMemo",
    "TocEntry",
    "WriteMemo",
    "anchor_pages",
    "check",
    "engine_log",
    "hooked",
    "installed",
    "join",
    "log_problems",
    "page_facts",
    "page_map",
    "page_name",
    "squeeze",
    "subsetter_missing",
    "toc_entries",
    "write_pdf",
]
