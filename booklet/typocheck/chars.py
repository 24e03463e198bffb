"""Character classes of the typography report: Han, Latin, Chinese punctuation and its ink side.

Kept apart from booklet/typeset/cjk.py on purpose: the report judges what the pipeline produced,
so it does not share the pipeline's own definitions.

Ink sides are those of Simplified Chinese forms (GB/T 15834, clreq): ，。、；：？！ and the
closing brackets and quotes sit in the left half of their em ("right blank"), the opening
ones in the right half. R4 and R5 use this to measure ink rather than boxes.
"""

from __future__ import annotations

import re
import unicodedata

PAUSES = frozenset("，。、；：？！")
CLOSE_BRACKETS = frozenset("”’）》」』】〕〉〗］｝")
OPENING = frozenset("“‘（《「『【〔〈〖［｛")
CLOSING = PAUSES | CLOSE_BRACKETS | {"·"}  # may not start a line (R1)
RIGHT_BLANK = PAUSES | CLOSE_BRACKETS  # ink in the left half of the em
FULLWIDTH_PUNCT = PAUSES | CLOSE_BRACKETS | OPENING  # the marks R5 pairs
CJK_PUNCT = FULLWIDTH_PUNCT | frozenset("—…·～／－")
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
BAD_INTERPUNCT = frozenset("・•‧･⋅∙")
_CIRCLED = "\u2460-\u2473\u3251-\u325f\u32b1-\u32bf"  # ① … ⑳ ㉑ … ㊿
# One glyph of a note's mark (a call is drawn as a few small raised glyphs: [, 1, ]).
NOTE_MARK = re.compile(f"[{_CIRCLED}0-9\\[\\]〔〕()（）*＊†‡]+")
# The start of a footnote: a mark that is never text (a bare number is told by its gap).
FOOTNOTE_START = re.compile(f"^\\s*(?:[{_CIRCLED}]|[\\[〔(（]\\d+[\\]〕)）]|[*＊†‡])")
# CJK-radicals-supplement code points that stand for whole characters and have no
# compatibility mapping (NFKC leaves them alone); Kangxi radicals map by NFKC.
RADICAL_FOR = dict(
    zip(
        "⺠⻄⻩⻅⻓⻋⻔⻜⻛⻢⻉⻝⻣⻤⻥⻦⻧⻨⻬⻮⻰⻳⺟⻑⻚⻙⻘",
        "民西黄见长车门飞风马贝食骨鬼鱼鸟卤麦齐齿龙龟母長页韦青",
        strict=True,
    )
)
HAN_CLASS = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007\U00020000-\U0003ffff]"
# a face made for Japanese, Korean or Traditional Chinese, by its names
REGION = re.compile(
    r"(?i:(?:cjk|han ?sans|han ?serif)[\s_-]?(jp|kr|tc|hk|tw|j|k))\b|[\s_-](JP|KR|TC|HK|TW)(?:[\s_-]|$)"
)
SC_FACE = re.compile(r"(?i)cjk ?sc\b|cjksc|\bsc\b|-sc\b")
BOLD = re.compile(r"(?i)bold|black|heavy|semibold|demibold|w[6-9]\b")
FOLIO = re.compile(r"[\s\-—–·•|/第]*(\d+|[ivxlcdm]+|[IVXLCDM]+)([\s\-—–·•|/]+\d+)?[\s\-—–·•|/页]*")


def is_han(ch: str) -> bool:
    """A Han ideograph (unified, extensions, compatibility, radicals) or 〇."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x3FFFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2E80 <= cp <= 0x2FDF
        or cp == 0x3007
    )


def is_western(ch: str) -> bool:
    """A Latin letter or a European digit (what R6 spaces from Han)."""
    cp = ord(ch)
    if ch.isascii():
        return ch.isalnum()
    return (
        ch.isalpha() and (0xC0 <= cp <= 0x24F or 0x1E00 <= cp <= 0x1EFF) and cp not in (0xD7, 0xF7)
    )


def is_punct(ch: str) -> bool:
    return ch in CJK_PUNCT or unicodedata.category(ch)[0] == "P"


def odd_code_point(ch: str) -> str | None:
    """Describe a radical or compatibility code point standing in for a character, else None."""
    cp = ord(ch)
    if 0x2E80 <= cp <= 0x2FDF:
        kind = "Kangxi radical" if cp >= 0x2F00 else "CJK radical"
    elif (0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F) and unicodedata.decomposition(ch):
        kind = "compatibility ideograph"
    else:
        return None
    plain = RADICAL_FOR.get(ch) or unicodedata.normalize("NFKC", ch)
    return f"{kind} U+{cp:04X} {ch}" + (f" for {plain}" if plain != ch else "")


def lenient(ch: str) -> str:
    """A character as a reader's search would match it: no spaces, radicals as characters."""
    if ch.isspace() or ch in INVISIBLE:
        return ""
    return RADICAL_FOR.get(ch) or unicodedata.normalize("NFKC", ch)
