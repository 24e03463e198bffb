"""The second example book (examples/zhu-ziqing), checked on its PDF like the first booklet:
the source texts whole and in order, every note on its call's page, the table's figures
counted again from the texts, the people, the contents and the typography report."""

from __future__ import annotations

import io
import re
import unicodedata
from functools import cache

import pdfplumber
import pytest
from pypdf import PdfReader

from booklet import typocheck

from .conftest import EXAMPLE
from .pdffacts import outline, toc_entries
from .printed import CIRCLED, all_lines, squeeze

ESSAYS = {"congcong": "congcong.txt", "beiying": "beiying.txt", "hetang": "hetang.txt"}
MARKERS = ("VERSE: ", "QUOTE: ", "SIGNOFF: ")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


@cache
def source_lines(name: str) -> list[str]:
    return (EXAMPLE / "source" / name).read_text("utf-8").splitlines()


@cache
def source_notes() -> dict[str, list[str]]:
    """The notes of source/notes.md per essay file, as the book prints them: the bold marks
    gone, and the spaces typed between Chinese and Latin or digits left to the typesetting."""
    notes: dict[str, list[str]] = {}
    current = None
    for line in (EXAMPLE / "source" / "notes.md").read_text("utf-8").splitlines():
        if heading := re.match(r"^## .*（(\w+\.txt)）", line):
            current = notes.setdefault(heading[1], [])
        elif current is not None and (item := re.match(r"^\d+\. (.*)$", line)):
            text = item[1].replace("**", "")
            text = re.sub(
                r"(?<=[\u4e00-\u9fff，。]) (?=[0-9A-Za-z])|(?<=[0-9A-Za-z]) (?=[\u4e00-\u9fff])",
                "",
                text,
            )
            current.append(text)
    # in the order of the phrases they explain (notes.md numbers them otherwise)
    for name, found in notes.items():
        text = "".join(source_lines(name))
        found.sort(key=lambda note: text.index(note.split("：")[0]))
    return notes


@pytest.fixture(scope="module")
def pdf(example_book):
    with pdfplumber.open(io.BytesIO(example_book.pdf_bytes)) as opened:
        yield opened


@pytest.fixture(scope="module")
def lines(pdf):
    return all_lines(pdf)


@pytest.fixture(scope="module")
def openings(example_book) -> dict[str, int]:
    """Each article's first page, from the bookmarks."""
    titles = {"匆匆": "congcong", "背影": "beiying", "荷塘月色": "hetang", "校读记": "afterword"}
    return {titles[t]: page for level, t, page in outline(example_book.pdf_bytes) if level == 1}


def article_lines(lines, openings, article: str):
    pages = sorted(openings.values())
    start = openings[article]
    after = [p for p in pages if p > start]
    end = after[0] if after else 10**6
    return [line for line in lines if start <= line.page < end]


def body(lines):
    """Lines in the body sizes (quotations and verse included), footnotes left out."""
    return [line for line in lines if line.size >= 10]


def notes_of(lines):
    """Footnotes: lines in the note size and the body face below a page's last body line."""
    lowest: dict[int, float] = {}
    for line in body(lines):
        lowest[line.page] = max(lowest.get(line.page, 0), line.baseline)
    return [
        line
        for line in lines
        if 8.5 < line.size < 9.5
        and line.baseline > lowest.get(line.page, 10**6)
        and any("Serif" in font for font in line.fonts)
    ]


def test_the_typography_report_of_the_example_is_clean(example_book, capsys):
    """What `python build.py --book examples/zhu-ziqing --check-typography` prints after the
    build: no line rule (R1–R13) broken on the book's pages; the page rules are
    test_composition's."""
    from booklet import cli

    assert example_book.path.name == "zhu-ziqing-essays.pdf" and example_book.path.is_file()
    status = cli.report_typography(
        example_book.pdf_bytes, example_book.result.book, str(example_book.path)
    )
    out = capsys.readouterr().out
    assert out.startswith(f"{example_book.path}: ") and "%PDF" not in out  # named, not dumped
    header, numbers = out.split("Totals")[1].strip().splitlines()[:2]
    totals = dict(zip(header.split(), numbers.split(), strict=True))
    assert all(totals[f"R{n}"] == "0" for n in range(1, 14)), out[-600:]
    assert status == (0 if totals["total"] == "0" else 1)
    assert re.search(r"R4 ragged full lines\s+0 / \d+", out)


def test_every_line_of_the_three_texts_prints_whole_in_order(lines, openings):
    for article, name in ESSAYS.items():
        text = squeeze("".join(line.text for line in body(article_lines(lines, openings, article))))
        at = 0
        for line in source_lines(name):
            for marker in MARKERS:
                line = line.removeprefix(marker)
            found = text.find(squeeze(line), at)
            assert found >= 0, (name, line[:20], text[at : at + 40])
            at = found + len(squeeze(line))


def test_every_note_prints_once_at_the_foot_of_its_calls_page(lines, openings, example_book):
    every_text = squeeze(
        "".join(p.extract_text() for p in PdfReader(io.BytesIO(example_book.pdf_bytes)).pages)
    )
    for article, name in ESSAYS.items():
        own = article_lines(lines, openings, article)
        calls = [(c["text"], line.page) for line in own for c in line.calls]
        # ① … ⑥ per article, each called once, in order
        assert [mark for mark, _ in calls] == list(CIRCLED[: len(source_notes()[name])])
        footnotes = notes_of(own)
        for (mark, page), note in zip(calls, source_notes()[name], strict=True):
            on_page = squeeze("".join(line.text for line in footnotes if line.page == page))
            assert squeeze(mark + note) in on_page, (name, mark, page)
            lowest_body = max(line.baseline for line in body(own) if line.page == page)
            first_note = min(line.baseline for line in footnotes if line.page == page)
            assert first_note > lowest_body  # at the foot, below the text
            # The text layer reads it once (pypdf reads the page's content in order).
            assert every_text.count(squeeze(note)) == 1


def test_the_text_layer_reads_a_note_after_the_text_of_its_page_never_inside_it(
    example_book, lines
):
    """pdfplumber (by position) and pypdf (in content order) both read a page's notes after
    its last line of text, each note once: a paragraph running on to the next page is read
    to the page's foot, then the notes."""
    reader = PdfReader(io.BytesIO(example_book.pdf_bytes))
    with pdfplumber.open(io.BytesIO(example_book.pdf_bytes)) as pdf:
        pages_with_notes = sorted({line.page for line in notes_of(lines)})
        assert len(pages_with_notes) >= 6
        for number in pages_with_notes:
            own = [line for line in lines if line.page == number]
            last = squeeze(body(own)[-1].with_calls())
            notes = [squeeze(line.text) for line in notes_of(own) if line.text[0] in CIRCLED]
            for extracted in (
                pdf.pages[number - 1].extract_text(),
                reader.pages[number - 1].extract_text(),
            ):
                text = squeeze(extracted)
                end_of_text = text.index(last) + len(last)
                for note in notes:
                    assert text.count(note) == 1, (number, note[:10])
                    assert text.index(note) >= end_of_text, (number, note[:10])


def test_calls_are_raised_small_marks_right_after_their_words(lines, openings):
    own = article_lines(lines, openings, "congcong")
    line = next(line for line in own if "八千多日子" in line.text and line.calls)
    call = line.calls[0]
    before = max((c for c in line.chars if c["x1"] <= call["x0"] + 0.1), key=lambda c: c["x1"])
    assert call["text"] == "①" and before["text"] == "子"
    assert call["size"] == pytest.approx(0.8 * 10.5, abs=0.05)  # --bk-size-note-call: 0.8rem
    assert 2 < line.baseline - call["baseline"] < 6  # raised (--bk-note-call-raise)
    assert call["x0"] - before["x1"] < 0.2 * 10.5  # right after 子


def test_the_table_figures_are_those_counted_from_the_texts(lines, openings):
    """The afterword's table, read from the PDF, against counts made here from
    source/*.txt: prose paragraphs, quoted blocks, Han characters of the body (title and
    date line left out) and each essay's share of all three."""
    counted = {}
    for name in ESSAYS.values():
        rest = source_lines(name)[1:]
        prose = [line for line in rest if not line.startswith(MARKERS)]
        quoted = {line.split(": ")[0] for line in rest if line.startswith(("VERSE: ", "QUOTE: "))}
        han = sum(len(HAN.findall(line)) for line in rest if not line.startswith("SIGNOFF: "))
        counted[source_lines(name)[0]] = [len(prose), len(quoted), han]
    total = sum(v[2] for v in counted.values())
    table = [
        line.text.replace(" ", "")
        for line in article_lines(lines, openings, "afterword")
        if line.text.startswith(("《", "合计"))
    ]
    rows = {row.split("》")[0] + "》": row for row in table if row.startswith("《")}
    for title, (paragraphs, quotes, han) in counted.items():
        row = rows[f"《{title}》"]
        share = f"{100 * han / total:.1f}"
        assert row.endswith(f"{paragraphs}{quotes}{han}{share}"), (row, paragraphs, quotes, han)
    sums = [sum(v[i] for v in counted.values()) for i in range(3)]
    assert f"合计{sums[0]}{sums[1]}{sums[2]}100.0" in table


def test_the_table_aligns_numbers_on_the_right_and_on_the_point(lines, openings, pdf):
    own = article_lines(lines, openings, "afterword")
    rows = [line for line in own if line.text.startswith(("《", "合计")) and line.size < 10]
    points = [c["x0"] for line in rows for c in line.chars if c["text"] == "."]
    assert len(points) == 4 and max(points) - min(points) < 0.3  # 18.9 39.9 41.2 100.0
    # the Han counts (541 1140 1179 2860) end on one edge
    ends = []
    for line in rows:
        digits = [c for c in line.chars if c["text"].isdigit()]
        runs = [[digits[0]]]
        for c in digits[1:]:
            if c["x0"] - runs[-1][-1]["x1"] < 1:
                runs[-1].append(c)
            else:
                runs.append([c])
        ends.append(runs[-3][-1]["x1"])  # the count, before the share's two digit runs
    assert max(ends) - min(ends) < 0.3
    edge = max(line.x1 for line in own if line.page == rows[0].page and line.size > 10)
    assert max(line.x1 for line in rows) <= edge + 0.5  # inside the type area


def test_people_print_on_cover_title_page_and_colophon_and_in_the_metadata(example_book, pdf):
    meta = PdfReader(io.BytesIO(example_book.pdf_bytes)).metadata
    assert meta["/Author"] == "朱自清 著；本书编辑组 注"
    plan = example_book.result.layouts["screen"].laid.plan
    starts = {slot.part: slot.start for slot in plan.slots}
    text = {part: squeeze(pdf.pages[start - 1].extract_text()) for part, start in starts.items()}
    assert "朱自清散文三篇朱自清著本书编辑组注" in text["cover"]
    if plan.arrangement.title_page:  # one page: the publisher under the people
        assert text["title"].endswith("朱自清散文三篇朱自清著本书编辑组注booklet示例文库")
    assert "作者朱自清著；本书编辑组注" in text["colophon"]


def test_the_contents_list_headed_sections_and_leave_out_breaks_and_toc_false(example_book, pdf):
    toc_page = next(n for n, p in enumerate(pdf.pages, 1) if "......" in (p.extract_text() or ""))
    entries = toc_entries(example_book.pdf_bytes, [toc_page])
    assert [e.title for e in entries] == [
        *("匆匆", "背影", "荷塘月色", "校读记"),
        *("底本", "《匆匆》", "《背影》", "《荷塘月色》", "篇幅"),
    ]
    assert all(e.printed == e.target for e in entries)
    marks = outline(example_book.pdf_bytes)
    assert [(level, t) for level, t, _ in marks if t in ("底本", "《背影》", "篇幅")] == [
        (2, "底本"),
        (3, "《背影》"),
        (2, "篇幅"),
    ]
    assert not any(t in ("存疑", "＊") for _, t, _ in marks)


def test_the_build_is_clean(example_book):
    assert example_book.result.problems == []
    assert example_book.result.pages % 4 == 0


def test_the_typography_report_finds_every_line_of_the_staged_texts(example_book):
    """R12 against source/*.txt themselves (not the book's YAML): the text layer holds each
    line, in order, the notes read apart."""
    staged = [
        unicodedata.normalize("NFC", line.split(": ", 1)[-1] if line.startswith(MARKERS) else line)
        for name in ESSAYS.values()
        for line in source_lines(name)[1:]
    ]
    notes = [note for name in ESSAYS.values() for note in source_notes()[name]]
    report = typocheck.check_pdf(
        example_book.pdf_bytes, source_paragraphs=staged, source_notes=notes
    )
    assert [v for v in report.violations if v.rule == "R12"] == []
    assert len(notes) == 18 and report.stats["full_lines"] > 100
