"""The Chinese text rules and the text pass (booklet/typeset/cjk.py), on strings only."""

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booklet.typeset.cjk import (
    CLASS_GAP_BEFORE,
    CLASS_HALT,
    CLASS_NOBR,
    counts_as_character,
    halt_positions,
    halt_target,
    has_pair_or_gap,
    is_han,
    justifiable,
    justifiable_gaps,
    latin_gap,
    latin_gaps,
    quote_breaks,
    separable,
    typeset,
)


class _Reader(HTMLParser):
    """Text content and element structure of an HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.open, self.elements = [], [], []

    def handle_starttag(self, tag, attrs):
        self.open.append(tag)
        self.elements.append((tag, dict(attrs).get("class"), len("".join(self.text))))

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open}"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def read(html):
    reader = _Reader()
    reader.feed(str(html))
    reader.close()
    assert not reader.open, f"unclosed {reader.open}"
    return "".join(reader.text), reader.elements


def spans(html, name):
    """Text of every span with class ``name`` (spans of the text pass are never nested in
    one another except inside a nobr group)."""
    found = []
    for piece in str(html).split(f'class="{name}')[1:]:
        inner = piece.split(">", 1)[1]
        depth, text, i = 1, "", 0
        while depth:
            if inner.startswith("</span>", i):
                depth -= 1
                i += len("</span>")
            elif inner.startswith("<span", i):
                depth += 1
                i = inner.index(">", i) + 1
            elif inner[i] == "<":
                i = inner.index(">", i) + 1
            else:
                text += inner[i]
                i += 1
        found.append(read(text)[0])
    return found


# Character rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pair", "target"),
    [
        ("”，", 0),  # closing then closing: the first loses its trailing blank
        ("。”", 0),
        ("）、", 0),
        ("》，", 0),
        ("》《", 1),  # closing then opening: the opening one loses its leading blank
        ("：“", 1),
        ("，“", 1),
        ("“《", 1),  # opening then opening: the second
        ("（“", 1),
        ("“”", None),  # opening then closing: no blank between the inks
        ("《》", None),
        ("好，", None),
        ("——", None),
        ("……", None),
    ],
)
def test_halt_target(pair, target):
    assert halt_target(*pair) == target


def test_halt_positions_in_runs_of_marks():
    #       0 1 2 3 4 5 6 7 8 9 ...
    text = "“好”。”（《好》）（）、《》《"
    assert halt_positions(text) == (2, 3, 5, 6, 8, 10, 11, 13, 15)
    assert halt_positions("说：“好。”") == (2, 4)
    assert halt_positions("从之江大地到巴山渝水，一场") == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第6代", (1, 2)),  # a gap before the 6 and one before 代
        ("第6代AMOLED（柔性）", (1, 2, 3)),
        ("“2349”现代", ()),  # next to punctuation: no gap
        ("增长37%，为", (2,)),  # % is not a letter or digit
        ("3座+1座", (1, 4)),
        ("12吋", (2,)),
        ("T3B航站楼", (3,)),
        ("涪陵 AMOLED", ()),  # the author's space stays the only gap
        ("ＡＢ汉", ()),  # full-width letters are not Latin text
    ],
)
def test_latin_gaps(text, expected):
    assert latin_gaps(text) == expected
    assert has_pair_or_gap(text) == (bool(expected) or bool(halt_positions(text)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("的“浙涪”的", (1, 5)),  # before “ after a Han character, after ” before one
        ("，“浙", (1,)),  # after a closing mark
        ("浙”“浙", (2,)),  # between a closing and an opening mark, once
        ("浙‘好’的", (1, 4)),  # single marks alike
        ("“浙”", ()),  # at the ends of the text the engine decides
        ("浙”，", ()),  # never before a closing mark
        ("——“浙", ()),  # after a dash: left to the engine
        ("He said “hi” then", ()),  # Western quotes in Latin text
    ],
)
def test_quote_breaks(text, expected):
    assert quote_breaks(text) == expected


def test_latin_gap_pairs():
    assert latin_gap("代", "A") and latin_gap("9", "年") and latin_gap("é", "字")
    assert not latin_gap("，", "A") and not latin_gap("A", "B") and not latin_gap("汉", "字")


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("汉", "字", True),
        ("汉", "，", True),
        ("，", "汉", True),
        ("汉", "A", True),
        ("A", "B", False),  # inside a Latin word
        ("2", "3", False),  # inside a number
        ("”", "，", False),  # between two marks (a compressed pair)
        ("—", "—", False),  # inside ——
        ("…", "…", False),  # inside ……
        (" ", "A", True),  # a space
        ("A", " ", False),  # the space after counts, not the gap before it
        ("e", "\u0301", False),  # inside a cluster
        ("😀", "汉", True),
    ],
)
def test_justifiable(before, after, expected):
    assert justifiable(before, after) is expected


@pytest.mark.parametrize(
    "text",
    [
        "从之江大地到巴山渝水，一场横跨千里、绵延的“双向奔赴”，书写——了……东·西",
        "绵延30余载的“双向奔赴”AMOLED 12吋 e\u0301字",
        "《〈好〉》！？",
    ],
)
def test_justifiable_gaps_agrees_with_the_pair_rule(text):
    expected = [i for i in range(len(text) - 1) if justifiable(text[i], text[i + 1])]
    assert justifiable_gaps(text) == expected


def test_separable_keeps_clusters():
    assert separable("A", "B") and not separable("e", "\u0301") and not separable("\u200d", "👦")


def test_character_classes():
    assert is_han("碕") and is_han("𠀀") and is_han("あ") and not is_han("A") and not is_han("，")
    assert counts_as_character("好") and counts_as_character("A") and counts_as_character("😀")
    assert not counts_as_character("，") and not counts_as_character("—")
    assert not counts_as_character("·") and not counts_as_character(" ")


# The text pass ----------------------------------------------------------------------------


def test_plain_paragraph_needs_no_markup():
    # Punctuation pairs and Han–Latin gaps inside one run are the engine's job (justify.py).
    text = "从之江大地到巴山渝水，一场横跨千里、绵延30余载的“双向奔赴”。”"
    assert typeset([(text, None)]) == text


def test_escapes_raw_html():
    html = typeset([('<b onclick="x">&amp;</b>', None), ("<i>", "strong")])
    assert "<b" not in html and "<i>" not in html
    assert read(html)[0] == '<b onclick="x">&amp;</b><i>'


def test_strong_runs():
    html = typeset([("浙江", None), ("人民情怀", "strong"), ("是", None), ("。", "strong")])
    assert html == "浙江<strong>人民情怀</strong>是<strong>。</strong>"
    assert typeset([("甲", "strong"), ("乙", "strong")]) == "<strong>甲乙</strong>"


def test_unknown_tag_is_refused():
    with pytest.raises(ValueError, match="unknown run tag 'u'"):
        typeset([("好", "u")])


def test_empty():
    assert typeset([]) == "" and typeset([("", None), ("", "strong")]) == ""


def test_one_character_paragraph():
    assert typeset([("好", None)]) == "好"


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("生产线——浙江", ["线——"]),
        ("——浙江对口支援", ["——"]),  # at the start: the dashes themselves
        ("未完……好", ["完……"]),
        ("马克·吐温", ["克·"]),
        ("3～5年", ["3～"]),
        ("说 ——好", ["——"]),  # nothing is bound across a space
        ("好——……", ["好——……"]),  # touching groups merge
    ],
)
def test_groups_kept_on_one_line(text, groups):
    html = typeset([(text, None)])
    assert spans(html, CLASS_NOBR) == groups


def test_pairs_split_by_a_run_boundary_get_a_span():
    # “ opens a strong run right after ：: the engine sees the two marks in two boxes.
    html = typeset([("说：", None), ("“好", "strong"), ("”。", None)])
    assert spans(html, CLASS_HALT) == ["“"]
    # Only pairs split by a boundary: ”（ inside the strong run is left to the engine.
    html = typeset([("好。", None), ("”（", "strong"), ("《书", None)])
    assert spans(html, CLASS_HALT) == ["。", "《"]
    assert read(html)[0] == "好。”（《书"
    # A mark that becomes a span of its own makes a new boundary; the rule follows it.
    html = typeset([("好。”", None), ("）", "strong")])
    assert spans(html, CLASS_HALT) == ["。", "”"]


def test_latin_gap_split_by_a_run_boundary_gets_a_span():
    html = typeset(
        [("发放", None), ("8亿元", "strong"), ("A", None), ("座", "strong"), ("+1", None)]
    )
    # The character after each gap carries it. 8 gets a span of its own, so the gap between
    # 8 and 亿 is split by an element boundary too: 亿 follows.
    assert spans(html, CLASS_GAP_BEFORE) == ["8", "亿", "A", "座"]
    assert read(html)[0] == "发放8亿元A座+1"


def test_group_boundary_is_a_run_boundary_too():
    # The nobr group "”——" starts between 。 and ”: 。 is compressed by markup.
    html = typeset([("好。”——好", None)])
    assert spans(html, CLASS_HALT) == ["。"] and spans(html, CLASS_NOBR) == ["”——"]
    # The group "A·" starts right after a Han–Latin boundary.
    html = typeset([("代A·B", None)])
    assert spans(html, CLASS_GAP_BEFORE) == ["A"]


def test_rare_characters_emoji_and_nested_quotes_pass_through():
    text = "在嘉陵江碕石两岸😀👨‍👩‍👧“他说：‘好’”《〈论语〉》——……"
    html = typeset([(text, None)])
    assert read(html)[0] == text


# Property: the text pass never changes the text ----------------------------------------------

_INTERESTING = list("“”‘’（）《》〈〉，。、；：！？—…·～ 汉字碕AMOLED2349e\u0301\u200d😀<>&\"'\n")
_TEXT = st.text(
    alphabet=st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(_INTERESTING))
)
_RUNS = st.lists(st.tuples(_TEXT, st.sampled_from([None, "strong"])), max_size=6)


@settings(max_examples=300, deadline=None)
@given(_RUNS)
def test_text_content_is_the_input(runs):
    html = typeset(runs)
    text, elements = read(html)
    assert text == "".join(text for text, _ in runs)
    assert {tag for tag, _, _ in elements} <= {"span", "strong"}
    assert all(tag == "strong" or (name or "").startswith("bk-") for tag, name, _ in elements)
