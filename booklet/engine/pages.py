"""Pages of laid-out documents: their names, joining parts; the counter-style store."""

from __future__ import annotations


def page_name(page) -> str:
    """The named page (CSS ``page:``) a laid-out page is, '' for an unnamed one."""
    return page._page_box.page_type.name or ""


def join(document, pages: list):
    """One document of ``pages`` (from any documents laid out with the same fonts), with
    ``document``'s metadata: written as one PDF, links and bookmarks across parts resolve."""
    return document.copy(pages)


def counter_styles():
    """A store for the @counter-style rules of a stylesheet parsed ahead of the documents it
    styles: WeasyPrint keeps those rules in the store given to the parse, so the same store
    must be given to each render (else every custom counter style falls back to decimal)."""
    from weasyprint.css.counters import CounterStyle

    return CounterStyle()
