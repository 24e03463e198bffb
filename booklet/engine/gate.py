"""The version gate: the engine must be the one whose internals this package knows."""

from __future__ import annotations

import contextlib
import importlib
import inspect
from functools import cache

from . import justify, press

ENGINE_VERSION = "70.0"  # pyproject.toml pins weasyprint to this
PDF_WRITER_VERSION = "0.13.0"  # and pydyf to this

# Internals the other engine modules use, besides the hooks' (justify.PATCHED and USED,
# press.PATCHED and USED):
# (module, attribute path) -> parameter names, or None for an attribute that must exist.
OTHERS = {
    ("weasyprint.pdf.fonts", "Font.subset"): ("self", "to_unicode", "hinting"),
    ("pydyf", "PDF.write"): ("self", "output", "version", "identifier", "compress"),
    ("weasyprint.document", "Page.paint"): ("self", "stream", "scale"),
    ("pydyf", "zlib"): None,
    ("weasyprint.pdf.fonts", "get_hb_object_data"): ("hb_object", "ot_color", "glyph"),
    ("weasyprint.pdf.stream", "Stream.add_font"): ("self", "pango_font"),
    ("weasyprint.pdf.stream", "Stream.add_image"): ("self", "image", "interpolate", "ratio"),
    ("weasyprint.text.ffi", "harfbuzz_subset"): None,
    ("weasyprint.formatting_structure.boxes", "MarginBox"): None,
    ("weasyprint.formatting_structure.boxes", "ReplacedBox"): None,
    ("weasyprint.formatting_structure.boxes", "BlockContainerBox"): None,
    ("weasyprint.formatting_structure.boxes", "FootnoteAreaBox"): None,
    ("weasyprint.layout.page", "PageType"): None,
}


class EngineMismatch(RuntimeError):
    """The installed engine is not the one this package was written against."""


def resolve(module_name: str, path: str):
    obj = importlib.import_module(module_name)
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _signature(function) -> tuple[str, ...]:
    try:
        return tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return ("?",)


def problems() -> list[str]:
    """What differs between the installed engine and the one this package knows."""
    import pydyf
    import weasyprint

    found = []
    if weasyprint.__version__ != ENGINE_VERSION:
        found.append(f"WeasyPrint {weasyprint.__version__} is installed, not {ENGINE_VERSION}")
    if pydyf.__version__ != PDF_WRITER_VERSION:
        found.append(f"pydyf {pydyf.__version__} is installed, not {PDF_WRITER_VERSION}")
    expected = {**justify.PATCHED, **press.PATCHED, **press.USED, **OTHERS}
    expected.update(dict.fromkeys(justify.USED))
    for (module_name, path), parameters in expected.items():
        try:
            target = resolve(module_name, path)
        except (ImportError, AttributeError):
            found.append(f"{module_name}.{path} is missing")
            continue
        target = originals_table().get((module_name, path), target)
        if parameters is not None and _signature(target) != parameters:
            found.append(
                f"{module_name}.{path} takes ({', '.join(_signature(target))}), "
                f"expected ({', '.join(parameters)})"
            )
    try:
        from weasyprint.text.ffi import pango

        justify.bind({})
        for name in justify.PANGO:
            getattr(pango, name)
    except (ImportError, AttributeError) as exc:
        found.append(f"weasyprint.text.ffi.pango lacks a function the hook calls ({exc})")
    return found


_ORIGINALS: dict[tuple[str, str], object] = {}


def originals_table() -> dict[tuple[str, str], object]:
    """The engine's own functions, as they were before any hook (read once)."""
    return _ORIGINALS


def subsetter_missing() -> bool:
    """Whether HarfBuzz's subsetter is absent (WeasyPrint then subsets with fontTools, ten
    times slower): a fact of the installed engine, told to the editor as a warning."""
    from weasyprint.text.ffi import harfbuzz_subset

    return harfbuzz_subset is None


@cache
def check() -> None:
    """Raise EngineMismatch unless the engine is the pinned one; then remember the engine's
    own functions, which the hook calls and always puts back."""
    hooked = (
        *justify.PATCHED,
        *press.PATCHED,
        ("weasyprint.pdf.fonts", "Font.subset"),
        ("weasyprint.document", "Page.paint"),
        ("pydyf", "zlib"),
        ("weasyprint.pdf.fonts", "get_hb_object_data"),
    )
    for module_name, path in hooked:
        with contextlib.suppress(ImportError, AttributeError):  # problems() says so
            _ORIGINALS.setdefault((module_name, path), resolve(module_name, path))
    found = problems()
    if found:
        raise EngineMismatch(
            "booklet cannot use this WeasyPrint: "
            + "; ".join(found)
            + f". The Chinese typesetting and the PDF writer patch internals of WeasyPrint "
            f"{ENGINE_VERSION} and pydyf {PDF_WRITER_VERSION}: install the versions "
            "pyproject.toml pins, or port booklet/engine/ to the new engine."
        )
    justify.bind({path: _ORIGINALS[(module, path)] for module, path in justify.PATCHED})
