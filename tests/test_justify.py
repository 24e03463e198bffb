"""End to end: render Chinese text with WeasyPrint and the hook (booklet/engine/justify.py), read the
glyph positions back with pdfplumber and check the typesetting rules on them."""

import io
import logging
import statistics
import unicodedata
from itertools import pairwise
from pathlib import Path

import pdfplumber
import pytest
import weasyprint
from pypdf import PdfReader

from booklet import engine
from booklet.typeset.cjk import (
    CLOSING,
    FULLWIDTH_PUNCT,
    OPENING,
    counts_as_character,
    is_han,
    typeset,
)

from .conftest import SOURCE

ROOT = Path(__file__).resolve().parents[1]

PT = 10.5  # body size
EM = PT
LEFT = 20 / 25.4 * 72  # page margin: 20 mm
RIGHT = LEFT + 30 * EM  # a 30 em column
TOLERANCE = 0.05 * EM

PAGE_CSS = f"""
@font-face {{ font-family: "Test Serif"; src: url({(ROOT / "fonts/NotoSerifCJKsc-Regular.otf").as_uri()}); }}
@font-face {{ font-family: "Test Serif"; font-weight: bold;
             src: url({(ROOT / "fonts/NotoSerifCJKsc-Bold.otf").as_uri()}); }}
@page {{ size: A5; margin: 15mm 0 15mm 20mm; }}
body {{ margin: 0; font-family: "Test Serif"; font-size: {PT}pt; line-height: 1.75; }}
article {{ width: 30em; }}
p {{ text-align: justify; text-indent: 2em; margin: 0; }}
p.flat {{ text-indent: 0; }}
"""


def stylesheet(tokens=None):
    """The project's token block and cjk.css, as the pipeline's entry stylesheet sees them."""
    css = (ROOT / "styles/tokens.css").read_text(encoding="utf-8")
    if tokens is not None:
        css = css.replace("/* cjk:end */", tokens + " /* cjk:end */")
    return css + (ROOT / "styles/cjk.css").read_text(encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def hook():
    with engine.hooked(typeset=True):
        yield


class _Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def render(body, css="", tokens=None, allow_warnings=False):
    html = (
        '<html lang="zh-Hans"><head><style>'
        f"{stylesheet(tokens)}{PAGE_CSS}{css}</style></head><body><article>{body}</article></body></html>"
    )
    warnings = _Warnings()
    logging.getLogger("weasyprint").addHandler(warnings)
    try:
        pdf = weasyprint.HTML(string=html).write_pdf()
    finally:
        logging.getLogger("weasyprint").removeHandler(warnings)
    assert allow_warnings or not warnings.messages, warnings.messages
    return pdf


def p(text, css_class=""):
    """A paragraph through the text pass; ``text`` is a string or a list of runs."""
    runs = [(text, None)] if isinstance(text, str) else text
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<p{attribute}>{typeset(runs)}</p>"


def text_of(line):
    return "".join(char["text"] for char in line)


def read_lines(pdf):
    """Lines of glyphs, in reading order: chars sharing a baseline, left to right."""
    lines = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            rows = {}
            for char in page.chars:
                rows.setdefault(round(char["matrix"][5], 1), []).append(char)
            lines += [sorted(rows[y], key=lambda c: c["x0"]) for y in sorted(rows, reverse=True)]
    return lines


def paragraphs(pdf, texts):
    """The lines of each paragraph, found by reading the text back (R12 on the way: the
    text layer holds the source text; a space the engine drops at a line break aside)."""
    lines, result, number = read_lines(pdf), [], 0
    for source in texts:
        wanted, found, got = source.replace(" ", ""), [], ""
        while len(got) < len(wanted) and number < len(lines):
            got += text_of(lines[number]).replace(" ", "")
            found.append(lines[number])
            number += 1
        assert got == wanted, f"text layer {got!r} is not the source {source!r}"
        result.append(found)
    assert number == len(lines), "glyphs left over"
    return result


def flush(line):
    """How far the end of a full line is from the column edge (R4). A closing mark set
    half-width at the end may end half an em early: its ink is flush."""
    last = line[-1]
    distance = abs(last["x1"] - RIGHT)
    if last["text"] in CLOSING:
        distance = min(distance, abs(last["x0"] + EM / 2 - RIGHT))
    return distance


def full_lines(paragraph_lines):
    return [line for lines in paragraph_lines for line in lines[:-1]]


def pairs(line):
    return pairwise(line)


def han(text):
    return len(text) == 1 and is_han(text)


def latin(text):
    return text.isascii() and text.isalnum()


def countable(line):
    return sum(counts_as_character(c) for char in line for c in char["text"])


# The engine's own functions come back ------------------------------------------------------


def test_the_hook_is_in_place_only_inside_its_block():
    """The autouse fixture holds the hook; a block without typesetting gives the engine its
    own functions back for its length, even when it ends with an exception."""
    assert all(engine.installed()[path] for path in ("justify_line", "Layout.set_text"))
    with pytest.raises(ZeroDivisionError), engine.hooked(typeset=False):
        assert not any(engine.installed().values())
        1 / 0  # noqa: B018
    assert engine.installed()["justify_line"]


# Rules on small documents -----------------------------------------------------------------

MIXED = [
    "从之江大地到巴山渝水，一场横跨千里、绵延30余载的“双向奔赴”，书写了东西部协作中独具辨识度的“浙涪现象”；"
    "在产业协同上，可聚焦涪陵“2349”现代制造业集群体系与浙江“415X”先进制造业集群的交集。",
    "2025年4月，重庆江北国际机场T3B航站楼正式投用。服务京东方重庆第6代AMOLED（柔性）生产线、"
    "华润微电子12吋功率半导体晶圆生产线等重大项目，引入社会资金超2100亿元，较“十三五”增长37%。",
    "他说：“《论语》有云：‘学而时习之’。”——这是一段不以山海为远的共进佳话……"
    "马克·吐温（Mark Twain）在1867年写道：Hello world, this is a test of Latin words in Chinese text。",
]
BOLD = [
    ("国开行重庆分行以创新为笔，实干为墨，", None),
    ("发放8亿元", "strong"),
    ("，为项目建设的顺利进行提供了金融支持；", None),
    ("“人民情怀”", "strong"),
    ("、“实干担当”和“协作共赢”。", None),
]


@pytest.fixture(scope="module")
def mixed():
    texts = [*MIXED, "".join(text for text, _ in BOLD)]
    pdf = render("".join(p(text) for text in MIXED) + p(BOLD))
    return texts, paragraphs(pdf, texts), pdf


def test_r4_full_lines_end_on_the_column_edge(mixed):
    _, lines, _ = mixed
    assert len(full_lines(lines)) >= 8
    for line in full_lines(lines):
        assert flush(line) <= TOLERANCE, f"{text_of(line)!r} ends {flush(line) / EM:.3f} em off"


def test_r4_last_lines_and_starts(mixed):
    _, lines, _ = mixed
    for paragraph in lines:
        assert paragraph[0][0]["x0"] == pytest.approx(LEFT + 2 * EM, abs=0.01)  # R8 indent
        for line in paragraph[1:]:
            assert line[0]["x0"] == pytest.approx(LEFT, abs=0.01)
        assert paragraph[-1][-1]["x1"] <= RIGHT + 0.01


def test_r4_nothing_widens_inside_dashes_and_ellipses():
    """Justified lines widen their gaps (here a Han–Latin gap and a compressed pair leave
    room to spread), but never the one inside —— or ……: its halves stay one em apart."""
    texts = [
        han_text(8) + "——" + han_text(6) + "A" + han_text(12) + "，“" + han_text(20),
        han_text(9) + "……" + han_text(5) + "2" + han_text(12) + "。“" + han_text(20),
    ]
    lines = paragraphs(render("".join(p(text, "flat") for text in texts)), texts)
    assert len(full_lines(lines)) == 2
    found = {"—": 0, "…": 0}
    for line in full_lines(lines):
        # The fonts draw —— as one two-em glyph (one char, text "——"): nothing can widen
        # inside it. Drawn as two glyphs, the second starts one em after the first.
        found["—"] += sum(c["text"] == "——" for c in line)
        for a, b in pairs(line):
            if a["text"] == b["text"] and a["text"] in found:
                found[a["text"]] += 1
                assert b["x0"] - a["x0"] == pytest.approx(EM, abs=0.01), text_of(line)
    assert found["—"] >= 1 and found["…"] >= 1, found


def test_r5_adjacent_marks_take_one_and_a_half_em(mixed):
    _, lines, _ = mixed
    found = 0
    for line in (line for paragraph in lines for line in paragraph):
        for a, b in pairs(line):
            if a["text"] in FULLWIDTH_PUNCT and b["text"] in FULLWIDTH_PUNCT:
                if a["text"] in OPENING and b["text"] in CLOSING:
                    continue
                found += 1
                assert b["x0"] - a["x0"] == pytest.approx(EM / 2, abs=0.05 * EM), text_of(line)
    assert found >= 8


def test_r5_pair_split_by_bold_is_compressed():
    texts = ["他说：“好”。"]
    pdf = render(p([("他说：", None), ("“好”", "strong"), ("。", None)]))
    (line,) = paragraphs(pdf, texts)[0]
    chars = {c["text"]: c for c in line}
    assert chars["“"]["x0"] - chars["："]["x0"] == pytest.approx(EM / 2, abs=0.05 * EM)
    assert chars["。"]["x0"] - chars["”"]["x0"] == pytest.approx(EM / 2, abs=0.05 * EM)


def justification_spacing(line) -> float:
    """What justification added between two characters of this line: the median blank
    between two Han characters (their boxes are one em wide)."""
    blanks = [b["x0"] - a["x1"] for a, b in pairs(line) if han(a["text"]) and han(b["text"])]
    return statistics.median(blanks) if blanks else 0.0


def test_r6_quarter_em_between_han_and_latin(mixed):
    """The Han–Latin gap is a quarter em wider than the line's other gaps (justification
    widens every gap of a line alike)."""
    _, lines, _ = mixed
    found = 0
    for line in (line for paragraph in lines for line in paragraph):
        spacing = justification_spacing(line)
        for a, b in pairs(line):
            ta, tb = a["text"], b["text"]
            if (han(ta) and latin(tb)) or (latin(ta) and han(tb)):
                found += 1
                gap = b["x0"] - a["x1"] - spacing
                assert gap == pytest.approx(EM / 4, abs=0.01 * EM), text_of(line)
    assert found >= 15


def test_r6_no_gap_next_to_chinese_punctuation():
    texts = ["浙江“2349”现代（AMOLED）与“415X”。"]
    pdf = render(p(texts[0], "flat"))  # one line, not justified
    (line,) = paragraphs(pdf, texts)[0]
    found = 0
    for a, b in pairs(line):
        if (a["text"] in FULLWIDTH_PUNCT and latin(b["text"])) or (
            latin(a["text"]) and b["text"] in FULLWIDTH_PUNCT
        ):
            found += 1
            assert b["x0"] - a["x1"] == pytest.approx(0, abs=0.01)
    assert found == 6


HAN = "浙江与涪陵共下一盘棋三峡工程建设的宏伟蓝图让浙江与涪陵结下不解之缘好山好水"  # 37


def han_text(count):
    assert count <= len(HAN)
    return HAN[:count]


def test_r6_no_gap_at_line_start_or_end():
    # 30 Han characters fill a 30 em line: the Latin word starts the next one.
    texts = [han_text(30) + "AMOLED不解之缘", han_text(28) + "AB结下不解之缘"]
    pdf = render(p(texts[0], "flat") + p(texts[1], "flat"))
    first, second = paragraphs(pdf, texts)
    assert text_of(first[1]).startswith("AMOLED") and first[1][0]["x0"] == pytest.approx(
        LEFT, abs=0.01
    )
    # 28 + AB + a gap fit; the next Han character does not: no gap after AB at the end.
    assert text_of(second[0]).endswith("AB") and flush(second[0]) <= 0.01 * EM
    # Across an element boundary (a span carries the gap), the same at line edges.
    runs = [(han_text(29), None), ("缘", "strong"), ("AMOLED不解之缘", None)]
    pdf = render(p(runs, "flat"))
    ((one, two),) = paragraphs(pdf, [han_text(29) + "缘AMOLED不解之缘"])
    assert text_of(two).startswith("AMOLED") and two[0]["x0"] == pytest.approx(LEFT, abs=0.01)
    assert one[-1]["x1"] == pytest.approx(RIGHT, abs=0.01)


def test_r7_no_lone_last_character():
    texts = [
        han_text(31),
        han_text(30) + "。",
        han_text(29) + "“好”。",
        han_text(30) + "好。",
        "好",
    ]
    pdf = render("".join(p(text, "flat") for text in texts))
    lines = paragraphs(pdf, texts)
    for paragraph in lines[:4]:
        assert len(paragraph) == 2 and countable(paragraph[-1]) >= 2, text_of(paragraph[-1])
        assert flush(paragraph[0]) <= TOLERANCE
    assert len(lines[4]) == 1


def test_r1_r2_r3_line_starts_and_ends():
    texts = [
        han_text(29) + "——浙江对口",
        han_text(30) + "·吐温",
        han_text(29) + "……好的好的",
        han_text(28) + "——好的好的",
    ]
    pdf = render("".join(p(text, "flat") for text in texts))
    for lines in paragraphs(pdf, texts):
        assert len(lines) == 2
        for line, following in pairwise(lines):
            assert not following[0]["text"].startswith(("—", "·", "…", *CLOSING)), text_of(
                following
            )
            assert line[-1]["text"] not in OPENING
            assert flush(line) <= TOLERANCE


def test_lines_break_next_to_quotation_marks_as_chinese_allows():
    """The engine's rules allow no break on either side of “ ”; Chinese breaks before an
    opening and after a closing mark. Here the only breaks that keep the first line tight
    are before “ and after ”: no line ends with “, and no gap is widened by 0.05 em or more."""
    texts = [han_text(29) + "“浙涪”" + han_text(10), han_text(27) + "“好”" + han_text(12)]
    pdf = render("".join(p(text, "flat") for text in texts))
    for lines in paragraphs(pdf, texts):
        assert len(lines) == 2
        first, second = lines
        assert text_of(second)[0] in "“" + HAN, text_of(second)
        assert first[-1]["text"] not in OPENING
        assert flush(first) <= TOLERANCE
        gaps = [b["x0"] - a["x1"] for a, b in pairwise(first)]
        assert max(gaps) < 0.05 * EM, (text_of(first), max(gaps) / EM)
    first_lines = [lines[0] for lines in paragraphs(pdf, texts)]
    assert text_of(first_lines[0]) == han_text(29)  # “浙涪” moved down whole
    assert text_of(first_lines[1]) == han_text(27) + "“好”"  # 30 em: ends on the edge


def test_r12_text_layer_is_the_source(mixed):
    texts, _, pdf = mixed
    source = "".join(texts)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        chars = "".join(c["text"] for page in document.pages for c in page.chars)
    assert chars == source  # no space, joiner or other character added, none lost
    # Text extractors (pypdf, pdfplumber's extract_text, PDF viewers) guess a word space
    # where glyphs stand far enough apart — at Han–Latin gaps. That is their reading of the
    # geometry, not text in the PDF: with the guessed spaces removed the text is the source.
    pypdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert pypdf_text.replace("\n", "").replace(" ", "") == source.replace(" ", "")
    assert unicodedata.normalize("NFC", chars) == chars


def test_difficult_content_survives():
    url = (
        "https://example.com/a/very/long/path/that/cannot/fit/on/one/line/of/thirty/ems/index.html"
    )
    texts = [
        "好",
        "在嘉陵江碕石两岸😀，“他说：‘好’”，《〈论语〉》。",
        "访问" + url + "可见。",
        "2349415X12345678901234567890123456789012345678901234567890号",
        "！？。。。……——，，、、：：；；",
    ]
    runs = [[(text, None)] for text in texts]
    runs[1] = [
        ("在嘉陵江", None),
        ("碕石", "strong"),
        ("两岸😀，“他说：‘好’”，《〈论语〉》。", None),
    ]
    pdf = render(
        "".join(p(run) for run in runs), css="p { overflow-wrap: anywhere; }", allow_warnings=True
    )
    lines = paragraphs(pdf, texts)
    assert len(lines[0]) == 1
    for line in full_lines(lines):
        assert flush(line) <= TOLERANCE, text_of(line)
    for line in (line for paragraph in lines for line in paragraph):
        assert line[-1]["x1"] <= RIGHT + TOLERANCE


def test_tokens_switch_the_engine_side_off():
    off = "--bk-cjk-latin-gap: 0; --bk-cjk-punct-trim: normal; --bk-cjk-lone-last-line: allow;"
    texts = ["他说：“好”。", "绵延30余载", han_text(31)]
    pdf = render("".join(p(text, "flat") for text in texts), tokens=off)
    (compress,), (gap,), (first, last) = paragraphs(pdf, texts)
    colon = next(i for i, c in enumerate(compress) if c["text"] == "：")
    assert compress[colon + 1]["x0"] - compress[colon]["x0"] == pytest.approx(EM, abs=0.01)
    assert gap[2]["x0"] - gap[1]["x1"] == pytest.approx(0, abs=0.01)
    assert countable(last) == 1
    assert flush(first) <= TOLERANCE  # R4 does not depend on the tokens


def test_other_languages_keep_the_engine_behaviour():
    text = "Justified English text keeps the engine's own justification, which widens spaces. " * 3
    html = f'<p lang="en" class="flat">{text.strip()}</p>'
    hooked = read_lines(render(html))
    with engine.hooked(typeset=False):
        plain = read_lines(render(html))
    assert len(hooked) >= 2 and flush(hooked[0]) <= TOLERANCE
    position = [[(c["text"], round(c["x0"], 3)) for c in line] for line in hooked]
    assert position == [[(c["text"], round(c["x0"], 3)) for c in line] for line in plain]


# The real text ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    texts = [
        line.strip() for line in SOURCE.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    pdf = render("".join(p(text) for text in texts))
    return texts, paragraphs(pdf, texts)


def test_real_text_meets_the_rules(real):
    _, lines = real
    full = full_lines(lines)
    assert [text_of(line) for line in full if flush(line) > TOLERANCE] == []  # R4
    marks = gaps = 0
    for line in (line for paragraph in lines for line in paragraph):
        assert line[0]["text"][0] not in CLOSING and line[0]["text"][0] not in "·"  # R1
        assert line[-1]["text"] not in OPENING  # R2
        for a, b in pairs(line):
            ta, tb = a["text"], b["text"]
            if (
                ta in FULLWIDTH_PUNCT
                and tb in FULLWIDTH_PUNCT
                and not (ta in OPENING and tb in CLOSING)
            ):
                marks += 1
                assert b["x0"] - a["x0"] == pytest.approx(EM / 2, abs=0.05 * EM)  # R5
            if (han(ta) and latin(tb)) or (latin(ta) and han(tb)):
                gaps += 1
                gap = b["x0"] - a["x1"] - justification_spacing(line)
                assert gap == pytest.approx(EM / 4, abs=0.01 * EM)  # R6
    for paragraph in lines:
        for line in paragraph[1:]:
            assert not line[0]["text"].startswith("—")  # R3
        if len(paragraph) > 1:
            assert countable(paragraph[-1]) >= 2, text_of(paragraph[-1])  # R7
    assert marks >= 40 and gaps >= 80


def test_tokens_switch_quote_breaks_and_keeping_together_off():
    quoted = han_text(29) + "“浙涪”" + han_text(10)
    dashed = han_text(30) + "——浙江对口"
    texts = [quoted, dashed]
    (quote_lines, dash_lines) = paragraphs(render("".join(p(t, "flat") for t in texts)), texts)
    assert text_of(quote_lines[0]) == han_text(29)  # breaks before “
    assert text_of(dash_lines[1]).startswith(han_text(30)[-1] + "——")  # 字—— kept together
    off = "--bk-cjk-quote-breaks: normal; --bk-cjk-keep-together: normal;"
    pdf = render("".join(p(t, "flat") for t in texts), tokens=off)
    (quote_lines, dash_lines) = paragraphs(pdf, texts)
    assert text_of(quote_lines[0]) == han_text(28)  # the engine's rule: no break at “
    assert text_of(dash_lines[0]) == han_text(30)
    assert text_of(dash_lines[1]).startswith("——")
