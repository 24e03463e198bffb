"""End-to-end tests of booklet.typocheck on real PDFs made here with WeasyPrint.

Most fixtures are hand-built pages: a small typesetter below works out every glyph's place
(Han and full-width punctuation 1 em, Latin from the font's widths), with ¼ em between Han
and Latin, adjacent punctuation compressed to 1.5 em and full lines justified, and hands
WeasyPrint one absolutely placed box per line. That gives a page meeting every rule; each
case then breaks exactly one rule and expects exactly that rule reported. Other tests render
with WeasyPrint as it comes: one-line paragraphs, and a few paragraphs of the real source.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
import weasyprint

from booklet.typocheck import RULES, Report, check_pdf, format_report, main

from .conftest import SOURCE

ROOT = Path(__file__).resolve().parents[1]
FONTS = ROOT / "fonts"

FACES = f"""
@font-face {{ font-family: Serif; src: url({(FONTS / "NotoSerifCJKsc-Regular.otf").as_uri()}); }}
@font-face {{ font-family: Serif; font-weight: bold;
              src: url({(FONTS / "NotoSerifCJKsc-Bold.otf").as_uri()}); }}
"""

# ---------------------------------------------------------------- a tiny correct typesetter

RIGHT_BLANK = set("，。、；：？！”’）》」』】〕")
OPEN = set("“‘（《「『【〔")
FULL = RIGHT_BLANK | OPEN | set("・")
TOKEN = re.compile(r"——|……|.", re.S)


def han(tok: str) -> bool:
    return "\u4e00" <= tok[0] <= "\u9fff" or "\u2e80" <= tok[0] <= "\u2fdf"


def latin(tok: str) -> bool:
    return tok.isascii() and tok.isalnum()


@cache
def _widths() -> tuple[dict[int, str], dict[str, tuple[int, int]]]:
    from fontTools.ttLib import TTFont

    font = TTFont(FONTS / "NotoSerifCJKsc-Regular.otf", lazy=True)
    return font.getBestCmap(), dict(font["hmtx"].metrics)


def advance(tok: str) -> float:
    """Advance in em: what an engine gives each token before any adjustment."""
    if tok in ("——", "……"):
        return 2.0
    if han(tok) or tok in FULL or tok in "—…":
        return 1.0
    cmap, hmtx = _widths()
    return hmtx[cmap[ord(tok)]][0] / 1000


def set_line(
    text, *, width, indent=0.0, last=False, gap=0.25, compress=True, end="full", slack=None
):
    """One line set by the rules: its tokens, the extra space after each, the justification.

    Every token advances by its width (``advance``) plus ``per`` (the justification, spread
    evenly) plus its extra: ¼ em at Han–Latin transitions, -½ em inside a punctuation pair.
    ``end``: line-end punctuation set full-width, half-width or hung. ``slack`` forces the
    justification (0: a ragged line).
    """
    toks = TOKEN.findall(text)
    extra = [0.0] * len(toks)
    for i, (a, b) in enumerate(pairwise(toks)):
        if (han(a) and latin(b)) or (latin(a) and han(b)):
            extra[i] += gap
        if compress and a in FULL and b in FULL and (a in RIGHT_BLANK or b in OPEN):
            extra[i] -= 0.5
    natural = indent + sum(advance(t) for t in toks) + sum(extra[:-1])
    if toks[-1] in RIGHT_BLANK:
        natural -= {"full": 0.0, "half": 0.5, "hang": 1.0}[end]
    if slack is None:
        slack = 0.0 if last else width - natural
        assert last or -0.01 <= slack <= 2.5, f"{text}: {natural:.2f} em does not fit {width} em"
    return toks, extra, slack / max(1, len(toks) - 1)


class Doc:
    """Pages of placed lines: a 20 em column at 10.5 pt, pitch 1.75, a folio.

    Each line is one absolutely placed box; the justification is its letter-spacing and
    each extra space a margin on the next token (far cheaper to lay out than a box per glyph).
    """

    def __init__(self, size=10.5, pitch=1.75, measure=20, left=60.0, top=70.0, folio=True):
        self.size, self.pitch, self.measure = size, pitch * size, measure
        self.left, self.top, self.folio = left, top, folio
        self.pages: list[list[str]] = [[]]
        self.y = top

    def put(self, x_pt, y_pt, content, size=None, style=""):
        style = f"left:{x_pt:.3f}pt;top:{y_pt:.3f}pt;font-size:{size or self.size}pt;{style}"
        self.pages[-1].append(f'<div style="{style}">{content}</div>')
        return self

    def line(self, text, *, x=None, family="Serif", **opts):
        opts.setdefault("width", self.measure)
        toks, extra, per = set_line(text, **opts)
        parts = [html.escape(toks[0])]
        for tok, before in zip(toks[1:], extra, strict=False):
            tok = html.escape(tok)
            parts.append(
                f'<span style="margin-left:{before * self.size:.3f}pt">{tok}</span>'
                if before
                else tok
            )
        x_pt = (x or self.left) + opts.get("indent", 0.0) * self.size
        self.put(
            x_pt,
            self.y,
            "".join(parts),
            style=f"letter-spacing:{per * self.size:.4f}pt;font-family:{family}",
        )
        self.y += self.pitch
        return self

    def para(self, *lines, indent=2.0, last=True, **opts):
        """Lines of one paragraph; ``last=False``: it goes on, so its final line is full too."""
        for k, text in enumerate(lines):
            end = last and k == len(lines) - 1
            self.line(text, indent=indent if k == 0 else 0.0, last=end, **opts)
        return self

    def heading(self, text, size=14.0, weight="bold"):
        """A display line (heading, caption) on two lines' worth of space."""
        self.put(
            self.left + 2 * self.size,
            self.y + 0.5 * self.pitch,
            text,
            size,
            f"font-weight:{weight}",
        )
        return self.skip(2 * self.pitch)

    def skip(self, pt):
        self.y += pt
        return self

    def new_page(self):
        self.pages.append([])
        self.y = self.top
        return self

    def html(self):
        pages = []
        for n, boxes in enumerate(self.pages, 1):
            if self.folio:
                boxes = [*boxes, f'<div style="left:205pt;top:560pt;font-size:9pt">{n}</div>']
            pages.append(f"<section>{''.join(boxes)}</section>")
        css = (
            FACES
            + """
        @page { size: A5; margin: 0 }
        body { margin: 0 }
        section { position: relative; height: 590pt; break-after: page; }
        section:last-child { break-after: auto; }
        section > div { position: absolute; width: 380pt; line-height: 1; white-space: pre;
                        font-family: Serif; font-kerning: none; }
        """
        )
        return f'<html lang="zh-Hans"><style>{css}</style><body>{"".join(pages)}</body></html>'


def render(tmp_path, source: str | Doc, name="t.pdf") -> Path:
    path = tmp_path / name
    text = source.html() if isinstance(source, Doc) else source
    weasyprint.HTML(string=text, base_url=str(ROOT)).write_pdf(path)
    return path


def found(report: Report) -> dict[str, int]:
    """Only the rules with violations."""
    return {rule: n for rule, n in report.totals().items() if n}


# ---------------------------------------------------------------- the clean page

P1 = (
    "从之江大地到巴山渝水，一场横跨千里、",
    "绵延30余载的“双向奔赴”，书写了东西部",
    "协作中独具辨识度的“浙涪现象”；从经验总",
    "结到未来展望，浙涪两地正聚焦数字经济、绿",
    "色低碳等新领域。",
)
P2 = (
    "习近平总书记指出，要完善东西部结对帮",
    "扶关系，拓展帮扶领域，健全帮扶机制，优化",
    "帮扶方式，加强产业合作、资源互补、劳务对",
    "接、人才交流，动员全社会参与，形成区域协",
    "调发展的良好局面。",
)
P3 = (
    "1992年，党中央、国务院作出全国对口",
    "支援三峡库区的重大决策。浙江与涪陵的命运",
    "从此紧密相连，这是党领导下区域协调发展的",
    "生动实践。",
)


def clean_doc(**kwargs) -> Doc:
    return Doc(**kwargs).para(*P1).para(*P2).para(*P3)


def test_clean_page_has_no_violations(tmp_path):
    source = ["".join(p) for p in (P1, P2, P3)]
    report = check_pdf(render(tmp_path, clean_doc()), source_paragraphs=source)
    assert found(report) == {}, format_report(report)
    assert report.body_size == 10.5 and report.pages == 1 and report.lines == 14
    s = report.stats
    assert (s["paragraphs"], s["full_lines"], s["ragged_full_lines"], s["lone_last_lines"]) == (
        3,
        11,
        0,
        0,
    )
    assert (s["punct_pairs"], s["compressed_pct"]) == (2, 100.0)
    assert (s["latin_transitions"], s["latin_gap_pct"]) == (3, 100.0)
    assert s["line_pitch"] == pytest.approx(18.4, abs=0.1)


def test_correct_forms_at_the_line_end_are_flush(tmp_path):
    """Line-end punctuation full-width on the edge, set half-width, or hung: all flush."""
    doc = Doc().line("从之江大地到巴山渝水，一场横跨千里。", indent=2.0)
    doc.line("绵延三十余载的双向奔赴书写了东西部协作。", end="half")
    doc.line("独具辨识度的浙涪现象从经验总结到未来展望，", end="hang")
    doc.line("浙涪两地正聚焦数字经济“绿色低碳”等新领域。", last=True)
    report = check_pdf(render(tmp_path, doc))
    assert found(report) == {}, format_report(report)
    assert report.stats["full_lines"] == 3


def test_two_columns_with_running_head(tmp_path):
    doc = Doc(measure=14, left=30.0)
    doc.put(30, 40, "浙涪协作三十三载", size=9)
    doc.para("从之江大地到巴山渝水，一", "场横跨千里、绵延三十余载的双", "向奔赴。")
    doc.para("浙涪两地正聚焦数字经济、", "绿色低碳等新领域，携手打造区", "域协调发展新标杆。")
    doc.y = doc.top
    doc.line("习近平总书记指出，要完善", x=215.0, indent=2.0).line(
        "东西部结对帮扶关系，拓展帮扶", x=215.0
    )
    doc.line("领域，健全帮扶机制，优化帮", x=215.0, slack=0.0)  # ragged: 1 em short
    doc.line("扶方式。", x=215.0, last=True)
    report = check_pdf(render(tmp_path, doc))
    assert found(report) == {"R4": 1}, format_report(report)
    [v] = report.violations
    assert v.line.startswith("领域，健全") and v.detail.startswith(
        "ends 10.5 pt (1.00 em) short of"
    )
    assert report.lines == 10 and report.stats["paragraphs"] == 3


def test_paragraph_continues_across_pages(tmp_path):
    doc = Doc().para(*P1).para(*P2[:2], last=False).new_page().para(*P2[2:], indent=0.0)
    report = check_pdf(render(tmp_path, doc))
    assert found(report) == {}, format_report(report)
    assert report.stats["paragraphs"] == 2 and report.pages == 2
    assert check_pdf(report.pdf, pages=[2]).stats["paragraphs"] == 1


# ---------------------------------------------------------------- one rule broken at a time


def with_line(index: int, text: str | None = None, **opts) -> Doc:
    """The clean page with line ``index`` of the first paragraph replaced or set differently."""
    lines = list(P1)
    lines[index] = text or lines[index]
    doc = Doc()
    for k, line in enumerate(lines):
        first, end = k == 0, k == len(lines) - 1
        doc.line(line, indent=2.0 if first else 0.0, last=end, **(opts if k == index else {}))
    return doc.para(*P2).para(*P3)


def pages_doc(short: int | None) -> Doc:
    """Four pages of body text, each full (24 lines) but page ``short`` (9 lines). Each page
    opens with its own first line (the same line at the same height on several pages is a
    running head)."""
    doc = Doc()
    for number in range(4):
        if number:
            doc.new_page()
        first = ("甲乙丙丁"[number] + P1[0][1:], *P1[1:])
        paragraphs = (first, P3) if number == short else (first, P2, P3, P1, P2)
        for lines in paragraphs:
            doc.para(*lines)
    return doc


CASES = {
    "R1": (lambda: with_line(2, "，协作中独具辨识度的“浙涪现象”；从经验"), {"R1": 1}),
    "R2": (lambda: with_line(1, "绵延30余载的双向奔赴，书写了东西部协“"), {"R2": 1}),
    "R3": (
        lambda: (
            Doc().para("从之江大地到巴山渝水，一场横跨千里—", "—绵延三十余载的双向奔赴。").para(*P2)
        ),
        {"R3": 1},
    ),
    "R4": (lambda: with_line(1, slack=0.0), {"R4": 1}),
    "R4 overrun": (lambda: with_line(1, slack=1.2), {"R4": 1}),
    "R5": (lambda: with_line(1, compress=False), {"R5": 1}),
    "R6": (lambda: with_line(1, gap=0.0), {"R6": 2}),
    "R6 punctuation": (lambda: with_line(4, "色低碳等“ 5G”新领域。"), {"R6": 1}),
    "R7": (lambda: Doc().para(*P1[:-1], "域。").para(*P2), {"R7": 1}),
    "R8 indent": (lambda: Doc().para(*P1).para(*P2, indent=1.0).para(*P3), {"R8": 1}),
    # 6 pt more before a paragraph: it and the lines after it are off the grid too (P3).
    "R8 spacing": (lambda: Doc().para(*P1).skip(6).para(*P2).para(*P3), {"R8": 1, "P3": 5}),
    # The line written for a 2 em indent, set without it: spread over 2 em more (R13).
    "R8 after heading": (
        lambda: Doc().para(*P1).heading("政治引领").para(*P2, indent=0.0),
        {"R8": 1, "R13": 1},
    ),
    "R9 pitch": (
        lambda: Doc().para(*P1[:2], last=False).skip(3).para(*P1[2:], indent=0.0).para(*P2),
        {"R9": 1, "P3": 2},
    ),
    "R9 body size": (lambda: clean_doc(size=9.0), {"R9": 1}),
    "R9 loose": (lambda: clean_doc(pitch=2.2), {"R9": 1}),
    "R9 small text": (
        lambda: Doc().para(*P1).heading("图为涪陵榨菜", 7.0, "normal").para(*P2),
        {"R9": 1},
    ),
    "R10": (lambda: clean_doc().skip(200).heading("经济共生"), {"R10": 1}),
    "R11 quote": (lambda: with_line(4, '色低碳等"新领域"。'), {"R11": 2}),
    "R11 ellipsis": (lambda: with_line(4, "色低碳等新领域..."), {"R11": 1}),
    "R11 interpunct": (lambda: with_line(4, "色低碳・新领域。"), {"R11": 1}),
    "R11 nesting": (lambda: with_line(4, "色低碳等‘新领域’。"), {"R11": 1}),
    "R12 radical": (lambda: with_line(4, "色低碳等新领域⺠。"), {"R12": 1}),
    "R12 space": (lambda: with_line(4, "色低碳等新 领域。"), {"R12": 1}),
    # Two characters fewer, spread to the edge: 0.15 em more in each gap.
    "R13": (lambda: with_line(1, "绵延三十余载的“双向奔赴”，书写了东"), {"R13": 1}),
    "P2": (lambda: clean_doc().put(414, 70 + 16 * 1.75 * 10.5, "溢"), {"P2": 1}),
    "P5": (lambda: pages_doc(short=1), {"P5": 1}),
    "P5 article end": (lambda: pages_doc(short=3), {}),
    "P7": (  # pages 2, 3 and 4 blank: two pairs in a row
        lambda: Doc(folio=False).para(*P1).new_page().new_page().new_page().new_page().para(*P2),
        {"P7": 2},
    ),
}


@pytest.fixture(scope="module")
def case_pdf(tmp_path_factory):
    """The PDF of a case, rendered once for all the tests that read it."""
    folder = tmp_path_factory.mktemp("cases")
    return cache(lambda case: render(folder, CASES[case][0](), f"{case}.pdf"))


@pytest.mark.parametrize("case", CASES)
def test_each_rule_alone(case_pdf, case):
    report = check_pdf(case_pdf(case))
    assert found(report) == CASES[case][1], format_report(report)


def test_heading_followed_by_text_is_not_alone(tmp_path):
    report = check_pdf(render(tmp_path, Doc().para(*P1).heading("经济共生").para(*P2)))
    assert found(report) == {}, format_report(report)


def test_details_name_what_was_measured(case_pdf):
    r4 = check_pdf(case_pdf("R4")).violations[0]
    assert (r4.rule, r4.page, r4.line) == ("R4", 1, "绵延30余载的“双向奔赴”，书写了东西部")
    assert re.fullmatch(r"ends \d+\.\d pt \(0\.\d\d em\) short of the column edge", r4.detail)
    r5 = check_pdf(case_pdf("R5")).violations[0]
    assert re.fullmatch(r"”， takes 2\.0\d em, not 1\.5 em", r5.detail)  # 2 em + justification
    r7 = check_pdf(case_pdf("R7")).violations[0]
    assert r7.line == "域。"


def test_japanese_face_is_reported(tmp_path):
    # ./run test installs fonts-noto-cjk, whose collections hold the JP faces.
    found_jp = subprocess.run(
        ["fc-list", ":family=Noto Serif CJK JP"], capture_output=True, text=True, check=True
    ).stdout
    assert "Noto Serif CJK JP" in found_jp, "install fonts-noto-cjk (./run test does)"
    doc = Doc()
    doc.para(*P1, family="Noto Serif CJK JP").para(*P2, family="Noto Serif CJK JP")
    report = check_pdf(render(tmp_path, doc))
    assert found(report) == {"R11": 1}, format_report(report)
    assert report.violations[0].detail.endswith("NotoSerifCJKjp-Regular: a JP face, not SC")


def one_line(body: str) -> str:
    """A page of one-line paragraphs set by WeasyPrint as it comes."""
    page = FACES + "@page { size: A5 } p { font: 10.5pt Serif; text-indent: 2em; margin: 0 }"
    return f'<html lang="zh-Hans"><style>{page}</style>{body}</html>'


def test_proportional_quotes_are_reported(tmp_path):
    pwid = "<span style=\"font-feature-settings: 'pwid'\">“好”</span>"
    report = check_pdf(render(tmp_path, one_line(f"<p>他说{pwid}了。</p>")))
    assert found(report) == {"R11": 2}, format_report(report)
    assert report.violations[0].detail.startswith("“ set in a Western form (0.46 em wide) in ")


def test_pair_compressed_on_both_sides_reads_in_order(tmp_path):
    """：“ with halt on both marks takes 1 em; the quote's box then starts left of the colon."""
    halt = "<span style=\"font-feature-settings: 'halt'\">：“</span>"
    page = one_line(f"<p>他说{halt}好的”</p>")
    report = check_pdf(render(tmp_path, page), source_paragraphs=["他说：“好的”"])
    assert found(report) == {"R5": 1}, format_report(report)
    [v] = report.violations
    assert v.line == "他说：“好的”"  # in reading order, though the boxes of ： and “ are swapped
    assert re.fullmatch(
        r"：“ takes (0\.9\d|1\.0\d) em, over-compressed: 1\.5 em is right", v.detail
    )


# ---------------------------------------------------------------- R12 against the source


def test_source_comparison(tmp_path):
    source = ["".join(P1), "".join(P2), "浙江与涪陵共下一盘棋", "".join(P3)]
    doc = Doc().para(*P1).para(*P2[:-1], "调发展的良好 局面。").para(*P3)
    report = check_pdf(render(tmp_path, doc), source_paragraphs=source)
    assert found(report) == {"R12": 2}, format_report(report)
    inserted, missing = report.violations
    assert "U+0020 inserted between 好 and 局" in inserted.detail and inserted.page == 1
    assert (
        "source paragraph 3 not found" in missing.detail and missing.line == "浙江与涪陵共下一盘棋"
    )


def test_titles_repeated_on_a_contents_page_keep_the_order(tmp_path):
    doc = Doc().heading("政治引领").heading("经济共生").para(*P1[:2], "协作中。")
    doc.heading("政治引领").para(*P2).heading("经济共生").para(*P3)
    source = ["政治引领", "".join(P2), "经济共生", "".join(P3)]
    report = check_pdf(render(tmp_path, doc), source_paragraphs=source)
    assert found(report) == {}, format_report(report)


def test_source_order_and_spaces_the_author_typed(tmp_path):
    doc = Doc().para(*P2).para(*P1)
    doc.para("江海共潮生 扬帆再起航。", indent=2.0)  # the author's space, kept
    source = ["".join(P1), "".join(P2), "江海共潮生 扬帆再起航。"]
    report = check_pdf(render(tmp_path, doc), source_paragraphs=source)
    assert found(report) == {"R12": 1}, format_report(report)
    assert "out of order" in report.violations[0].detail
    assert found(check_pdf(report.pdf)) == {"R12": 1}  # without the source, the space is suspect


# ---------------------------------------------------------------- plain WeasyPrint, real text


def source_paragraphs() -> list[str]:
    return [p.strip() for p in SOURCE.read_text(encoding="utf-8").splitlines() if p.strip()]


def plain_weasyprint(paragraphs) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    css = (
        FACES
        + """
    @page { size: A5; margin: 20mm 15mm; @bottom-center { content: counter(page); font-size: 9pt } }
    html { font-family: Serif; font-size: 10.5pt; line-height: 1.75 }
    body { margin: 0 } main { width: 30em }
    p { margin: 0; text-indent: 2em; text-align: justify }
    """
    )
    return f'<html lang="zh-Hans"><style>{css}</style><body><main>{body}</main></body></html>'


def test_plain_weasyprint_is_ragged_and_uncompressed(tmp_path):
    paragraphs = source_paragraphs()[45:55]
    report = check_pdf(render(tmp_path, plain_weasyprint(paragraphs)), source_paragraphs=paragraphs)
    totals, s = report.totals(), report.stats
    assert totals["R4"] > 0 and s["ragged_pct"] > 5
    assert s["punct_pairs"] > 5 and s["compressed_pct"] == 0.0 and totals["R5"] == s["punct_pairs"]
    assert s["latin_transitions"] > 5 and s["latin_gap_pct"] == 0.0
    for rule in ("R1", "R2", "R3", "R8", "R9", "R10", "R11", "R12"):
        assert totals[rule] == 0, format_report(report)
    assert s["paragraphs"] == len(paragraphs)
    assert report.body_size == 10.5 and s["line_pitch"] == pytest.approx(18.4, abs=0.1)


# ---------------------------------------------------------------- the report and the command


def test_report_json_and_text(case_pdf, capsys):
    path = case_pdf("R4")
    report = check_pdf(path)
    data = json.loads(report.to_json())
    assert data["totals"] == report.totals() and set(data["totals"]) == set(RULES)
    assert data["violations"][0]["rule"] == "R4" and data["stats"]["ragged_full_lines"] == 1
    text = format_report(report, limit=0)
    assert "R4 full lines end on the column edge: 1" in text and "… and 1 more" in text
    assert "p.1: R4 绵延30余载" in format_report(report)
    assert main([str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["R4"] == 1
    assert main([str(path), "--strict"]) == 1
    assert "Totals" in capsys.readouterr().out
    assert main([str(path), "--pages", "9"]) == 2
