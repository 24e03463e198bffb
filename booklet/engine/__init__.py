"""The one door to WeasyPrint's and pydyf's internals; nothing outside this package uses them.

- ``check()``: the version gate, run at the start of every build.
- ``hooked(typeset=…, subsets=…, writes=…)``: the Chinese typesetting hook, the subset memo
  and the memo of painted pages (``WriteMemo``), in place for the length of a ``with`` block
  only.
- ``FolderFetcher``: the only way the engine reads files.
- ``engine_log`` / ``log_problems``: the engine's log captured as problems.
- ``write_pdf``: one write with metadata, labels and content-derived identifiers (``seal``);
  for the press, PDF/X-4 with colour through the output profile (``press_converter``).
- ``tokens``: the custom properties (tokens) of a laid-out document's root element.
- ``page_facts``, ``toc_entries``, ``page_name``, ``join``, ``blocks``, ``line_pitch``,
  ``foot_space``:
  facts read from the layout.
- ``counter_styles``: the store of @counter-style rules shared by a parse and its renders.
- ``installed``: which replacements are in place now (tests read it).
- ``page_map`` / ``SourceMaps``: the source map of a page (the boxes of the elements that
  carry ``data-src``, and their lines, in points).
- ``WriteMemo``: what a warm process remembers of its last writes (memo.py).
"""

from .facts import (  # noqa: I001
    PX_PER_MM,
    PageFacts,
    TOC_ANCHOR,
    page_facts,
    anchor_pages,
    toc_entries,
)
from .blocks import Block, blocks, foot_space, line_pitch
from .fetcher import FolderFetcher
from .gate import ENGINE_VERSION, EngineMismatch, check, subsetter_missing
from .hook import hooked, installed
from .log import engine_log, log_problems
from .pages import counter_styles, join, page_name
from .press import Converter, PressError, tokens
from .memo import WriteMemo
from .sourcemap import PageMap, SourceBox, SourceMaps, page_map
from .subsets import SubsetMemo
from .write import PdfInfo, press_converter, seal, write_pdf

__all__ = [
    "ENGINE_VERSION",
    "PX_PER_MM",
    "TOC_ANCHOR",
    "Block",
    "Converter",
    "EngineMismatch",
    "FolderFetcher",
    "PageFacts",
    "PageMap",
    "PdfInfo",
    "PressError",
    "SourceBox",
    "SourceMaps",
    "SubsetMemo",
    "WriteMemo",
    "anchor_pages",
    "blocks",
    "check",
    "counter_styles",
    "engine_log",
    "foot_space",
    "hooked",
    "installed",
    "join",
    "line_pitch",
    "log_problems",
    "page_facts",
    "page_map",
    "page_name",
    "press_converter",
    "seal",
    "subsetter_missing",
    "toc_entries",
    "tokens",
    "write_pdf",
]
