"""The content format, declared once: every field of book.yaml and of an article, documented."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    kind: type | tuple[type, ...]
    doc: str
    required: bool = False


TEXT = str
BOOK = {
    "title": Field(
        TEXT, "书名, the booklet's title (cover, title page, running heads on left pages)", True
    ),
    "subtitle": Field(TEXT, "副题, shown under the title on the cover and title page"),
    "slug": Field(TEXT, "file name of the outputs: dist/<slug>.pdf; letters, digits and -", True),
    "publisher": Field(
        TEXT, "出版者, on the title page; the PDF's author field when there are no authors", True
    ),
    "authors": Field(
        list,
        "the book's people: a list of {name, role}, role 著, 编, 译, 注 …; printed on the "
        "cover, title page and colophon, and written to the PDF's author field",
    ),
    "endnotes": Field(bool, "true: every article prints its notes at its end, not page feet"),
    "date": Field(
        datetime.date, "publication date, YYYY-MM-DD; also the PDF's creation date", True
    ),
    "language": Field(TEXT, "language tag of the text; zh-Hans (Simplified Chinese)", True),
    "edition": Field(TEXT, "版次, e.g. 第一版, in the colophon"),
    "description": Field(TEXT, "one sentence, the PDF's subject field and the back cover"),
    "source_note": Field(TEXT, "where the content comes from, printed in the colophon"),
    "keywords": Field(list, "list of keywords for the PDF metadata"),
    "articles": Field(
        list, "the articles in reading order: paths relative to the book folder", True
    ),
    "page": Field(dict, "page options: size (A5, A4, B5, A6 or [width, height] in mm)"),
    "theme": Field(TEXT, "the look: a file name in styles/themes/ without .css (default booklet)"),
    "openings": Field(
        TEXT,
        "where articles open: right (on a recto), any (on the next page) or auto (the one "
        "that leaves fewer blank pages; the default)",
    ),
    "title_page": Field(
        (bool, str),
        "扉页: true, false, or auto (the default: left out only where that saves a sheet)",
    ),
}
PAGE = {
    "size": Field((str, list), "A5, A4, B5, A6, or [width, height] in millimetres"),
}
ARTICLE = {
    "id": Field(TEXT, "short unique name, used in links: letters, digits and -", True),
    "title": Field(TEXT, "标题; a space splits a two-part headline into two lines", True),
    "column": Field(TEXT, "栏目, the column label above the title, e.g. 重报时论"),
    "series": Field(TEXT, "副题/系列, the line under the title, e.g. ——…述评之三"),
    "running_head": Field(TEXT, "书眉 on right-hand pages; default: the title"),
    "bylines": Field(list, "作者: a list of {role, name}"),
    "lede": Field(TEXT, "导语, the opening paragraph set apart from the body"),
    "body": Field(list, "paragraphs before the first section (see blocks)"),
    "sections": Field(list, "the sections: {kicker, heading, body}"),
    "epigraph": Field((str, dict), "题记 under the title: text, or {text, source}"),
    "notes": Field(dict, "注释: the notes the text calls with [^key], as key: text"),
    "endnotes": Field(bool, "true: this article's notes at its end (default: the book's)"),
    "source": Field(TEXT, "出处, printed at the article's end, e.g. 原载……"),
}
PERSON = {
    "name": Field(TEXT, "the person or organisation", True),
    "role": Field(TEXT, "what they did, printed after the name: 著, 编, 译, 注, 校"),
}
EPIGRAPH = {
    "text": Field(TEXT, "the lines of the epigraph (a | block keeps its lines)", True),
    "source": Field(TEXT, "where it comes from, printed under it, e.g. ——《论语·子罕》"),
}
BYLINE = {
    "name": Field(TEXT, "the person or organisation", True),
    "role": Field(TEXT, "their title, e.g. 重庆日报首席记者"),
}
SECTION = {
    "id": Field(TEXT, "optional unique name for links; default: article id + number"),
    "kicker": Field(TEXT, "引题, the short label above the heading, e.g. 政治引领"),
    "heading": Field(TEXT, "小标题, the section heading (or mark: for a break without one)"),
    "mark": Field(TEXT, "a break without a heading: the mark printed centred, e.g. ＊ or 一"),
    "toc": Field(bool, "false: not listed in the contents (a section without heading never is)"),
    "body": Field(list, "the section's blocks", True),
    "sections": Field(list, "subsections (a second heading level), each like a section"),
}
# A block is a plain string (a paragraph) or a mapping with exactly one of these keys.
BLOCK_KINDS = {
    "quote": "摘句: words repeated from this article, shown large (…… may leave words out)",
    "blockquote": "引文: a quotation set apart: text, or a list of paragraphs",
    "verse": "诗: lines kept as lines: a | block or a list of lines (an empty line between stanzas)",
    "signoff": "落款: a date line or signature, right-aligned (a | block keeps its lines)",
    "list": "列表: a list of items, or {numbers: 一、, items: [...]} for generated numbers",
    "table": "表格: {caption, header: [...], rows: [[...], ...], source}",
    "figure": "图片: {image, caption, credit} or {placeholder: true, caption, credit}",
    "facts": "数字: a panel of key figures {title, items: [{value, unit, label}]} from the text",
}
LIST = {
    "items": Field(list, "the items, each a text", True),
    "numbers": Field(
        (str, int, float),
        "generated numbers in this form: 1. 1、 一、 （一） (1) ① or ● for bullets",
    ),
}
TABLE = {
    "caption": Field(TEXT, "表题, the table's title above it"),
    "header": Field(list, "the header row: one text per column; repeated on every page", True),
    "rows": Field(list, "the rows: each a list with one cell per column", True),
    "source": Field(TEXT, "资料来源 or a note printed under the table"),
}
FACTS = {
    "title": Field(TEXT, "the panel's heading, e.g. 数说浙涪协作"),
    "items": Field(list, "the figures: each {value, unit, label}", True),
}
FACT = {
    "value": Field((str, int, float), "the number as printed, e.g. 239", True),
    "unit": Field(
        TEXT, "its unit as in the text, e.g. 户; value and unit must appear together in the text"
    ),
    "label": Field(TEXT, "what it counts, e.g. 浙江工商企业落户涪陵", True),
}
FIGURE = {
    "image": Field(TEXT, "image file relative to the book folder, e.g. images/photo.jpg"),
    "placeholder": Field(bool, "true while the photo is not available: a marked box is printed"),
    "caption": Field(TEXT, "图说, the caption", True),
    "credit": Field(TEXT, "署名, e.g. 李政 摄/视觉重庆"),
}
PAGE_SIZES = {
    "A5": (148.0, 210.0),
    "A4": (210.0, 297.0),
    "B5": (176.0, 250.0),
    "A6": (105.0, 148.0),
}
LANGUAGES = ("zh-Hans", "zh-CN", "zh")
# Every mapping of the format (book/README.md documents each field; a test checks it).
ALL = (BOOK, PAGE, ARTICLE, PERSON, EPIGRAPH, BYLINE, SECTION, LIST, TABLE, FACTS, FACT, FIGURE)


def type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {
        str: "text",
        list: "a list",
        dict: "a mapping",
        bool: "true or false",
        datetime.date: "a date (YYYY-MM-DD)",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)
