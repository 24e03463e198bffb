"""Every colour space a PDF's pages use, page by page: content operators, images, shadings,
patterns, form XObjects, soft masks and transparency groups, followed wherever they lead.

A press file must hold only process colour (DeviceCMYK, DeviceGray, a Separation or DeviceN
whose alternate is CMYK or gray): what else is found is a survivor, named with its page and
what it is (a fill colour, an image, a shading …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# Content-stream tokens: strings, hex strings and dictionaries are skipped whole (text is in
# them); names and operators are what the scan reads.
_TOKEN = re.compile(
    rb"\((?:\\.|[^\\()])*\)"  # literal string (one nesting level is enough for our writers)
    rb"|<<|>>|<[0-9A-Fa-f\s]*>"  # dictionary brackets, hex string
    rb"|/[^\s/\[\]<>(){}%]*"  # name
    rb"|%[^\r\n]*"  # comment
    rb"|[+-]?(?:\d+\.?\d*|\.\d+)"  # number
    rb"|[A-Za-z'\"*][A-Za-z0-9*']*"  # operator
    rb"|[\[\]{}]"
)
_DEVICE = {
    "/DeviceRGB": "DeviceRGB",
    "/RGB": "DeviceRGB",
    "/DeviceCMYK": "DeviceCMYK",
    "/CMYK": "DeviceCMYK",
    "/DeviceGray": "DeviceGray",
    "/G": "DeviceGray",
}
PROCESS = ("DeviceCMYK", "DeviceGray")  # what a press file may hold besides separations
# The output intent's own CMYK profile as a colour space (WeasyPrint's blending space and
# gradients under PDF/X): the printing condition itself, so process colour.
OUTPUT_INTENT = "ICCBased CMYK (output intent)"


@dataclass
class Use:
    page: int
    space: str  # DeviceCMYK, DeviceRGB, Separation /All (DeviceCMYK), ICCBased RGB …
    what: str  # fill colour, stroke colour, image /Im3 640×480, shading, group …


@dataclass
class ColourFacts:
    uses: list[Use] = field(default_factory=list)

    def spaces(self) -> dict[str, list[int]]:
        """Each colour space found, with the pages that use it."""
        found: dict[str, set[int]] = {}
        for use in self.uses:
            found.setdefault(use.space, set()).add(use.page)
        return {space: sorted(pages) for space, pages in sorted(found.items())}

    def survivors(self) -> list[Use]:
        """Uses of anything but process colour, each (page, space, what) once."""
        seen, kept = set(), []
        for use in self.uses:
            key = (use.page, use.space, use.what)
            if not is_process(use.space) and key not in seen:
                seen.add(key)
                kept.append(use)
        return kept


def is_process(space: str) -> bool:
    if space in PROCESS or space == OUTPUT_INTENT:
        return True
    match = re.fullmatch(r"(?:Separation|DeviceN) .*\((Device(?:CMYK|Gray))\)", space)
    return bool(match)


def _get(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _number(obj) -> int | None:
    """The object number of a (resolved) indirect object, None for a direct one."""
    ref = getattr(_get(obj), "indirect_reference", None)
    return ref.idnum if ref is not None else None


def describe_space(space, resources=None, intent: int | None = None) -> str:
    """A colour space object (a name or an array) as a short readable name; ``intent`` is
    the object number of the output intent's profile."""
    space = _get(space)
    if isinstance(space, NameObject | str):
        name = str(space)
        if name in _DEVICE:
            return _DEVICE[name]
        spaces = _get(resources.get("/ColorSpace")) if resources is not None else None
        if spaces is not None and name in spaces:
            return describe_space(spaces.raw_get(name), None, intent)
        if name == "/Pattern":
            return "Pattern"
        return f"unknown {name}"
    if isinstance(space, ArrayObject) and len(space):
        family = str(_get(space[0]))
        if family == "/ICCBased":
            stream = _get(space[1])
            n = int(stream.get("/N", 0))
            if n == 4 and intent is not None and _number(stream) == intent:
                return OUTPUT_INTENT
            return "ICCBased " + {1: "Gray", 3: "RGB", 4: "CMYK"}.get(n, f"N={n}")
        if family == "/Separation":
            return f"Separation {space[1]} ({describe_space(space[2])})"
        if family == "/DeviceN":
            names = " ".join(str(n) for n in _get(space[1]))
            return f"DeviceN [{names}] ({describe_space(space[2])})"
        if family in ("/Indexed", "/I"):
            return f"Indexed ({describe_space(space[1], resources)})"
        if family == "/Pattern":
            return "Pattern" + (
                f" ({describe_space(space[1], resources)})" if len(space) > 1 else ""
            )
        if family in ("/CalRGB", "/CalGray", "/Lab"):
            return family[1:]
        return describe_space(space[0], resources)
    return "unknown"


class _Scanner:
    """Walks one page: its content, and every resource the content draws, recursively."""

    def __init__(self, page: int, facts: ColourFacts, memo: dict, intent: int | None = None):
        self.page = page
        self.facts = facts
        self.memo = memo  # id of a form/pattern/group → its uses (page-independent)
        self.intent = intent  # object number of the output intent's profile

    def space(self, space, resources=None) -> str:
        return describe_space(space, resources, self.intent)

    def add(self, space: str, what: str) -> None:
        self.facts.uses.append(Use(self.page, space, what))

    def content(self, data: bytes, resources, depth: int = 0) -> None:
        resources = _get(resources) if resources is not None else DictionaryObject()
        operands: list[bytes] = []
        pos = 0
        while True:
            match = _TOKEN.search(data, pos)
            if not match:
                break
            token = match.group()
            pos = match.end()
            first = token[:1]
            if first in b"(<%[]{}" or token == b">>" or first == b"/" or first in b"+-.0123456789":
                if first == b"/" or first in b"+-.0123456789":
                    operands.append(token)
                if token in (b"[", b"<<"):
                    pass
                continue
            op = token
            if op in (b"rg", b"RG"):
                self.add("DeviceRGB", "fill colour" if op == b"rg" else "stroke colour")
            elif op in (b"k", b"K"):
                self.add("DeviceCMYK", "fill colour" if op == b"k" else "stroke colour")
            elif op in (b"g", b"G"):
                self.add("DeviceGray", "fill colour" if op == b"g" else "stroke colour")
            elif op in (b"cs", b"CS") and operands:
                name = operands[-1].decode("latin-1")
                space = self.space(NameObject(name), resources)
                if space != "Pattern":  # a pattern's own colours are scanned where it is used
                    self.add(space, "fill colour space" if op == b"cs" else "stroke colour space")
            elif op in (b"scn", b"SCN") and operands and operands[-1].startswith(b"/"):
                self.pattern(operands[-1].decode("latin-1"), resources, depth)
            elif op == b"Do" and operands:
                self.xobject(operands[-1].decode("latin-1"), resources, depth)
            elif op == b"sh" and operands:
                shadings = _get(resources.get("/Shading")) or {}
                name = operands[-1].decode("latin-1")
                if name in shadings:
                    self.shading(shadings[name], f"shading {name}")
            elif op == b"gs" and operands:
                states = _get(resources.get("/ExtGState")) or {}
                name = operands[-1].decode("latin-1")
                if name in states:
                    self.ext_gstate(_get(states[name]), resources, depth)
            elif op == b"ID":  # inline image data: skip to EI
                end = data.find(b"EI", pos)
                pos = len(data) if end < 0 else end + 2
            operands = []

    def shading(self, shading, what: str) -> None:
        shading = _get(shading)
        if shading is not None and "/ColorSpace" in shading:
            self.add(self.space(shading["/ColorSpace"]), what)

    def group(self, obj, what: str) -> None:
        group = _get(obj.get("/Group")) if obj is not None else None
        if group is not None and "/CS" in group:
            self.add(self.space(group["/CS"]), what)

    def xobject(self, name: str, resources, depth: int) -> None:
        xobjects = _get(resources.get("/XObject")) or {}
        if name not in xobjects:
            return
        ref = xobjects[name]
        obj = _get(ref)
        if obj.get("/Subtype") == "/Image":
            size = f"{obj.get('/Width')}×{obj.get('/Height')}"
            if obj.get("/ImageMask") in (True, "true"):
                return  # a stencil: painted in the current fill colour, already counted
            self.add(
                self.space(obj.get("/ColorSpace", "/DeviceGray"), resources),
                f"image {name} {size}",
            )
            smask = obj.get("/SMask")
            if smask is not None:
                self.add(
                    self.space(_get(smask).get("/ColorSpace", "/DeviceGray")),
                    f"soft mask of image {name}",
                )
        elif obj.get("/Subtype") == "/Form" and depth < 12:
            self.form(ref, obj, f"form {name}", resources, depth)

    def form(self, ref, obj, what: str, outer_resources, depth: int) -> None:
        key = ref.idnum if isinstance(ref, IndirectObject) else id(obj)
        if key not in self.memo:
            inner = _Scanner(self.page, ColourFacts(), self.memo, self.intent)
            self.memo[key] = inner.facts.uses  # guards against a form drawing itself
            inner.group(obj, f"transparency group of {what}")
            inner.content(obj.get_data(), obj.get("/Resources", outer_resources), depth + 1)
        for use in self.memo[key]:
            self.add(use.space, use.what)

    def pattern(self, name: str, resources, depth: int) -> None:
        patterns = _get(resources.get("/Pattern")) or {}
        if name not in patterns:
            return
        ref = patterns[name]
        obj = _get(ref)
        if int(obj.get("/PatternType", 1)) == 2:
            self.shading(obj.get("/Shading"), f"shading pattern {name}")
        elif depth < 12:
            self.form(ref, obj, f"pattern {name}", resources, depth)

    def ext_gstate(self, state, resources, depth: int) -> None:
        smask = _get(state.get("/SMask")) if state is not None else None
        if isinstance(smask, DictionaryObject) and "/G" in smask and depth < 12:
            group = smask["/G"]
            self.form(group, _get(group), "soft mask", resources, depth)


def scan(reader: PdfReader) -> ColourFacts:
    """Every colour space used on every page of the PDF."""
    facts = ColourFacts()
    memo: dict = {}
    intent = None
    for found in _get(reader.trailer["/Root"].get("/OutputIntents")) or []:
        profile = _get(found).get("/DestOutputProfile")
        if profile is not None:
            intent = _number(profile)
    for number, page in enumerate(reader.pages, start=1):
        scanner = _Scanner(number, facts, memo, intent)
        scanner.group(page, "page transparency group")
        contents = page.get("/Contents")
        if contents is None:
            continue
        contents = _get(contents)
        if isinstance(contents, ArrayObject):
            data = b"\n".join(_get(part).get_data() for part in contents)
        else:
            data = contents.get_data()
        scanner.content(data, page.get("/Resources"))
    return facts
