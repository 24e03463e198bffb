"""The one door to WeasyPrint's and pydyf's internals; nothing outside this package uses them.

- ``check()``: the version gate, run at the start of every build.
- ``hooked(typeset=…, subsets=…)``: the Chinese typesetting hook and the subset memo, in
  place for the length of a ``with`` block only.
- ``FolderFetcher``: the only way the engine reads files.
- ``engine_log`` / ``log_problems``: the engine's log captured as problems.
- ``write_pdf``: one write with metadata, labels and content-derived identifiers (``seal``);
  for the press, PDF/X-4 with colour through the output profile (``press_converter``).
- ``tokens``: the custom properties (tokens) of a laid-out document's root element.
- ``page_facts``, ``toc_entries``, ``page_name``, ``join``, ``blocks``, ``line_pitch``:
  facts read from the layout.
- ``counter_styles``: the store of @counter-style rules shared by a parse and its renders.
- ``installed``: which replacements are in place now (tests read it).
"""

from .facts import (  # noqa: I001
    PX_PER_MM,
    PageFacts,
    TOC_ANCHOR,
    page_facts,
    anchor_pages,
    toc_entries,
)
from .blocks import Block, blocks, line_pitch
from .fetcher import FolderFetcher
from .gate import ENGINE_VERSION, EngineMismatch, check, subsetter_missing
from .hook import hooked, installed
from .log import engine_log, log_problems
from .pages import counter_styles, join, page_name
from .press import Converter, PressError, tokens
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
    "PdfInfo",
    "PressError",
    "SubsetMemo",
    "anchor_pages",
    "blocks",
    "check",
    "counter_styles",
    "engine_log",
    "hooked",
    "installed",
    "join",
    "line_pitch",
    "log_problems",
    "page_facts",
    "page_name",
    "press_converter",
    "seal",
    "subsetter_missing",
    "toc_entries",
    "tokens",
    "write_pdf",
]
