"""The Chinese typesetting hook: replacements for six WeasyPrint 70.0 functions (text layout,
line layout, drawing) that apply booklet/typeset/cjk.py's rules to Chinese (lang zh*) text.

The rules come from booklet/typeset/cjk.py; this module applies them where the engine can see the
text, without adding boxes (each extra inline box costs WeasyPrint about as much as a short
line). ``booklet.engine.hooked(typeset=True)`` puts these in place of six engine functions
for the length of a build, and always gives the engine its own back:

``text.line_break.Layout.set_text``
    R5: asks HarfBuzz for the "halt" feature on one mark of each pair of adjacent full-width
    punctuation marks (a font-features attribute on that character). Token
    ``--bk-cjk-punct-trim`` ("halt" on, ``normal`` off).
    R6: gives the character after each Han–Latin boundary Pango letter-spacing worth the gap
    (token ``--bk-cjk-latin-gap``, ``0`` off), so that the layout measures and breaks the line
    with the gap in it. When the line breaks at the boundary, the character starts the next
    line, whose text does not hold its neighbour: no gap at either end of a line.
    R1/R2 and R4: lets the line break before an opening and after a closing quotation mark
    where Chinese allows it (``cjk.quote_breaks``; Pango allows no break on either side of
    “ ”), with Pango 1.50's word and allow-breaks attributes. Without it a quoted phrase
    and the characters around it move down whole and leave a loose line. Token
    ``--bk-cjk-quote-breaks`` (``allow`` on, ``normal`` off).
``layout.inline.text_align`` (once per line)
    R6: drops the Han–Latin gap margin (``bk-cjk-gap-before`` span from the text pass) at the
    start of a line, then runs the original. Records the line's natural width for R7.
``layout.inline.justify_line`` (justified lines)
    R4: for Chinese lines, spreads the missing width evenly over the gaps that
    ``cjk.justifiable`` allows (next to Han characters and Chinese punctuation, spaces),
    never inside ——/……, between two marks, across a Han–Latin margin or after the line's
    last character. A Han–Latin gap widens like its neighbours, so it stays ¼ em wider
    than the other gaps of its line. Each TextBox is widened and the boxes after it moved,
    as the engine does for spaces; the gaps are recorded on the box (``bk_gaps``). Other
    lines: the original.
``layout.inline.get_next_linebox`` and ``layout.inline.split_inline_box``
    R7: when the text left after a line would make a last line of one character (plus
    punctuation), the line is laid out again with its right edge just short of where its
    content ended, so its last breakable piece moves down. Token ``--bk-cjk-lone-last-line``
    (``avoid`` on, ``allow`` off).
``draw.text.draw_first_line``
    Before the engine writes a TextBox, moves each R6 gap in front of its character (Pango
    spreads letter-spacing on both sides of it) and adds the R4 amounts to the advance of the
    glyph that ends each gap's cluster. The PDF thus holds positioning only, and its text
    layer is exactly the source text. The engine makes a new Pango layout for every drawing,
    so a page drawn again (kept from an earlier build) is adjusted afresh.

``booklet/engine/gate.py`` refuses any WeasyPrint but the pinned one and checks that each
internal the hook relies on exists with the expected signature (``PATCHED`` and ``USED``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from booklet.typeset import cjk

# Functions replaced: (module, attribute path) -> parameter names of the original.
PATCHED = {
    ("weasyprint.text.line_break", "Layout.set_text"): ("self", "text", "justify"),
    ("weasyprint.layout.inline", "text_align"): ("context", "line", "available_width", "last"),
    ("weasyprint.layout.inline", "justify_line"): ("context", "line", "extra_width"),
    ("weasyprint.layout.inline", "get_next_linebox"): (
        "context",
        "linebox",
        "position_y",
        "bottom_space",
        "skip_stack",
        "containing_block",
        "absolute_boxes",
        "fixed_boxes",
        "first_letter_style",
        "first_line_style",
    ),
    ("weasyprint.layout.inline", "split_inline_box"): (
        "context",
        "box",
        "position_x",
        "max_x",
        "bottom_space",
        "skip_stack",
        "containing_block",
        "absolute_boxes",
        "fixed_boxes",
        "line_placeholders",
        "waiting_floats",
        "line_children",
        "first_letter_style",
        "first_line_style",
    ),
    ("weasyprint.draw.text", "draw_first_line"): (
        "stream",
        "textbox",
        "text_overflow",
        "block_ellipsis",
        "matrix",
    ),
}
# Other internals read by the hook.
USED = (
    ("weasyprint.formatting_structure.boxes", "TextBox"),
    ("weasyprint.formatting_structure.boxes", "InlineBox"),
    ("weasyprint.formatting_structure.boxes", "LineBox"),
    ("weasyprint.formatting_structure.boxes", "ParentBox"),
    ("weasyprint.formatting_structure.boxes", "Box.translate"),
    ("weasyprint.formatting_structure.boxes", "Box.is_in_normal_flow"),
    ("weasyprint.formatting_structure.boxes", "Box.content_box_x"),
    ("weasyprint.text.line_break", "Layout.get_first_line"),
    ("weasyprint.text.ffi", "TO_UNITS"),
    ("weasyprint.text.ffi", "ffi"),
)
# Pango functions the hook declares itself (WeasyPrint 70 does not); Pango 1.50 has them.
PANGO_DECLARATIONS = """
PangoAttribute * pango_attr_word_new (void);
PangoAttribute * pango_attr_allow_breaks_new (gboolean allow_breaks);
PangoAttrList * pango_attr_list_copy (PangoAttrList *list);
"""
PANGO = (
    "pango_attr_word_new",
    "pango_attr_allow_breaks_new",
    "pango_attr_list_copy",
    "pango_layout_get_attributes",
    "pango_layout_set_attributes",
    "pango_layout_set_single_paragraph_mode",
    "pango_attr_list_new",
    "pango_attr_list_unref",
    "pango_attr_list_insert",
    "pango_attr_font_features_new",
    "pango_attr_letter_spacing_new",
    "pango_attr_list_change",
    "pango_font_get_glyph_extents",
)

# The engine's own functions, by attribute path, bound by bind() once the gate has passed.
_ORIGINALS: dict[str, object] = {}
# Engine modules, bound by bind().
boxes = ffi = pango = None
TO_UNITS = 1024


def bind(originals: dict[str, object]) -> None:
    """Take the engine's modules and its own functions (the gate has checked them)."""
    global boxes, ffi, pango, TO_UNITS
    from weasyprint.formatting_structure import boxes
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    if not getattr(ffi, "_bk_declared", False):
        ffi.cdef(PANGO_DECLARATIONS)
        ffi._bk_declared = True
    _ORIGINALS.update(originals)


# Styles -----------------------------------------------------------------------------------


def _is_chinese(style) -> bool:
    lang = style["lang"]
    return bool(lang) and lang[:2].lower() == "zh"


def _token(style, name: str) -> str | None:
    """The value of a --bk-cjk-* custom property as one word, or None if it is not set."""
    tokens = style[name]
    return getattr(tokens[0], "value", None) if tokens else None


# R5 and R6 inside a text layout --------------------------------------------------------------

_FEATURES: dict[str, bytes] = {}
_UNITS = {
    "px": 1,
    "pt": 4 / 3,
    "pc": 16,
    "in": 96,
    "cm": 96 / 2.54,
    "mm": 96 / 25.4,
    "q": 96 / 101.6,
}


def _latin_gap(style) -> float:
    """The Han–Latin gap in CSS pixels, from --bk-cjk-latin-gap (0 if unset or unknown)."""
    tokens = style["__bk_cjk_latin_gap"]
    if not tokens:
        return 0
    token = tokens[0]
    if token.type == "dimension":
        unit = token.unit.lower()
        if unit == "em":
            return token.value * style["font_size"]
        return token.value * _UNITS.get(unit, 0)
    return 0


def _r6_spacing(gap: int, last: bool) -> tuple[int, int, int]:
    """Pango letter-spacing for a character that starts with a gap of ``gap`` units, and what
    Pango then adds: (letter-spacing, added before the glyph, added in all).

    Pango spreads letter-spacing half before and half after a character, and adds only the
    half before to the last character of a text. An odd value keeps it from rounding the
    halves to whole pixels.
    """
    if last:
        amount = 2 * gap + 1
        return amount, amount // 2, amount // 2
    amount = gap | 1
    return amount, amount // 2, amount


def _byte_offsets(text: str, indexes) -> list[int]:
    """UTF-8 offsets of the characters at ``indexes`` (sorted)."""
    offsets, position, byte = [], 0, 0
    for index in indexes:
        byte += len(text[position:index].encode())
        position = index
        offsets.append(byte)
    return offsets


_NO_ATTRIBUTES = object()  # the layout had no attribute list before the hook added one


def _set_text(self, text, justify=False):
    base = getattr(self, "bk_base_attributes", None)
    if base is not None:
        # The engine sets new text on the same layout (typically the first line of the text
        # it had) and keeps its attributes: those this hook added for the old text may not
        # hold in the new one. Start again from the list as the engine had made it.
        restored = (
            ffi.NULL
            if base is _NO_ATTRIBUTES
            else ffi.gc(pango.pango_attr_list_copy(base), pango.pango_attr_list_unref)
        )
        pango.pango_layout_set_attributes(self.layout, restored)
        self.bk_base_attributes = None
    _ORIGINALS["Layout.set_text"](self, text, justify)
    text = self.text
    if len(text) < 2:
        return
    quotes = cjk.has_quote(text) and _token(self.style, "__bk_cjk_quote_breaks") == "allow"
    if not (quotes or cjk.has_pair_or_gap(text)) or not _is_chinese(self.style):
        return
    attr_list = pango.pango_layout_get_attributes(self.layout)
    if attr_list == ffi.NULL:
        self.bk_base_attributes = _NO_ATTRIBUTES
        attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    else:
        self.bk_base_attributes = ffi.gc(
            pango.pango_attr_list_copy(attr_list), pango.pango_attr_list_unref
        )
    if quotes:
        _allow_quote_breaks(text, attr_list)
    halts = cjk.has_punct_pair(text)
    gaps = cjk.has_latin_next_to_han(text)
    feature = _token(self.style, "__bk_cjk_punct_trim") if halts else None
    if feature and feature != "normal":
        features = _FEATURES.setdefault(feature, f"{feature} 1".encode())
        positions = cjk.halt_positions(text)
        for index, start in zip(positions, _byte_offsets(text, positions), strict=True):
            attr = pango.pango_attr_font_features_new(features)
            attr.start_index, attr.end_index = start, start + len(text[index].encode())
            pango.pango_attr_list_insert(attr_list, attr)
    gap = round(_latin_gap(self.style) * TO_UNITS) if gaps else 0
    if gap > 0:
        spacing = self.style["letter_spacing"]
        spacing = 0 if spacing == "normal" else round(spacing * TO_UNITS)
        found = cjk.latin_gaps(text)
        last = len(text) - 1
        for index, start in zip(found, _byte_offsets(text, found), strict=True):
            # The gap goes with the character after it: if the line breaks there, that
            # character starts the next line, where its neighbour is not in the text.
            amount, _, _ = _r6_spacing(gap, index == last)
            attr = pango.pango_attr_letter_spacing_new(amount + spacing)
            attr.start_index, attr.end_index = start, start + len(text[index].encode())
            pango.pango_attr_list_change(attr_list, attr)
    pango.pango_layout_set_attributes(self.layout, attr_list)


def _allow_quote_breaks(text: str, attr_list) -> None:
    """Line breaks next to quotation marks where Chinese allows them (cjk.quote_breaks).

    Pango 1.50 adds a break opportunity before a range marked as a word (PangoAttrWord), and
    may add one after it; a range where breaks are not allowed, laid over an opening mark
    and the character after it, takes that one back: no line ends with an opening mark.
    """
    found = cjk.quote_breaks(text)
    for index, start in zip(found, _byte_offsets(text, found), strict=True):
        end = start + len(text[index].encode())
        word = pango.pango_attr_word_new()
        word.start_index, word.end_index = start, end
        pango.pango_attr_list_insert(attr_list, word)
        if text[index] in cjk.OPENING and index + 1 < len(text):
            keep = pango.pango_attr_allow_breaks_new(False)
            keep.start_index, keep.end_index = start, end + len(text[index + 1].encode())
            pango.pango_attr_list_insert(attr_list, keep)


# R6: no Han–Latin gap at the start of a line ------------------------------------------------


def _trim_line_start(line) -> None:
    """Drop the margin of a ``bk-cjk-gap-before`` span that starts the line."""
    box, path = line, []
    while isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow() and not (
                isinstance(child, boxes.TextBox) and not child.text
            ):
                path.append((box, child))
                box = child
                break
        else:
            return
        if not isinstance(box, boxes.InlineBox):
            return
        gap = box.margin_left
        element = box.element
        if (
            gap
            and gap > 0
            and element is not None
            and cjk.CLASS_GAP_BEFORE in (element.get("class") or "").split()
        ):
            box.margin_left = 0
            for child in box.children:
                child.translate(dx=-gap, ignore_floats=True)
            for parent, on_path in path:
                parent.width -= gap
                for sibling in parent.children[parent.children.index(on_path) + 1 :]:
                    if sibling.is_in_normal_flow():
                        sibling.translate(dx=-gap, ignore_floats=True)
            return


def _text_align(context, line, available_width, last):
    if line.children and isinstance(line.children[0], boxes.InlineBox):
        _trim_line_start(line)
    line.bk_natural_right = line.content_box_x() + line.width
    line.bk_available_width = available_width
    return _ORIGINALS["text_align"](context, line, available_width, last)


# R4: inter-character justification --------------------------------------------------------


def _leaves(line):
    """In-flow leaves of a line in order, as (box, decorated_before): whether margin, border
    or padding separates the leaf from the one before it."""
    leaves = []
    pending = False

    def walk(box):
        nonlocal pending
        for child in box.children:
            if not child.is_in_normal_flow():
                continue
            if isinstance(child, boxes.InlineBox):
                if child.margin_left or child.border_left_width or child.padding_left:
                    pending = True
                walk(child)
                if child.margin_right or child.border_right_width or child.padding_right:
                    pending = True
            else:
                leaves.append((child, pending))
                pending = False

    walk(line)
    return leaves


def _find_gaps(leaves, test) -> dict[int, list[int]]:
    """Per TextBox (by id), the indexes of the characters after which the gap may widen."""
    gaps: dict[int, list[int]] = {}
    for number, (leaf, _) in enumerate(leaves):
        if not isinstance(leaf, boxes.TextBox) or not leaf.text:
            continue
        text = leaf.text
        if test is cjk.justifiable:
            found = cjk.justifiable_gaps(text)
        else:
            found = [i for i in range(len(text) - 1) if test(text[i], text[i + 1])]
        # A Han–Latin gap widens like every other gap of the line: the ¼ em stays the
        # difference between it and its neighbours, which is what the eye compares.
        if number + 1 < len(leaves):
            following, decorated = leaves[number + 1]
            if (
                not decorated
                and isinstance(following, boxes.TextBox)
                and following.text
                and test(text[-1], following.text[0])
            ):
                found.append(len(text) - 1)
        if found:
            gaps[id(leaf)] = found
    return gaps


def _spread(box, gaps, amount, x_advance):
    """Move and widen the boxes of a line for the given gaps, like add_word_spacing."""
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        found = gaps.get(id(box))
        box.bk_gaps = (tuple(found), amount) if found else None
        if found:
            extra = amount * len(found)
            box.width += extra
            x_advance += extra
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _spread(child, gaps, amount, x_advance)
        box.width += x_advance - before
    else:
        box.translate(x_advance, 0)
    return x_advance


# A justified line is loose when a gap between characters widens by more than this (em).
LOOSE_EM = 0.1


def _justify_line(context, line, extra_width):
    if not _is_chinese(line.style) or line.style["direction"] != "ltr":
        return _ORIGINALS["justify_line"](context, line, extra_width)
    if extra_width <= 1e-3:
        return None
    leaves = _leaves(line)
    gaps = _find_gaps(leaves, cjk.justifiable) or _find_gaps(leaves, cjk.separable)
    count = sum(len(found) for found in gaps.values())
    if not count or extra_width / count > LOOSE_EM * line.style["font_size"]:
        # Few places to widen (Latin beside a few Han characters): spread over every gap
        # between characters, Latin letters included, rather than leave holes.
        wider = _find_gaps(leaves, cjk.spreadable)
        if (more := sum(len(found) for found in wider.values())) > count:
            gaps, count = wider, more
    if count:
        _spread(line, gaps, extra_width / count, 0)
    return None


# R7: no last line with a lone character ---------------------------------------------------


def _remainder(box, skip_stack, found):
    """Count what follows ``skip_stack`` in ``box``: found = [characters, marks, allowed]."""
    if isinstance(box, boxes.TextBox):
        start = next(iter(skip_stack)) if skip_stack else 0
        text = box.text.encode()[start:].decode() if start else box.text
        if text.strip() and _token(box.style, "__bk_cjk_lone_last_line") != "avoid":
            found[2] = True
        for char in text:
            if cjk.counts_as_character(char):
                found[0] += 1
                if found[0] >= 2:
                    return
            elif not char.isspace():
                found[1] += 1
    elif isinstance(box, boxes.ParentBox):
        index, child_skip = next(iter(skip_stack.items())) if skip_stack else (0, None)
        for child in box.children[index:]:
            if child.is_in_normal_flow():
                _remainder(child, child_skip, found)
                if found[0] >= 2:
                    return
            elif child.is_floated() or child.is_absolutely_positioned():
                found[2] = True  # laying the line out again would place it twice
            child_skip = None
    else:  # atomic inline box: counts as one character
        found[0] += 1


def _has_out_of_flow(box) -> bool:
    return any(
        not child.is_in_normal_flow() or _has_out_of_flow(child)
        for child in getattr(box, "children", ())
    )


def _get_next_linebox(
    context,
    linebox,
    position_y,
    bottom_space,
    skip_stack,
    containing_block,
    absolute_boxes,
    fixed_boxes,
    first_letter_style,
    first_line_style,
):
    original = _ORIGINALS["get_next_linebox"]
    arguments = (
        context,
        linebox,
        position_y,
        bottom_space,
        skip_stack,
        containing_block,
        absolute_boxes,
        fixed_boxes,
        first_letter_style,
        first_line_style,
    )
    line, resume_at = original(*arguments)
    if (
        line is None
        or resume_at is None
        or first_letter_style
        or not _is_chinese(linebox.style)
        or _token(linebox.style, "__bk_cjk_lone_last_line") != "avoid"
    ):
        return line, resume_at
    found = [0, 0, False]
    _remainder(linebox, resume_at, found)
    characters, marks, allowed = found
    natural_right = getattr(line, "bk_natural_right", None)
    if allowed or characters >= 2 or characters + marks == 0 or natural_right is None:
        return line, resume_at
    if _has_out_of_flow(line):
        return line, resume_at
    context.bk_line_limit = (linebox, natural_right - 0.01)
    try:
        new_line, new_resume_at = original(*arguments)
    finally:
        context.bk_line_limit = None
    moved = natural_right - getattr(new_line, "bk_natural_right", natural_right)
    if new_resume_at is None or not 0.01 < moved <= line.bk_available_width / 3:
        return line, resume_at  # nothing could move, or the line would be left too loose
    return new_line, new_resume_at


def _split_inline_box(context, box, position_x, max_x, *rest):
    # The rest of the engine's arguments pass through untouched (the gate pins them).
    limit = getattr(context, "bk_line_limit", None)
    if limit is not None and limit[0] is box:
        max_x = min(max_x, limit[1])
    return _ORIGINALS["split_inline_box"](context, box, position_x, max_x, *rest)


# Drawing: R6 and R4 gaps as glyph advances ----------------------------------------------------


class _Line:
    """The runs of a Pango line, to find the glyph that ends the cluster holding a byte."""

    def __init__(self, line):
        self.runs = []  # (start byte, end byte, glyph string, log clusters, font)
        run = line.runs
        while run != ffi.NULL:
            item, glyphs = run.data.item, run.data.glyphs
            run = run.next
            if glyphs.num_glyphs:
                clusters = ffi.unpack(glyphs.log_clusters, glyphs.num_glyphs)
                self.runs.append(
                    (item.offset, item.offset + item.length, glyphs, clusters, item.analysis.font)
                )
        self.starts = [run[0] for run in self.runs]

    def last_glyph(self, offset):
        """(run number, glyph index) of the last glyph of the cluster holding ``offset``."""
        number = bisect_right(self.starts, offset) - 1
        if number < 0 or offset >= self.runs[number][1]:
            return None
        return number, bisect_right(self.runs[number][3], offset - self.runs[number][0]) - 1

    def first_glyph(self, position):
        """The first glyph of the cluster that ends at ``position``."""
        number, index = position
        clusters = self.runs[number][3]
        return number, bisect_left(clusters, clusters[index])

    def previous_glyph(self, number, index):
        """The last glyph of the cluster before the one that ends at ``index``."""
        clusters = self.runs[number][3]
        first = bisect_left(clusters, clusters[index])
        if first > 0:
            return number, first - 1
        if number > 0:
            return number - 1, len(self.runs[number - 1][3]) - 1
        return None

    def glyph(self, position):
        number, index = position
        return self.runs[number][2].glyphs[index]


def _adjust_glyphs(textbox, r6, justification) -> None:
    """Set the glyph advances of a TextBox's Pango line before the engine draws it.

    ``r6``: (indexes of the characters after a Han–Latin gap, the gap in Pango units);
    ``justification``: (indexes of the characters followed by a widened gap, amount in px).
    """
    layout = textbox.pango_layout
    # draw_first_line sets this too; setting it first keeps Pango's cached line valid.
    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    line = _Line(layout.get_first_line()[0])
    if not line.runs:
        return
    text = layout.text

    extras: dict[tuple[int, int], float] = {}  # glyph -> px added after it
    if r6:
        found, gap = r6
        last = len(text) - 1
        for index, offset in zip(found, _byte_offsets(text, found), strict=True):
            position = line.last_glyph(offset)
            previous = position and line.previous_glyph(*position)
            if previous is None:
                continue
            # Pango spread the gap around the character (see _r6_spacing): take it back and
            # put it all after the glyph before. Its position on the page does not change.
            _, before, added = _r6_spacing(gap, index == last)
            first = line.first_glyph(position)
            line.glyph(first).geometry.x_offset -= before
            line.glyph(first).geometry.width -= before
            line.glyph(position).geometry.width -= added - before
            extras[previous] = added / TO_UNITS
    if justification:
        indexes, amount = justification
        for offset in _byte_offsets(text, indexes):
            if (position := line.last_glyph(offset)) is not None:
                extras[position] = extras.get(position, 0) + amount

    # draw_first_line writes each advance as whole thousandths of an em, truncated toward
    # zero. Hand it whole thousandths (plus half of one, so that the truncation cannot lose
    # one to rounding noise) and carry the remainder along the line: the line then ends
    # within half a thousandth of an em of where the layout put it.
    font_size = textbox.style["font_size"]
    exact = done = 0
    for position in sorted(extras):
        exact += extras[position] * 1000 / font_size
        thousandths = round(exact) - done
        done += thousandths
        line.glyph(position).geometry.width += round(
            (thousandths + 0.5) * font_size / 1000 * TO_UNITS
        )


def _draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    justification = getattr(textbox, "bk_gaps", None)
    r6 = None
    text = textbox.pango_layout.text
    if cjk.has_latin_next_to_han(text) and _is_chinese(textbox.style):
        gap = round(_latin_gap(textbox.style) * TO_UNITS)
        if gap > 0:
            r6 = (cjk.latin_gaps(text), gap)
    if (justification or r6) and text_overflow != "ellipsis" and block_ellipsis == "none":
        _adjust_glyphs(textbox, r6, justification)
    return _ORIGINALS["draw_first_line"](stream, textbox, text_overflow, block_ellipsis, matrix)


# What each patched function is replaced with, by attribute path.
REPLACEMENTS = {
    "Layout.set_text": _set_text,
    "text_align": _text_align,
    "justify_line": _justify_line,
    "get_next_linebox": _get_next_linebox,
    "split_inline_box": _split_inline_box,
    "draw_first_line": _draw_first_line,
}
