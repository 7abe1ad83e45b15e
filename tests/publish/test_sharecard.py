"""Share images in Ukrainian and English: words, dates and place names in the language,
and Cyrillic drawn with real glyphs, never empty boxes ("tofu")."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw

from civwatch.geo.gazetteer import Gazetteer
from civwatch.publish import fonts, sharecard
from civwatch.publish.public import public_incident
from civwatch.workspace import Workspace
from tests.incidents.helpers import gazetteer_cache, places, team  # noqa: F401
from tests.publish.published import marked_incident

UKRAINIAN_TITLE = "Ракетний удар по школі в Харкові: поранено вчительку й чотирьох дітей"


@pytest.fixture
def school(team: Workspace, places: Gazetteer, tmp_path: Path) -> dict[str, Any]:  # noqa: F811
    """The public view of a strike on a school in Kharkiv, 9 March 2022 11:05 UTC."""
    return dict(public_incident(team, marked_incident(team, places, tmp_path).incident_id))


def _plain(text: str) -> str:
    return re.sub("[\u00a0\u202f]", " ", text)


def test_card_speaks_the_language_asked(team: Workspace, school: dict[str, Any]) -> None:  # noqa: F811
    uk = sharecard.card_lines(school, "Правозахисна група", "uk")
    assert uk["lang"] == "uk" and uk["kicker"] == "Перевірений інцидент"
    assert _plain(uk["date"]) == "9 березня 2022 р."
    assert uk["place"].startswith("Харків") and "Kharkiv" not in uk["place"]
    assert uk["figures"] == ["Загинули: 1–3", "Поранені: 4–9"]
    assert uk["note"].startswith("Цифри подано діапазоном")
    en = sharecard.card_lines(school, "Rights group", "en")
    assert en["figures"] == ["Killed: 1–3", "Injured: 4–9"] and en["date"] == "9 March 2022"
    assert en["place"].startswith("Kharkiv") and en["kicker"] == "Verified incident report"
    # one card per language: the language is part of what the cache key is made from
    first = sharecard.share_card(team.data_dir, school, "Org", "uk")
    second = sharecard.share_card(team.data_dir, school, "Org", "en")
    assert first != second
    assert len(list((team.data_dir / "cache" / "sharecards").glob("*.png"))) == 2


def _is_tofu(face: fonts.Font, letters: str) -> bool:
    """Whether ``face`` draws these different letters all alike (empty boxes)."""
    masks = {bytes(face.getmask(letter)) for letter in letters}
    return len(masks) == 1


def test_card_draws_cyrillic_with_real_glyphs(school: dict[str, Any]) -> None:
    lines = {**sharecard.card_lines(school, "Правозахисна група", "uk"), "title": UKRAINIAN_TITLE}
    png = sharecard.draw_card(lines)
    card = Image.open(io.BytesIO(png)).convert("RGB")
    # the typeface of the card covers every letter it shows (its cmap, read by fontTools)
    for bold in (False, True):
        path = fonts.font_file(bold)
        assert path is not None, "no font with Cyrillic letters: install fonts-dejavu-core"
        covered = TTFont(path).getBestCmap()
        shown = "".join(str(v) for v in lines.values() if isinstance(v, str))
        shown += "".join(lines["figures"])
        assert {c for c in shown if not c.isspace()} <= {chr(c) for c in covered}
    title_face = fonts.font(54, bold=True)
    assert not _is_tofu(title_face, "ЖЩЇєґ")
    # the title region is exactly the title drawn in that face: letters, not boxes
    reference = Image.new("RGB", card.size, sharecard.BACKGROUND)
    draw = ImageDraw.Draw(reference)
    wrapped = sharecard.wrap_text(draw, UKRAINIAN_TITLE, title_face, 1200 - 72 - 60, 3)
    assert wrapped[0].startswith("Ракетний удар")
    for n, line in enumerate(wrapped):
        draw.text((72, 150 + 66 * n), line, font=title_face, fill=sharecard.INK)
    region = (72, 150, 1200 - 60, 150 + 66 * len(wrapped))
    assert ImageChops.difference(card.crop(region), reference.crop(region)).getbbox() is None
    # and that region is not blank
    assert len(card.crop(region).getcolors(1_000_000) or []) > 20


def test_the_tofu_check_catches_a_font_without_cyrillic() -> None:
    # Pillow's built-in font has Latin letters only: every Cyrillic letter is the same box
    from PIL import ImageFont

    assert _is_tofu(ImageFont.load_default(54), "ЖЩЇєґ")
    assert not _is_tofu(ImageFont.load_default(54), "ABCDE")
