"""The scoped hooks: the engine patched for one build (and for one press write), and always
given its own functions back."""

from __future__ import annotations

import importlib
import inspect
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

from . import gate, justify, press
from .memo import WriteMemo, _Zlib
from .subsets import SubsetMemo

# Put in place only with a memo of writes (a warm process): (module, attribute path).
PAINT = ("weasyprint.document", "Page.paint")
ZLIB = ("pydyf", "zlib")
FACE_DATA = ("weasyprint.pdf.fonts", "get_hb_object_data")


def _owner(module_name: str, path: str):
    *owner_path, name = path.split(".")
    owner = (
        gate.resolve(module_name, ".".join(owner_path))
        if owner_path
        else importlib.import_module(module_name)
    )
    return owner, name


def _counted(function: Callable, name: str, calls: Counter) -> Callable:
    @wraps(function)
    def counting(*args, **kwargs):
        calls[name] += 1
        return function(*args, **kwargs)

    return counting


# When a test sets a Counter here, every replacement put in place counts its calls, by the
# attribute path of the function it replaces.
counting: Counter | None = None


@contextmanager
def hooked(
    typeset: bool = True, subsets: SubsetMemo | None = None, writes: WriteMemo | None = None
) -> Iterator[None]:
    """Lay out and write with the Chinese typesetting hook (``typeset``), a memo of font
    subsets (``subsets``) and of painted pages and compressed streams (``writes``); without
    them, the engine as it comes. Whatever was in place before is put back on leaving,
    however the block ends, so a build never changes the engine for the next one."""
    gate.check()
    originals = gate.originals_table()
    wanted: dict[tuple[str, str], object] = {}
    for key in justify.PATCHED:
        replacement = justify.REPLACEMENTS[key[1]] if typeset else originals[key]
        wanted[key] = replacement
    subset_key = ("weasyprint.pdf.fonts", "Font.subset")
    original_subset = originals[subset_key]
    wanted[subset_key] = subsets.wrap(original_subset) if subsets else original_subset
    if writes is not None:
        wanted[PAINT] = writes.wrap_paint(originals[PAINT], typeset)
        wanted[ZLIB] = _Zlib(writes)
        wanted[FACE_DATA] = writes.wrap_face_data(originals[FACE_DATA])
    if counting is not None:
        wanted = {
            key: function
            if function is originals[key] or key == ZLIB
            else _counted(function, key[1], counting)
            for key, function in wanted.items()
        }
    saved = []
    try:
        for (module_name, path), function in wanted.items():
            owner, name = _owner(module_name, path)
            saved.append((owner, name, getattr(owner, name)))
            setattr(owner, name, function)
        yield
    finally:
        for owner, name, function in reversed(saved):
            setattr(owner, name, function)
        if writes is not None:
            writes.end()


@contextmanager
def pressed(converter: press.Converter) -> Iterator[None]:
    """Write with the press colour hooks (press.py): colours and photos through
    ``converter`` to CMYK, black text overprinting; whatever was in place before is put
    back on leaving. Only a press write (PDF/X) runs inside this block."""
    gate.check()
    originals = gate.originals_table()
    by_path = {path: originals[(module, path)] for module, path in press.PATCHED}
    wanted = press.replacements(converter, by_path)
    if counting is not None:
        wanted = {
            path: (
                staticmethod(_counted(function.__func__, path, counting))
                if isinstance(function, staticmethod)
                else _counted(function, path, counting)
            )
            for path, function in wanted.items()
        }
    saved = []
    try:
        for module_name, path in press.PATCHED:
            owner, name = _owner(module_name, path)
            # As stored (a static method stays one when it is put back).
            saved.append((owner, name, inspect.getattr_static(owner, name)))
            setattr(owner, name, wanted[path])
        yield
    finally:
        for owner, name, function in reversed(saved):
            setattr(owner, name, function)


def installed() -> dict[str, bool]:
    """For each patched function, whether a replacement is in place now."""
    originals = gate.originals_table()
    found = {}
    patched = (
        *justify.PATCHED,
        *press.PATCHED,
        ("weasyprint.pdf.fonts", "Font.subset"),
        PAINT,
        ZLIB,
        FACE_DATA,
    )
    for module_name, path in patched:
        owner, name = _owner(module_name, path)
        found[path] = getattr(owner, name) is not originals.get((module_name, path))
    return found
