"""The inline markup of a text: **bold**, *emphasis dots*, [^key] note calls; nothing else.

Everything else is literal text, HTML and template syntax included. An asterisk with a space
(or the text's edge) on both sides is an asterisk (2 * 3), and ``\\*`` or ``\\[`` prints the
character itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from booklet.model import NOTE, Run
from booklet.problems import Where

# **, *, [^key], or an escaped * or [.
_TOKEN = re.compile(r"\\([*\[])|\*\*|\*|\[\^([^\]\s\[^]+)\]")

Report = Callable[[Where, str, str, str], None]  # (where, code, message, hint)


def _literal_star(text: str, at: int) -> bool:
    before = text[at - 1] if at > 0 else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    return before.isspace() and after.isspace()


def parse_runs(
    text: str,
    where: Where,
    report: Report,
    calls: list[tuple[str, Where]] | None,
    what: str = "paragraph",
) -> tuple[Run, ...]:
    """Split ``text`` into runs. Note calls are appended to ``calls`` as (key, place); with
    ``calls`` None a note may not be called here and one written is an error."""
    runs: list[Run] = []
    buffer: list[str] = []
    bold = dots = False
    opened: dict[str, int] = {}

    def tag() -> str | None:
        return " ".join(name for name, on in (("strong", bold), ("em", dots)) if on) or None

    def flush() -> None:
        if buffer:
            runs.append(("".join(buffer), tag()))
            buffer.clear()

    position = 0
    for match in _TOKEN.finditer(text):
        buffer.append(text[position : match.start()])
        position = match.end()
        token = match.group()
        if match.group(1):  # an escaped character: itself
            buffer.append(match.group(1))
        elif token == "**":
            flush()
            bold = not bold
            opened["**"] = match.start()
        elif token == "*":
            if _literal_star(text, match.start()):
                buffer.append("*")
                continue
            flush()
            dots = not dots
            opened["*"] = match.start()
        else:
            flush()
            key = match.group(2)
            if calls is None:
                report(
                    where,
                    "content.note-place",
                    f"a note cannot be called from a {what} ([^{key}])",
                    "call it from a paragraph, a quotation, a verse line, a list item or a sign-off",
                )
                continue
            calls.append((key, where))
            runs.append((key, NOTE))
    buffer.append(text[position:])
    flush()
    if bold:
        report(
            where, "content.emphasis", "'**' is not closed", "bold text is written **like this**"
        )
    if dots:
        report(
            where,
            "content.emphasis",
            f"'*' is not closed (character {opened['*'] + 1} of this {what})",
            "emphasis dots are written *like this*; for an asterisk itself write \\* or ＊",
        )
    if bold or dots:
        return tuple((t, None) for t, tag in runs if tag != NOTE and t) or ((text, None),)
    merged: list[Run] = []
    for run in runs:
        if not run[0]:
            continue
        if merged and merged[-1][1] == run[1] and run[1] != NOTE:
            merged[-1] = (merged[-1][0] + run[0], run[1])
        else:
            merged.append(run)
    return tuple(merged)
