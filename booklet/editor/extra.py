"""Profiles the preview shows that the command did not ask for, built in the warm process
from a good build's book, in memory: nothing is written.

A layout the build already made is reused; another one is laid out with the build's warm
caches (the same output folder, so its parts are kept for the next rebuild). Each profile
gets its own preflight; its problems are shown with its pages and never stop them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from booklet import engine, pipeline, profiles
from booklet.problems import Problem


@dataclass(frozen=True)
class Extra:
    name: str
    layout_name: str
    layout: pipeline.Layout
    pdf: bytes
    problems: tuple[Problem, ...]
    summary: str


def resolved(options: pipeline.Options, cwd: Path) -> pipeline.Options:
    """The options with their folders resolved as ``pipeline.build`` resolves them."""
    folders = ("book", "out", "styles", "fonts")
    return dataclasses.replace(
        options, **{name: (cwd / getattr(options, name)).resolve() for name in folders}
    )


def build(
    result: pipeline.Result,
    names: list[str],
    options: pipeline.Options,
    warm: pipeline.Warm,
    cwd: Path,
) -> dict[str, Extra]:
    """The profiles ``names`` of ``result``'s book (those ``result`` has are left out)."""
    options = resolved(options, cwd)
    names = [n for n in names if n in profiles.PROFILES and result.output(n) is None]
    if not names:
        return {}
    layouts = dict(result.layouts)
    pdfs: dict[str, bytes] = {}
    problems: list[Problem] = list(result.problems)
    clock = pipeline.Stopwatch()
    with engine.hooked(typeset=options.typeset, subsets=warm.subsets, writes=warm.writes):
        for name in names:
            profile = profiles.PROFILES[name]
            if profile.layout not in layouts:
                layouts[profile.layout] = pipeline.lay_out(
                    result.book, profile.layout, options, warm, cwd, clock, problems, None
                )
            pdfs[name] = pipeline.finish_profile(profile, layouts[profile.layout], options)
    found = {}
    for name in names:
        profile = profiles.PROFILES[name]
        own: list[Problem] = []
        checked = pipeline.check(
            result.book, [profile], layouts, pdfs, options, warm.faces(cwd), own
        )
        preflight = checked.get(profile.rules.name)
        found[name] = Extra(
            name,
            profile.layout,
            layouts[profile.layout],
            pdfs[name],
            tuple(p for p in own + problems if p not in result.problems),
            preflight.summary() if preflight else "",
        )
    return found
