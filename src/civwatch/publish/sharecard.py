"""Share cards: a 1200 x 630 PNG per published incident for posts on social networks.

The card shows the title, date, place, casualty figures as ranges and the organisation's
name, all taken from the public projection (:mod:`civwatch.publish.public`), so nothing
internal can reach it. Its words, date and place names are in the language in force (the
page's: ``card.png?lang=uk``). Text is set in a typeface with Cyrillic letters
(:mod:`civwatch.publish.fonts`: DejaVu Sans from Debian ``fonts-dejavu-core``). A card is a
derivative: it is made once per content and kept in ``<data>/cache/sharecards/`` under the
SHA-256 of what it shows (its language included), so a correction makes a new card and an
unchanged incident reuses the old one.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from civwatch.files import write_atomic
from civwatch.geo.place_names import place_label, place_name
from civwatch.i18n import _, current_language, use_language
from civwatch.i18n.formatting import format_date, format_figure, in_ukraine
from civwatch.publish.fonts import Font, font

SIZE = (1200, 630)
#: Bump when the drawing changes, so cached cards are redrawn.
CARD_VERSION = 2

BACKGROUND = (250, 248, 244)
INK = (17, 17, 17)
ACCENT = (140, 29, 24)
MUTED = (70, 70, 70)


def wrap_text(
    draw: ImageDraw.ImageDraw, text: str, face: Font, width: int, lines: int
) -> list[str]:
    """``text`` broken into at most ``lines`` lines of at most ``width`` px, the last one cut
    with an ellipsis when the text is longer (also the campaigns' share images)."""
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
    """ "3", "3–5" (numbers written for the language in force), or None without a figure."""
    return format_figure(figure) or None


def _place(incident: Mapping[str, Any], language: str) -> str:
    location = incident.get("location") or {}
    if location.get("place"):
        return place_label(str(location["place"]), language)
    parts = (incident.get("settlement"), incident.get("oblast"))
    return ", ".join(place_name(str(p), language) for p in parts if p)


def card_lines(
    incident: Mapping[str, Any], organisation: str, language: str | None = None
) -> dict[str, Any]:
    """What a card shows, as text in ``language`` (default: the one in force); the cache
    key is made from this."""
    with use_language(language or current_language()) as lang:
        casualties = incident.get("casualties") or {}
        killed = figure_text(casualties.get("killed"))
        injured = figure_text(casualties.get("injured"))
        figures = []
        if killed is not None:
            figures.append(_("Killed: %(figure)s", figure=killed))
        if injured is not None:
            figures.append(_("Injured: %(figure)s", figure=injured))
        return {
            "v": CARD_VERSION,
            "lang": lang,
            "title": str(incident.get("title") or ""),
            "date": format_date(incident.get("start"), kyiv=in_ukraine(incident)),
            "place": _place(incident, lang),
            "figures": [str(f) for f in figures] or [str(_("Casualties: not known"))],
            "organisation": organisation,
            "kicker": str(_("Verified incident report")),
            "note": str(_("Figures are ranges: the lowest and highest credible count.")),
            "id": incident.get("id"),
        }


def draw_card(lines: Mapping[str, Any]) -> bytes:
    """The PNG of a card."""
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, SIZE[1]), fill=ACCENT)
    margin, width = 72, SIZE[0] - 72 - 60
    draw.text((margin, 48), lines["organisation"], font=font(30, bold=True), fill=ACCENT)
    draw.text((margin, 92), lines["kicker"], font=font(24), fill=MUTED)
    title_face = font(54, bold=True)
    y = 150
    for line in wrap_text(draw, lines["title"], title_face, width, 3):
        draw.text((margin, y), line, font=title_face, fill=INK)
        y += 66
    y += 16
    meta = " · ".join(p for p in (lines["date"], lines["place"]) if p)
    for line in wrap_text(draw, meta, font(32), width, 2):
        draw.text((margin, y), line, font=font(32), fill=INK)
        y += 42
    figures_face = font(40, bold=True)
    figures = wrap_text(draw, " · ".join(lines["figures"]), figures_face, width, 1)[0]
    draw.text((margin, SIZE[1] - 110), figures, font=figures_face, fill=ACCENT)
    note = wrap_text(draw, lines["note"], font(22), width, 1)[0]
    draw.text((margin, SIZE[1] - 52), note, font=font(22), fill=MUTED)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def share_card(
    data_dir: Path, incident: Mapping[str, Any], organisation: str, language: str | None = None
) -> bytes:
    """The card of a public incident in ``language`` (default: the one in force), drawn
    once per content and then read from the cache."""
    lines = card_lines(incident, organisation, language)
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
