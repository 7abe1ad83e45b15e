"""The typeface of the pictures civwatch draws itself (share images, chart label widths).

Ukrainian needs Cyrillic glyphs: a font without them draws empty boxes ("tofu"). DejaVu
Sans (Debian ``fonts-dejavu-core``, installed by ``scripts/system-deps`` and CI) covers
Latin and Cyrillic, and is what the PDF reports use too (through fontconfig); Noto Sans
and Liberation Sans are taken when DejaVu is missing. Only when none is installed does a
picture fall back to Pillow's built-in font, which has Latin letters only.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/noto"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/liberation"),
    Path("/usr/local/share/fonts"),
)
#: Typefaces with Latin and Cyrillic letters, best first: (regular, bold) file names.
FACES = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
)
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def font_file(bold: bool = False) -> Path | None:
    """The file of the first installed typeface with Cyrillic letters, or None."""
    for regular, heavy in FACES:
        for folder in FONT_DIRS:
            path = folder / (heavy if bold else regular)
            if path.is_file():
                return path
    return None


@cache
def _face(path: Path | None, size: int) -> Font:
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def font(size: int, *, bold: bool = False) -> Font:
    """The typeface at ``size`` px (Pillow's built-in font if none is installed)."""
    return _face(font_file(bold), size)


def text_width(text: str, size: int, *, bold: bool = False) -> float:
    """How wide ``text`` is at ``size`` px in the typeface (for laying out SVG charts,
    which browsers and WeasyPrint draw in the same face)."""
    return float(font(size, bold=bold).getlength(text))


def fit(text: str, size: int, width: float) -> str:
    """``text`` cut with an ellipsis so that it is at most ``width`` px wide."""
    if text_width(text, size) <= width:
        return text
    cut = text
    while cut and text_width(cut + "…", size) > width:
        cut = cut[:-1]
    return cut.rstrip() + "…"
