"""Read YAML files safely into plain values that remember the line and column of every node."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from booklet.problems import BuildFailed, Where, error

# A line break (or the space YAML folds it into) between two Chinese characters is not
# a space the editor meant: it would print as a gap and break search in the PDF.
_CJK = r"[\u2E80-\u9FFF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF\U00020000-\U0003FFFF]"
_FOLD_BETWEEN_CJK = re.compile(rf"(?<={_CJK})[ \t]*\n?[ \t]*(?={_CJK})")
_NEWLINE_BETWEEN_CJK = re.compile(rf"(?<={_CJK})[ \t]*\n[ \t]*(?={_CJK})")


class YMap(dict):
    """A mapping with the place of itself, of each key and of each value."""

    where: Where
    key_where: dict[str, Where]
    value_where: dict[str, Where]


class YStr(str):
    """Text that spanned several lines of the file, with what the line joins hid.

    ``lines``: a literal block's (|) lines as typed (verse keeps them), else None;
    ``swallowed``: the place of each joined line that starts with '- ' (a list item
    indented differently from its neighbours, which YAML takes as more of the text above).
    """

    lines: tuple[str, ...] | None = None
    places: tuple[Where, ...] = ()  # where each of ``lines`` starts in the file
    swallowed: tuple[Where, ...] = ()


class YFloat(float):
    """A number with a point, with the digits as typed (100.0 keeps its .0)."""

    text: str = ""


class YList(list):
    """A sequence with the place of itself and of each item."""

    where: Where
    item_where: list[Where]


# Book content nests a few levels (an article, a section, a figure); more is a mistake, and
# PyYAML composes nodes recursively: thousands of levels would crash the build.
MAX_DEPTH = 64


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing aliases and deep nesting before they are composed.

    An alias (*name) repeats a node by reference: one that contains itself never ends, and a
    few aliases of aliases multiply into millions of values ("billion laughs"). Book content
    has no use for them.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not supported", self.peek_event().start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def where_of(node: yaml.Node, file: str) -> Where:
    mark = node.start_mark
    return Where(file, mark.line + 1, mark.column + 1)


def load_yaml(path: Path, shown_as: str) -> Any:
    """Parse one YAML file; raise BuildFailed with every problem found in it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BuildFailed(
            [error(Where(shown_as), "content.file-missing", "file not found")]
        ) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise BuildFailed(
            [error(Where(shown_as, line), "content.encoding", "not valid UTF-8", "save as UTF-8")]
        ) from None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise BuildFailed([_syntax_problem(exc, shown_as, text)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a file
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - text.rfind("\n", 0, exc.position)
        raise BuildFailed(
            [
                error(
                    Where(shown_as, line, col),
                    "content.control-char",
                    f"the invisible character U+{exc.character:04X} cannot be in a YAML file",
                    "delete it; it cannot be printed",
                )
            ]
        ) from None
    if node is None:
        return None
    problems: list = []
    value = _convert(node, shown_as, problems)
    if problems:
        raise BuildFailed(problems)
    return value


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str, text: str):
    mark = exc.problem_mark or exc.context_mark
    message = (exc.problem or exc.context or "invalid YAML").strip()
    hint = "check indentation and quoting"
    if exc.context_mark and "quoted scalar" in (exc.context or ""):
        # The end of the file is where YAML noticed; the opening quote is what to fix.
        mark = exc.context_mark
        message = "this quote is never closed"
        hint = "close it on the same paragraph, or remove it"
    where = Where(file, mark.line + 1, mark.column + 1) if mark else Where(file)
    if "aliases" in message:
        hint = "write the text out in full where it belongs"
    elif "levels deep" in message:
        hint = "check the brackets and the indentation"
    elif "'\\t'" in message or "\\t" in message:
        message = "tab character in indentation"
        hint = "indent with spaces, not tabs"
    elif "mapping values are not allowed" in message:
        hint = "put text containing ': ' in quotes"
    elif mark and mark.line < len(text.splitlines()):
        line = text.splitlines()[mark.line]
        if line.count('"') % 2:
            hint = "a quote is not closed on this line"
    return error(where, "content.yaml-syntax", f"YAML syntax: {message}", hint)


def _convert(node: yaml.Node, file: str, problems: list) -> Any:
    if isinstance(node, yaml.MappingNode):
        result = YMap()
        result.where = where_of(node, file)
        result.key_where, result.value_where = {}, {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, file, problems)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                problems.append(
                    error(
                        where_of(key_node, file),
                        "content.duplicate-key",
                        f"key '{key}' appears twice in the same mapping",
                        f"the first is at line {result.key_where[key].line}; keep one",
                    )
                )
                continue
            result.key_where[key] = where_of(key_node, file)
            result.value_where[key] = where_of(value_node, file)
            result[key] = _convert(value_node, file, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        result = YList()
        result.where = where_of(node, file)
        result.item_where = []
        for item in node.value:
            result.item_where.append(where_of(item, file))
            result.append(_convert(item, file, problems))
        return result
    value = _scalar(node, file, problems)
    if isinstance(value, float):
        number = YFloat(value)
        number.text = node.value.strip()
        return number
    if isinstance(value, str) and node.start_mark.line != node.end_mark.line:
        literal = node.style == "|"
        text = YStr(unfold(value, literal=literal))
        if literal:
            text.lines = tuple(value.strip("\n").split("\n"))
            text.places = _literal_places(node, file, len(text.lines))
        else:
            text.swallowed = _swallowed_items(node, file)
        return text
    return value


def _literal_places(node: yaml.ScalarNode, file: str, count: int) -> tuple[Where, ...]:
    """Where each line of a literal block starts: the lines after the | line, skipping the
    empty lines its value dropped at the start."""
    start = node.start_mark
    if start.buffer is None:
        return (Where(file, start.line + 1, start.column + 1),) * count
    source = start.buffer[start.index : node.end_mark.index].split("\n")[1:]
    first = next((n for n, line in enumerate(source) if line.strip()), 0)
    places = []
    for number, line in enumerate(source[first : first + count]):
        indent = len(line) - len(line.lstrip(" "))
        places.append(
            Where(file, start.line + first + number + 2, indent + 1 if line.strip() else 0)
        )
    return tuple(places)


def _swallowed_items(node: yaml.ScalarNode, file: str) -> tuple[Where, ...]:
    """Lines after the first of a plain or folded scalar that start with '- '."""
    start, end = node.start_mark, node.end_mark
    if start.buffer is None:
        return ()
    source = start.buffer[start.index : end.index].split("\n")
    found = []
    for number, line in enumerate(source[1:], start=1):
        body = line.lstrip(" ")
        if body == "-" or body.startswith("- "):
            found.append(Where(file, start.line + number + 1, len(line) - len(body) + 1))
    return tuple(found)


def unfold(text: str, *, literal: bool) -> str:
    """Undo line breaks inside Chinese text of a multi-line scalar.

    In a literal block (|) the breaks are still newlines: those between Chinese
    characters vanish, others become one space. In plain, quoted or folded scalars YAML
    has already turned each break into a space, so spaces between Chinese characters go.
    """
    if literal:
        text = _NEWLINE_BETWEEN_CJK.sub("", text.strip("\n"))
        return re.sub(r"[ \t]*\n[ \t]*", " ", text)
    return _FOLD_BETWEEN_CJK.sub("", text)


_SCALARS = yaml.constructor.SafeConstructor()


def _scalar(node: yaml.Node, file: str, problems: list) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return None
    try:
        return _SCALARS.construct_object(node)
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError) as exc:
        # A plain value YAML takes for a date, a number or one of its symbols (=, <<) but
        # cannot make one of: 2026-13-45, 0x_, a lone =, or an explicit !tag.
        text = node.value if len(node.value) <= 40 else node.value[:40] + "…"
        if node.tag.endswith(":timestamp"):
            reason = f" ({exc})" if isinstance(exc, ValueError) else ""
            message, hint = f"'{text}' is not a date{reason}", "write the date as YYYY-MM-DD"
        else:
            message, hint = f"YAML cannot read '{text}' as text", "put the text in quotes"
        problems.append(error(where_of(node, file), "content.yaml-value", message, hint))
        return None
