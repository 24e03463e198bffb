"""Chinese typesetting rules (clreq) as functions on strings, with the HTML text pass built on them.

Each rule says what to adjust on plain text; it is applied in one of two places:

- inside a piece of text that WeasyPrint lays out in one go, by booklet/engine/justify.py (R5 halt
  on punctuation pairs, R6 Han–Latin gaps, R4 justification gaps, the R7 lone-line check),
  which costs nothing per occurrence;
- where an element boundary hides a character's neighbour from the engine (a <strong> run, a
  span of this pass), by markup: ``typeset()`` gives the character that carries the
  adjustment a span whose class styles/cjk.css turns into it.

``typeset()`` also emits what is markup by nature: R3 groups kept on one line (—— and ……
with the character before them, · and ～ likewise). Each adjustment is switched on and off
by its token in styles/tokens.css, never here: the markup is always the same.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import pairwise

import markupsafe

from booklet.model import Run

__all__ = [
    "CLASS_DOT",
    "CLASS_GAP_BEFORE",
    "CLASS_HALT",
    "CLASS_NOBR",
    "CLOSING",
    "OPENING",
    "counts_as_character",
    "halt_positions",
    "halt_target",
    "has_latin_next_to_han",
    "has_pair_or_gap",
    "has_punct_pair",
    "has_quote",
    "is_han",
    "justifiable",
    "justifiable_gaps",
    "latin_gap",
    "latin_gaps",
    "quote_breaks",
    "separable",
    "spreadable",
    "typeset",
]

# Classes of the markup this pass emits (styles/cjk.css gives them their effect).
CLASS_HALT = "bk-cjk-halt"  # one punctuation mark set half-width
CLASS_GAP_BEFORE = "bk-cjk-gap-before"  # character after a Han–Latin gap
CLASS_NOBR = "bk-cjk-nobr"  # characters kept on one line
CLASS_DOT = (
    "bk-em-dot"  # one character with an emphasis dot under it (styles/components/inline.css)
)

# Full-width punctuation that the Noto CJK SC fonts can set half-width with "halt". Opening
# marks carry their ink in the right half of the em; closing and middle marks (SC forms) in
# the left half.
OPENING = frozenset("“‘（《〈「『【〔〖［｛")
CLOSING = frozenset("”’）》〉」』】〕〗］｝，。、；：！？．")
FULLWIDTH_PUNCT = OPENING | CLOSING
DASHES = frozenset("—―⸺")  # —— is written as two U+2014
ELLIPSES = frozenset("…⋯")  # …… is written as two U+2026
NO_START = frozenset("·・～")  # may not start a line, but Pango lets them
PUNCTUATION = FULLWIDTH_PUNCT | DASHES | ELLIPSES | NO_START

_PUNCT_RUN = re.compile("[" + "".join(sorted(FULLWIDTH_PUNCT)) + "]{2,}")
# Candidates for R6, checked exactly by is_han and _is_latin: wide characters, and letters and
# digits of the Latin, Greek and Cyrillic scripts.
_WIDE = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff"
_LATIN = "0-9A-Za-z\u00aa\u00b5\u00ba\u00c0-\u024f\u0370-\u03ff\u0400-\u052f\u1e00-\u1fff"
_LATIN_CHAR = re.compile(f"[{_LATIN}]")
_HAN_LATIN = re.compile(f"[{_WIDE}](?=[{_LATIN}])|[{_LATIN}](?=[{_WIDE}])")
_SPACES = frozenset(" \u00a0")
_JOINER = "\u200d"


# Character classes ------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def is_han(char: str) -> bool:
    """A wide letter or number: Han, kana, hangul, bopomofo, full-width Latin."""
    return unicodedata.east_asian_width(char) in "WF" and unicodedata.category(char)[0] in "LN"


@lru_cache(maxsize=8192)
def _is_latin(char: str) -> bool:
    """A Latin (or Greek, Cyrillic) letter or a European digit."""
    return _LATIN_CHAR.match(char) is not None and unicodedata.category(char)[0] in "LN"


@lru_cache(maxsize=8192)
def counts_as_character(char: str) -> bool:
    """A character that counts for the lone-last-line rule (not punctuation, not a space)."""
    return char not in PUNCTUATION and unicodedata.category(char)[0] in "LNS"


@lru_cache(maxsize=8192)
def _kind(char: str) -> str:
    if char in _SPACES:
        return "space"
    if char in PUNCTUATION:
        return "punct"
    code = ord(char)
    if (
        unicodedata.category(char) in ("Mn", "Mc", "Me", "Cf")
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0000 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
    ):
        return "joined"  # continues the cluster before it
    if unicodedata.east_asian_width(char) in "WF":
        return "wide"
    return "other"


# Rules on pairs of characters ---------------------------------------------------------------


def halt_target(before: str, after: str) -> int | None:
    """R5: of two adjacent full-width marks, the one to set half-width (0, 1) or None.

    An opening mark after another mark loses its leading blank; otherwise a closing (or
    middle) mark before another mark loses its trailing blank. Opening then closing (“”)
    has no blank between the inks and stays. Compressing the opening mark of a
    closing–opening pair keeps a line that breaks between them as wide as it was measured.
    """
    if before in FULLWIDTH_PUNCT and after in FULLWIDTH_PUNCT:
        if after in OPENING:
            return 1
        if before in CLOSING:
            return 0
    return None


def has_punct_pair(text: str) -> bool:
    """Whether ``text`` holds two adjacent full-width punctuation marks (fast test)."""
    return _PUNCT_RUN.search(text) is not None


@lru_cache(maxsize=4096)
def halt_positions(text: str) -> tuple[int, ...]:
    """R5: indexes of the marks of ``text`` to set half-width."""
    positions: list[int] = []
    for match in _PUNCT_RUN.finditer(text):
        for i in range(match.start(), match.end() - 1):
            target = halt_target(text[i], text[i + 1])
            if target is not None and (not positions or positions[-1] != i + target):
                positions.append(i + target)
    return tuple(positions)


_QUOTE = re.compile("[“”‘’]")


def has_quote(text: str) -> bool:
    """Whether ``text`` holds a quotation mark (fast test for quote_breaks)."""
    return _QUOTE.search(text) is not None


@lru_cache(maxsize=4096)
def quote_breaks(text: str) -> tuple[int, ...]:
    """Indexes ``i`` such that a line may break before ``text[i]`` next to a quotation mark.

    The Unicode line-break rules Pango follows (UAX 14, LB19) allow no break on either side
    of “ ” ‘ ’, which are ambiguous between Western and Chinese use; Chinese text breaks
    there like before any opening and after any closing mark (clreq; Unicode 15.1 LB19a):
    before an opening quotation mark that follows a Han character or a closing mark, and
    after a closing quotation mark that a Han character or an opening mark follows.
    """
    found: set[int] = set()
    for i, char in enumerate(text):
        if not 0 < i < len(text) - 1:
            continue
        if char in "“‘" and (is_han(text[i - 1]) or text[i - 1] in CLOSING):
            found.add(i)
        elif char in "”’" and (is_han(text[i + 1]) or text[i + 1] in OPENING):
            found.add(i + 1)
    return tuple(sorted(found))


def latin_gap(before: str, after: str) -> bool:
    """R6: whether a Han–Latin gap separates two adjacent characters (a Han character and a
    Latin letter or European digit, in either order)."""
    return (is_han(before) and _is_latin(after)) or (_is_latin(before) and is_han(after))


def has_pair_or_gap(text: str) -> bool:
    """Whether ``text`` may need R5 or R6 (one fast test for has_punct_pair or
    has_latin_next_to_han)."""
    return _PUNCT_RUN.search(text) is not None or has_latin_next_to_han(text)


def has_latin_next_to_han(text: str) -> bool:
    """Whether ``text`` may hold a Han–Latin gap (fast test; latin_gaps decides)."""
    return _LATIN_CHAR.search(text) is not None and _HAN_LATIN.search(text) is not None


@lru_cache(maxsize=4096)
def latin_gaps(text: str) -> tuple[int, ...]:
    """R6: the indexes ``i`` of ``text`` such that a gap separates ``text[i - 1]`` and
    ``text[i]`` (a Han character and a Latin letter or digit)."""
    return tuple(
        match.end()
        for match in _HAN_LATIN.finditer(text)
        if latin_gap(text[match.end() - 1], text[match.end()])
    )


@lru_cache(maxsize=65536)
def justifiable(before: str, after: str) -> bool:
    """R4: whether justification may widen the gap between two adjacent characters.

    Gaps next to a Han character or a Chinese punctuation mark, and spaces, may widen; gaps
    inside a cluster, inside a Latin word, and between two punctuation marks (—— and ……, a
    compressed pair) may not.
    """
    kind_before, kind_after = _kind(before), _kind(after)
    if kind_after == "joined" or before == _JOINER:
        return False
    if kind_before == "space":
        return True
    if kind_after == "space" or kind_before == kind_after == "punct":
        return False
    return "wide" in (kind_before, kind_after) or "punct" in (kind_before, kind_after)


# Characters that are certainly "wide" or Chinese punctuation for justifiable(): a line made
# of them only is justifiable at every gap but between two marks (the fast path below).
_CJK_ONLY = re.compile(
    "[\u3001-\u3029\u3030-\u303e\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff01-\uff60\U00020000-\U0002fffd\U00030000-\U0003fffd"
    + "".join(sorted(PUNCTUATION))
    + "]+"
)
_MARK_RUN = re.compile("[" + "".join(sorted(PUNCTUATION)) + "]{2,}")


def justifiable_gaps(text: str) -> list[int]:
    """R4: indexes ``i`` of ``text`` such that the gap after ``text[i]`` may widen."""
    if _CJK_ONLY.fullmatch(text):
        gaps = list(range(len(text) - 1))
        for match in _MARK_RUN.finditer(text):
            gaps[match.start() : match.end() - 1] = [-1] * (match.end() - 1 - match.start())
        return [i for i in gaps if i >= 0]
    return [i for i in range(len(text) - 1) if justifiable(text[i], text[i + 1])]


def separable(before: str, after: str) -> bool:
    """R4 fallback for a line with no justifiable gap: any gap between two clusters."""
    return _kind(after) != "joined" and before != _JOINER


def spreadable(before: str, after: str) -> bool:
    """R4 for a line that its justifiable gaps alone would leave loose (a long Latin word or
    URL beside a few Han characters): any gap between two clusters but inside —— or ……."""
    return separable(before, after) and not (before == after and before in DASHES | ELLIPSES)


# Text pass ----------------------------------------------------------------------------------


def _extends_grapheme(text: str, index: int) -> bool:
    """Whether ``text[index]`` continues the grapheme cluster before it (approximation)."""
    return _kind(text[index]) == "joined" or (index > 0 and text[index - 1] == _JOINER)


_NOBR = re.compile(
    "["
    + "".join(sorted(DASHES))
    + "]+|["
    + "".join(sorted(ELLIPSES))
    + "]+|["
    + "".join(sorted(NO_START))
    + "]"
)


def _nobr_groups(text: str) -> list[tuple[int, int]]:
    """R3: each run of dashes or ellipses, and each · or ～, with the character before it."""
    groups: list[tuple[int, int]] = []
    for match in _NOBR.finditer(text):
        start, end = match.span()
        if start > 0 and not text[start - 1].isspace():
            start -= 1
            while start > 0 and _extends_grapheme(text, start):
                start -= 1
        if end - start < 2:
            continue
        if groups and start < groups[-1][1]:
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    return groups


def _with_calls(
    groups: list[tuple[int, int]], calls: list[int], text: str
) -> list[tuple[int, int]]:
    """The groups kept on one line, with the character before each note call joined to
    it: a line never starts with a call's mark (it reads like closing punctuation)."""
    ranges = sorted([*groups, *((at - 1, at) for at in calls if at > 0)])
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        while start > 0 and _extends_grapheme(text, start):
            start -= 1
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _split_pairs(text: str, boundaries: set[int]) -> dict[int, list[str]]:
    """R5 and R6 where an element boundary separates the two characters of a pair.

    The engine applies both rules inside each piece of text it lays out, so it cannot see a
    pair split by an element boundary. The character that carries the adjustment (the mark to
    compress, the character after a Han–Latin gap) then gets a span of its own; that span
    is a new boundary in turn, so this repeats until nothing changes. Returns the classes per
    character index.
    """
    spans: dict[int, list[str]] = {}
    pending = sorted(boundaries)
    while pending:
        boundary = pending.pop()
        if not 0 < boundary < len(text):
            continue
        before, after = text[boundary - 1], text[boundary]
        found = []
        if (target := halt_target(before, after)) is not None:
            found.append((boundary - 1 + target, CLASS_HALT))
        if latin_gap(before, after):
            # Like the engine, the gap goes with the character after it: if the line breaks
            # there, it is dropped at the start of the next line (justify.py).
            found.append((boundary, CLASS_GAP_BEFORE))
        for index, name in found:
            classes = spans.setdefault(index, [])
            if name not in classes:
                classes.append(name)
                pending.extend((index, index + 1))
    return spans


def _tags(tag: str | None) -> frozenset[str]:
    names = frozenset((tag or "").split())
    if names - {"strong", "em"}:
        raise ValueError(f"unknown run tag {tag!r}: expected None, 'strong', 'em' or 'note'")
    return names


def _ranges(runs: Sequence[tuple[int, int, frozenset[str]]], name: str) -> list[tuple[int, int]]:
    """The (start, end) ranges of the text whose runs carry ``name``, adjacent ones merged."""
    found: list[tuple[int, int]] = []
    for start, end, tags in runs:
        if name in tags and end > start:
            if found and found[-1][1] == start:
                found[-1] = (found[-1][0], end)
            else:
                found.append((start, end))
    return found


def typeset(
    runs: Sequence[Run], note: Callable[[str], markupsafe.Markup] | None = None
) -> markupsafe.Markup:
    """HTML for one paragraph or heading.

    The text is HTML-escaped (raw HTML in content is never interpreted), runs tagged "strong"
    are wrapped in <strong>, runs tagged "em" in <em> with a span per character that takes an
    emphasis dot (着重号: letters and numbers, never punctuation or spaces), and spans with
    ``bk-cjk-`` classes carry the clreq adjustments that need markup. A run tagged "note" is
    a note call: ``note(key)`` gives its markup, put where the call stands. The rules see the
    whole paragraph, across run boundaries. The text content of the result is exactly the
    text of the runs (the notes' markup aside): nothing is inserted or removed.
    """
    placed: list[tuple[int, int, frozenset[str]]] = []
    calls: list[tuple[int, str]] = []  # (position, key)
    texts, position = [], 0
    for text, tag in runs:
        if tag == "note":
            if note is None:
                raise ValueError("a note call, but no note markup was given")
            calls.append((position, text))
            continue
        tags = _tags(tag)
        placed.append((position, position + len(text), tags))
        texts.append(text)
        position += len(text)
    text = "".join(texts)
    if not text and not calls:
        return markupsafe.Markup("")
    pieces = _ranges(placed, "strong")
    emphasis = _ranges(placed, "em")

    groups = _nobr_groups(text)
    if calls:  # a note's call stays on the line of the character before it
        groups = _with_calls(groups, [at for at, _ in calls], text)
    cuts = {0, len(text)}
    for start, end in (*pieces, *emphasis, *groups):
        cuts.update((start, end))
    spans = _split_pairs(text, cuts)
    for start, end in emphasis:
        for index in range(start, end):
            if counts_as_character(text[index]):
                spans.setdefault(index, []).append(CLASS_DOT)
    for index in spans:
        cuts.update((index, index + 1))
    cuts.update(at for at, _ in calls)

    def find(ranges, index):
        """The range of ``ranges`` (sorted, disjoint) that holds ``index``, or None."""
        number = bisect_right(ranges, (index, len(text) + 1)) - 1
        return ranges[number] if number >= 0 and index < ranges[number][1] else None

    # Wrappers from the outside in: a group kept on one line, bold, emphasis.
    levels = (
        (groups, f'<span class="{CLASS_NOBR}">', "</span>"),
        (pieces, "<strong>", "</strong>"),
        (emphasis, "<em>", "</em>"),
    )
    out: list[str] = []
    active: list = [None, None, None]
    calls_at: dict[int, list[str]] = {}
    for at, key in calls:
        calls_at.setdefault(at, []).append(key)
    points = sorted(cuts)
    for start, end in pairwise(points):
        wanted = [find(ranges, start) for ranges, _, _ in levels]
        wanted[1:] = [None if w is None else True for w in wanted[1:]]  # bold, dots: on or off
        for key in calls_at.pop(start, ()):  # inside the group of the character before it
            out.append(str(note(key)))
        changed = next((n for n in range(3) if wanted[n] != active[n]), None)
        if changed is not None:
            for n in reversed(range(changed, 3)):
                if active[n] is not None:
                    out.append(levels[n][2])
            for n in range(changed, 3):
                if wanted[n] is not None:
                    out.append(levels[n][1])
            active = wanted
        piece = markupsafe.escape(text[start:end])
        if start in spans:
            out.append(f'<span class="{" ".join(spans[start])}">{piece}</span>')
        else:
            out.append(str(piece))
    for key in calls_at.pop(len(text), ()):
        out.append(str(note(key)))
    for n in reversed(range(3)):
        if active[n] is not None:
            out.append(levels[n][2])

    return markupsafe.Markup("".join(out))
