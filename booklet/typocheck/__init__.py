"""Typography report: read glyph positions back from any finished PDF and report R1–R12 violations.

The rules and how each is read off the page are in ``../shared/guides/cjk-typesetting.md``; nothing here
knows how the PDF was made. The modules, in the order they run:

- ``layout``: the PDF's glyphs (pdfplumber) grouped into lines, columns, reading order and
  paragraphs, with body text told apart from headings, captions and running heads;
- ``rules``: R1–R10 measured on glyph positions;
- ``textlayer``: R11 and R12 on the text layer and the embedded fonts' names;
- ``report``: ``check_pdf`` (all of the above) and ``format_report``;
- ``cli``: ``python -m booklet.typocheck FILE.pdf [options]``.

``model`` holds the values handed out (``Violation``, ``Report``) and every tolerance
(``Tolerances``); ``chars`` the character classes.
"""

from booklet.typocheck.cli import main
from booklet.typocheck.model import RULE_TITLES, RULES, Report, Tolerances, Violation
from booklet.typocheck.report import check_pdf, format_report

__all__ = [
    "RULES",
    "RULE_TITLES",
    "Report",
    "Tolerances",
    "Violation",
    "check_pdf",
    "format_report",
    "main",
]
