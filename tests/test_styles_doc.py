"""styles/README.md tells the truth: every token documented, every var() used is declared."""

from __future__ import annotations

import re

from .conftest import STYLES

SET_BY_BUILD = {"--bk-page-width", "--bk-page-height"}


def declared_tokens() -> set[str]:
    return set(re.findall(r"(--bk-[\w-]+)\s*:", (STYLES / "tokens.css").read_text("utf-8")))


def test_every_token_is_documented():
    readme = (STYLES / "README.md").read_text("utf-8")
    documented = set(re.findall(r"`(--bk-[\w-]+)`", readme))
    assert declared_tokens() | SET_BY_BUILD <= documented
    assert documented <= declared_tokens() | SET_BY_BUILD, "README documents a token that is gone"


def test_every_var_used_is_declared():
    declared = declared_tokens() | SET_BY_BUILD
    for css in STYLES.rglob("*.css"):
        used = set(re.findall(r"var\((--bk-[\w-]+)", css.read_text("utf-8")))
        assert used <= declared, (css.name, used - declared)


def test_every_stylesheet_is_listed_in_the_readme():
    readme = (STYLES / "README.md").read_text("utf-8")
    for css in STYLES.rglob("*.css"):
        name = css.relative_to(STYLES).as_posix()
        if css.parent.name in ("themes", "profiles"):
            name = f"{css.parent.name}/<name>.css"
        assert f"`{name}`" in readme, name


def test_book_readme_documents_every_content_field():
    from booklet.content import schema
    from booklet.pipeline import PROJECT

    readme = (PROJECT / "book" / "README.md").read_text("utf-8")
    fields = {name for spec in schema.ALL for name in spec} | set(schema.BLOCK_KINDS)
    assert {f for f in fields if f"`{f}`" not in readme and f"`{f}:" not in readme} == set()
