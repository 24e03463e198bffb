"""Press colour for one PDF/X write: colours and photos through the output profile to CMYK,
black text overprinting, and the profile given to WeasyPrint as the output intent.

WeasyPrint 70 writes the PDF/X structure but converts nothing: ``rgb()`` stays DeviceRGB,
photos stay RGB. For the length of a press write (``hook.pressed``) three engine functions
are replaced:

- ``Stream.set_color``: an sRGB colour (one the print styles did not give in CMYK: an SVG's,
  a rule in overrides.css) becomes DeviceCMYK through the profile with LittleCMS; a neutral
  grey becomes black ink alone (K = 1 - grey), as a print shop converts grey;
- ``draw.draw_text`` (the name ``draw/__init__.py`` calls): text in solid black ink alone
  (0/0/0/100) is drawn under an ExtGState ``/OP true /op true /OPM 1``, so it overprints
  what lies beneath instead of knocking it out (no white halo when the plates misregister);
- ``RasterImage.get_x_object``: an RGB photo becomes CMYK through the profile: a JPEG as a
  CMYK JPEG (quality 95, no chroma subsampling), anything else losslessly (Flate), its
  transparency kept as a soft mask. Grey images stay DeviceGray (black ink);
- ``Stream.create_interpolation_function``: a gradient's colour stops, which WeasyPrint
  writes as sRGB triples into a shading whose colour space is, under an output intent, the
  CMYK profile (four components: the file would be broken), become CMYK through it.

The tokens that choose the profile and the intent are read from the laid-out root element
(``tokens``), so they follow the cascade like every other token.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pydyf
import tinycss2
from PIL import Image

# Functions replaced for a press write: (module, attribute path) -> parameter names.
PATCHED = {
    ("weasyprint.pdf.stream", "Stream.set_color"): ("self", "color", "stroke"),
    ("weasyprint.draw", "draw_text"): (
        "stream",
        "textbox",
        "offset_x",
        "text_overflow",
        "block_ellipsis",
    ),
    ("weasyprint.images", "RasterImage.get_x_object"): ("self", "interpolate", "dpi_ratio"),
    ("weasyprint.pdf.stream", "Stream.create_interpolation_function"): ("domain", "c0", "c1", "n"),
}
# Other internals used here: the colour profile WeasyPrint embeds as the output intent.
USED = {
    ("weasyprint.css", "ColorProfile"): ("file_object", "src", "rendering_intent", "components")
}

# The rendering intents, as CSS names them and as ImageCms.Intent names them (LittleCMS is
# loaded by the first press write only: the screen build never needs it).
INTENTS = {
    "perceptual": "PERCEPTUAL",
    "relative-colorimetric": "RELATIVE_COLORIMETRIC",
    "saturation": "SATURATION",
    "absolute-colorimetric": "ABSOLUTE_COLORIMETRIC",
}
RGB_SPACES = ("srgb", "hsl", "hwb")
OVERPRINT = "OPk"  # the ExtGState black text is drawn with
JPEG_QUALITY = 95


def tokens(document) -> dict[str, str]:
    """The custom properties (tokens) of the laid-out document's root element, serialised;
    a string token without its quotes."""
    if not document.pages:
        return {}
    root = document.pages[0]._page_box.children[0]
    style = root.style
    found = {}
    for key in style.cascaded:
        if not key.startswith("__"):
            continue
        value = style[key] or []
        parts = [t.value if t.type == "string" else tinycss2.serialize([t]) for t in value]
        found["--" + key[2:].replace("_", "-")] = " ".join(p for p in parts if p.strip())
    return found


class PressError(ValueError):
    """The press tokens name a profile or intent that cannot be used."""


@dataclass
class Converter:
    """sRGB to the output profile's CMYK (LittleCMS), with the rendering intent."""

    profile: Path
    intent: str = "relative-colorimetric"
    _colours: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        from PIL import ImageCms

        if self.intent not in INTENTS:
            raise PressError(
                f"unknown rendering intent {self.intent!r}: use one of {', '.join(INTENTS)}"
            )
        try:
            self.data = self.profile.read_bytes()
            self._cmyk = ImageCms.ImageCmsProfile(io.BytesIO(self.data))
        except (OSError, ImageCms.PyCMSError) as exc:
            raise PressError(f"cannot read the colour profile {self.profile.name}: {exc}") from exc
        if self._cmyk.profile.xcolor_space.strip() != "CMYK":
            raise PressError(f"{self.profile.name} is not a CMYK output profile")
        flags = (
            ImageCms.Flags.NONE
            if self.intent == "absolute-colorimetric"
            else ImageCms.Flags.BLACKPOINTCOMPENSATION
        )
        self._transform = ImageCms.buildTransform(
            ImageCms.createProfile("sRGB"),
            self._cmyk,
            "RGB",
            "CMYK",
            renderingIntent=getattr(ImageCms.Intent, INTENTS[self.intent]),
            flags=flags,
        )

    @property
    def description(self) -> str:
        """The profile's own description: the printing condition in words."""
        p = self._cmyk.profile
        return (p.profile_description or self.name).strip()

    @property
    def name(self) -> str:
        """The printing condition as the output intent names it (the profile's model)."""
        p = self._cmyk.profile
        return (p.model or p.profile_description or self.profile.stem).strip()

    def cmyk(self, r: float, g: float, b: float) -> tuple[float, float, float, float]:
        """An sRGB colour (0–1 each) as CMYK (0–1 each); a neutral grey as K alone."""
        key = tuple(max(0, min(255, round(v * 255))) for v in (r, g, b))
        if key not in self._colours:
            if key[0] == key[1] == key[2]:
                value = (0.0, 0.0, 0.0, round(1 - key[0] / 255, 4))
            else:
                from PIL import ImageCms

                pixel = ImageCms.applyTransform(Image.new("RGB", (1, 1), key), self._transform)
                value = tuple(round(v / 255, 4) for v in pixel.getpixel((0, 0)))
            self._colours[key] = value
        return self._colours[key]

    def image(self, image: Image.Image) -> Image.Image:
        from PIL import ImageCms

        return ImageCms.applyTransform(image.convert("RGB"), self._transform)


def _cmyk_color(coordinates, alpha):
    from tinycss2.color5 import Color

    return Color("device-cmyk", coordinates, alpha)


def _overprints(color) -> bool:
    if getattr(color, "space", None) != "device-cmyk" or color.alpha != 1:
        return False
    c, m, y, k = color.coordinates
    return c == m == y == 0 and k >= 1


def replacements(converter: Converter, originals: dict[str, object]) -> dict[str, object]:
    """The replacement of each patched function (by attribute path) for one press write."""
    set_color = originals["Stream.set_color"]
    draw_text = originals["draw_text"]
    get_x_object = originals["RasterImage.get_x_object"]
    interpolation = originals["Stream.create_interpolation_function"]

    def _set_color(self, color, stroke=False):
        if getattr(color, "space", None) in RGB_SPACES:
            r, g, b = color.to("srgb").coordinates
            color = _cmyk_color(converter.cmyk(r, g, b), color.alpha)
        return set_color(self, color, stroke)

    def _draw_text(stream, textbox, *args, **kwargs):
        color = textbox.style["color"]
        if getattr(color, "space", None) in RGB_SPACES:
            color = _cmyk_color(converter.cmyk(*color.to("srgb").coordinates), color.alpha)
        if not _overprints(color):
            return draw_text(stream, textbox, *args, **kwargs)
        states = stream._resources["ExtGState"]
        if OVERPRINT not in states:
            states[OVERPRINT] = pydyf.Dictionary(
                {"Type": "/ExtGState", "OP": "true", "op": "true", "OPM": 1}
            )
        with stream.stacked():
            # pydyf's own operator: WeasyPrint's set_state would add a resource per call.
            pydyf.Stream.set_state(stream, OVERPRINT)
            return draw_text(stream, textbox, *args, **kwargs)

    def _get_x_object(self, interpolate, dpi_ratio):
        if self.mode not in ("RGB", "RGBA"):
            return get_x_object(self, interpolate, dpi_ratio)
        return _cmyk_x_object(self, converter, interpolate, dpi_ratio)

    def _interpolation(domain, c0, c1, n):
        if len(c0) == 3 and len(c1) == 3:  # a colour gradient (an alpha one has one channel)
            c0, c1 = converter.cmyk(*c0), converter.cmyk(*c1)
        return interpolation(domain, c0, c1, n)

    return {
        "Stream.set_color": _set_color,
        "draw_text": _draw_text,
        "RasterImage.get_x_object": _get_x_object,
        # A static method on the class, as the engine's own.
        "Stream.create_interpolation_function": staticmethod(_interpolation),
    }


def _cmyk_x_object(raster, converter: Converter, interpolate: bool, dpi_ratio: float):
    image = Image.open(io.BytesIO(raster.image_data.data))
    image.load()
    if dpi_ratio != 1:
        image.thumbnail(
            (max(1, round(raster.width * dpi_ratio)), max(1, round(raster.height * dpi_ratio)))
        )
    alpha = None
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        image = image.convert("RGBA")
        alpha = image.getchannel("A")
        if alpha.getextrema() == (255, 255):
            alpha = None
    cmyk = converter.image(image)
    extra = pydyf.Dictionary(
        {
            "Type": "/XObject",
            "Subtype": "/Image",
            "Width": cmyk.width,
            "Height": cmyk.height,
            "ColorSpace": "/DeviceCMYK",
            "BitsPerComponent": 8,
            "Interpolate": "true" if interpolate else "false",
        }
    )
    if raster.format == "JPEG" and alpha is None:
        out = io.BytesIO()
        cmyk.save(out, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
        data = out.getvalue()
        # Pillow writes Adobe CMYK JPEGs (APP14) inverted: the Decode array turns them back,
        # as WeasyPrint does for such files.
        if "APP14" in getattr(Image.open(io.BytesIO(data)), "app", {}):
            extra["Decode"] = pydyf.Array((1, 0) * 4)
        extra["Filter"] = "/DCTDecode"
        return pydyf.Stream([data], extra)
    if alpha is not None:
        extra["SMask"] = pydyf.Stream(
            [alpha.tobytes()],
            pydyf.Dictionary(
                {
                    "Type": "/XObject",
                    "Subtype": "/Image",
                    "Width": alpha.width,
                    "Height": alpha.height,
                    "ColorSpace": "/DeviceGray",
                    "BitsPerComponent": 8,
                }
            ),
            compress=True,
        )
    return pydyf.Stream([cmyk.tobytes()], extra, compress=True)


def color_profile(converter: Converter):
    """The profile as WeasyPrint's ``@color-profile device-cmyk`` would give it."""
    from weasyprint.css import ColorProfile

    return ColorProfile(
        io.BytesIO(converter.data),
        converter.profile.name,
        converter.intent,
        (["c"], ["m"], ["y"], ["k"]),
    )
