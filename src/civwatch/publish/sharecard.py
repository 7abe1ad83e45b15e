"""Share cards: a 1200 x 630 PNG per published incident for posts on social networks.

The card shows the title, date, place, casualty figures as ranges and the organisation's
name, all taken from the public projection (:mod:`civwatch.publish.public`), so nothing
internal can reach it. Text is set in DejaVu Sans when the system has it (Debian
``fonts-dejavu-core``), else in Pillow's built-in font. A card is a derivative: it is made
once per content and kept in ``<data>/cache/sharecards/`` under the SHA-256 of what it
shows, so a correction makes a new card and an unchanged incident reuses the old one.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from civwatch.files import write_atomic
from civwatch.publish.charts import start_of

SIZE = (1200, 630)
#: Bump when the drawing changes, so cached cards are redrawn.
CARD_VERSION = 1
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

BACKGROUND = (250, 248, 244)
INK = (17, 17, 17)
ACCENT = (140, 29, 24)
MUTED = (70, 70, 70)


@cache
def _font_file(bold: bool) -> Path | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
    return None


def font(size: int, *, bold: bool = False) -> Font:
    """DejaVu Sans at ``size`` px, or Pillow's default font if DejaVu is not installed."""
    path = _font_file(bold)
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int, lines: int) -> list[str]:
    """``text`` broken into at most ``lines`` lines of at most ``width`` px (ellipsis)."""
    words = text.split()
    out: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=face) <= width or not current:
            current = trial
            continue
        out.append(current)
        current = word
        if len(out) == lines:
            break
    if current and len(out) < lines:
        out.append(current)
    used = " ".join(out)
    if len(used) < len(" ".join(words)):
        last = out[-1]
        while last and draw.textlength(last + "…", font=face) > width:
            last = last[:-1]
        out[-1] = last.rstrip() + "…"
    return out


def figure_text(figure: Mapping[str, Any] | None) -> str | None:
    """ "3", "3–5", or None when there is no figure."""
    if not figure or figure.get("min") is None:
        return None
    low = int(figure["min"])
    given = figure.get("max")
    high = low if given is None else int(given)
    return str(low) if low == high else f"{low}–{high}"


def card_lines(incident: Mapping[str, Any], organisation: str) -> dict[str, Any]:
    """What a card shows, as text (the cache key is made from this)."""
    when = start_of(incident)
    location = incident.get("location") or {}
    place = location.get("place") or ", ".join(
        p for p in (incident.get("settlement"), incident.get("oblast")) if p
    )
    casualties = incident.get("casualties") or {}
    figures = []
    for kind in ("killed", "injured"):
        text = figure_text(casualties.get(kind))
        if text is not None:
            figures.append(f"{kind.capitalize()}: {text}")
    return {
        "v": CARD_VERSION,
        "title": str(incident.get("title") or ""),
        "date": when.strftime("%-d %B %Y"),
        "place": str(place or ""),
        "figures": figures or ["Casualties: not known"],
        "organisation": organisation,
        "id": incident.get("id"),
    }


def draw_card(lines: Mapping[str, Any]) -> bytes:
    """The PNG of a card."""
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, SIZE[1]), fill=ACCENT)
    margin, width = 72, SIZE[0] - 72 - 60
    draw.text((margin, 48), lines["organisation"], font=font(30, bold=True), fill=ACCENT)
    draw.text((margin, 92), "Verified incident report", font=font(24), fill=MUTED)
    title_face = font(54, bold=True)
    y = 150
    for line in _wrap(draw, lines["title"], title_face, width, 3):
        draw.text((margin, y), line, font=title_face, fill=INK)
        y += 66
    y += 16
    meta = " · ".join(p for p in (lines["date"], lines["place"]) if p)
    for line in _wrap(draw, meta, font(32), width, 2):
        draw.text((margin, y), line, font=font(32), fill=INK)
        y += 42
    figures_face = font(40, bold=True)
    draw.text((margin, SIZE[1] - 110), "   ".join(lines["figures"]), font=figures_face, fill=ACCENT)
    draw.text(
        (margin, SIZE[1] - 52),
        "Figures are ranges: the lowest and highest credible count.",
        font=font(22),
        fill=MUTED,
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def share_card(data_dir: Path, incident: Mapping[str, Any], organisation: str) -> bytes:
    """The card of a public incident, drawn once per content and then read from the cache."""
    lines = card_lines(incident, organisation)
    key = hashlib.sha256(json.dumps(lines, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    folder = data_dir / "cache" / "sharecards"
    path = folder / f"{key}.png"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    png = draw_card(lines)
    write_atomic(path, png)
    return png
