"""Pages of laid-out documents: their names, and joining parts into one document."""

from __future__ import annotations


def page_name(page) -> str:
    """The named page (CSS ``page:``) a laid-out page is, '' for an unnamed one."""
    return page._page_box.page_type.name or ""


def join(document, pages: list):
    """One document of ``pages`` (from any documents laid out with the same fonts), with
    ``document``'s metadata: written as one PDF, links and bookmarks across parts resolve."""
    return document.copy(pages)
