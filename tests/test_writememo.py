"""The warm process's memo of writes: pages not laid out again are replayed, not painted,
and the file is byte for byte what a cold build writes; each page's digest says whether it
looks the same."""

from __future__ import annotations

import shutil

import pytest

from booklet import engine, pipeline


@pytest.fixture
def book(tmp_path, make_book_module):
    """The small book with its articles on rectos: blank pages before them, alike."""
    copy = tmp_path / "book"
    shutil.copytree(make_book_module, copy)
    with (copy / "book.yaml").open("a", encoding="utf-8") as settings:
        settings.write("openings: right\n")
    return copy


def builds(tmp_path, book, styles, profile="screen"):
    options = pipeline.Options(
        book=book, out=tmp_path / "warm", styles=styles, profile=profile, allow_placeholders=True
    )
    warm = pipeline.Warm(options)

    def build(changed=(), process=warm) -> pipeline.Result:
        process.changed(changed)
        return pipeline.build(options, tmp_path, process)

    def cold() -> pipeline.Result:
        return build(process=pipeline.Warm(options))

    return warm, build, cold


def edit(path, old, new):
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


@pytest.mark.parametrize("profile", ["screen", "print"])
def test_unchanged_pages_are_replayed_and_the_file_is_what_a_cold_build_writes(
    tmp_path, book, styles_copy, profile
):
    warm, build, cold = builds(tmp_path, book, styles_copy, profile)
    first = build()
    pages = first.pages
    distinct = len({id(p) for p in first.layouts[profile].laid.document.pages})
    # A page object is painted once; a blank filler used again is replayed at once.
    assert warm.writes.painted == distinct < pages
    assert warm.writes.painted + warm.writes.replayed == pages
    painted, replayed = warm.writes.painted, warm.writes.replayed
    article = book / "articles" / "b.yaml"
    edit(article, "三十三年", "三十四年")
    edited = build([article])
    # Only the edited article's pages are painted again; the others are replayed.
    maps = engine.SourceMaps()(edited.layouts[profile].laid.document.pages)
    b_pages = {
        n
        for n, m in enumerate(maps, 1)
        if any(b.src.startswith("articles/b.yaml") for b in m.boxes)
    }
    assert warm.writes.painted - painted == len(b_pages) > 0
    assert warm.writes.replayed - replayed == pages - len(b_pages)
    assert edited.reader == cold().reader != first.reader
    # Tagged (screen) or not (print), with bleed and marks: the same bytes either way.
    assert edited.output(profile).data == cold().output(profile).data


def test_a_page_with_a_transparency_group_is_painted_every_time_and_still_the_same(
    tmp_path, book, styles_copy
):
    (styles_copy / "overrides.css").write_text(".lede { opacity: 0.8; }\n", "utf-8")
    warm, build, cold = builds(tmp_path, book, styles_copy)
    first = build()
    painted, replayed = warm.writes.painted, warm.writes.replayed
    again = build()
    assert again.reader == first.reader == cold().reader
    # The pages with a lede draw a group: painted again, the others replayed.
    again_painted = warm.writes.painted - painted
    assert 0 < again_painted < first.pages
    assert again_painted + warm.writes.replayed - replayed == first.pages


def test_digests_tell_which_pages_look_different(tmp_path, book, styles_copy):
    warm, build, _cold = builds(tmp_path, book, styles_copy)

    def digests(result):
        return [warm.writes.digest(p) for p in result.layouts["screen"].laid.document.pages]

    first = digests(build())
    assert all(first) and len(set(first)) < len(first)  # the blank fillers look the same
    article = book / "articles" / "b.yaml"
    edit(article, "三十三年", "三十四年")
    edited = digests(build([article]))
    changed = [n for n, (a, b) in enumerate(zip(first, edited, strict=True), start=1) if a != b]
    assert len(changed) == 1  # the page that prints the edited sentence, nothing else
    edit(article, "三十四年", "三十三年")
    assert digests(build([article])) == first  # laid out again, looks the same: same digests
