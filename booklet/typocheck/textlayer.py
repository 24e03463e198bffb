"""R11 and R12 on the text layer (what a reader searches and copies) and the embedded fonts.

R11, in a document whose /Lang is not Japanese, Korean or Traditional Chinese, per paragraph
(or other line): ASCII ``"`` ``'`` next to Chinese text; an ellipsis other than an even run
of U+2026 (``...``, ``。。。``, ``⋯``, a single ``…``); an interpunct other than U+00B7 between
Chinese characters; ``――`` or ``－－`` for the dash; corner brackets; ‘’ or 〈〉 used outside
“” or 《》; “”‘’ drawn narrower than ¾ em next to Han (a Western, proportional form); and
any font that sets Han or Chinese punctuation whose names say JP, KR, TC or HK and not SC.

R12: radical and compatibility code points, invisible characters and unmapped glyphs
anywhere. Footnotes are a stream of their own (read against the source's notes, when
given), and note calls' marks are left out of the text compared: a note is read once, at
its page's foot, never inside the sentence that calls it. Without the source: a space between two Han characters. With the source: each
paragraph (after NFC) must be found in the text layer in order, a line break standing for
nothing or for a source space; when it is not, the report says whether it is out of order,
changed (inserted spaces, radicals, lost spaces), or not there at all.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence

from booklet.typocheck.chars import (
    BAD_INTERPUNCT,
    CJK_PUNCT,
    FULLWIDTH_PUNCT,
    HAN_CLASS,
    INVISIBLE,
    REGION,
    SC_FACE,
    is_han,
    lenient,
    odd_code_point,
)
from booklet.typocheck.layout import Layout, Line
from booklet.typocheck.model import Violation


class Text:
    """Lines joined by newlines, each offset mapped back to its line."""

    def __init__(self, lines: Sequence[Line], page: int = 1) -> None:
        self.page = page  # for a violation when there is no text at all
        parts: list[str] = []
        self.owner: list[Line] = []
        for line in lines:
            # A space at a line end is text too; a note call's mark is not the source's.
            text = "".join(g.text for g in line.glyphs if not g.call)
            parts.append(text + "\n")
            self.owner += [line] * (len(text) + 1)
        self.text = "".join(parts)

    def violation(self, rule: str, offset: int, detail: str, line: str | None = None) -> Violation:
        if not self.owner:
            return Violation(rule, self.page, line or "", detail)
        owner = self.owner[min(offset, len(self.owner) - 1)]
        return Violation(rule, owner.page, owner.text if line is None else line, detail)


def _cjk_near(text: str, i: int) -> bool:
    return any(is_han(c) or c in CJK_PUNCT for c in text[max(0, i - 2) : i] + text[i + 1 : i + 3])


def mainland_forms(layout: Layout, lang: str, fonts: dict[str, str]) -> list[Violation]:  # R11
    if re.match(r"(?i)(ja|ko|zh-(hant|tw|hk|mo))\b", lang):
        return []
    out: list[Violation] = []
    in_paragraph = {id(line) for para in layout.paragraphs for line in para}
    blocks = [Text(para) for para in layout.paragraphs] + [
        Text([line])
        for page in layout.pages
        for line in page.lines
        if line.kind != "furniture" and id(line) not in in_paragraph
    ]
    for block in blocks:
        out += _forms(block)
    em = layout.em
    used: dict[str, list] = {}  # font → [first line, CJK glyphs]
    for page in layout.pages:
        for line in page.lines:
            for i, g in enumerate(line.ink):
                width = (g.x1 - g.x0) / em
                near = line.ink[max(0, i - 1) : i + 2]
                if g.text in "“”‘’" and width < 0.75 and any(is_han(n.text[0]) for n in near):
                    detail = (
                        f"{g.text} set in a Western form ({width:.2f} em wide) in {_plain(g.font)}"
                    )
                    out.append(Violation("R11", line.page, line.text, detail))
                if is_han(g.text[0]) or g.text[0] in FULLWIDTH_PUNCT:
                    used.setdefault(g.font, [line, 0])[1] += 1
    for font, (line, count) in used.items():
        names = _plain(fonts.get(font, font))
        region = REGION.search(f"{font} {names}")
        if region and not SC_FACE.search(names):
            tag = (region.group(1) or region.group(2)).upper()
            out.append(
                Violation(
                    "R11",
                    line.page,
                    line.text,
                    f"{count} CJK glyphs in {names}: a {tag} face, not SC",
                )
            )
    return out


def _plain(font: str) -> str:
    """A font name without its subset tag (ABCDEF+)."""
    return re.sub(r"^[A-Z]{6}\+", "", font)


def _forms(block: Text) -> list[Violation]:
    text, out = block.text, []
    for m in re.finditer(r"[\"']", text):
        if _cjk_near(text, m.start()):
            out.append(
                block.violation(
                    "R11", m.start(), f"ASCII {m.group()} in Chinese text: use “ ” or ‘ ’"
                )
            )
    for m in re.finditer(r"\.{2,}|。{2,}|．{2,}|⋯+|…+", text):
        dots = m.group()
        if dots[0] == "." and not (_cjk_near(text, m.start()) or _cjk_near(text, m.end() - 1)):
            continue  # dots in Latin text
        if dots[0] == "." and (len(dots) >= 8 or re.match(r" *\d+ *\n", text[m.end() :])):
            continue  # a leader, as in a table of contents
        if not (set(dots) == {"…"} and len(dots) % 2 == 0):
            out.append(block.violation("R11", m.start(), f"ellipsis {dots}: use …… (two U+2026)"))
    for m in re.finditer("[" + "".join(BAD_INTERPUNCT) + "]", text):
        # Between Chinese characters: a mark at a line's start (a list's bullet) is none.
        at = m.start()
        if at > 0 and text[at - 1] != "\n" and _cjk_near(text, at):
            out.append(
                block.violation(
                    "R11", m.start(), f"interpunct U+{ord(m.group()):04X} {m.group()}: use U+00B7 ·"
                )
            )
    for m in re.finditer(r"――|－－", text):
        out.append(block.violation("R11", m.start(), f"dash {m.group()}: use —— (two U+2014)"))
    for m in re.finditer(r"[「」『』]", text):
        out.append(
            block.violation(
                "R11",
                m.start(),
                f"corner bracket {m.group()}: mainland text quotes with “ ” and ‘ ’",
            )
        )
    stack: list[str] = []
    closers = {"”": "“", "’": "‘", "》": "《", "〉": "〈"}
    for i, ch in enumerate(text):
        if ch == "‘" and "“" not in stack:
            out.append(
                block.violation("R11", i, "‘’ used as outer quotes: “” go outside, ‘’ inside")
            )
        if ch == "〈" and "《" not in stack:
            out.append(block.violation("R11", i, "〈〉 used alone: 《》 go outside, 〈〉 inside"))
        if ch in "“‘《〈":
            stack.append(ch)
        elif ch in closers and closers[ch] in stack:
            del stack[len(stack) - 1 - stack[::-1].index(closers[ch]) :]
    return out


def text_layer(
    layout: Layout, source: Sequence[str] | None, notes: Sequence[str] | None = None
) -> list[Violation]:  # R12
    """R12 on the body's reading order; footnotes are read apart, in page order, against
    ``notes`` (the source's footnotes) when given."""
    first = layout.pages[0].number if layout.pages else 1
    lines = [line for page in layout.pages for line in _reading_order(page)]
    footnotes = [line for page in layout.pages for line in page.lines if line.kind == "note"]
    out = _text_layer(Text(lines, first), source)
    if footnotes or notes:
        out += _text_layer(Text(footnotes, first), notes)
    return out


def _text_layer(stream: Text, source: Sequence[str] | None) -> list[Violation]:
    text, out = stream.text, []
    known = set("".join(source or ()))
    for i, ch in enumerate(text):
        if ch in known:
            continue
        odd = odd_code_point(ch)
        if odd:
            out.append(stream.violation("R12", i, f"{odd} in the text layer"))
        elif ch in INVISIBLE:
            out.append(stream.violation("R12", i, f"invisible U+{ord(ch):04X} in the text layer"))
    for m in re.finditer(r"\(cid:\d+\)", text):
        out.append(stream.violation("R12", m.start(), f"glyph {m.group()} has no Unicode mapping"))
    if source is None:
        for m in re.finditer(
            HAN_CLASS + r"([ \u00a0\u3000]+\n?|\n[ \u00a0\u3000]+)" + HAN_CLASS, text
        ):
            space = m.group(1).replace("\n", "")[0]
            detail = f"space U+{ord(space):04X} between {m.group()[0]} and {m.group()[-1]}"
            out.append(stream.violation("R12", m.start() + 1, detail))
        return out
    paragraphs = [unicodedata.normalize("NFC", p).strip() for p in source]
    return out + _compare(stream, [p for p in paragraphs if p])


def _reading_order(page) -> list[Line]:
    rest = [
        line
        for line in page.lines
        if line.kind not in ("furniture", "note") and line not in page.flow
    ]
    return page.flow + rest


def _pattern(para: str) -> re.Pattern:
    """The paragraph as it may come back: a line break may fall between any two characters."""
    parts: list[str] = []
    for ch in para:
        if ch.isspace():
            if parts and parts[-1] != "SPACE":
                parts.append("SPACE")
            continue
        if parts and parts[-1] != "SPACE":
            parts.append(r"\n?")
        parts.append(re.escape(ch))
    return re.compile("".join(r"(?:[ \u00a0\u3000]+\n?|\n)" if p == "SPACE" else p for p in parts))


def _compare(stream: Text, paragraphs: list[str]) -> list[Violation]:
    """Place every source paragraph in the text layer; report those out of order, changed, lost.

    Each paragraph may be found several times (a title on the cover, in the contents and
    over its article): of all the places, the longest run in source order is kept, and a
    paragraph found only elsewhere is out of order.
    """
    text, out = stream.text, []
    loose_at = [i for i, ch in enumerate(text) for _ in lenient(ch)]
    loose = "".join(lenient(ch) for ch in text)
    places: list[list[tuple[int, int]]] = []  # per paragraph: (start, end) in the text
    changed: list[bool] = []
    for para in paragraphs:
        found = [(m.start(), m.end()) for m in _pattern(para).finditer(text)]
        changed.append(not found)
        if not found:  # there, but changed: spaces inserted, radicals, ...
            want = "".join(lenient(ch) for ch in para)
            at = loose.find(want)
            while at >= 0 and len(found) < 50:
                found.append((loose_at[at], loose_at[at + len(want) - 1] + 1))
                at = loose.find(want, at + 1)
        places.append(found[:50])
    chosen = _in_order(places)
    end = 0
    for n, (para, place) in enumerate(zip(paragraphs, chosen, strict=True), 1):
        if place is not None:
            if changed[n - 1]:
                detail = f"source paragraph {n}: {_differences(para, text[place[0] : place[1]])}"
                out.append(stream.violation("R12", place[0], detail))
            end = place[1]
        elif places[n - 1]:
            detail = f"source paragraph {n} is out of order: {_short(para)}"
            out.append(stream.violation("R12", places[n - 1][0][0], detail))
        else:
            out.append(_lost(stream, loose, loose_at, para, n, end))
    return out


def _in_order(places: list[list[tuple[int, int]]]) -> list[tuple[int, int] | None]:
    """One place per paragraph, forming the longest run in source order (None: left out)."""
    tails: list[int] = []  # patience sorting on start offsets
    tail_item: list[tuple[int, int]] = []
    back: dict[tuple[int, int], tuple[int, int] | None] = {}
    for n, found in enumerate(places):
        for k, (start, _) in sorted(enumerate(found), key=lambda kf: -kf[1][0]):
            i = bisect.bisect_left(tails, start)
            back[n, k] = tail_item[i - 1] if i else None
            if i == len(tails):
                tails.append(start)
                tail_item.append((n, k))
            else:
                tails[i], tail_item[i] = start, (n, k)
    chosen: list[tuple[int, int] | None] = [None] * len(places)
    item = tail_item[-1] if tail_item else None
    while item is not None:
        chosen[item[0]] = places[item[0]][item[1]]
        item = back[item]
    return chosen


def _lost(
    stream: Text, loose: str, loose_at: list[int], para: str, n: int, after: int
) -> Violation:
    """A paragraph not found: where, after the previous one, its beginning stops matching."""
    want = "".join(lenient(ch) for ch in para)
    start = bisect.bisect_left(loose_at, after)
    lo, hi = 0, len(want)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if loose.find(want[:mid], start) >= 0 else (lo, mid - 1)
    if lo < min(8, len(want)):
        return stream.violation(
            "R12", after, f"source paragraph {n} not found in the text layer", _short(para)
        )
    at = loose.find(want[:lo], start)
    end = loose_at[at + lo - 1] + 1  # where the PDF and the source part, in the PDF text
    got = stream.text[end : end + 8].replace("\n", "")
    shown = _shown(para, lo)
    detail = f"source paragraph {n} differs after …{para[:shown][-8:]}: the PDF has {got}, the source {para[shown : shown + 8]}"
    return stream.violation("R12", end - 1, detail)


def _shown(para: str, n: int) -> int:
    """How many characters of the source paragraph make its first n lenient ones."""
    count = 0
    for i, ch in enumerate(para):
        if count >= n:
            return i
        count += len(lenient(ch))
    return len(para)


def _differences(para: str, got: str) -> str:
    """What the text layer did to a paragraph it still holds (spaces, radicals, invisibles)."""
    notes: list[str] = []
    got = got.replace("\n", "")
    i = 0
    for j, ch in enumerate(got):
        want = para[i] if i < len(para) else ""
        if ch == want:
            i += 1
        elif want.isspace():
            notes.append(f"the space before {got[j : j + 2]} is lost")
            i += 2 if lenient(ch) == para[i + 1 : i + 2] else 1
        elif ch.isspace() or ch in INVISIBLE:
            notes.append(
                f"U+{ord(ch):04X} inserted between {got[j - 1 : j]} and {got[j + 1 : j + 2]}"
            )
        else:
            notes.append(f"{odd_code_point(ch) or f'{ch} U+{ord(ch):04X}'} in place of {want}")
            i += 1
    shown = "; ".join(notes[:3]) + (f"; and {len(notes) - 3} more" if len(notes) > 3 else "")
    return f"the text layer differs: {shown}"


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[:n] + "…"
