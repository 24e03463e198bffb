"""The blocks of a body: paragraphs, quotations, verse, sign-offs, lists, tables, figures, facts.

Each reader takes the raw YAML value of one block and the Checker, reports what is wrong at
its place, and returns the model value (or None when nothing printable is left).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from booklet.model import (
    BlockQuote,
    Cell,
    Fact,
    Facts,
    Figure,
    ListBlock,
    ListItem,
    Paragraph,
    PullQuote,
    SignOff,
    Table,
    Verse,
)
from booklet.problems import Where, did_you_mean

from . import schema
from .load import YList, YMap, YStr

if TYPE_CHECKING:
    from .validate import Checker

# Enumerations an editor types at an item's start: 一、 （一） (1) 1. 1、 ①.
CHINESE_DIGITS = "零一二三四五六七八九"
_TYPED_MARK = re.compile(
    r"^(?:[一二三四五六七八九十百]+、|（[一二三四五六七八九十百]+）|[(（]\d+[)）]"
    r"|\d+[.．、](?!\d)|[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf])"
)
CIRCLED = (
    [chr(c) for c in range(0x2460, 0x2474)]
    + [chr(c) for c in range(0x3251, 0x3260)]
    + [chr(c) for c in range(0x32B1, 0x32C0)]
)  # ① … ㊿
BULLETS = "●○•·◆■□▪–—"
# A table cell that is a number: digits, an optional thousands separator and decimal point,
# a sign, a per cent sign.
_NUMBER = re.compile(r"^([+\-−]?\d{1,3}(?:[,，]\d{3})*|[+\-−]?\d+)([.．]\d+)?([%％‰]?)$")
_EMPTY_CELL = frozenset({"", "—", "–", "-", "……"})


def block_list(blocks=schema.BLOCK_KINDS) -> str:
    return "; ".join(f"{kind}: {doc.split(':')[0]}" for kind, doc in blocks.items())


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (1–99)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CHINESE_DIGITS[tens] + "十")
    return head + (CHINESE_DIGITS[ones] if ones else "")


def numbering(form: str) -> tuple[str, str, str] | None:
    """A generated numbering written as an example: (prefix, counter, suffix), counter one of
    '1', '一', '①', or '' for a bullet; None when the form is not understood."""
    found = [(i, c) for i, c in enumerate(form) if c in "1一①"]
    if len(found) > 1:
        return None
    if not found:
        return ("", "", form) if form and all(c in BULLETS for c in form) else None
    at, counter = found[0]
    prefix, suffix = form[:at], form[at + 1 :]
    if any(c.isdigit() or c in CHINESE_DIGITS for c in prefix + suffix):
        return None
    return prefix, counter, suffix


def mark_for(number: int, form: tuple[str, str, str]) -> str:
    prefix, counter, suffix = form
    if counter == "1":
        value = str(number)
    elif counter == "一":
        value = chinese_number(number)
    elif counter == "①":
        value = CIRCLED[number - 1]
    else:
        value = ""
    return prefix + value + suffix


def read_block(item: Any, where: Where, check: Checker, words: list[str]):
    """One block of a body; ``words`` collects the article's own text (for pull quotes)."""
    if isinstance(item, str):
        paragraph = check.paragraph(item, where, "paragraph")
        words.append(paragraph.text)
        return paragraph
    if isinstance(item, YMap) and len(item) == 1 and next(iter(item)) in schema.BLOCK_KINDS:
        kind = next(iter(item))
        block = READERS[kind](item, check)
        for paragraph in _words(block):
            words.append(paragraph.text)
        return block
    if isinstance(item, YMap):
        unknown = [k for k in item if k not in schema.BLOCK_KINDS]
        if unknown:
            # A close spelling is a typo of that block; anything else may be another
            # element altogether (blockquote is not quote): every block is listed.
            typo = did_you_mean(unknown[0], schema.BLOCK_KINDS)
            typo = typo if typo and _close(unknown[0], typo) else ""
            check.error(
                item.key_where[unknown[0]],
                "content.unknown-block",
                f"unknown block '{unknown[0]}'",
                (typo + " " if typo else "")
                + f"a block is a paragraph (text) or one of: {block_list()}",
            )
        else:
            check.error(
                where,
                "content.unknown-block",
                f"a block holds one of {', '.join(item)}, not several",
                "start each block with its own '- '",
            )
        return None
    if item is None:
        check.error(where, "content.empty-text", "empty paragraph", "remove the empty '-' line")
        return None
    check.error(
        where,
        "content.wrong-type",
        f"a paragraph must be text, not {check.describe(item)}",
        "put the text in quotes",
    )
    return None


def _close(word: str, suggestion: str) -> bool:
    """Whether a did-you-mean suggestion is a typo of ``word`` (one or two letters off)."""
    other = suggestion.split("'")[1]
    return abs(len(other) - len(word)) <= 2 and len(set(word) ^ set(other)) <= 3


def _words(block) -> list[Paragraph]:
    if isinstance(block, BlockQuote):
        return list(block.paragraphs)
    if isinstance(block, Verse):
        return list(block.lines)
    if isinstance(block, SignOff):
        return list(block.lines)
    if isinstance(block, ListBlock):
        return [item.body for item in block.items]
    return []


def _quote(item: YMap, check: Checker) -> PullQuote | None:
    where = item.value_where["quote"]
    value = item["quote"]
    if not isinstance(value, str):
        check.error(
            where,
            "content.wrong-type",
            f"a quote must be text, not {check.describe(value)}",
            "put the text in quotes",
        )
        return None
    return PullQuote(check.text(value, where, "quote"), where)


def _lines_of(value: Any, where: Where, kind: str, check: Checker):
    """(text, place) of each line of a line-kept block, '' between stanzas: a | block keeps
    its lines; a list gives one line per item."""
    if isinstance(value, YList):
        found = []
        for line, line_where in zip(value, value.item_where, strict=True):
            if line is None or (isinstance(line, str) and not line.strip()):
                found.append(("", line_where))
            elif isinstance(line, str):
                found.append((line, line_where))
            else:
                check.error(
                    line_where,
                    "content.wrong-type",
                    f"a line of {kind} must be text, not {check.describe(line)}",
                    "put the text in quotes",
                )
        return found
    if isinstance(value, YStr) and value.lines is not None:
        return list(zip(value.lines, value.places, strict=True))
    if isinstance(value, YStr):
        check.error(
            where,
            "content.lines-joined",
            f"the lines of this {kind} are joined into one",
            f"write {kind}: | and the lines indented under it, or a list of lines",
        )
        return [(value, where)]
    if isinstance(value, str):
        return [(value, where)]
    check.error(
        where,
        "content.wrong-type",
        f"{kind} must be text or a list of lines, not {check.describe(value)}",
        f"write {kind}: | and the lines indented under it",
    )
    return []


def _verse(item: YMap, check: Checker) -> Verse | None:
    where = item.value_where["verse"]
    if item["verse"] is None:
        check.error(
            item.key_where["verse"],
            "content.empty-text",
            "the verse has no lines",
            "write verse: | and the lines indented under it",
        )
        return None
    stanzas: list[list[Paragraph]] = [[]]
    for text, line_where in _lines_of(item["verse"], where, "verse", check):
        if not text.strip():
            if stanzas[-1]:
                stanzas.append([])
            continue
        stanzas[-1].append(check.paragraph(text, line_where, "verse line"))
    stanzas = [s for s in stanzas if s]
    if not stanzas:
        check.error(where, "content.empty-text", "the verse has no lines", "write its lines")
        return None
    return Verse(tuple(tuple(s) for s in stanzas), where)


def _signoff(item: YMap, check: Checker) -> SignOff | None:
    where = item.value_where["signoff"]
    if item["signoff"] is None:
        check.error(
            item.key_where["signoff"],
            "content.empty-text",
            "the sign-off is empty",
            "write the date line after signoff:",
        )
        return None
    lines = [
        check.paragraph(text, line_where, "sign-off")
        for text, line_where in _lines_of(item["signoff"], where, "signoff", check)
        if text.strip()
    ]
    if not lines:
        check.error(where, "content.empty-text", "the sign-off is empty", "write the date line")
        return None
    return SignOff(tuple(lines), where)


def _blockquote(item: YMap, check: Checker) -> BlockQuote | None:
    where = item.value_where["blockquote"]
    value = item["blockquote"]
    if isinstance(value, str):
        texts = [(value, where)]
    elif isinstance(value, YList):
        texts = []
        for text, text_where in zip(value, value.item_where, strict=True):
            if isinstance(text, str):
                texts.append((text, text_where))
            else:
                check.error(
                    text_where,
                    "content.wrong-type",
                    f"a paragraph of a quotation must be text, not {check.describe(text)}",
                    "put the text in quotes",
                )
    else:
        check.error(
            where,
            "content.wrong-type",
            f"a blockquote must be text or a list of paragraphs, not {check.describe(value)}",
            "write blockquote: followed by the quoted text",
        )
        return None
    paragraphs = [check.paragraph(t, w, "quotation") for t, w in texts]
    return BlockQuote(tuple(paragraphs), where) if paragraphs else None


def _list(item: YMap, check: Checker) -> ListBlock | None:
    where = item.value_where["list"]
    value = item["list"]
    form = None
    if isinstance(value, YMap):
        data = check.fields(value, schema.LIST, "a list")
        numbers = check.get(data, "numbers")
        if isinstance(numbers, int | float) and not isinstance(numbers, bool):
            # YAML reads numbers: 1. as the number 1.0 (and 1 as 1): the form meant.
            numbers = "1." if isinstance(numbers, float) else str(numbers)
        if numbers is not None:
            form = numbering(numbers)
            if form is None:
                check.error(
                    data.value_where["numbers"],
                    "content.list-numbers",
                    f"numbers '{numbers}' is not a numbering this list can generate",
                    "write the first number as it should print: 1. 1、 一、 （一） (1) ①, "
                    "or a bullet such as ●",
                )
        entries = check.list_items(data, "items") if data is not None else []
    elif isinstance(value, YList):
        entries = list(zip(value, value.item_where, strict=True))
    else:
        check.error(
            where,
            "content.wrong-type",
            f"a list must be a list of items, not {check.describe(value)}",
            "write each item on its own line starting with '- '",
        )
        return None
    texts = []
    for entry, entry_where in entries:
        if isinstance(entry, str):
            texts.append((check.text(entry, entry_where, "list item"), entry_where))
        else:
            check.error(
                entry_where,
                "content.wrong-type",
                f"a list item must be text, not {check.describe(entry)}",
                "put the text in quotes",
            )
    if not texts:
        check.error(where, "content.empty-text", "the list has no items", "add items")
        return None
    if form and form[1] == "①" and len(texts) > len(CIRCLED):
        check.error(
            where,
            "content.list-numbers",
            f"① numbers go to ㊿; this list has {len(texts)} items",
            "use 1. instead",
        )
        form = None
    typed = form is None and all(_TYPED_MARK.match(text) for text, _ in texts)
    items = []
    for number, (text, entry_where) in enumerate(texts, start=1):
        if typed:
            mark = _TYPED_MARK.match(text).group()
            rest = text[len(mark) :].lstrip()
            body = check.paragraph(rest, entry_where, "list item", checked=True)
            items.append(ListItem(mark, True, body))
        else:
            body = check.paragraph(text, entry_where, "list item", checked=True)
            items.append(ListItem(mark_for(number, form) if form else "", False, body))
    ordered = typed or bool(form and form[1])
    return ListBlock(tuple(items), ordered, where)


def _cell(value: Any, where: Where, check: Checker) -> Cell | None:
    if isinstance(value, bool) or (value is not None and not isinstance(value, str | int | float)):
        check.error(
            where,
            "content.wrong-type",
            f"a table cell must be text or a number, not {check.describe(value)}",
            "put the text in quotes",
        )
        return None
    if value is None:
        text = ""
    elif isinstance(value, float):
        text = getattr(value, "text", "") or f"{value:g}"  # as typed: 100.0 stays 100.0
    else:
        text = str(value)
    empty = Paragraph((), where)
    body = check.paragraph(text, where, "table cell", notes=False) if text else empty
    match = _NUMBER.match(body.text)
    number = (match.group(1), (match.group(2) or "") + match.group(3)) if match else None
    return Cell(body, number)


def _table(item: YMap, check: Checker) -> Table | None:
    where = item.key_where["table"]
    data = check.fields(item["table"], schema.TABLE, "a table")
    if data is None:
        check.error(
            where, "content.wrong-type", "a table must be a mapping", "give it header: and rows:"
        )
        return None
    header = [
        c for v, w in check.list_items(data, "header") if (c := _cell(v, w, check)) is not None
    ]
    if not header and data.get("header") is not None:
        check.error(
            data.value_where["header"],
            "content.table-header",
            "the header is empty",
            "write one heading per column: header: [篇名, 年份]",
        )
    rows = []
    for number, (row, row_where) in enumerate(check.list_items(data, "rows"), start=1):
        if not isinstance(row, YList):
            check.error(
                row_where,
                "content.wrong-type",
                f"row {number} must be a list of cells, not {check.describe(row)}",
                "write each row as [cell, cell, …]",
            )
            continue
        cells = [c for v, w in zip(row, row.item_where, strict=True) if (c := _cell(v, w, check))]
        if header and len(row) != len(header):
            check.error(
                row_where,
                "content.table-row",
                f"row {number} has {len(row)} cells; the header has {len(header)}",
                'give every row one cell per column (an empty cell is "")',
            )
            continue
        rows.append(tuple(cells))
    if not header or not rows:
        if data.get("rows") is not None and not rows and header:
            check.error(
                data.value_where["rows"],
                "content.table-rows",
                "the table has no rows",
                "write rows: [[…], …]",
            )
        return None
    columns = len(header)
    numeric, fraction = [], []
    for column in range(columns):
        cells = [row[column] for row in rows if row[column].body.text not in _EMPTY_CELL]
        is_number = bool(cells) and all(c.number for c in cells)
        numeric.append(is_number)
        fraction.append(max((len(c.number[1]) for c in cells), default=0) if is_number else 0)
    return Table(
        caption=check.get(data, "caption", ""),
        header=tuple(header),
        rows=tuple(rows),
        numeric=tuple(numeric),
        fraction=tuple(fraction),
        source=check.get(data, "source", ""),
        where=where,
    )


def _figure(item: YMap, check: Checker) -> Figure | None:
    where = item.key_where["figure"]
    data = check.fields(item["figure"], schema.FIGURE, "a figure")
    if data is None:
        check.error(
            where,
            "content.wrong-type",
            "a figure must be a mapping",
            "give it image:, caption: and credit:",
        )
        return None
    placeholder = bool(data.get("placeholder"))
    image = None
    if data.get("image") and placeholder:
        check.error(
            data.value_where["placeholder"],
            "content.figure-placeholder",
            "a figure has both an image and placeholder: true",
            "remove placeholder: true now that the image is here",
        )
    elif data.get("image"):
        image = check.inside_book(data["image"], data.value_where["image"], "image")
        if image is not None and not image.is_file():
            folder = image.parent
            check.error(
                data.value_where["image"],
                "content.image-missing",
                f"image not found: {data['image']} (looked in {check.shown(folder)}/)",
                "check the file name, or set placeholder: true until the photo arrives",
            )
            image = None
        elif image is not None and (trouble := check.verdicts.check(image)):
            check.error(
                data.value_where["image"],
                "content.image-bad",
                f"{data['image']}: {trouble[0]}",
                trouble[1],
            )
            image = None
    elif not placeholder:
        check.error(
            where,
            "content.figure-image",
            "a figure needs image: or placeholder: true",
            "add image: images/<file>",
        )
    # A placeholder is reported by the preflight: a warning on screen, an error in print.
    return Figure(
        caption=data.get("caption") or "",
        credit=data.get("credit") or "",
        where=where,
        image=image,
        placeholder=placeholder,
    )


def _facts(item: YMap, check: Checker) -> Facts | None:
    where = item.key_where["facts"]
    data = check.fields(item["facts"], schema.FACTS, "a facts panel")
    if data is None:
        check.error(
            where, "content.wrong-type", "facts must be a mapping", "give it title: and items:"
        )
        return None
    facts = []
    for entry, entry_where in check.list_items(data, "items"):
        fact = check.fields(entry, schema.FACT, "a fact")
        if fact is None:
            check.error(
                entry_where,
                "content.wrong-type",
                "a fact must be a mapping",
                "write - value: …, unit: …, label: …",
            )
        elif fact.get("value") is not None and fact.get("label"):
            value = fact["value"]
            value = f"{value:g}" if isinstance(value, float) else str(value)
            facts.append((Fact(value, check.get(fact, "unit", ""), fact["label"]), entry_where))
    if not facts:
        return None
    panel = Facts(check.get(data, "title", ""), tuple(f for f, _ in facts), where)
    check.pending_facts.extend(facts)
    return panel


READERS = {
    "quote": _quote,
    "blockquote": _blockquote,
    "verse": _verse,
    "signoff": _signoff,
    "list": _list,
    "table": _table,
    "figure": _figure,
    "facts": _facts,
}
