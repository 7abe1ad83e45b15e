"""A campaign's share images: the three sizes people post, the line in the page's language
(Cyrillic with real glyphs), a long title made to fit, cached per content, and drawn from
the campaign's public fields only."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from civwatch.campaigns import share_images
from civwatch.errors import NotFoundError

LONG_UK = (
    "Попросіть Генеральну Асамблею ООН вимагати безпечного повернення кожної української "
    "дитини, депортованої до Росії та Білорусі з 2022 року, і покарання винних у цьому злочині"
)
CAMPAIGN = {
    "id": 7,
    "kind": "petition",
    "title": "Protect Kharkiv's hospitals",
    "titles": {"uk": "Захистіть лікарні Харкова", "en": "Protect Kharkiv's hospitals"},
}


@pytest.mark.parametrize("size", sorted(share_images.SIZES))
@pytest.mark.parametrize("lang", ["uk", "en"])
def test_every_size_in_both_languages(size: str, lang: str) -> None:
    text = share_images.share_text(CAMPAIGN, "Правозахисна група", "example.org/c/7", lang)
    png = share_images.draw_share_image(text, size)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == share_images.SIZES[size]
    assert text.line == CAMPAIGN["titles"][lang]
    assert text.kicker == ("Підпишіть петицію" if lang == "uk" else "Sign the petition")


def test_long_title_is_shrunk_to_fit_and_never_runs_off_the_image() -> None:
    text = share_images.share_text({"kind": "letter", "title": LONG_UK}, "Org", "x.org", "uk")
    for size, (width, _height) in share_images.SIZES.items():
        png = share_images.draw_share_image(text, size)
        with Image.open(io.BytesIO(png)).convert("RGB") as image:
            # the right-hand margin stays background: nothing was drawn past the line width
            strip = image.crop((width - 40, 0, width, image.size[1]))
            plain = Image.new("RGB", strip.size, share_images.BACKGROUND)
            assert ImageChops.difference(strip, plain).getbbox() is None, size


def test_cyrillic_draws_real_glyphs() -> None:
    one = share_images.ShareText("uk", "О", "К", "Ж", "", "")
    other = share_images.ShareText("uk", "О", "К", "Щ", "", "")
    assert share_images.draw_share_image(one, "wide") != share_images.draw_share_image(
        other, "wide"
    )


def test_images_are_cached_per_content_size_and_language(tmp_path: Path) -> None:
    uk = share_images.share_text(CAMPAIGN, "Org", "x.org", "uk")
    en = share_images.share_text(CAMPAIGN, "Org", "x.org", "en")
    first = share_images.share_image(tmp_path, uk, "square")
    assert share_images.share_image(tmp_path, uk, "square") == first
    share_images.share_image(tmp_path, en, "square")
    share_images.share_image(tmp_path, uk, "wide")
    assert len(list((tmp_path / "cache" / "campaign-images").glob("*.png"))) == 3


def test_an_unknown_size_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        share_images.check_size("../../etc/passwd")


def test_only_public_campaign_fields_reach_the_renderer() -> None:
    """Whatever else a mapping carries (signers, counts, targets' addresses), the image is
    made from the organisation, the kind, the title and the page's address alone."""
    marker = "SIGNER-MARKER-5f1c"
    campaign = {
        **CAMPAIGN,
        "signers": [{"name": marker, "email": f"{marker}@example.org"}],
        "comment": marker,
        "targets": [{"email": f"{marker}@un.example"}],
    }
    text = share_images.share_text(campaign, "Org", "x.org/campaigns/7", "en")
    assert marker not in repr(text)
